//! `alertgraph-renderer`, the renderer sidecar: the native renderer behind HTTP, for runtimes
//! whose components cannot call native code (Spin, SpinKube), where the `renderer-http`
//! component forwards the WIT `render` call here.
//!
//! - `POST /render?width=1180&height=400&background=%23ffffff` (these are the defaults), the
//!   SVG as body → `200 image/png`. Errors are one line of text, the reason: `400` bad query,
//!   `413` over a cap, `415` not SVG, `422` invalid SVG, `503` render timeout, `500` else.
//! - `GET /healthz` → `200 ok`; `GET /metrics` → Prometheus text.
//!
//! [`serve`] runs it on a listener until a shutdown future resolves, with the accept loop
//! of `alertgraph-serve` (`main.rs` adds the environment, and that crate's logging and
//! signals). Renders run on tokio's blocking pool,
//! [`Config::render_slots`] at a time.

mod metrics;
mod query;
mod routes;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use alertgraph_renderer::Limits;
use tokio::net::TcpListener;

/// How long a stop waits for open requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// What the server allows; [`Config::default`] is what the binary runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The renderer's caps; `max_svg_bytes` also caps the request body.
    pub limits: Limits,
    /// Renders running at once; more requests wait for a slot.
    pub render_slots: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            render_slots: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// Serves HTTP/1.1 on `listener` until `shutdown` resolves, then stops accepting and lets
/// open requests finish (for at most a few seconds).
pub async fn serve(listener: TcpListener, config: Config, shutdown: impl Future<Output = ()>) {
    let state = Arc::new(routes::State::new(config));
    let service = hyper::service::service_fn(move |req| {
        let state = state.clone();
        async move { Ok::<_, std::convert::Infallible>(routes::handle(&state, req).await) }
    });
    if alertgraph_serve::serve_http1(listener, service, shutdown, SHUTDOWN_GRACE).await {
        tracing::info!("stopped cleanly");
    } else {
        tracing::warn!("stopped with requests still open after {SHUTDOWN_GRACE:?}");
    }
}
