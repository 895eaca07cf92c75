//! Records the commit `ferry` is built from, for `ferry --version`.

#[path = "../build_commit.rs"]
mod build_commit;

fn main() {
    build_commit::emit();
}
