fn main() {
    // tauri-build embeds ../ui/dist; say how to make it rather than fail obscurely.
    if !std::path::Path::new("../ui/dist/index.html").exists() {
        println!(
            "cargo::error=ui/dist is missing: run `npm --prefix ui ci && npm --prefix ui run build` first (scripts/run does)"
        );
        return;
    }
    tauri_build::build()
}
