//! Checks for the manifests under `deploy/`, run by `cargo test` (tests/manifests.rs).
//!
//! - Every Kubernetes document under `deploy/kubernetes/` reads into its typed schema
//!   (`k8s-openapi` for built-in kinds, [`spinapp`] for SpinKube's `SpinApp`) and writes back
//!   unchanged, so a misspelled or unknown field, a wrong type or a missing required field
//!   fails with the file, the object and the JSON path ([`schema`]).
//! - The objects of one folder agree with each other and with the code: selectors, ports,
//!   probes, Secret keys, volumes, in-cluster URLs, Spin variables against `spin.toml`, env
//!   vars against the README's settings, non-root read-only containers, where each database
//!   lives (a file on a claim for one replica, a libSQL server for more), sqld's flags,
//!   disruption budgets, and Secrets that hold placeholders only ([`cross`]).
//! - The two Spin manifests agree but for the composed component, give the component every
//!   variable the code reads, and use only the host's settings (or documented Spin-only ones)
//!   ([`spin`]).
//! - The highly-available variants (`host-ha/`, `spinkube-ha/`, each applied with `sqld/`)
//!   are checked as one set with the libSQL server, and stay the single-replica manifests but
//!   for what makes them highly available ([`variants`]).
//! - The Slack app manifest asks for every scope the code needs ([`slack`]), and
//!   `deploy/alertmanager.yml` passes `amtool check-config` ([`alertmanager`]).

pub mod alertmanager;
pub mod cross;
pub mod project;
pub mod schema;
pub mod slack;
pub mod spin;
pub mod spinapp;
pub mod variants;

use std::path::{Path, PathBuf};

/// The repository's root (this crate lives in `deploy/check`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
