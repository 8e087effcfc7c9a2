//! The wasmtime side: one `Engine` and one pre-instantiated component for the process, and a
//! fresh `Store` + instance for every request, with a memory cap and a time limit.

use crate::admission::{self, Route, Slot, Slots};
use crate::bindings::Runtime;
use crate::config::Config;
use crate::outbound::OutboundPolicy;
use crate::precompiled;
use crate::sqlite::Backend;
use alertgraph_renderer::Renderer;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{
    Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, StoreLimits,
    StoreLimitsBuilder, UpdateDeadline,
};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The handler with the store plugged in, built and composed by build.rs.
const COMPONENT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/alertgraph.wasm"));

/// How often the epoch advances; the time limit and async yields are checked per tick.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Pool slots per component instance (the composed component holds a few core modules).
const CORE_INSTANCES_PER_COMPONENT: u32 = 16;
const MEMORIES_PER_COMPONENT: u32 = 4;
const TABLES_PER_COMPONENT: u32 = 8;

/// What every instance shares: built once at start-up.
pub struct Shared {
    pub db: Backend,
    pub variables: BTreeMap<&'static str, String>,
    pub renderer: Renderer,
    /// Caps concurrent rasterisations at the number of cores.
    pub render_slots: Semaphore,
    allowed_outbound: Arc<[String]>,
}

/// Per-request state: lives in the request's `Store` and dies with it.
pub struct InstanceState {
    pub shared: Arc<Shared>,
    pub table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    outbound: OutboundPolicy,
    limits: StoreLimits,
}

impl WasiView for InstanceState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for InstanceState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}

pub struct App {
    pre: ProxyPre<InstanceState>,
    shared: Arc<Shared>,
    /// One per pool slot, a few kept for the webhook and the drain.
    slots: Slots,
    memory_limit: usize,
    request_timeout: Duration,
}

impl App {
    /// Builds the engine, compiles the embedded component and links the host interfaces.
    pub fn new(config: &Config) -> anyhow::Result<Arc<App>> {
        App::with_component(config, COMPONENT)
    }

    /// Fails with a clear line when the database is a libSQL server that does not answer.
    pub async fn check_database(&self) -> anyhow::Result<()> {
        self.shared.db.check().await
    }

    /// Like [`App::new`] with another `wasi:http` component (COMPONENT_PATH, or the tests'
    /// misbehaving ones).
    pub fn with_component(config: &Config, wasm: &[u8]) -> anyhow::Result<Arc<App>> {
        let engine = engine(config)?;
        let (component, _) = precompiled::load_or_compile(&engine, wasm, &config.cache_dir)?;

        let mut linker = Linker::<InstanceState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        Runtime::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?;
        let pre = ProxyPre::new(linker.instantiate_pre(&component)?)
            .context("the component does not export wasi:http/incoming-handler")?;

        let db = Backend::open(&config.storage)?;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let shared = Arc::new(Shared {
            db,
            variables: config.variables.clone(),
            renderer: Renderer::new(),
            render_slots: Semaphore::new(cores),
            allowed_outbound: config.allowed_outbound.clone().into(),
        });

        let weak = engine.weak();
        std::thread::Builder::new()
            .name("epoch".into())
            .spawn(move || {
                while let Some(engine) = weak.upgrade() {
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })?;

        Ok(Arc::new(App {
            pre,
            shared,
            slots: Slots::new(config.max_concurrent_requests),
            memory_limit: config.instance_memory_bytes,
            request_timeout: config.request_timeout,
        }))
    }

    /// Serves one request in a fresh instance, once its whole body is in: a slow client holds
    /// no slot. The instance may keep running after it has answered (work after the
    /// response); it holds its slot until it is done.
    pub async fn handle<B>(
        self: &Arc<Self>,
        req: hyper::Request<B>,
    ) -> hyper::Response<HyperOutgoingBody>
    where
        B: hyper::body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        if req.uri().authority().is_none() && !req.headers().contains_key(hyper::header::HOST) {
            return plain(400, "missing Host header");
        }
        let (parts, body) = req.into_parts();
        let body = match admission::read_body(body).await {
            Ok(body) => body,
            Err(refusal) => {
                tracing::debug!(%method, %path, ?refusal, "request body refused");
                return refusal.response();
            }
        };
        let slot = match self.slots.acquire(Route::of(&method, &path)).await {
            Ok(slot) => slot,
            Err(refusal) => return refusal.response(),
        };
        let req = hyper::Request::from_parts(parts, body);
        let mut store = self.store();
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let prepared = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, req)
            .and_then(|req| {
                let out = store.data_mut().http().new_response_outparam(sender)?;
                Ok((req, out))
            });
        let (req, out) = match prepared {
            Ok(pair) => pair,
            Err(e) => {
                tracing::error!(%method, %path, error = %e, "cannot hand the request to the component");
                return plain(500, "internal error");
            }
        };

