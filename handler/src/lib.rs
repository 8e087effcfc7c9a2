//! alertgraph's HTTP handler: a Spin component (WASI p2) that takes Alertmanager webhooks,
//! records them through the `store` import, and serves `/`, `/healthz` and `/metrics`.
//!
//! Layout: `http` is the only I/O edge (Spin entry point, body stream, store calls, sending);
//! `config` reads Spin variables. Everything else is pure and unit-tested:
//! `routes` (route table), `auth` (bearer/basic token check), `body_limit` (1 MiB cap),
//! `webhook` (Alertmanager v4 wire types → the store's record) with `rfc3339` (timestamps),
//! `refusal` (4xx answers and their counted reasons), `reply` (responses as values) and
//! `metrics_text` (Prometheus exposition). `bindings` holds the generated WIT imports.

mod auth;
mod body_limit;
mod config;
mod http;
mod metrics_text;
mod refusal;
mod reply;
mod rfc3339;
mod routes;
mod webhook;

/// Imports of the `handler` world (`store`, `renderer`).
mod bindings {
    spin_sdk::wit_bindgen::generate!({
        world: "handler",
        path: "../wit",
        // wit-bindgen comes through spin-sdk, so both sets of bindings share one runtime.
        runtime_path: "spin_sdk::wit_bindgen::rt",
    });
}

use bindings::alertgraph::app::store;
