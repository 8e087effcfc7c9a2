//! The `alertgraph-renderer` binary: read the settings, start logging, serve until SIGTERM
//! or Ctrl-C.

mod settings;

use std::process::ExitCode;

use alertgraph_renderer_sidecar::{serve, Config};
use settings::Settings;

fn main() -> ExitCode {
    let settings = match Settings::from_lookup(|name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("alertgraph-renderer: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = alertgraph_serve::init_logging("info", settings.log_json) {
        eprintln!("alertgraph-renderer: {e}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("alertgraph-renderer: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(settings.listen).await {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!(
                    "alertgraph-renderer: cannot listen on {}: {e}",
                    settings.listen
                );
                return ExitCode::FAILURE;
            }
        };
        if let Ok(addr) = listener.local_addr() {
            tracing::info!(%addr, "alertgraph-renderer listening");
        }
        serve(listener, Config::default(), alertgraph_serve::stop_signal()).await;
        ExitCode::SUCCESS
    })
}
