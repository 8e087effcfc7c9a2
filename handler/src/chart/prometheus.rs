//! Prometheus' `query_range`: the request is built and the answer parsed by plain functions;
//! only [`Prometheus::query_range`] does I/O (Spin's outbound HTTP).

use futures::StreamExt;
use serde::Deserialize;
use spin_sdk::http::IncomingResponse;

use super::compare::Offset;
use super::model::Ms;
use crate::body_limit;
use crate::text::one_line;

/// Where to query, how to authenticate, and whether charts compare with the past.
#[derive(Debug, Clone)]
pub struct Prometheus {
    /// Base URL without a trailing slash, e.g. `http://prometheus:9090` or `…/prometheus`.
    pub url: String,
    /// The whole `Authorization` header value (`Bearer …` or `Basic …`), if any.
    pub authorization: Option<String>,
    /// The credentials in every form sent: a proxy may echo them in an error, and a failure's
    /// reason ends up in Slack and the log.
    pub secrets: Vec<String>,
    /// `CHART_COMPARE`: each chart also shows its series this long ago (one more query).
    pub compare: Option<Offset>,
}

/// One series of a range query's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: Vec<(String, String)>,
    /// Time-ordered; NaN and ±Inf kept as Prometheus sent them.
    pub points: Vec<(Ms, f64)>,
}

/// Why a query gave no data; `Display` is the one line shown under "no chart:".
#[derive(Debug, Clone, PartialEq)]
pub enum QueryFailure {
    /// No answer: connection refused, timeout, DNS.
    Unreachable(String),
    /// Prometheus answered with an error (bad query, timeout on its side, overload).
    Refused { status: u16, reason: String },
    /// The answer was not a range query's JSON.
    Unreadable(String),
}

impl std::fmt::Display for QueryFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryFailure::Unreachable(e) => write!(f, "Prometheus unreachable: {e}"),
            QueryFailure::Refused { status, reason } => {
                write!(f, "Prometheus refused the query (HTTP {status}): {reason}")
            }
            QueryFailure::Unreadable(e) => write!(f, "unreadable Prometheus answer: {e}"),
        }
    }
}

/// Prometheus stops evaluating after this; our outbound timeouts come on top.
const QUERY_TIMEOUT: &str = "10s";
/// Answers beyond this are refused rather than parsed inside a 64 MiB instance.
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;
/// At most this many series are kept, the rest counted as dropped.
pub const MAX_SERIES: usize = 100;

impl Prometheus {
    /// Runs `promql` from `start` to `end` (ms) every `step_s` seconds.
    pub async fn query_range(
        &self,
        promql: &str,
        start: Ms,
        end: Ms,
        step_s: u32,
    ) -> Result<Vec<RangeSeries>, QueryFailure> {
        let mut request = spin_sdk::http::Request::builder();
        request
            .method(spin_sdk::http::Method::Get)
            .uri(range_url(&self.url, promql, start, end, step_s))
            .header("accept", "application/json");
        if let Some(authorization) = &self.authorization {
            request.header("authorization", authorization.as_str());
        }
        let sent = spin_sdk::http::send::<_, IncomingResponse>(request.build()).await;
        let answer = match sent {
            Ok(response) => match read_capped(&response).await {
                Ok(body) => parse_answer(response.status(), &body),
                Err(failure) => Err(failure),
            },
            Err(e) => Err(QueryFailure::Unreachable(one_line(&e.to_string()))),
        };
        answer.map_err(|failure| failure.redacted(&self.secrets))
    }
}

