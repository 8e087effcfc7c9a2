//! Runs a `renderer` component built by build.rs (renderer/wasm or renderer/http) on
//! wasmtime with WASI, outbound HTTP and Spin variables: for the components' tests and the
//! native-vs-wasm benchmark. The embedded host never loads them (it renders natively).

use std::collections::BTreeMap;

use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

wasmtime::component::bindgen!({
    world: "renderer-guest",
    path: ["../wit", "wit/spin-variables.wit"],
    inline: "
        package alertgraph:host-tests;
        world renderer-guest {
            import fermyon:spin/variables@2.0.0;
            export alertgraph:renderer/renderer@0.1.0;
        }
    ",
    exports: { default: async },
});

pub use exports::alertgraph::renderer::renderer::{RenderError, RenderOptions};

/// renderer/wasm: the renderer compiled into the component.
pub const RENDERER_WASM: &str = env!("ALERTGRAPH_RENDERER_WASM");
/// renderer/http: the client of the renderer sidecar.
pub const RENDERER_HTTP_WASM: &str = env!("ALERTGRAPH_RENDERER_HTTP_WASM");

/// One instance's state: what the component imports.
pub struct GuestState {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    variables: BTreeMap<String, String>,
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for GuestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: wasmtime_wasi_http::default_hooks(),
        }
    }
}

impl fermyon::spin::variables::Host for GuestState {
    fn get(&mut self, name: String) -> Result<String, fermyon::spin::variables::Error> {
        self.variables
            .get(&name)
            .cloned()
            .ok_or(fermyon::spin::variables::Error::Undefined(name))
    }
}

/// A compiled and linked component, ready to instantiate.
pub struct Guest {
    pre: RendererGuestPre<GuestState>,
}

impl Guest {
    /// Compiles the component at `path` (a few hundred milliseconds) and links its imports.
    pub fn load(path: &str) -> Guest {
        let engine = Engine::default();
        let component = Component::from_file(&engine, path)
            .unwrap_or_else(|e| panic!("compiling {path}: {e:?}"));
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).unwrap();
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).unwrap();
        fermyon::spin::variables::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).unwrap();
        let pre = linker.instantiate_pre(&component).unwrap();
        Guest {
            pre: RendererGuestPre::new(pre).unwrap(),
        }
    }

    /// A fresh instance, as Spin gives every request, with these Spin variables.
    pub async fn instantiate(&self, variables: &[(&str, &str)]) -> Instance {
        let state = GuestState {
            table: ResourceTable::new(),
            wasi: WasiCtx::builder().inherit_stderr().build(),
            http: WasiHttpCtx::new(),
            variables: variables
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let mut store = Store::new(self.pre.engine(), state);
        let bindings = self.pre.instantiate_async(&mut store).await.unwrap();
        Instance { store, bindings }
    }
}

/// One instance of a renderer component.
pub struct Instance {
    store: Store<GuestState>,
    bindings: RendererGuest,
}

impl Instance {
    /// Calls the exported `render`; a trap fails the caller.
    pub async fn render(
        &mut self,
        svg: &str,
        options: &RenderOptions,
    ) -> Result<Vec<u8>, RenderError> {
        self.bindings
            .alertgraph_renderer_renderer()
            .call_render(&mut self.store, svg, options)
            .await
            .expect("the component does not trap")
    }
}
