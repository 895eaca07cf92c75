#!/usr/bin/env bash
# Fails when a program in the Debian package links a library whose Debian package the package
# does not depend on: `apt install ./Ferry_….deb` would then leave a program that cannot
# start. Also fails when a library cannot be found at all, or when a declared dependency is no
# package installed here (a typo in tauri.conf.json). The fix is named in the message.
#
# Usage: tests/deb/check-depends.sh ROOT   (ROOT: the package unpacked with `dpkg-deb -R`)
set -euo pipefail
root=$(realpath "$1")
[ -f "$root/DEBIAN/control" ] || { echo "$root/DEBIAN/control is missing: unpack with dpkg-deb -R" >&2; exit 2; }

# Package names of a Depends-style list, without versions; of `a | b` the first.
names() { tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' | grep -v '^$' | sort -u; }

declared=$(sed -n 's/^Depends: //p' "$root/DEBIAN/control" | names)
mapfile -t programs < <(find "$root/usr" -type f -perm -u+x -exec sh -c 'file -b "$1" | grep -q "^ELF"' _ {} \; -print | sort)
[ ${#programs[@]} -gt 0 ] || { echo "no program found under $root/usr" >&2; exit 1; }

status=0
for p in "${programs[@]}"; do
  if ldd "$p" | grep -q 'not found'; then
    echo "${p#"$root"} needs a library this machine lacks:" >&2
    ldd "$p" | grep 'not found' >&2
    status=1
  fi
done

# dpkg-shlibdeps maps each library a program links (its NEEDED entries) to the package that
# ships it, as Debian's own packages are built. It needs a debian/control to exist, nothing in it.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/debian" && touch "$work/debian/control"
args=()
for p in "${programs[@]}"; do args+=(-e "$p"); done
# NOTE: it warns that an unpacked root is not a package's build folder; that changes nothing.
shlibs=$(cd "$work" && dpkg-shlibdeps -O "${args[@]}" 2> >(grep -v "installed in their package's directory" >&2))
needed=$(sed -n 's/^shlibs:Depends=//p' <<<"$shlibs" | names)
[ -n "$needed" ] || { echo "dpkg-shlibdeps named no library: $shlibs" >&2; exit 1; }

missing=$(comm -23 <(echo "$needed") <(echo "$declared"))
if [ -n "$missing" ]; then
  echo "The package does not depend on packages whose libraries its programs link:" >&2
  sed 's/^/  /' <<<"$missing" >&2
  echo "Add them to bundle.linux.deb.depends in tauri.conf.json." >&2
  status=1
fi
for d in $declared; do
  if ! dpkg-query -W -f='${Status}\n' "$d" 2>/dev/null | grep -q 'install ok installed'; then
    echo "The package depends on $d, which is no package installed on this machine: check its name in tauri.conf.json." >&2
    status=1
  fi
done
[ $status -eq 0 ] || exit $status
echo "Programs: $(printf '%s ' "${programs[@]#"$root"}")"
echo "They link libraries from: $(echo $needed)"
echo "The package depends on: $(echo $declared)"
