//! The HTTP/1.1 listener: every request goes to a fresh component instance; SIGTERM or
//! Ctrl-C stops accepting, lets open requests and post-response work finish, then exits.

use crate::runtime::App;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long a stop waits for open requests and their post-response work.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(25);

pub async fn serve(app: Arc<App>, listener: TcpListener) -> anyhow::Result<()> {
    let connections = alertgraph_serve::serve_http1(
        listener,
        service(app.clone()),
        alertgraph_serve::stop_signal(),
        SHUTDOWN_GRACE,
    )
    .await;
    let instances = app.drain(SHUTDOWN_GRACE).await;
    if connections && instances {
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
