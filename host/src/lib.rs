//! `alertgraph`, the embedded host: runs the alertgraph components on wasmtime in one
//! binary, with a fresh sandboxed instance per HTTP request.
//!
//! - `config`: settings from the environment, validated before anything starts.
//! - `runtime`: engine, pooling allocator, pre-instantiated component, per-request `Store`;
//!   `precompiled`: the compiled component kept in `STORAGE_DIR/cache` between starts.
//! - `server`: what the HTTP listener serves and what a stop waits for (the accept loop,
//!   logging and signals are `alertgraph-serve`'s); `drain`: the periodic outbox drain.
//! - `admission`: a request's whole body before it gets a slot (408, 413), a bounded wait for
//!   a slot (503), and the slots kept for the webhook and the drain.
//! - `sqlite`, `variables`, `render`, `outbound`: the host side of what the component
//!   imports (Spin SQLite, Spin variables, our `renderer`, allow-listed outbound HTTP);
//!   `database_file`: the SQLite file's size, free space, and its one-time `VACUUM`;
//!   `libsql_server`: the same `spin:sqlite` on a libSQL server that replicas share.
//! - `bindings`: wasmtime bindgen over the WIT in ../wit and host/wit; `guest_log`: the
//!   components' stderr as log events.
//!
//! The component itself (handler + store, composed by build.rs) is embedded in the binary.

mod admission;
mod bindings;
pub mod config;
pub mod database_file;
pub mod drain;
mod guest_log;
mod libsql_server;
mod outbound;
mod precompiled;
mod render;
pub mod runtime;
pub mod server;
mod sqlite;
mod variables;
