//! Generates Tauri's context. Capabilities live under src-tauri/ (the root holds only what the
//! design card fixes), so their location is given explicitly. Also records the commit the app
//! is built from, for the About box.

#[path = "build_commit.rs"]
mod build_commit;

fn main() {
    build_commit::emit();
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*"),
    )
    .expect("tauri-build failed");
}
