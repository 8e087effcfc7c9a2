//! The renderer compiled into a wasm32-wasip2 component that exports
//! `alertgraph:renderer/renderer` (world `renderer-component`): the fallback under Spin when no
//! renderer sidecar runs. It imports nothing but what Rust's std needs from WASI.
//!
//! The [`Renderer`] (its fonts parsed) is built on the first call and kept for the instance's
//! life; under Spin an instance lives for one request, so that is once per request.
//! Native builds (the tests) compile everything but the export glue.

use std::sync::OnceLock;

use alertgraph_renderer::Renderer;

#[allow(missing_docs, clippy::all)]
mod bindings {
    wit_bindgen::generate!({
        world: "alertgraph:renderer/renderer-component",
        path: "../../wit",
    });
}

use bindings::exports::alertgraph::renderer::renderer::{Guest, RenderError, RenderOptions};

/// The exported `alertgraph:renderer/renderer` interface.
pub struct Component;

impl Guest for Component {
    fn render(svg: String, options: RenderOptions) -> Result<Vec<u8>, RenderError> {
        static RENDERER: OnceLock<Renderer> = OnceLock::new();
        let options = alertgraph_renderer::RenderOptions {
            width: options.width,
            height: options.height,
            background: options.background,
        };
        let renderer = RENDERER.get_or_init(Renderer::new);
        renderer.render(&svg, &options).map_err(|e| match e {
            alertgraph_renderer::RenderError::InvalidSvg(m) => RenderError::InvalidSvg(m),
            alertgraph_renderer::RenderError::TooLarge(m) => RenderError::TooLarge(m),
            alertgraph_renderer::RenderError::Timeout => RenderError::Timeout,
            alertgraph_renderer::RenderError::Internal(m) => RenderError::Internal(m),
        })
    }
}

// Its WIT symbol names are not valid native symbols: only the wasm build exports.
#[cfg(target_arch = "wasm32")]
bindings::export!(Component with_types_in bindings);

#[cfg(test)]
mod tests {
    use super::*;

    fn options(width: u32, height: u32) -> RenderOptions {
        RenderOptions {
            width,
            height,
            background: Some("#ffffff".into()),
        }
    }

    #[test]
    fn renders_and_maps_each_refusal() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2"/>"#;
        let png = Component::render(svg.into(), options(40, 20)).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(matches!(
            Component::render("<svg".into(), options(40, 20)),
            Err(RenderError::InvalidSvg(_))
        ));
        assert!(matches!(
            Component::render(svg.into(), options(5000, 20)),
            Err(RenderError::TooLarge(_))
        ));
    }
}
