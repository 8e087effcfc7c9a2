//! The periodic outbox drain: every few seconds the host asks the component to deliver what
//! is due (`POST /api/outbox/drain`), so a retry never waits for the next webhook.

use crate::runtime::App;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::MissedTickBehavior;

/// The route the component serves for drains; authenticated with the drain token.
pub const ROUTE: &str = "/api/outbox/drain";

/// Runs until the process ends; a drain that is still running delays the next tick.
pub fn spawn(app: Arc<App>, every: Duration, token: String) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            let request = hyper::Request::post(ROUTE)
                .header(hyper::header::HOST, "localhost")
                .header(hyper::header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Empty::<Bytes>::new().map_err(no_error))
                .expect("a static request is valid");
            let response = app.handle(request).await;
            if !response.status().is_success() {
                tracing::warn!(
                    status = response.status().as_u16(),
                    "periodic outbox drain refused"
                );
            }
        }
    });
}

fn no_error(never: std::convert::Infallible) -> wasmtime_wasi_http::Error {
    match never {}
}
