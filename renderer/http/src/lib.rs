//! A wasm32-wasip2 component that exports `alertgraph:renderer/renderer` (world
//! `renderer-component`) by sending the SVG to the renderer sidecar (`alertgraph-renderer`)
//! at the Spin variable `renderer_url`: how the handler gets native rendering under Spin.
//!
//! It imports Spin's variables and outbound HTTP through spin-sdk. The sidecar's status is
//! mapped back to the WIT `render-error` (`answer`); native builds (the tests) compile
//! everything but the export glue.

#[allow(missing_docs, clippy::all)]
mod bindings {
    spin_sdk::wit_bindgen::generate!({
        world: "alertgraph:renderer/renderer-component",
        path: "../../wit",
        // wit-bindgen comes through spin-sdk, so both sets of bindings share one runtime.
        runtime_path: "spin_sdk::wit_bindgen::rt",
        additional_derives: [PartialEq],
    });
}

use bindings::exports::alertgraph::renderer::renderer::{Guest, RenderError, RenderOptions};
use spin_sdk::http::{Request, Response};

/// The exported `alertgraph:renderer/renderer` interface.
pub struct Component;

impl Guest for Component {
    fn render(svg: String, options: RenderOptions) -> Result<Vec<u8>, RenderError> {
        let base = spin_sdk::variables::get("renderer_url")
            .map_err(|e| RenderError::Internal(format!("variable renderer_url: {e}")))?;
        let request = Request::post(render_url(&base, &options), svg)
            .header("content-type", "image/svg+xml")
            .build();
        // `render` is synchronous in WIT: block on spin-sdk's own executor, the one its
        // `send` registers with.
        let response: Response = spin_sdk::http::run(spin_sdk::http::send(request))
            .map_err(|e| RenderError::Internal(format!("renderer unreachable: {e}")))?;
        answer(*response.status(), response.into_body())
    }
}

/// `POST {base}/render?…` with the options as the sidecar's query. No background is sent as
/// `transparent`, since a missing one means white to the sidecar.
fn render_url(base: &str, options: &RenderOptions) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("width", &options.width.to_string())
        .append_pair("height", &options.height.to_string())
        .append_pair(
            "background",
            options.background.as_deref().unwrap_or("transparent"),
        )
        .finish();
    format!("{}/render?{query}", base.trim_end_matches('/'))
}

/// The sidecar's answer as the WIT result: the PNG, or the error its status stands for with
/// the reason (the body's first line).
fn answer(status: u16, body: Vec<u8>) -> Result<Vec<u8>, RenderError> {
    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if status == 200 && body.starts_with(PNG_SIGNATURE) {
        return Ok(body);
    }
    let text = String::from_utf8_lossy(&body);
    let reason = text.lines().next().unwrap_or_default().trim().to_owned();
    Err(match status {
        422 => RenderError::InvalidSvg(reason),
        413 => RenderError::TooLarge(reason),
        503 => RenderError::Timeout,
        200 => RenderError::Internal("renderer answered 200 without a PNG".into()),
        _ => RenderError::Internal(format!("renderer answered {status}: {reason}")),
    })
}

// Its WIT symbol names are not valid native symbols: only the wasm build exports.
#[cfg(target_arch = "wasm32")]
bindings::export!(Component with_types_in bindings);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_become_the_query() {
        let options = RenderOptions {
            width: 1180,
            height: 400,
            background: Some("#ffffff".into()),
        };
        assert_eq!(
            render_url("http://renderer:3032/", &options),
            "http://renderer:3032/render?width=1180&height=400&background=%23ffffff"
        );
        let transparent = RenderOptions {
            background: None,
            ..options
        };
        assert!(render_url("http://renderer:3032", &transparent)
            .ends_with("/render?width=1180&height=400&background=transparent"));
    }

    #[test]
    fn each_status_maps_to_its_error() {
        let png = b"\x89PNG\r\n\x1a\n rest".to_vec();
        assert_eq!(answer(200, png.clone()), Ok(png));
        let reason = b"unexpected end of stream\n".to_vec();
        for (status, expected) in [
            (
                422,
                RenderError::InvalidSvg("unexpected end of stream".into()),
            ),
            (
                413,
                RenderError::TooLarge("unexpected end of stream".into()),
            ),
            (503, RenderError::Timeout),
            (
                400,
                RenderError::Internal("renderer answered 400: unexpected end of stream".into()),
            ),
            (
                500,
                RenderError::Internal("renderer answered 500: unexpected end of stream".into()),
            ),
        ] {
            assert_eq!(answer(status, reason.clone()), Err(expected), "{status}");
        }
        assert_eq!(
            answer(200, b"<html>".to_vec()),
            Err(RenderError::Internal(
                "renderer answered 200 without a PNG".into()
            ))
        );
    }
}
