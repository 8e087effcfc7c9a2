//! `alertgraph-serve`: the process plumbing of the two native binaries, the host
//! (`alertgraph`) and the renderer sidecar (`alertgraph-renderer`), kept in one place so
//! that both log, stop and accept connections the same way.
//!
//! - [`init_logging`]: logs to stderr, human-readable or one JSON object per line
//!   (`LOG_JSON`), filtered by `RUST_LOG` or the binary's default.
//! - [`stop_signal`]: resolves on SIGTERM or Ctrl-C.
//! - [`serve_http1`]: the HTTP/1.1 accept loop, each connection under a header-read timeout,
//!   until a stop; then it waits a grace period for the open connections.
//!
//! What each binary serves, and what else it drains on a stop, stays in that binary.

use std::error::Error as StdError;
use std::future::Future;
use std::time::Duration;

use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::Service;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// A client that has not sent its headers by then is dropped (slow-loris guard).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Logs to stderr (colours only on a terminal): one JSON object per line when `json`.
/// A non-blank `RUST_LOG` filters; otherwise `default_filter` does.
pub fn init_logging(default_filter: &str, json: bool) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => {
            EnvFilter::try_new(&v).map_err(|e| format!("invalid setting RUST_LOG: {v:?}: {e}"))?
        }
        _ => EnvFilter::new(default_filter),
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

/// Resolves on SIGTERM or Ctrl-C (SIGINT), and logs which one came.
pub async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("installing the SIGTERM handler");
    let signal = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    };
    tracing::info!(%signal, "stopping: no new connections");
}

/// Serves HTTP/1.1 on `listener`, a clone of `service` per connection, until `stop`
/// resolves; then closes the listener and waits at most `grace` for the open connections.
/// True when they all finished in time.
pub async fn serve_http1<S, B>(
    listener: TcpListener,
    service: S,
    stop: impl Future<Output = ()>,
    grace: Duration,
) -> bool
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn StdError + Send + Sync>>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(TokioIo::new(stream), service.clone());
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection closed with an error");
            }
        });
    }
    drop(listener);
    tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_ok()
}
