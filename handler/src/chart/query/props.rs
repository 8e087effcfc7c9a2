//! Properties of the PromQL split on hostile expressions and generator URLs: it never panics,
//! what it plots is PromQL that parses again as a time series, a threshold is a finite number,
//! and expressions over the size, nesting or operator caps are refused before parsing.

use proptest::prelude::*;
use proptest::sample::select;

use super::{
    expr_from_generator_url, for_alert, parser, promql_string, sloth_query, split, Query,
    QueryError, MAX_EXPR_BYTES, MAX_NESTING, MAX_OPERATORS,
};
use crate::props::{cases, config, hostile_text, maybe_long_text};

/// A component's stack is small: the split must fit a quarter of it (see the unit tests).
const SMALL_STACK: usize = 256 * 1024;

/// `split(expr)` on a small stack, like the component's.
fn split_on_small_stack(expr: String) -> Result<Query, QueryError> {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(move || split(&expr))
        .expect("thread starts")
        .join()
        .expect("split does not panic (a stack overflow aborts the run)")
}

/// What a split gives: a query that parses again as a time series with a finite threshold,
/// or a one-line reason.
fn assert_sound(outcome: &Result<Query, QueryError>) -> Result<(), TestCaseError> {
    match outcome {
        Ok(query) => {
            let reparsed = parser::parse(&query.promql).map_err(|e| {
                TestCaseError::fail(format!("{} does not parse: {e}", query.promql))
            })?;
            prop_assert!(
                matches!(
                    reparsed.value_type(),
                    parser::value::ValueType::Vector | parser::value::ValueType::Scalar
                ),
                "{} is no time series",
                query.promql
            );
            if let Some(threshold) = query.threshold {
                prop_assert!(threshold.value.is_finite(), "{threshold:?}");
            }
        }
        Err(e) => {
            let reason = e.to_string();
            prop_assert!(!reason.contains(['\n', '\r']), "{reason:?}");
        }
    }
    Ok(())
}

/// Pieces of PromQL and of broken PromQL, glued at random.
const TOKENS: [&str; 40] = [
    "up",
    "(",
    ")",
    "[5m]",
    "{a=\"b\"}",
    " > ",
    " and ",
    " or ",
    " unless ",
    "sum",
    " by (x) ",
    " without (y) ",
    "1",
    "-",
    "rate(",
    "\"s\"",
    "@ 5",
    "@ start()",
    " offset 1h",
    " offset -5m",
    ",",
    "*",
    "^",
    " bool ",
    "[1m:]",
    "[1h:5m]",
    "#",
    "\n",
    "e",
    "0x",
    "Inf",
    "NaN",
    "{",
    "}",
    "=~",
    "!~",
    " on (a) ",
    " group_left ",
    "topk(2, ",
    "`",
];

const METRICS: [&str; 12] = [
    "up",
    "http_requests_total",
    "node_filesystem_avail_bytes",
    "process_cpu_seconds_total",
    "http_request_duration_seconds_bucket",
    "job:slo_errors_per_request:ratio_rate1h",
    "kube_pod_container_status_restarts_total",
    "memory_usage_percent",
    "a",
    "sum",
    "bool",
    "offset",
];

const NUMBERS: [&str; 16] = [
    "0",
    "1",
    "0.05",
    "99.9",
    "-1",
    "1e308",
    "1e-308",
    "1e309",
    "Inf",
    "-Inf",
    "NaN",
    "0x1F",
    "+5",
    ".5",
    "5.",
    "14.4 * 0.001",
];

const LABEL_NAMES: [&str; 5] = ["job", "code", "le", "instance", "service"];
const MATCH_OPS: [&str; 4] = ["=", "!=", "=~", "!~"];
const DURATIONS: [&str; 5] = ["5m", "1h", "30s", "1d", "1h30m"];
const BINARY_OPS: [&str; 16] = [
    "+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or", "unless", "atan2",
];
const MODIFIERS: [&str; 6] = [
    "",
    "bool",
    "on (job)",
    "ignoring (code)",
    "on (job) group_left",
    "bool ignoring (le) group_right (x)",
];
const AGGREGATIONS: [&str; 8] = [
    "sum",
    "max",
    "min",
    "avg",
    "count",
    "stddev",
    "group",
    "max by (job)",
];
/// Calls around an instant vector: what goes before it and after it.
const CALLS: [(&str, &str); 10] = [
    ("abs(", ")"),
    ("absent(", ")"),
    ("timestamp(", ")"),
    ("scalar(", ")"),
    ("histogram_quantile(0.99, ", ")"),
    ("clamp_max(", ", 1)"),
    ("topk(3, ", ")"),
    ("quantile by (le) (0.9, ", ")"),
    ("count_values(\"v\", ", ")"),
    ("label_replace(", ", \"a\", \"$1\", \"b\", \"(.*)\")"),
];
/// Calls around a range selector: what goes before it and after it.
const RANGE_CALLS: [(&str, &str); 5] = [
    ("rate(", ")"),
    ("increase(", ")"),
    ("max_over_time(", ")"),
    ("predict_linear(", ", 3600)"),
    ("absent_over_time(", ")"),
];
const COMPARISONS: [&str; 6] = ["==", "!=", ">", "<", ">=", "<="];
/// Label values the Sloth query reads as numbers or words, good and bad.
const SLOTH_VALUES: [&str; 14] = [
    "99.9",
    "99",
    "50",
    "100",
    "100.0001",
    "0.0001",
    "1e-300",
    "1e309",
    "0",
    "-1",
    "NaN",
    " 5 ",
    "latency",
    "availability",
];

