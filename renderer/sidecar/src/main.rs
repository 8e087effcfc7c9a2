//! The `alertgraph-renderer` binary: read the settings, start logging, serve until SIGTERM
//! or Ctrl-C.

mod settings;

use std::process::ExitCode;

use alertgraph_renderer_sidecar::{serve, Config};
use settings::Settings;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let settings = match Settings::from_lookup(|name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("alertgraph-renderer: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = init_logging(settings.log_json) {
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
        serve(listener, Config::default(), stop_signal()).await;
        ExitCode::SUCCESS
    })
}

/// RUST_LOG filters (default `info`); LOG_JSON=true writes one JSON object per line.
fn init_logging(json: bool) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => {
            EnvFilter::try_new(&v).map_err(|e| format!("invalid setting RUST_LOG: {v:?}: {e}"))?
        }
        _ => EnvFilter::new("info"),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if json {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
    Ok(())
}

async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("installing the SIGTERM handler");
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    };
    tracing::info!(signal = name, "stopping: no new connections");
}
