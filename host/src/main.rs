//! The `alertgraph` binary: read the settings, start logging, serve until SIGTERM.

use alertgraph::config::{Config, Storage};
use alertgraph::runtime::App;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// Without RUST_LOG: info for alertgraph, warnings for the runtime's crates.
const LOG_FILTER: &str = "info,wasmtime=warn,cranelift=warn,wasmtime_wasi_http=warn";

fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("alertgraph: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = alertgraph_serve::init_logging(LOG_FILTER, config.log_json) {
        eprintln!("alertgraph: {e}");
        return ExitCode::from(2);
    }
    // SQLite's temporary files (a VACUUM copies the whole database) go beside the database,
    // where the room is, not to a small /tmp. Set while this process has one thread.
    if let (None, Storage::File(database)) = (std::env::var_os("SQLITE_TMPDIR"), &config.storage) {
        let dir = alertgraph::database_file::directory(&database.path);
        std::env::set_var("SQLITE_TMPDIR", dir);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("alertgraph: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _inside = runtime.enter();
    let app = match &config.component {
        None => App::new(&config),
        Some(path) => match component_app(&config, path) {
            Ok(app) => Ok(app),
            Err(e) => {
                eprintln!("alertgraph: invalid setting COMPONENT_PATH: {e:#}");
                return ExitCode::from(2);
            }
        },
    };
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("alertgraph: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config, app)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alertgraph: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The component file at `path` instead of the embedded one.
fn component_app(config: &Config, path: &Path) -> anyhow::Result<Arc<App>> {
    let wasm = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    App::with_component(config, &wasm).with_context(|| format!("cannot run {}", path.display()))
}

async fn run(config: Config, app: Arc<App>) -> anyhow::Result<()> {
    tracing::debug!(?config, "settings");
    app.check_database().await?;
    if !config.variables.contains_key("slack_bot_token") {
        tracing::warn!("SLACK_BOT_TOKEN is not set: alerts are stored but not posted to Slack");
    }
    if !config.variables.contains_key("webhook_token") {
        tracing::warn!(
            "WEBHOOK_TOKEN is not set: POST /api/alerts takes webhooks from anyone who can reach it"
        );
    }
    for variable in config.short_tokens() {
        tracing::warn!("{variable} is shorter than 16 characters: a guessable token");
    }
    alertgraph::drain::spawn(
        app.clone(),
        config.drain_every,
        config.variables["drain_token"].clone(),
    );
    let addr = SocketAddr::new(config.listen_host, config.port);
    let listener = alertgraph::server::bind(addr).await?;
    tracing::info!(
        addr = %listener.local_addr()?,
        database = %config.storage,
        "alertgraph listening"
    );
    alertgraph::server::serve(app, listener).await
}