/// The answer's body, read as it streams in and abandoned at [`MAX_ANSWER_BYTES`]: an
/// 80 MB answer costs 8 MiB of memory, not 80.
async fn read_capped(response: &IncomingResponse) -> Result<Vec<u8>, QueryFailure> {
    let declared = response
        .headers()
        .get("content-length")
        .first()
        .and_then(|v| body_limit::declared_length(Some(v.as_slice())));
    let over = |bytes: String| {
        QueryFailure::Unreadable(format!(
            "answer of {bytes} bytes is over the {} MiB cap: narrow the query",
            MAX_ANSWER_BYTES >> 20
        ))
    };
    let mut body = body_limit::Collector::new(MAX_ANSWER_BYTES, declared)
        .map_err(|_| over(declared.unwrap_or_default().to_string()))?;
    let mut stream = response.take_body_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| QueryFailure::Unreachable(one_line(&e.to_debug_string())))?;
        body.push(&chunk)
            .map_err(|_| over(format!("more than {MAX_ANSWER_BYTES}")))?;
    }
    Ok(body.into_bytes())
}

impl QueryFailure {
    /// The same failure with each of `secrets` in its reason replaced by `<redacted>`.
    pub fn redacted(self, secrets: &[String]) -> QueryFailure {
        let redact = |mut text: String| {
            // Longest first, so that a password inside `user:password` goes with the pair.
            let mut secrets: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
            secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
            for secret in secrets {
                text = text.replace(secret.as_str(), "<redacted>");
            }
            text
        };
        match self {
            QueryFailure::Unreachable(e) => QueryFailure::Unreachable(redact(e)),
            QueryFailure::Refused { status, reason } => QueryFailure::Refused {
                status,
                reason: redact(reason),
            },
            QueryFailure::Unreadable(e) => QueryFailure::Unreadable(redact(e)),
        }
    }
}

/// The `GET /api/v1/query_range` URL; times in seconds with millisecond precision.
pub fn range_url(base: &str, promql: &str, start: Ms, end: Ms, step_s: u32) -> String {
    format!(
        "{}/api/v1/query_range?query={}&start={}&end={}&step={step_s}&timeout={QUERY_TIMEOUT}",
        base.trim_end_matches('/'),
        crate::percent::encode(promql),
        seconds(start),
        seconds(end),
    )
}

fn seconds(ms: Ms) -> String {
    format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000))
}

#[derive(Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    data: Option<Data>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    result_type: String,
    result: Vec<Matrix>,
}

#[derive(Deserialize)]
struct Matrix {
    metric: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, Sample)>,
}

/// A sample value, parsed as it is read: no string is kept per point (16 bytes a point
/// instead of about 40 keeps a capped answer well inside the instance's memory).
struct Sample(f64);

