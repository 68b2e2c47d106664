//! remit-desktop: the Tauri 2 shell. Each command is a one-line adapter over remit-client;
//! errors cross IPC as `{code, message}`. No business rule lives here.

mod commands;

pub use commands::CommandError;

/// Starts the app: desktop `main` and the mobile entry point both come here.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![commands::quote])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        eprintln!("remit-desktop: {err}");
        std::process::exit(1);
    }
}
