//! The commit a binary is built from, for `ferry --version` and the app's About box: a build
//! script calls [`emit`], and the crate reads `env!("FERRY_COMMIT")`.
//!
//! Shared by the app's and the CLI's build scripts through `#[path]`, since build scripts have
//! no crate of their own to share it in.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Sets `FERRY_COMMIT` to the short hash of HEAD, or "unknown" outside a git checkout (a
/// source tarball, or no git installed), and asks cargo to run the script again when HEAD
/// moves, so a binary never names a commit it was not built from.
pub fn emit() {
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=FERRY_COMMIT={commit}");
    // NOTE: HEAD changes on a checkout, the branch's ref on a commit, and packed-refs when git
    // packs that ref away; `--git-path` finds each in a linked worktree too. A path that does
    // not exist is left out: cargo would then run the script on every build.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--git-path", &name]).map(absolute) {
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

/// `--git-path` answers relative to the working directory, which for a build script is its
/// package's folder.
fn absolute(path: String) -> PathBuf {
    let path = Path::new(&path);
    std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}