impl<'de> Deserialize<'de> for Sample {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Sample, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Sample;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a sample value as a string")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Sample, E> {
                sample(value)
                    .map(Sample)
                    .map_err(|_| E::custom(format!("sample value {value:?}")))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Prometheus' answer: HTTP status and JSON body → the series, or why not.
pub fn parse_answer(status: u16, body: &[u8]) -> Result<Vec<RangeSeries>, QueryFailure> {
    let answer: Answer = match serde_json::from_slice(body) {
        Ok(answer) => answer,
        Err(_) if !(200..300).contains(&status) => {
            return Err(QueryFailure::Refused {
                status,
                reason: one_line(&String::from_utf8_lossy(&body[..body.len().min(200)])),
            })
        }
        Err(e) => return Err(QueryFailure::Unreadable(one_line(&e.to_string()))),
    };
    if answer.status != "success" {
        let reason = match (answer.error_type, answer.error) {
            (Some(kind), Some(error)) => format!("{kind}: {error}"),
            (None, Some(error)) => error,
            (kind, None) => kind.unwrap_or_else(|| "unknown error".into()),
        };
        return Err(QueryFailure::Refused {
            status,
            reason: one_line(&reason),
        });
    }
    let data = answer
        .data
        .ok_or_else(|| QueryFailure::Unreadable("success without data".into()))?;
    if data.result_type != "matrix" {
        return Err(QueryFailure::Unreadable(format!(
            "expected a matrix, got a {}",
            data.result_type
        )));
    }
    Ok(data
        .result
        .into_iter()
        .map(|m| {
            let points = m
                .values
                .into_iter()
                .map(|(t, Sample(v))| ((t * 1000.0).round() as Ms, v))
                .collect();
            RangeSeries {
                labels: m.metric.into_iter().collect(),
                points,
            }
        })
        .collect())
}

/// Prometheus writes sample values as strings: numbers, "NaN", "+Inf", "-Inf".
fn sample(value: &str) -> Result<f64, std::num::ParseFloatError> {
    match value {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => value.parse(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_never_quotes_the_credentials_back() {
        let echoed = br#"denied: Authorization: Basic YWxpY2U6cHctOQ== (alice:pw-9) token pw-9"#;
        let secrets = ["YWxpY2U6cHctOQ==", "alice:pw-9", "pw-9"].map(String::from);
        let failure = parse_answer(401, echoed).unwrap_err().redacted(&secrets);
        assert_eq!(
            failure.to_string(),
            "Prometheus refused the query (HTTP 401): denied: Authorization: Basic <redacted> \
             (<redacted>) token <redacted>"
        );
        let unreachable =
            QueryFailure::Unreachable("tok-1 at proxy".into()).redacted(&["tok-1".into()]);
        assert_eq!(
            unreachable.to_string(),
            "Prometheus unreachable: <redacted> at proxy"
        );
    }

    #[test]
    fn the_url_carries_the_encoded_query_and_times_in_seconds() {
        let url = range_url(
            "http://127.0.0.1:9090/prom/",
            r#"sum by (code) (rate(http_requests_total{code=~"5.."}[1m])) > 0.05"#,
            1_764_072_000_123,
            1_764_093_600_000,
            60,
        );
        assert_eq!(
            url,
            "http://127.0.0.1:9090/prom/api/v1/query_range?query=sum%20by%20%28code%29%20%28rate\
             %28http_requests_total%7Bcode%3D~%225..%22%7D%5B1m%5D%29%29%20%3E%200.05\
             &start=1764072000.123&end=1764093600.000&step=60&timeout=10s"
        );
    }

    #[test]
    fn a_matrix_becomes_series_with_gaps_and_infinities() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"__name__":"up","job":"api"},"values":[[1764072000,"1"],[1764072060.5,"NaN"],[1764072120,"+Inf"],[1764072180,"-Inf"]]},
            {"metric":{},"values":[]}]}}"#;
        let series = parse_answer(200, body).unwrap();
        assert_eq!(series.len(), 2);
        assert_eq!(
            series[0].labels,
            vec![
                ("__name__".to_string(), "up".to_string()),
                ("job".to_string(), "api".to_string())
            ]
        );
        let p = &series[0].points;
        assert_eq!(p[0], (1_764_072_000_000, 1.0));
        assert_eq!(p[1].0, 1_764_072_060_500);
        assert!(p[1].1.is_nan());
        assert_eq!(p[2].1, f64::INFINITY);
        assert_eq!(p[3].1, f64::NEG_INFINITY);
        assert!(series[1].labels.is_empty() && series[1].points.is_empty());
    }

    #[test]
    fn prometheus_errors_are_one_line_reasons() {
        let body = br#"{"status":"error","errorType":"bad_data","error":"1:5: parse error:\n unexpected"}"#;
        let e = parse_answer(400, body).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Prometheus refused the query (HTTP 400): bad_data: 1:5: parse error: unexpected"
        );
        let e = parse_answer(502, b"<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Prometheus refused the query (HTTP 502): <html>Bad Gateway</html>"
        );
        let e = parse_answer(200, b"{\"status\":\"success\"}").unwrap_err();
        assert_eq!(e, QueryFailure::Unreadable("success without data".into()));
        let vector = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(matches!(
            parse_answer(200, vector),
            Err(QueryFailure::Unreadable(m)) if m == "expected a matrix, got a vector"
        ));
        let bad_value = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}"#;
        assert!(matches!(
            parse_answer(200, bad_value),
            Err(QueryFailure::Unreadable(_))
        ));
        assert!(matches!(
            parse_answer(200, b"not json"),
            Err(QueryFailure::Unreadable(_))
        ));
    }
}
