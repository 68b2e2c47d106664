//! remit-desktop: the Tauri 2 shell. Each command is a one-line adapter over remit-client;
//! errors cross IPC as `{code, message}`. No business rule lives here.

#[cfg(test)]
mod bindings;
mod commands;
mod connection;
mod engine;
mod events;
mod invoice_actions;
mod reconcile;
mod team;

pub use commands::CommandError;
use tauri::Manager;

/// Where the replica lives: `$REMIT_DATA_DIR`, else `remit` in the platform's data folder
/// (on Linux `$XDG_DATA_HOME/remit`, the `remit` CLI's default too, so both see one replica).
fn data_dir(app: &tauri::App) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os("REMIT_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(dir.into());
    }
    Ok(app.path().data_dir()?.join("remit"))
}

/// Lists and forms gain nothing from WebKit's accelerated compositing, and where there is no
/// GPU (virtual machines, remote desktops, this project's CI) its software fallback costs the
/// web process about 110 MB (bench/RESULTS.md, desktop). `REMIT_COMPOSITING=1` keeps it.
/// One page that never navigates needs no page cache or large memory caches either: WebKit's
/// "document viewer" cache model keeps them smallest.
#[cfg(target_os = "linux")]
fn tune_webkit(app: &tauri::App) {
    let compositing = std::env::var_os("REMIT_COMPOSITING").is_some_and(|v| v == "1");
    for window in app.webview_windows().values() {
        let done = window.with_webview(move |webview| {
            use webkit2gtk::{SettingsExt, WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
            }
            if let Some(settings) = webview.inner().settings() {
                settings.set_enable_page_cache(false);
                if !compositing {
                    settings.set_hardware_acceleration_policy(webkit2gtk::HardwareAccelerationPolicy::Never);
                }
            }
        });
        if let Err(e) = done {
            eprintln!("remit-desktop: WebKit keeps its default settings: {e}");
        }
    }
}

/// Starts the app: desktop `main` and the mobile entry point both come here.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let dir = data_dir(app)?;
            let engine =
                engine::Engine::open(&dir).map_err(|e| format!("{}: {} ({})", dir.display(), e.message, e.code))?;
            engine.warm_up();
            app.manage(engine);
            #[cfg(target_os = "linux")]
            tune_webkit(app);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::quote,
            commands::customers,
            commands::products,
            commands::create_product,
            commands::create_customer,
            commands::invoice_page,
            commands::dashboard,
            commands::invoice,
            commands::create_invoice,
            commands::issue_invoice,
            commands::record_payment,
            commands::save_pdf,
            connection::company_profile,
            connection::set_company_profile,
            connection::connect,
            connection::sync_now,
            connection::connection,
            invoice_actions::save_draft,
            invoice_actions::delete_draft,
            invoice_actions::timeline,
            invoice_actions::payments,
            invoice_actions::invoice_on_server,
            invoice_actions::portal_link,
            invoice_actions::tax_rates,
            invoice_actions::set_tax_rates,
            invoice_actions::resolve_conflict,
            team::numbering,
            team::lease_policy,
            team::set_lease_policy,
            team::users,
            team::add_user,
            reconcile::import_statement,
            reconcile::reconcile_run,
            reconcile::bank_credits,
            reconcile::credit_action,
            reconcile::approve_suggestions,
            reconcile::reconcile_report,
        ])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        eprintln!("remit-desktop: {err}");
        std::process::exit(1);
    }
}
