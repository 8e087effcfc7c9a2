//! The HTTP/1.1 listener: every request goes to a fresh component instance; SIGTERM or
//! Ctrl-C stops accepting, lets open requests and post-response work finish, then exits.

use crate::runtime::App;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// A client that has not sent its headers by then is dropped (slow-loris guard).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a stop waits for open requests and their post-response work.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(25);

pub async fn serve(app: Arc<App>, listener: TcpListener) -> anyhow::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(shutdown_signal());
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
            signal = &mut stop => {
                tracing::info!(%signal, "stopping: no new connections");
                break;
            }
        };
        let _ = stream.set_nodelay(true);
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(TokioIo::new(stream), service(app.clone()));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, error = %e, "connection closed with an error");
            }
        });
    }
    drop(listener);
    let connections = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
    let instances = app.drain(SHUTDOWN_GRACE).await;
    if connections.is_ok() && instances {
        tracing::info!("stopped cleanly");
    } else {
        tracing::warn!("stopped with work still running after {SHUTDOWN_GRACE:?}");
    }
    Ok(())
}

fn service(
    app: Arc<App>,
) -> impl hyper::service::Service<
    hyper::Request<hyper::body::Incoming>,
    Response = hyper::Response<wasmtime_wasi_http::p2::body::HyperOutgoingBody>,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone {
    hyper::service::service_fn(move |req| {
        let app = app.clone();
        async move { Ok(app.handle(req).await) }
    })
}

pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))
}

async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).expect("installing the SIGTERM handler");
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    }
}