/// A label value as a PromQL string: escaped as it should be, or now and then not.
fn string_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => hostile_text(6).prop_map(|value| promql_string(&value)),
        1 => hostile_text(6).prop_map(|value| format!("\"{value}\"")),
        1 => hostile_text(6).prop_map(|value| format!("'{}'", value.replace('\'', ""))),
        1 => hostile_text(6).prop_map(|value| format!("`{}`", value.replace('`', ""))),
    ]
}

fn selector() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        3 => select(&LABEL_NAMES[..]).prop_map(str::to_owned),
        1 => "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
    ];
    let matcher = (name, select(&MATCH_OPS[..]), string_literal())
        .prop_map(|(name, op, value)| format!("{name}{op}{value}"));
    let metric = prop_oneof![
        3 => select(&METRICS[..]).prop_map(str::to_owned),
        1 => "[a-zA-Z_:][a-zA-Z0-9_:]{0,12}",
    ];
    (
        prop::option::weighted(0.9, metric),
        prop::collection::vec(matcher, 0..4),
    )
        .prop_map(|(metric, matchers)| {
            let metric = metric.unwrap_or_default();
            if matchers.is_empty() {
                metric
            } else {
                format!("{metric}{{{}}}", matchers.join(", "))
            }
        })
}

/// Nothing, an offset or an `@` time, for a selector.
fn selector_modifier() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        6 => Just(""),
        1 => Just(" offset 5m"),
        1 => Just(" offset -1h"),
        1 => Just(" @ 1700000000"),
        1 => Just(" @ end()"),
    ]
}

/// PromQL-ish expressions: mostly valid, nested, with every operator and hostile strings.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        6 => (selector(), selector_modifier()).prop_map(|(s, m)| format!("{s}{m}")),
        1 => select(&NUMBERS[..]).prop_map(str::to_owned),
        2 => (select(&RANGE_CALLS[..]), selector(), select(&DURATIONS[..]), selector_modifier())
            .prop_map(|((before, after), s, d, m)| format!("{before}{s}[{d}]{m}{after}")),
        1 => Just("vector(1)".to_owned()),
        1 => Just("time()".to_owned()),
    ];
    leaf.prop_recursive(6, 64, 2, |inner| {
        let modifier = prop_oneof![4 => Just(""), 1 => select(&MODIFIERS[..])];
        prop_oneof![
            4 => (inner.clone(), select(&BINARY_OPS[..]), modifier, inner.clone())
                .prop_map(|(l, op, modifier, r)| format!("{l} {op} {modifier} {r}")),
            2 => inner.clone().prop_map(|e| format!("({e})")),
            2 => (select(&AGGREGATIONS[..]), inner.clone()).prop_map(|(a, e)| format!("{a}({e})")),
            2 => (select(&CALLS[..]), inner.clone())
                .prop_map(|((before, after), e)| format!("{before}{e}{after}")),
            1 => inner.clone().prop_map(|e| format!("-{e}")),
            1 => (inner.clone(), select(&DURATIONS[..]))
                .prop_map(|(e, d)| format!("max_over_time(({e})[{d}:1m])")),
            1 => inner.prop_map(|e| format!("{e} # comment > 1\n")),
        ]
    })
}

/// Expressions as alerting rules write them: often held against a constant somewhere.
fn promql() -> impl Strategy<Value = String> {
    let number = || select(&NUMBERS[..]);
    let cmp = || select(&COMPARISONS[..]);
    prop_oneof![
        2 => expression(),
        2 => (expression(), cmp(), number()).prop_map(|(e, op, n)| format!("{e} {op} {n}")),
        1 => (number(), cmp(), expression()).prop_map(|(n, op, e)| format!("({n}) {op} {e}")),
        1 => (select(&["max", "min"][..]), expression(), cmp(), number())
            .prop_map(|(a, e, op, n)| format!("{a}({e} {op} {n})")),
        1 => (expression(), cmp(), number(), select(&["and", "unless", "or"][..]), expression())
            .prop_map(|(e, op, n, set, f)| format!("({e} {op} {n}) {set} {f}")),
        1 => (expression(), number(), number()).prop_map(|(e, a, b)| format!("{e} > {a} < {b}")),
    ]
}

/// `expr` in a generator URL's `g0.expr`, encoded as browsers and Prometheus do (`+` for a
/// space, or `%20`), among other parameters.
fn generator_url(expr: &str, plus_for_space: bool) -> String {
    let mut encoded = String::new();
    for &b in expr.as_bytes() {
        match b {
            b' ' if plus_for_space => encoded.push('+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(char::from(b));
            }
            _ => encoded.push_str(&format!("%{b:02X}")),
        }
    }
    format!("http://prometheus:9090/graph?g0.tab=1&g0.expr={encoded}&g0.range_input=1h#top")
}

