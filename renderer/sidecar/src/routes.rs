//! The three routes, and how a render's result becomes a status and a one-line reason.

use std::sync::Arc;
use std::time::Instant;

use alertgraph_renderer::{RenderError, RenderOptions, Renderer};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use tokio::sync::Semaphore;

use crate::metrics::{Metrics, Outcome};
use crate::{query, Config};

/// What every request shares.
pub(crate) struct State {
    renderer: Renderer,
    max_body: usize,
    slots: Semaphore,
    metrics: Metrics,
}

impl State {
    pub(crate) fn new(config: Config) -> Self {
        Self {
            max_body: config.limits.max_svg_bytes,
            renderer: Renderer::with_limits(config.limits),
            slots: Semaphore::new(config.render_slots.max(1)),
            metrics: Metrics::default(),
        }
    }
}

type Reply = Response<Full<Bytes>>;

pub(crate) async fn handle(state: &Arc<State>, req: Request<Incoming>) -> Reply {
    match (req.method(), req.uri().path()) {
        (&Method::POST, "/render") => {
            let (outcome, reply) = render(state, req).await;
            state.metrics.count(outcome);
            reply
        }
        (&Method::GET, "/healthz") => text(StatusCode::OK, "ok"),
        (&Method::GET, "/metrics") => {
            let mut reply = Response::new(Full::from(state.metrics.text()));
            reply.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            reply
        }
        (_, path) => {
            let allowed = match path {
                "/render" => "POST",
                "/healthz" | "/metrics" => "GET",
                _ => return text(StatusCode::NOT_FOUND, "not found"),
            };
            let mut reply = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            reply
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static(allowed));
            reply
        }
    }
}

/// `POST /render`: refusals that need no rendering first, then one render on the blocking pool.
async fn render(state: &Arc<State>, req: Request<Incoming>) -> (Outcome, Reply) {
    let refuse = |outcome, status, reason: &str| (outcome, text(status, reason));
    let options = match query::parse(req.uri().query()) {
        Ok(options) => options,
        Err(reason) => return refuse(Outcome::BadRequest, StatusCode::BAD_REQUEST, &reason),
    };
    if let Some(kind) = req.headers().get(CONTENT_TYPE) {
        if !is_svg_media_type(kind) {
            let reason = format!("content type {kind:?} is not image/svg+xml or text");
            let status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
            return refuse(Outcome::BadRequest, status, &reason);
        }
    }
    let max = state.max_body;
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    // Refused from the header alone: the body is never read.
    if let Some(len) = declared.filter(|&len| len > max as u64) {
        let reason = format!("SVG is {len} bytes, the cap is {max}");
        return refuse(Outcome::TooLarge, StatusCode::PAYLOAD_TOO_LARGE, &reason);
    }
    let body = match Limited::new(req.into_body(), max).collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            let reason = format!("SVG is over the cap of {max} bytes");
            return refuse(Outcome::TooLarge, StatusCode::PAYLOAD_TOO_LARGE, &reason);
        }
        Err(e) => {
            let reason = format!("could not read the body: {e}");
            return refuse(Outcome::BadRequest, StatusCode::BAD_REQUEST, &reason);
        }
    };
    let Ok(svg) = String::from_utf8(Vec::from(body)) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return refuse(Outcome::InvalidSvg, status, "the SVG is not UTF-8");
    };

    let result = render_in_slot(state, svg, options).await;
    match result {
        Ok(png) => {
            state.metrics.add_png_bytes(png.len());
            let mut reply = Response::new(Full::from(png));
            reply
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("image/png"));
            (Outcome::Ok, reply)
        }
        Err(e) => {
            let (outcome, status) = classify(&e);
            if outcome == Outcome::Internal {
                tracing::warn!(error = %e, "render failed");
            }
            (outcome, text(status, &e.reason()))
        }
    }
}

/// Waits for a render slot, then renders off the async workers.
async fn render_in_slot(
    state: &Arc<State>,
    svg: String,
    options: RenderOptions,
) -> Result<Vec<u8>, RenderError> {
    let Ok(_slot) = state.slots.acquire().await else {
        return Err(RenderError::Internal("the render slots are closed".into()));
    };
    let started = Instant::now();
    let shared = state.clone();
    let result = tokio::task::spawn_blocking(move || shared.renderer.render(&svg, &options))
        .await
        .unwrap_or_else(|e| {
            Err(RenderError::Internal(format!(
                "the render task failed: {e}"
            )))
        });
    state.metrics.observe_render(started.elapsed());
    result
}

/// The outcome and status of a failed render: what the `renderer-http` component maps back.
fn classify(error: &RenderError) -> (Outcome, StatusCode) {
    match error {
        RenderError::InvalidSvg(_) => (Outcome::InvalidSvg, StatusCode::UNPROCESSABLE_ENTITY),
        RenderError::TooLarge(_) => (Outcome::TooLarge, StatusCode::PAYLOAD_TOO_LARGE),
        RenderError::Timeout => (Outcome::Timeout, StatusCode::SERVICE_UNAVAILABLE),
        RenderError::Internal(_) => (Outcome::Internal, StatusCode::INTERNAL_SERVER_ERROR),
    }
}

/// SVG's own type, any `text/*` and XML; parameters such as `charset` are ignored.
fn is_svg_media_type(value: &HeaderValue) -> bool {
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let essence = essence.to_ascii_lowercase();
    essence.starts_with("text/") || matches!(essence.as_str(), "image/svg+xml" | "application/xml")
}

/// A one-line plain-text answer.
fn text(status: StatusCode, line: &str) -> Reply {
    let mut reply = Response::new(Full::from(format!("{line}\n")));
    *reply.status_mut() = status;
    reply.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_render_error_has_its_status() {
        for (error, status) in [
            (RenderError::InvalidSvg("x".into()), 422),
            (RenderError::TooLarge("x".into()), 413),
            (RenderError::Timeout, 503),
            (RenderError::Internal("x".into()), 500),
        ] {
            assert_eq!(classify(&error).1.as_u16(), status, "{error}");
        }
    }

    #[test]
    fn svg_text_and_xml_types_pass() {
        for ok in [
            "image/svg+xml",
            "Image/SVG+XML; charset=utf-8",
            "text/plain",
            "application/xml",
        ] {
            assert!(is_svg_media_type(&HeaderValue::from_static(ok)), "{ok}");
        }
        for refused in [
            "application/json",
            "image/png",
            "application/x-www-form-urlencoded",
        ] {
            let value = HeaderValue::from_static(refused);
            assert!(!is_svg_media_type(&value), "{refused}");
        }
    }
}
