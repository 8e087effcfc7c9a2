//! Host bindings for what the component imports beyond WASI: Spin variables and SQLite
//! (copies of spin-sdk 5.2's WIT in host/wit/) and our `renderer`.

wasmtime::component::bindgen!({
    world: "runtime",
    path: ["../wit", "wit/spin-variables.wit", "wit/spin-sqlite.wit"],
    inline: "
        package alertgraph:host-runtime;
        world runtime {
            import fermyon:spin/variables@2.0.0;
            import spin:sqlite/sqlite@3.0.0;
            import alertgraph:renderer/renderer@0.1.0;
        }
    ",
    imports: {
        "spin:sqlite/sqlite": async,
        "alertgraph:renderer/renderer": async | trappable,
        default: trappable,
    },
    with: {
        "spin:sqlite/sqlite.connection": crate::sqlite::Connection,
    },
});
