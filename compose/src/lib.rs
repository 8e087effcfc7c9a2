//! Ahead-of-time composition: the handler component imports `store` and `renderer`; this
//! plugs components that export them into it and encodes one component, as `wac plug` does.
//!
//! The embedded host's build script composes handler + store (it serves `renderer` itself);
//! the `alertgraph-compose` binary builds the SpinKube artifact, handler + store + the
//! renderer's sidecar client, so that the shim needs no composition support.

use wac_graph::{types::Package, CompositionGraph, EncodeOptions};

/// A component's name (for error messages) and its bytes.
pub struct Part<'a> {
    pub name: &'a str,
    pub wasm: Vec<u8>,
}

/// Plugs each of `plugs` into every import of `socket` that one of its exports satisfies.
/// The result is deterministic: the same inputs give the same bytes.
pub fn plug(socket: Part<'_>, plugs: Vec<Part<'_>>) -> Result<Vec<u8>, String> {
    let mut graph = CompositionGraph::new();
    let mut register = |part: Part<'_>| {
        let package = Package::from_bytes(
            // A package name is kebab-case; file stems are not.
            &format!("alertgraph:{}", part.name.replace('_', "-")),
            None,
            part.wasm,
            graph.types_mut(),
        )
        .map_err(|e| format!("{} is not a component: {e:#}", part.name))?;
        graph
            .register_package(package)
            .map_err(|e| format!("registering {}: {e:#}", part.name))
    };
    let socket_name = socket.name.to_owned();
    let socket = register(socket)?;
    let plugs = plugs.into_iter().map(register).collect::<Result<_, _>>()?;
    wac_graph::plug(&mut graph, plugs, socket)
        .map_err(|e| format!("plugging into {socket_name}: {e:#}"))?;
    graph
        .encode(EncodeOptions::default())
        .map_err(|e| format!("encoding the composed component: {e:#}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOCKET: &str = r#"(component (import "a:b/c" (instance (export "f" (func)))))"#;
    const PLUG: &str = r#"(component
        (core module $m (func (export "f")))
        (core instance $i (instantiate $m))
        (func $f (canon lift (core func $i "f")))
        (instance $c (export "f" (func $f)))
        (export "a:b/c" (instance $c)))"#;

    fn part(name: &str, wat: &str) -> Part<'static> {
        Part {
            name: name.to_owned().leak(),
            wasm: wat::parse_str(wat).unwrap(),
        }
    }

    #[test]
    fn a_plug_satisfies_the_import_and_the_bytes_repeat() {
        let composed = plug(part("socket", SOCKET), vec![part("plug", PLUG)]).unwrap();
        let again = plug(part("socket", SOCKET), vec![part("plug", PLUG)]).unwrap();
        assert_eq!(composed, again);
        let mut graph = CompositionGraph::new();
        let composed = Package::from_bytes("composed", None, composed, graph.types_mut()).unwrap();
        let imports = &graph.types()[composed.ty()].imports;
        assert!(
            imports.is_empty(),
            "{:?}",
            imports.keys().collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_plug_that_satisfies_nothing_is_refused() {
        let unrelated = r#"(component)"#;
        let err = plug(part("socket", SOCKET), vec![part("empty", unrelated)]).unwrap_err();
        assert!(err.starts_with("plugging into socket"), "{err}");
    }

    #[test]
    fn bytes_that_are_not_a_component_are_named() {
        let err = plug(
            Part {
                name: "handler",
                wasm: b"not wasm".to_vec(),
            },
            vec![],
        )
        .unwrap_err();
        assert!(err.starts_with("handler is not a component"), "{err}");
    }
}
