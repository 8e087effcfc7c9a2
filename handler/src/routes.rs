//! The route table: which path is served, and by which method.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Index,
    Healthz,
    Metrics,
    Alerts,
    Drain,
    /// Dead outbox jobs sent again.
    OutboxRetry,
    /// Slack's button clicks.
    Interactions,
    /// The alert history as JSON, and as a page.
    HistoryApi,
    HistoryPage,
    /// `GET /api/chart/<token>.png`; the token is read by [`chart_token`].
    Chart,
}

const TABLE: &[(&str, &str, Route)] = &[
    ("/", "GET", Route::Index),
    ("/healthz", "GET", Route::Healthz),
    ("/metrics", "GET", Route::Metrics),
    ("/api/alerts", "POST", Route::Alerts),
    ("/api/outbox/drain", "POST", Route::Drain),
    ("/api/outbox/retry", "POST", Route::OutboxRetry),
    ("/api/slack/interactions", "POST", Route::Interactions),
    ("/api/history", "GET", Route::HistoryApi),
    ("/history", "GET", Route::HistoryPage),
];

#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    Found(Route),
    NotFound,
    /// The path exists; `allow` is the method it takes (for the `Allow` header).
    WrongMethod {
        route: Route,
        allow: &'static str,
    },
}

/// Charts are served under this prefix, one path per token.
const CHART_PREFIX: &str = "/api/chart/";

/// Resolves a request's method and path (the query already removed).
pub fn resolve(method: &str, path: &str) -> Resolved {
    if path.starts_with(CHART_PREFIX) {
        return match method {
            "GET" | "HEAD" => Resolved::Found(Route::Chart),
            _ => Resolved::WrongMethod {
                route: Route::Chart,
                allow: "GET, HEAD",
            },
        };
    }
    match TABLE.iter().find(|(p, _, _)| *p == path) {
        Some(&(_, allow, route)) if allow == method => Resolved::Found(route),
        Some(&(_, allow, route)) => Resolved::WrongMethod { route, allow },
        None => Resolved::NotFound,
    }
}

/// The token of a chart path (`/api/chart/<token>.png`); the store checks its shape.
pub fn chart_token(path: &str) -> Option<&str> {
    path.strip_prefix(CHART_PREFIX)?.strip_suffix(".png")
}

/// The path part of a request target (`/a?b` → `/a`); an absent one is `/`.
pub fn path_of(path_with_query: Option<&str>) -> &str {
    let target = path_with_query.unwrap_or("/");
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

#[cfg(test)]
mod tests {
    use super::{chart_token, path_of, resolve, Resolved, Route};

    #[test]
    fn chart_paths_carry_their_token() {
        let path = "/api/chart/0123456789abcdef0123456789abcdef.png";
        assert_eq!(resolve("GET", path), Resolved::Found(Route::Chart));
        assert_eq!(resolve("HEAD", path), Resolved::Found(Route::Chart));
        assert_eq!(
            resolve("POST", path),
            Resolved::WrongMethod {
                route: Route::Chart,
                allow: "GET, HEAD"
            }
        );
        assert_eq!(chart_token(path), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(chart_token("/api/chart/abc"), None);
        assert_eq!(chart_token("/api/charts/abc.png"), None);
        assert_eq!(chart_token("/api/chart/.png"), Some(""));
    }

    #[test]
    fn known_routes() {
        assert_eq!(resolve("GET", "/"), Resolved::Found(Route::Index));
        assert_eq!(resolve("GET", "/healthz"), Resolved::Found(Route::Healthz));
        assert_eq!(resolve("GET", "/metrics"), Resolved::Found(Route::Metrics));
        assert_eq!(
            resolve("POST", "/api/alerts"),
            Resolved::Found(Route::Alerts)
        );
        assert_eq!(
            resolve("POST", "/api/slack/interactions"),
            Resolved::Found(Route::Interactions)
        );
    }

    #[test]
    fn wrong_method_names_the_allowed_one() {
        assert_eq!(
            resolve("GET", "/api/alerts"),
            Resolved::WrongMethod {
                route: Route::Alerts,
                allow: "POST"
            }
        );
        assert_eq!(
            resolve("DELETE", "/metrics"),
            Resolved::WrongMethod {
                route: Route::Metrics,
                allow: "GET"
            }
        );
    }

    #[test]
    fn unknown_paths() {
        assert_eq!(resolve("GET", "/healthz/"), Resolved::NotFound);
        assert_eq!(resolve("POST", "/api/alerts/x"), Resolved::NotFound);
        assert_eq!(resolve("GET", "/METRICS"), Resolved::NotFound);
    }

    #[test]
    fn query_is_not_part_of_the_path() {
        assert_eq!(path_of(Some("/metrics?x=1")), "/metrics");
        assert_eq!(path_of(Some("/?")), "/");
        assert_eq!(path_of(Some("?a")), "/");
        assert_eq!(path_of(None), "/");
    }
}
