use super::*;

mod mixins;

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn at(value: f64, op: Comparison) -> Option<Threshold> {
    Some(Threshold { value, op })
}

#[test]
fn prometheus_is_asked_for_the_series_on_the_alerts_side_of_the_threshold_only() {
    let bounded = |expr: &str| split(expr).unwrap().bounded(100);
    assert_eq!(
        bounded(r#"sum by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Failed"}) > 0"#),
        r#"topk(100, sum by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Failed"}))"#
    );
    assert_eq!(bounded("up == 0"), "topk(100, up)");
    assert_eq!(
        bounded("free_bytes / size_bytes < 0.1"),
        "bottomk(100, free_bytes / size_bytes)"
    );
    assert_eq!(bounded("rate(x[5m]) <= 1"), "bottomk(100, rate(x[5m]))");
    assert_eq!(bounded("absent(up)"), "topk(100, absent(up))");
    assert_eq!(
        bounded("scalar(up)"),
        "scalar(up)",
        "a scalar is one series already"
    );
    for expr in ["x > 1", "x < 1", "vector(1)"] {
        let asked = bounded(expr);
        let parsed = parser::parse(&asked).unwrap_or_else(|e| panic!("{asked}: {e}"));
        assert!(matches!(parsed.value_type(), ValueType::Vector), "{asked}");
    }
}

/// Asserts that the re-printed `promql` parses again to the very AST that was plotted out of
/// `expr` (but for the order of label matchers, which the printer sorts), and prints the
/// same again.
fn assert_round_trip(expr: &str, promql: &str) {
    let original = parser::parse(expr).expect("the original parses");
    let (mut plotted, _) = split_ast(&original);
    let mut reparsed =
        parser::parse(promql).unwrap_or_else(|e| panic!("{promql} does not parse: {e}"));
    assert_eq!(reparsed.to_string(), promql);
    sort_matchers(&mut plotted);
    sort_matchers(&mut reparsed);
    assert_eq!(
        &reparsed,
        unparen(&plotted),
        "{promql} means something else"
    );
}

/// Sorts the label matchers of every selector in `e`: their order has no meaning.
fn sort_matchers(e: &mut Expr) {
    let sort = |v: &mut VectorSelector| {
        v.matchers.matchers.sort_by(|a, b| {
            (&a.name, a.op.to_string(), &a.value).cmp(&(&b.name, b.op.to_string(), &b.value))
        });
    };
    match e {
        Expr::VectorSelector(v) => sort(v),
        Expr::MatrixSelector(m) => sort(&mut m.vs),
        Expr::Paren(p) => sort_matchers(&mut p.expr),
        Expr::Unary(u) => sort_matchers(&mut u.expr),
        Expr::Subquery(s) => sort_matchers(&mut s.expr),
        Expr::Aggregate(a) => {
            sort_matchers(&mut a.expr);
            if let Some(param) = a.param.as_mut() {
                sort_matchers(param);
            }
        }
        Expr::Call(c) => c.args.args.iter_mut().for_each(|arg| sort_matchers(arg)),
        Expr::Binary(b) => {
            sort_matchers(&mut b.lhs);
            sort_matchers(&mut b.rhs);
        }
        _ => {}
    }
}

fn check(expr: &str, promql: &str, threshold: Option<Threshold>, unit: Unit) {
    let query = split(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    assert_eq!(query.promql, promql, "plotted part of {expr}");
    assert_eq!(query.threshold, threshold, "threshold of {expr}");
    assert_eq!(query.unit, unit, "unit of {expr}");
    assert_round_trip(expr, &query.promql);
}

// Expressions of real alerting rules (named by mixin and alert), as their rule files have them.

#[test]
fn comparison_forms() {
    use Comparison::*;
    // The constant on the left: the operator as seen from the series.
    check("0.9 < x", "x", at(0.9, Gt), Unit::Plain);
    check("0.9 >= x", "x", at(0.9, Le), Unit::Plain);
    check("5 != x", "x", at(5.0, Ne), Unit::Plain);
    // `bool` only changes what the comparison returns.
    check("x < bool 1", "x", at(1.0, Lt), Unit::Plain);
    check("-(2 * 3) <= x", "x", at(-6.0, Ge), Unit::Plain);
    check("x > 2 ^ 3 % 5", "x", at(3.0, Gt), Unit::Plain);
    check("x < -0.05", "x", at(-0.05, Lt), Unit::Plain);
    check("x > 0x10", "x", at(16.0, Gt), Unit::Plain);
    // Parentheses at the top, and around the plotted side, are dropped.
    check("((x_ratio > 0.5))", "x_ratio", at(0.5, Gt), Unit::Ratio);
    check("(((a / b))) > 1", "a / b", at(1.0, Gt), Unit::Plain);
    // Inside the plotted side they are kept.
    check("(a + b) * c > 1", "(a + b) * c", at(1.0, Gt), Unit::Plain);
    // A line at infinity cannot be drawn.
    check("x < Inf", "x", None, Unit::Plain);
    // Constants on both sides: nothing to split.
    check("1 > bool 2", "1 > bool 2", None, Unit::Plain);
    // `unless` and `and` filter, `or` keeps its first side.
    check("a > 1 unless b", "a", at(1.0, Gt), Unit::Plain);
    check("a or b > 1", "a", None, Unit::Plain);
    // Sums of a filter are other values: plotted as written.
    check("sum(x > 1)", "sum(x > 1)", None, Unit::Plain);
}

#[test]
fn re_printing_keeps_the_meaning() {
    // Durations, grouping, offsets, @, subqueries, string escapes, regexes, backquotes,
    // `bool`, vector matching, UTF-8 names and comments survive the re-print.
    for (plotted, printed) in [
        ("rate(x[1h30m] offset 1d)", "rate(x[1h30m] offset 1d)"),
        ("rate(x[90s])", "rate(x[1m30s])"),
        ("up offset -5m", "up offset -5m"),
        ("up @ 1609746000", "up @ 1609746000.000"),
        ("up @ start()", "up @ start()"),
        ("sum(x) by (a, b)", "sum by (a, b) (x)"),
        ("sum without (a) (x)", "sum without (a) (x)"),
        (
            "max_over_time(rate(x[5m])[30m:1m])",
            "max_over_time(rate(x[5m])[30m:1m])",
        ),
        (
            r#"x{path="a\"b\\c\n", re=~"a.+\\d"}"#,
            r#"x{path="a\"b\\c\n",re=~"a.+\\d"}"#,
        ),
        ("x{re=~`a.+`}", r#"x{re=~"a.+"}"#),
        ("a > bool on (b) c", "a > bool on (b) c"),
        ("a + on(b) group_left(c) d", "a + on (b) group_left (c) d"),
        (
            r#"{"some.metric", "label.x"="v"}"#,
            r#"{"label.x"="v",__name__="some.metric"}"#,
        ),
        ("topk(3, x)", "topk(3, x)"),
        ("quantile(0.9, x)", "quantile(0.9, x)"),
        (
            r#"label_replace(x, "dst", "$1", "src", "(.*)")"#,
            r#"label_replace(x, "dst", "$1", "src", "(.*)")"#,
        ),
        ("x # a comment", "x"),
    ] {
        let expr = format!("{plotted} > 1");
        let query = split(&expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        assert_eq!(query.promql, printed, "{expr}");
        assert_round_trip(&expr, &query.promql);
    }
}

#[test]
fn units() {
    for (expr, unit) in [
            ("process_resident_memory_bytes", Unit::Bytes),
            ("rate(node_network_receive_bytes_total[5m])", Unit::Bytes),
            ("http_request_duration_seconds_count", Unit::Plain),
            ("rate(http_request_duration_seconds_bucket[5m])", Unit::Plain),
            ("rate(process_cpu_seconds_total[5m])", Unit::Ratio),
            ("instance:node_cpu_utilisation:rate5m", Unit::Plain),
            ("instance_device:node_disk_io_time_seconds:rate5m", Unit::Ratio),
            ("instance:node_memory_utilisation:ratio", Unit::Ratio),
            ("disk_used_percent", Unit::Percent),
            ("disk_used_percent / 100", Unit::Ratio),
            ("1 - cache_hit_ratio", Unit::Ratio),
            ("cache_hit_ratio * 100", Unit::Percent),
            ("cache_hit_ratio * 2", Unit::Plain),
            ("x_bytes / 1024 / 1024", Unit::Plain),
            ("x_bytes / 1", Unit::Bytes),
            ("a_seconds / b_seconds", Unit::Ratio),
            ("a_seconds * b_seconds", Unit::Plain),
            ("a_bytes + b_bytes", Unit::Bytes),
            ("a_bytes + b_seconds", Unit::Plain),
            ("a_bytes or b_bytes", Unit::Bytes),
            ("a_bytes > bool 1", Unit::Plain),
            ("a_bytes > 1", Unit::Bytes),
            ("1 < a_bytes", Unit::Bytes),
            ("count(a_bytes)", Unit::Plain),
            ("stdvar(a_bytes)", Unit::Plain),
            ("avg(a_bytes)", Unit::Bytes),
            ("-a_bytes", Unit::Bytes),
            ("{__name__=\"a_bytes\"}", Unit::Bytes),
            (
                "sum(rate(http_request_duration_seconds_sum[5m])) / sum(rate(http_request_duration_seconds_count[5m]))",
                Unit::Seconds,
            ),
            (
                "rate(sent_bytes_total[5m]) / rate(requests_total[5m])",
                Unit::Plain,
            ),
            ("time() - process_start_time_seconds", Unit::Seconds),
            ("node_load1 / node_load15", Unit::Plain),
            ("absent(up)", Unit::Plain),
        ] {
            let ast = parser::parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
            assert_eq!(unit_of(&ast), unit, "{expr}");
        }
}

#[test]
fn unparsable_expressions_say_why() {
    let err = split("sum(rate(x[5m])").unwrap_err();
    let QueryError::Unparsable(reason) = &err else {
        panic!("{err:?}");
    };
    assert!(!reason.is_empty());
    assert!(!reason.contains('\n'));
    assert_eq!(err.to_string(), format!("cannot parse g0.expr: {reason}"));
    assert!(matches!(split(""), Err(QueryError::Unparsable(_))));
    assert!(matches!(split("x >"), Err(QueryError::Unparsable(_))));
    assert!(matches!(
        split("no_such_function(x)"),
        Err(QueryError::Unparsable(_))
    ));
}

#[test]
fn non_series_are_not_plotted() {
    assert_eq!(
        split("x[5m]"),
        Err(QueryError::NotPlottable("range vector".into()))
    );
    assert_eq!(
        split(r#""text""#),
        Err(QueryError::NotPlottable("string".into()))
    );
    assert_eq!(
        split("x[5m]").unwrap_err().to_string(),
        "cannot plot g0.expr: it is a range vector, not a time series"
    );
    // A bare number is a scalar: Prometheus draws it as a flat line.
    assert_eq!(split("1").map(|q| q.promql), Ok("1".to_owned()));
}

#[test]
fn oversized_expressions_are_refused_before_parsing() {
    let long = format!("up{{job=\"{}\"}}", "x".repeat(MAX_EXPR_BYTES));
    assert!(matches!(split(&long), Err(QueryError::TooComplex(_))));
    let nested = |n: usize| format!("{}up{}", "(".repeat(n), ")".repeat(n));
    assert!(matches!(
        split(&nested(MAX_NESTING + 1)),
        Err(QueryError::TooComplex(_))
    ));
    let chain = |n: usize| format!("up{}", " + up".repeat(n));
    assert!(matches!(
        split(&chain(MAX_OPERATORS + 1)),
        Err(QueryError::TooComplex(_))
    ));
    let words = format!("up{}", " and up".repeat(MAX_OPERATORS + 1));
    assert!(matches!(split(&words), Err(QueryError::TooComplex(_))));
    assert_eq!(
        split(&nested(MAX_NESTING + 1)).unwrap_err().to_string(),
        "g0.expr is too complex to chart: brackets nested deeper than 32"
    );
}

#[test]
fn expressions_at_the_limits_fit_a_small_stack() {
    // Unoptimised frames on a quarter of a component's stack: well within the real one.
    let deepest = format!(
        "{}up{}{}",
        "abs(".repeat(MAX_NESTING),
        " - up".repeat(MAX_OPERATORS - 1),
        ")".repeat(MAX_NESTING)
    );
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || split(&deepest).map(|q| q.promql.len()))
        .expect("thread starts");
    assert!(handle.join().expect("no stack overflow").is_ok());
}

#[test]
fn shape_skips_strings_matchers_and_comments() {
    assert_eq!(
        shape(r#"sum(rate(x{a=~"(b+|c-)*", d!="e>f"}[5m])) > 1 # not > this"#),
        Shape {
            nesting: 3,
            operators: 1
        }
    );
    assert_eq!(shape("a AND b Or c unless d").operators, 3);
    assert_eq!(shape("android or orange").operators, 1);
    assert_eq!(shape(r#"x{a="\"(("} or `((`"#).nesting, 0);
}

#[test]
fn generator_url_expression() {
    let url = "http://127.0.0.1:41485/graph?g0.expr=sum+by+%28service%29+%28rate%28http_requests_total%7Bcode%3D%22500%22%7D%5B1m%5D%29%29+%2F+sum+by+%28service%29+%28rate%28http_requests_total%5B1m%5D%29%29+%3E+0.05&g0.tab=1";
    assert_eq!(
        expr_from_generator_url(url).as_deref(),
        Some(
            r#"sum by (service) (rate(http_requests_total{code="500"}[1m])) / sum by (service) (rate(http_requests_total[1m])) > 0.05"#
        )
    );
    // '+' is a space, "%2B" a plus; the first g0.expr counts; the fragment is no query.
    assert_eq!(
        expr_from_generator_url("http://p/graph?g0.tab=0&g0.expr=a+%2B+b&g0.expr=c#x=1").as_deref(),
        Some("a + b")
    );
    assert_eq!(
        expr_from_generator_url("http://p/graph?g0%2Eexpr=up").as_deref(),
        Some("up")
    );
    assert_eq!(
        expr_from_generator_url("http://p/graph?g0.expr=up#g0.expr=down").as_deref(),
        Some("up")
    );
    // Multi-byte UTF-8.
    assert_eq!(
        expr_from_generator_url("http://p/graph?g0.expr=x%7Bcity%3D%22Z%C3%BCrich%22%7D")
            .as_deref(),
        Some(r#"x{city="Zürich"}"#)
    );
}

#[test]
fn generator_url_without_expression() {
    for url in [
        "",
        "http://p/graph",
        "http://p/graph?g0.tab=1",
        "http://p/graph?g0.expr",
        "http://p/graph?g0.expr=",
        "http://p/graph?g0.expr=+%20%0A",
        "http://p/graph#g0.expr=up",
        "http://p/graph?g1.expr=up",
        // Not UTF-8 once decoded.
        "http://p/graph?g0.expr=%FF%FE",
    ] {
        assert_eq!(expr_from_generator_url(url), None, "{url}");
    }
}

#[test]
fn bad_percent_encoding_is_kept_as_written() {
    assert_eq!(
        expr_from_generator_url("http://p/graph?g0.expr=x%7Ba%3D%22%zz%4%22%7D%").as_deref(),
        Some(r#"x{a="%zz%4"}%"#)
    );
    assert_eq!(
        expr_from_generator_url("http://p/graph?g0.expr=100%25").as_deref(),
        Some("100%")
    );
    // The parser then says what is wrong.
    let err = for_alert(&[], "http://p/graph?g0.expr=%7Bx%zz").unwrap_err();
    assert!(matches!(err, QueryError::Unparsable(_)), "{err:?}");
}

#[test]
fn for_alert_splits_g0_expr() {
    let url = "http://p/graph?g0.expr=up+%3D%3D+0&g0.tab=1";
    let query = for_alert(&labels(&[("alertname", "TargetDown")]), url).expect("a query");
    assert_eq!(query.promql, "up");
    assert_eq!(query.threshold, at(0.0, Comparison::Eq));
    assert_eq!(
        for_alert(&[], "http://p/graph?g0.tab=1"),
        Err(QueryError::NoExpression)
    );
    assert_eq!(
        QueryError::NoExpression.to_string(),
        "the alert's generatorURL has no g0.expr"
    );
}

fn success_labels(name: &str, percentile: &str) -> Vec<(String, String)> {
    labels(&[
        ("alertname", "SLO"),
        ("sloth_slo", "success-rate-99_9"),
        ("objective_name", name),
        ("objective_percentile", percentile),
    ])
}

/// The values of the `objective_name` matchers in `e`.
fn objective_names(e: &Expr) -> Vec<String> {
    match e {
        Expr::VectorSelector(v) => v
            .matchers
            .find_matchers("objective_name")
            .into_iter()
            .map(|m| m.value)
            .collect(),
        Expr::MatrixSelector(m) => objective_names(&Expr::VectorSelector(m.vs.clone())),
        Expr::Paren(p) => objective_names(&p.expr),
        Expr::Aggregate(a) => objective_names(&a.expr),
        Expr::Call(c) => c
            .args
            .args
            .iter()
            .flat_map(|a| objective_names(a))
            .collect(),
        Expr::Binary(b) => {
            let mut names = objective_names(&b.lhs);
            names.extend(objective_names(&b.rhs));
            names
        }
        _ => Vec::new(),
    }
}

/// Asserts that `promql` parses, prints as written and selects `name` in every selector.
fn assert_valid_slo_query(promql: &str, name: &str, selectors: usize) {
    let parsed = parser::parse(promql).unwrap_or_else(|e| panic!("{promql}: {e}"));
    assert_eq!(parsed.to_string(), promql);
    assert_eq!(objective_names(&parsed), vec![name.to_owned(); selectors]);
}

#[test]
fn sloth_success_rate() {
    let query = sloth_query(&success_labels("api", "99.9")).expect("a Sloth query");
    assert_eq!(
        query.promql,
        r#"sum(rate(function_calls_total{objective_name="api",result="ok"}[5m])) / sum(rate(function_calls_total{objective_name="api"}[5m]))"#
    );
    assert_eq!(query.threshold, at(0.999, Comparison::Lt));
    assert_eq!(query.unit, Unit::Ratio);
    assert_valid_slo_query(&query.promql, "api", 2);
}

#[test]
fn sloth_latency() {
    let alert = labels(&[
        ("sloth_slo", "latency-99_9"),
        ("objective_name", "api"),
        ("objective_percentile", "99.9"),
        ("objective_latency_threshold", "0.25"),
    ]);
    let query = sloth_query(&alert).expect("a Sloth query");
    assert_eq!(
        query.promql,
        r#"histogram_quantile(0.999, sum by (le) (rate(function_calls_duration_seconds_bucket{objective_name="api"}[5m])))"#
    );
    assert_eq!(query.threshold, at(0.25, Comparison::Gt));
    assert_eq!(query.unit, Unit::Seconds);
    assert_valid_slo_query(&query.promql, "api", 1);
    // Without a usable latency threshold there is no line.
    for threshold in ["", "fast", "-1", "NaN"] {
        let mut alert = alert.clone();
        alert[3].1 = threshold.to_owned();
        assert_eq!(sloth_query(&alert).expect("a query").threshold, None);
    }
    let without: Vec<_> = alert[..3].to_vec();
    assert_eq!(sloth_query(&without).expect("a query").threshold, None);
}

#[test]
fn sloth_percentiles() {
    for (percentile, threshold) in [
        ("99", Some(0.99)),
        ("99.99", Some(0.9999)),
        (" 95 ", Some(0.95)),
        ("100", Some(1.0)),
        ("", None),
        ("high", None),
        ("0", None),
        ("-5", None),
        ("150", None),
        ("inf", None),
    ] {
        let query = sloth_query(&success_labels("api", percentile)).expect("a query");
        let expected = threshold.map(|value| Threshold {
            value,
            op: Comparison::Lt,
        });
        assert_eq!(query.threshold, expected, "{percentile:?}");
    }
    // A latency objective needs its percentile: the rule's expression is charted instead.
    let alert = labels(&[
        ("sloth_slo", "latency-99_9"),
        ("objective_name", "api"),
        ("objective_latency_threshold", "0.25"),
    ]);
    assert_eq!(sloth_query(&alert), None);
    let url = "http://p/graph?g0.expr=slo%3Asli_error%3Aratio_rate5m+%3E+0.0144";
    assert_eq!(
        for_alert(&alert, url).map(|q| q.promql),
        Ok("slo:sli_error:ratio_rate5m".to_owned())
    );
}

#[test]
fn sloth_escapes_hostile_objective_names() {
    let hostile = "a\"} or vector(1) or x{y=\"\\\nz\t`'";
    let query = sloth_query(&success_labels(hostile, "99")).expect("a query");
    assert_valid_slo_query(&query.promql, hostile, 2);
    let latency = labels(&[
        ("sloth_slo", "latency"),
        ("objective_name", hostile),
        ("objective_percentile", "99"),
    ]);
    let query = sloth_query(&latency).expect("a query");
    assert_valid_slo_query(&query.promql, hostile, 1);
}

#[test]
fn sloth_needs_both_labels() {
    let only_slo = labels(&[("sloth_slo", "x")]);
    let only_name = labels(&[("objective_name", "api")]);
    let empty_name = labels(&[("sloth_slo", "x"), ("objective_name", "")]);
    for alert in [only_slo, only_name, empty_name, Vec::new()] {
        assert_eq!(sloth_query(&alert), None, "{alert:?}");
    }
}

#[test]
fn for_alert_prefers_the_sloth_query() {
    let url = "http://p/graph?g0.expr=up+%3D%3D+0";
    let query = for_alert(&success_labels("api", "99.9"), url).expect("a query");
    assert!(query.promql.starts_with("sum(rate(function_calls_total"));
    // Even without a generator URL.
    assert!(for_alert(&success_labels("api", "99.9"), "").is_ok());
}

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const T0: Ms = 1_795_639_651_000;

#[test]
fn window_of_a_firing_alert_ends_now() {
    let now = T0 + 30 * MINUTE;
    assert_eq!(
        window(T0, None, now, WINDOW_BEFORE_MS, WINDOW_AFTER_MS),
        (T0 - 6 * HOUR, now)
    );
}

#[test]
fn window_of_a_resolved_alert() {
    let ends = T0 + 10 * MINUTE;
    // Resolved long ago: the recovery after it.
    assert_eq!(
        window(T0, Some(ends), T0 + 5 * HOUR, HOUR, 15 * MINUTE),
        (T0 - HOUR, ends + 15 * MINUTE)
    );
    // Resolved just now: up to now.
    assert_eq!(
        window(T0, Some(ends), ends + MINUTE, HOUR, 15 * MINUTE),
        (T0 - HOUR, ends + MINUTE)
    );
    // `now` behind the resolve time (clock skew): still up to the resolve.
    assert_eq!(
        window(T0, Some(ends), ends - MINUTE, HOUR, 15 * MINUTE),
        (T0 - HOUR, ends)
    );
}

#[test]
fn a_zoom_spans_the_time_before_now_or_the_resolve() {
    let now = T0 + 5 * HOUR;
    assert_eq!(last(None, now, HOUR), (now - HOUR, now));
    assert_eq!(last(Some(T0), now, 6 * HOUR), (T0 - 6 * HOUR, T0));
    // An end after now (clocks apart) is now; a span too short for a line is widened.
    assert_eq!(last(Some(now + HOUR), now, HOUR), (now - HOUR, now));
    assert_eq!(last(None, now, 0), (now - MIN_WINDOW_MS, now));
}

#[test]
fn window_always_has_a_length() {
    // An alert starting after `now`, with nothing before it.
    assert_eq!(
        window(T0, None, T0 - MINUTE, 0, 0),
        (T0, T0 + MIN_WINDOW_MS)
    );
    assert_eq!(window(T0, None, T0, 0, 0), (T0, T0 + MIN_WINDOW_MS));
    // A resolve before the start.
    let (start, end) = window(T0, Some(T0 - HOUR), T0, 0, 0);
    assert!(start < end);
    // Negative margins count as none.
    assert_eq!(window(T0, None, T0 + HOUR, -HOUR, -HOUR), (T0, T0 + HOUR));
    // Extremes saturate instead of overflowing.
    for (starts, ends, now) in [
        (i64::MIN, None, i64::MIN),
        (i64::MAX, Some(i64::MAX), i64::MIN),
        (i64::MIN, Some(i64::MAX), i64::MAX),
    ] {
        let (start, end) = window(starts, ends, now, i64::MAX, i64::MAX);
        assert!(start < end || start == i64::MAX, "{starts} {ends:?} {now}");
    }
}

#[test]
fn steps_give_about_360_points() {
    assert_eq!(step_seconds(T0, T0 + 6 * HOUR), 60);
    assert_eq!(step_seconds(T0, T0 + 6 * HOUR + 15 * MINUTE), 63);
    assert_eq!(step_seconds(T0, T0 + 360_000), 1);
    assert_eq!(step_seconds(T0, T0 + MINUTE), 1);
    assert_eq!(step_seconds(T0, T0), 1);
    assert_eq!(step_seconds(T0, T0 - HOUR), 1);
    assert_eq!(step_seconds(i64::MIN, i64::MAX), u32::MAX);
    for span in [
        1,
        999,
        360_001,
        7 * 24 * HOUR,
        90 * 24 * HOUR,
        3 * 365 * 24 * HOUR,
    ] {
        let step = i64::from(step_seconds(0, span)) * 1000;
        let points = span / step + 1;
        assert!(
            (1..=TARGET_POINTS + 1).contains(&points),
            "{span}: {points}"
        );
    }
}

fn sets(series: &[&[(&str, &str)]]) -> Vec<Vec<(String, String)>> {
    series.iter().map(|s| labels(s)).collect()
}

#[test]
fn legend_names_show_what_differs() {
    let series = sets(&[
        &[("service", "checkout"), ("code", "500"), ("env", "prod")],
        &[("service", "cart"), ("code", "500"), ("env", "prod")],
        &[("service", "checkout"), ("code", "503"), ("env", "prod")],
    ]);
    assert_eq!(
        legend_labels(&series),
        [
            r#"service="checkout", code="500""#,
            r#"service="cart", code="500""#,
            r#"service="checkout", code="503""#,
        ]
    );
    // A label only some series have differs; a series without any differing label is named
    // by all of its own.
    let series = sets(&[
        &[("job", "a"), ("pod", "p1")],
        &[("job", "a")],
        &[("__name__", "up"), ("job", "a"), ("pod", "p\"2")],
    ]);
    assert_eq!(
        legend_labels(&series),
        [r#"pod="p1""#, r#"job="a""#, r#"up, pod="p\"2""#]
    );
}

#[test]
fn legend_name_of_a_single_series() {
    let one = |labels: &[(&str, &str)]| legend_labels(&sets(&[labels]));
    assert_eq!(
        one(&[("__name__", "up"), ("job", "api"), ("instance", "a:9090")]),
        [r#"job="api", instance="a:9090""#]
    );
    assert_eq!(one(&[("__name__", "up")]), ["up"]);
    assert_eq!(one(&[]), ["value"]);
    assert!(legend_labels(&[]).is_empty());
}

#[test]
fn the_alerts_own_series() {
    let alert = labels(&[
        ("alertname", "HighErrorRate"),
        ("service", "checkout"),
        ("severity", "page"),
    ]);
    let series = sets(&[
        &[("service", "cart")],
        &[("__name__", "x"), ("service", "checkout")],
    ]);
    assert_eq!(alert_series(&alert, &series), Some(1));
    // A label the alert lacks, or with another value, rules a series out.
    let series = sets(&[
        &[("service", "checkout"), ("code", "500")],
        &[("service", "cart")],
    ]);
    assert_eq!(alert_series(&alert, &series), None);
    // Several matches: none is the one.
    let series = sets(&[&[("service", "checkout")], &[("severity", "page")]]);
    assert_eq!(alert_series(&alert, &series), None);
    // A series without labels (or with only its name) identifies nothing.
    let series = sets(&[&[], &[("__name__", "up")]]);
    assert_eq!(alert_series(&alert, &series), None);
    assert_eq!(alert_series(&alert, &[]), None);
}