        let pre = self.pre.clone();
        let timeout = self.request_timeout;
        let task = tokio::spawn(async move {
            let slot: Slot = slot;
            let run = async {
                let proxy = pre.instantiate_async(&mut store).await?;
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, req, out)
                    .await
            };
            let result = match tokio::time::timeout(timeout, run).await {
                Ok(result) => result.map_err(anyhow::Error::from),
                Err(_) => Err(anyhow::anyhow!(
                    "request exceeded its time limit of {timeout:?}"
                )),
            };
            // The instance is back in the pool before its slot lets the next request in.
            drop(store);
            drop(slot);
            result
        });

        match receiver.await {
            Ok(Ok(resp)) => resp,
            Ok(Err(code)) => {
                tracing::warn!(%method, %path, error = ?code, "the component answered with an error");
                plain(500, "internal error")
            }
            // The component dropped the outparam without answering: it trapped or timed out.
            Err(_) => {
                let reason = match task.await {
                    Ok(Ok(())) => "the component returned without a response".to_string(),
                    Ok(Err(e)) => format!("{e:#}"),
                    Err(e) => format!("the request task failed: {e}"),
                };
                tracing::error!(%method, %path, error = %reason, "request failed");
                plain(500, "internal error: the request handler failed")
            }
        }
    }

    /// A fresh store and instance, never called: the per-request set-up cost (benchmarks).
    pub async fn instantiate_once(&self) -> anyhow::Result<Duration> {
        let mut store = self.store();
        let started = Instant::now();
        self.pre.instantiate_async(&mut store).await?;
        Ok(started.elapsed())
    }

    fn store(&self) -> Store<InstanceState> {
        let state = InstanceState {
            shared: self.shared.clone(),
            table: ResourceTable::new(),
            wasi: WasiCtx::builder()
                .stderr(crate::guest_log::GuestStderr)
                .build(),
            http: WasiHttpCtx::new(),
            outbound: OutboundPolicy::new(self.shared.allowed_outbound.clone()),
            limits: StoreLimitsBuilder::new()
                .memory_size(self.memory_limit)
                .instances(CORE_INSTANCES_PER_COMPONENT as usize)
                .build(),
        };
        let mut store = Store::new(self.pre.engine(), state);
        store.limiter(|s| &mut s.limits);
        let deadline = Instant::now() + self.request_timeout;
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            if Instant::now() >= deadline {
                Ok(UpdateDeadline::Interrupt)
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });
        store
    }

    /// Waits until every instance has finished (or `grace` passes); true when all finished.
    pub async fn drain(&self, grace: Duration) -> bool {
        self.slots.wait_idle(grace).await
    }
}

fn engine(config: &Config) -> anyhow::Result<Engine> {
    let slots = config.max_concurrent_requests;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(slots)
        .total_core_instances(slots * CORE_INSTANCES_PER_COMPONENT)
        .total_memories(slots * MEMORIES_PER_COMPONENT)
        .total_tables(slots * TABLES_PER_COMPONENT)
        .total_stacks(slots)
        .max_core_instances_per_component(CORE_INSTANCES_PER_COMPONENT)
        .max_memories_per_component(MEMORIES_PER_COMPONENT)
        .max_tables_per_component(TABLES_PER_COMPONENT)
        .max_memory_size(config.instance_memory_bytes);
    let mut wasm = wasmtime::Config::new();
    wasm.wasm_component_model(true)
        .epoch_interruption(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Ok(Engine::new(&wasm).context("configuring wasmtime")?)
}

/// A one-line plain-text answer made by the host itself.
pub fn plain(status: u16, line: &str) -> hyper::Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from(format!("{line}\n")))
        .map_err(|never| match never {})
        .boxed_unsync();
    hyper::Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(body)
        .expect("a static response is valid")
}
