//! Outbound HTTP for the components, limited to the configured origins (Slack, Prometheus,
//! renderer, Alertmanager), as Spin's `allowed_outbound_hosts` does.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody, WasiHttpHooks};

/// Timeouts for requests whose guest set none: a hung Slack or Prometheus must not hold an
/// instance until its time limit.
const DEFAULT_TIMEOUTS: RequestOptions = RequestOptions {
    connect_timeout: Some(Duration::from_secs(5)),
    first_byte_timeout: Some(Duration::from_secs(15)),
    between_bytes_timeout: Some(Duration::from_secs(15)),
};

pub struct OutboundPolicy {
    allowed: Arc<[String]>,
}

impl OutboundPolicy {
    pub fn new(allowed: Arc<[String]>) -> OutboundPolicy {
        OutboundPolicy { allowed }
    }

    /// True when the request's scheme://host:port is one of the allowed origins.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        request_origin(uri).is_some_and(|origin| self.allowed.contains(&origin))
    }
}

fn request_origin(uri: &http::Uri) -> Option<String> {
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let host = uri.host()?.to_ascii_lowercase();
    let port = uri.port_u16().unwrap_or(default_port);
    Some(format!("{scheme}://{host}:{port}"))
}

type ResponseFuture = Box<
    dyn Future<
            Output = Result<
                (
                    http::Response<WasiBody>,
                    Box<dyn Future<Output = Result<(), Error>> + Send>,
                ),
                Error,
            >,
        > + Send,
>;

impl WasiHttpHooks for OutboundPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> ResponseFuture {
        if !self.allows(request.uri()) {
            // Only the origin: the path or query could carry a secret.
            let origin = request_origin(request.uri()).unwrap_or_else(|| "<invalid>".into());
            tracing::warn!(%origin, "outbound request denied: origin not allowed");
            return Box::new(async { Err(Error::HttpRequestDenied) });
        }
        let _ = fut;
        let options = with_default_timeouts(options);
        Box::new(async move {
            use http_body_util::BodyExt;
            let (res, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                res.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

fn with_default_timeouts(options: Option<RequestOptions>) -> Option<RequestOptions> {
    let given = options.unwrap_or_default();
    Some(RequestOptions {
        connect_timeout: given.connect_timeout.or(DEFAULT_TIMEOUTS.connect_timeout),
        first_byte_timeout: given
            .first_byte_timeout
            .or(DEFAULT_TIMEOUTS.first_byte_timeout),
        between_bytes_timeout: given
            .between_bytes_timeout
            .or(DEFAULT_TIMEOUTS.between_bytes_timeout),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(origins: &[&str]) -> OutboundPolicy {
        OutboundPolicy::new(origins.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn only_configured_origins_pass() {
        let p = policy(&["http://127.0.0.1:9090", "https://slack.com:443"]);
        for ok in [
            "http://127.0.0.1:9090/api/v1/query_range?query=up",
            "https://slack.com/api/chat.postMessage",
            "https://SLACK.com:443/api",
        ] {
            assert!(p.allows(&ok.parse().unwrap()), "{ok}");
        }
        for denied in [
            "http://127.0.0.1:9091/",
            "https://127.0.0.1:9090/",
            "http://slack.com/api",
            "https://evil.example/?https://slack.com",
            "https://slack.com.evil.example/",
        ] {
            assert!(!p.allows(&denied.parse().unwrap()), "{denied}");
        }
    }

    #[test]
    fn guest_timeouts_win_and_missing_ones_get_defaults() {
        let none = with_default_timeouts(None).unwrap();
        assert_eq!(none.connect_timeout, DEFAULT_TIMEOUTS.connect_timeout);
        assert_eq!(
            none.between_bytes_timeout,
            DEFAULT_TIMEOUTS.between_bytes_timeout
        );
        let given = with_default_timeouts(Some(RequestOptions {
            first_byte_timeout: Some(Duration::from_secs(2)),
            ..Default::default()
        }))
        .unwrap();
        assert_eq!(given.first_byte_timeout, Some(Duration::from_secs(2)));
        assert_eq!(given.connect_timeout, DEFAULT_TIMEOUTS.connect_timeout);
    }

    #[test]
    fn agrees_with_the_config_origins() {
        let allowed = crate::config::origin_of("http://[::1]:9093/alertmanager").unwrap();
        let p = policy(&[&allowed]);
        assert!(p.allows(&"http://[::1]:9093/api/v2/silences".parse().unwrap()));
    }
}
