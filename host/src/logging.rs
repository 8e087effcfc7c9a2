//! Logs to stderr: human-readable by default, one JSON object per line with LOG_JSON=true;
//! RUST_LOG filters (default: info for alertgraph, warnings for the runtime's crates).

use tracing_subscriber::EnvFilter;

const DEFAULT_FILTER: &str = "info,wasmtime=warn,cranelift=warn,wasmtime_wasi_http=warn";

pub fn init(json: bool) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => {
            EnvFilter::try_new(&v).map_err(|e| format!("invalid setting RUST_LOG: {v:?}: {e}"))?
        }
        _ => EnvFilter::new(DEFAULT_FILTER),
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
