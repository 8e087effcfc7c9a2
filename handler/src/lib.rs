//! alertgraph's HTTP handler: a Spin component (WASI p2) that takes Alertmanager webhooks,
//! records them through the `store` import, delivers the outbox to Slack after answering (each
//! alert with its chart), takes Slack's button clicks (`/api/slack/interactions`: acknowledge,
//! silence in Alertmanager), and serves `/`, `/healthz`, `/metrics`, `/api/chart/<token>.png`
//! and the alert history (`/api/history`, `/history`).
//!
//! Layout: `http` is the I/O edge for requests (Spin entry point, body stream, store calls,
//! sending), `delivery` for the outbox (the drain loop, one file per job family, and its seams:
//! the store, the chat service, Alertmanager and the chart drawer as traits, faked in its
//! tests), `retention` for the sweep that keeps the database's size level (run from the drain),
//! `busy` for the writes that wait out a busy or away database (a webhook, a post's record),
//! `slack::api` for the Slack Web API and `alertmanager` for its silences and alerts (both send
//! through `outbound`), `chart` for the charts (its `prometheus` and `draw` do I/O, the rest is
//! pure); `config` reads Spin variables. Everything else is pure and unit-tested: `routes`
//! (route table), `auth` (bearer/basic token check), `body_limit` (1 MiB cap), `webhook`
//! (Alertmanager v4 wire types → the store's record) with `rfc3339` (timestamps), `refusal`
//! (4xx answers and their counted reasons), `reply` (responses as values), `metrics_text`
//! (Prometheus exposition), `outbox_retry` (the requeue route's query and answer), `percent`
//! (URL and form encoding), `labels` (label lookup), `text` (one-line reasons), `slack` (alert
//! messages as Block Kit values, their on-call mentions, button clicks and their signatures)
//! and `history` (its query, JSON and page, with each alert's message previewed as Slack
//! shows it).
//! Property tests against bad input sit in `props` modules beside the unit tests; `props` here
//! holds their settings. `bindings` holds the generated WIT imports.

mod alertmanager;
mod auth;
mod body_limit;
mod busy;
pub mod chart;
mod config;
mod delivery;
mod history;
mod http;
mod labels;
mod metrics_text;
mod outbound;
mod outbox_retry;
mod percent;
#[cfg(test)]
mod props;
mod refusal;
mod reply;
mod retention;
mod rfc3339;
mod routes;
mod slack;
mod text;
mod webhook;

/// Imports of the `handler` world (`store`, `renderer`).
mod bindings {
    spin_sdk::wit_bindgen::generate!({
        world: "alertgraph:app/handler",
        path: "../wit",
        // wit-bindgen comes through spin-sdk, so both sets of bindings share one runtime.
        runtime_path: "spin_sdk::wit_bindgen::rt",
        // Parsed clicks are compared in tests.
        additional_derives: [PartialEq],
        // `renderer` lives in a package of its own (see wit/alertgraph.wit).
        generate_all,
    });
}

/// The store's interfaces, one per concern (`wit/alertgraph.wit`), and as `store` the records
/// they share.
use bindings::alertgraph::app::{alerts, charts, chat_state, metrics, outbox, types as store};

/// Wall-clock milliseconds since the Unix epoch, as the store's timestamps are.
fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
