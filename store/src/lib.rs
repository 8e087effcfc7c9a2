//! alertgraph's `store` component: alerts, Slack messages, charts, the outbox and service
//! counters in one SQLite database, exported as the WIT interfaces of `alertgraph:app`
//! (`alerts`, `outbox`, `chat-state`, `charts`, `metrics`, over the records of `types`).
//!
//! Layout: every operation is plain Rust over the tiny [`db::Db`] trait, so the same code
//! runs over Spin's SQLite in wasm ([`component`]) and over `rusqlite` in native tests.
//! - [`db`], [`errors`], [`tx`]: the connection trait, error mapping, transactions.
//! - [`schema`]: versioned migrations, applied once per instance on first use.
//! - [`webhook`]: recording webhooks (dedupe by fingerprint + startsAt) and rejections.
//! - [`outbox`]: leasing, completing, rescheduling, deferring and dead-lettering jobs;
//!   [`channels`]: per-channel send turns (pacing, Retry-After); [`pauses`]: delivery held
//!   back by a configuration fault; [`drainers`]: how many instances deliver at once.
//! - [`alerts`], [`messages`], [`charts`]: reads and the per-alert Slack/chart state;
//!   [`actions`]: acknowledgements and silences asked for from Slack (replays refused).
//! - [`metrics`]: counters, duration histograms and the `/metrics` snapshot.
//! - [`retention`]: the sweep that keeps the database at a steady size.
//! - [`labels`]: label sets as canonical JSON objects; [`notices`]: warnings logged once per
//!   period across instances.

pub mod actions;
pub mod alerts;
pub mod channels;
pub mod charts;
pub mod component;
pub mod db;
pub mod drainers;
pub mod errors;
pub mod labels;
pub mod messages;
pub mod metrics;
pub mod notices;
pub mod outbox;
pub mod pauses;
pub mod retention;
pub mod schema;
pub mod tx;
pub mod webhook;

#[cfg(test)]
mod on_libsql;
#[cfg(test)]
mod testing;

#[allow(missing_docs, clippy::all)]
mod bindings {
    spin_sdk::wit_bindgen::generate!({
        world: "alertgraph:app/store-component",
        path: "../wit",
        runtime_path: "spin_sdk::wit_bindgen::rt",
        additional_derives: [PartialEq],
    });
}

/// The WIT types of `alertgraph:app/types`, used throughout the crate.
pub use bindings::exports::alertgraph::app::types as api;