fn sloth_value() -> impl Strategy<Value = String> {
    select(&SLOTH_VALUES[..]).prop_map(str::to_owned)
}

fn labels() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        2 => select(&[
            "alertname",
            "sloth_slo",
            "objective_name",
            "objective_percentile",
            "objective_latency_threshold",
        ][..])
        .prop_map(str::to_owned),
        1 => hostile_text(3),
    ];
    let value = prop_oneof![
        2 => hostile_text(8),
        1 => sloth_value(),
    ];
    prop::collection::vec((name, value), 0..12)
}

proptest! {
    #![proptest_config(config(cases::QUERY_ARBITRARY_TEXT))]
    #[test]
    fn arbitrary_text_splits_soundly(expr in maybe_long_text(2000)) {
        assert_sound(&split(&expr))?;
    }
}

proptest! {
    #![proptest_config(config(cases::QUERY_TOKEN_SOUP))]
    #[test]
    fn token_soup_splits_soundly(tokens in prop::collection::vec(select(&TOKENS[..]), 0..24)) {
        assert_sound(&split(&tokens.concat()))?;
    }
}

proptest! {
    #![proptest_config(config(cases::QUERY_GENERATED_PROMQL))]
    #[test]
    fn generated_promql_splits_soundly_on_a_small_stack(expr in promql()) {
        let outcome = split_on_small_stack(expr.clone());
        assert_sound(&outcome)?;
        if let Ok(query) = outcome {
            // The plotted query is printed the way it prints again: what is shown is what runs.
            let reprinted = parser::parse(&query.promql).map(|e| e.to_string());
            prop_assert_eq!(reprinted.as_deref(), Ok(query.promql.as_str()), "from {}", expr);
        }
    }
}

proptest! {
    #![proptest_config(config(cases::QUERY_OVER_THE_CAPS))]
    #[test]
    fn expressions_over_the_caps_are_too_complex(
        expr in promql(),
        depth in MAX_NESTING + 1..4 * MAX_NESTING,
        chain in prop::collection::vec(
            select(&BINARY_OPS[..]),
            MAX_OPERATORS + 1..4 * MAX_OPERATORS,
        ),
        padding in MAX_EXPR_BYTES..2 * MAX_EXPR_BYTES,
    ) {
        let too_complex = |expr: &str| matches!(split(expr), Err(QueryError::TooComplex(_)));
        let nested = format!("{}{expr}{}", "(".repeat(depth), ")".repeat(depth));
        prop_assert!(too_complex(&nested), "{nested}");
        let levels = depth / 2 + 1;
        let ranges = format!("{}up{}", "max_over_time((".repeat(levels), ")[5m:])".repeat(levels));
        prop_assert!(too_complex(&ranges), "{ranges}");
        let chained: String = chain.iter().map(|op| format!(" {op} up")).collect();
        prop_assert!(too_complex(&format!("up{chained}")), "up{chained}");
        let long = format!("{expr} # {}", "x".repeat(padding));
        prop_assert!(too_complex(&long));
    }
}

proptest! {
    #![proptest_config(config(cases::QUERY_GENERATOR_URL_ROUND_TRIP))]
    #[test]
    fn generator_urls_give_back_their_expression(
        expr in prop_oneof![promql(), hostile_text(16)],
        plus_for_space in any::<bool>(),
    ) {
        let url = generator_url(&expr, plus_for_space);
        let expected = (!expr.trim().is_empty()).then_some(expr);
        prop_assert_eq!(expr_from_generator_url(&url), expected);
    }
}

proptest! {
    #![proptest_config(config(cases::QUERY_ARBITRARY_GENERATOR_URL))]
    #[test]
    fn arbitrary_alerts_get_a_sound_query(
        labels in labels(),
        url in prop_oneof![
            hostile_text(24),
            hostile_text(16).prop_map(|q| format!("http://p/graph?{q}")),
            promql().prop_map(|e| generator_url(&e, true)),
        ],
    ) {
        if let Some(expr) = expr_from_generator_url(&url) {
            prop_assert!(!expr.trim().is_empty());
        }
        assert_sound(&for_alert(&labels, &url))?;
    }
}

proptest! {
    #![proptest_config(config(cases::QUERY_SLOTH_LABELS))]
    #[test]
    fn sloth_queries_parse_whatever_the_labels(
        slo in prop_oneof![
            hostile_text(6),
            hostile_text(6).prop_map(|s| format!("{s}latency{s}")),
        ],
        objective in hostile_text(12),
        percentile in prop_oneof![hostile_text(3), sloth_value()],
        latency in prop_oneof![hostile_text(3), sloth_value()],
    ) {
        let labels: Vec<(String, String)> = [
            ("sloth_slo", slo),
            ("objective_name", objective),
            ("objective_percentile", percentile),
            ("objective_latency_threshold", latency),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        if let Some(query) = sloth_query(&labels) {
            assert_sound(&Ok(query))?;
        }
    }
}
