//! The `alertgraph` binary: read the settings, start logging, serve until SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;

fn main() -> ExitCode {
    let config = match alertgraph::config::Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("alertgraph: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = alertgraph::logging::init(config.log_json) {
        eprintln!("alertgraph: {e}");
        return ExitCode::from(2);
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
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("alertgraph: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: alertgraph::config::Config) -> anyhow::Result<()> {
    tracing::debug!(?config, "settings");
    if !config.variables.contains_key("slack_bot_token") {
        tracing::warn!("SLACK_BOT_TOKEN is not set: alerts are stored but not posted to Slack");
    }
    let app = alertgraph::runtime::App::new(&config)?;
    alertgraph::drain::spawn(
        app.clone(),
        config.drain_every,
        config.variables["drain_token"].clone(),
    );
    let addr = SocketAddr::new(config.listen_host, config.port);
    let listener = alertgraph::server::bind(addr).await?;
    tracing::info!(
        addr = %listener.local_addr()?,
        database = %config.database.path.display(),
        "alertgraph listening"
    );
    alertgraph::server::serve(app, listener).await
}
