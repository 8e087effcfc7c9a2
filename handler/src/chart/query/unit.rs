//! The unit of what a PromQL expression evaluates to, inferred from metric names (Prometheus'
//! naming conventions), rates, ratios and the functions and aggregations around them.

use super::*;

/// The unit of what `e` evaluates to; `Plain` when unsure.
pub(super) fn unit_of(e: &Expr) -> Unit {
    match e {
        Expr::Paren(p) => unit_of(&p.expr),
        Expr::Unary(u) => unit_of(&u.expr),
        Expr::Subquery(s) => unit_of(&s.expr),
        Expr::VectorSelector(v) => metric_name(v).map_or(Unit::Plain, name_unit),
        Expr::MatrixSelector(m) => metric_name(&m.vs).map_or(Unit::Plain, name_unit),
        Expr::Aggregate(a) => aggregate_unit(a),
        Expr::Call(c) => call_unit(c),
        Expr::Binary(b) => binary_unit(b),
        _ => Unit::Plain,
    }
}

/// The metric name of a selector, `foo` or `{__name__="foo"}`.
fn metric_name(v: &VectorSelector) -> Option<&str> {
    v.name.as_deref().or_else(|| {
        v.matchers
            .matchers
            .iter()
            .find(|m| m.name == METRIC_NAME && m.op == MatchOp::Equal)
            .map(|m| m.value.as_str())
    })
}

/// The unit a metric's name declares.
fn name_unit(name: &str) -> Unit {
    let (base, operations) = recording_rule_parts(name);
    // `slo:sli_error:ratio_rate5m`, `instance:node_memory_utilisation:ratio`.
    if operations.starts_with("ratio") {
        return Unit::Ratio;
    }
    // kubernetes-mixin's and Pyrra's `…:burnrate5m` rules record error ratios.
    if name.contains(":burnrate") {
        return Unit::Ratio;
    }
    let unit = base_unit(base);
    // `instance:node_cpu_seconds:rate5m` is a `rate()` recorded.
    if operations.split('_').any(is_rate_word) {
        return per_second(unit);
    }
    unit
}

/// A recording rule's `level:metric` and `operations` (`level:metric:operations`); other names
/// are all metric.
fn recording_rule_parts(name: &str) -> (&str, &str) {
    match name.rsplit_once(':') {
        Some((base, operations)) if base.contains(':') => (base, operations),
        _ => (name, ""),
    }
}

fn is_rate_word(word: &str) -> bool {
    word.starts_with("rate") || word.starts_with("irate")
}

/// The unit in a metric name, by Prometheus' naming conventions.
fn base_unit(name: &str) -> Unit {
    // Histogram counts and buckets count observations, whatever unit these have.
    if name.ends_with("_count") || name.ends_with("_bucket") {
        Unit::Plain
    } else if name.ends_with("_ratio") {
        Unit::Ratio
    } else if name.ends_with("_percent") || name.ends_with("_percentage") {
        Unit::Percent
    } else if name.contains("_seconds") {
        Unit::Seconds
    } else if name.contains("_bytes") {
        Unit::Bytes
    } else {
        Unit::Plain
    }
}

/// The unit of a per-second rate of something in `unit`.
fn per_second(unit: Unit) -> Unit {
    match unit {
        // Seconds per second: a busy fraction, e.g. CPU seconds per second.
        Unit::Seconds => Unit::Ratio,
        // Bytes per second are shown as bytes: closer than a bare number.
        Unit::Bytes => Unit::Bytes,
        _ => Unit::Plain,
    }
}

fn aggregate_unit(a: &AggregateExpr) -> Unit {
    match a.op.id() {
        // They count series, or give 1, or square the unit.
        token::T_COUNT | token::T_COUNT_VALUES | token::T_GROUP | token::T_STDVAR => Unit::Plain,
        _ => unit_of(&a.expr),
    }
}

/// Functions whose result is in the unit of their series argument.
const UNIT_KEEPING: [&str; 27] = [
    "abs",
    "avg_over_time",
    "ceil",
    "clamp",
    "clamp_max",
    "clamp_min",
    "delta",
    "double_exponential_smoothing",
    "floor",
    "holt_winters",
    "idelta",
    "increase",
    "label_join",
    "label_replace",
    "last_over_time",
    "mad_over_time",
    "max_over_time",
    "min_over_time",
    "predict_linear",
    "quantile_over_time",
    "round",
    "sort",
    "sort_by_label",
    "sort_by_label_desc",
    "sort_desc",
    "stddev_over_time",
    "sum_over_time",
];

fn call_unit(c: &Call) -> Unit {
    let series = || c.args.args.iter().find(|arg| constant(arg).is_none());
    match c.func.name {
        "rate" | "irate" | "deriv" => series().map_or(Unit::Plain, |arg| per_second(unit_of(arg))),
        // The unit of the observations the buckets count (`…_seconds_bucket`).
        "histogram_quantile" => c
            .args
            .args
            .get(1)
            .and_then(|arg| first_metric_name(arg))
            .map_or(Unit::Plain, |name| {
                base_unit(name.strip_suffix("_bucket").unwrap_or(name))
            }),
        // Unix time in seconds.
        "time" | "timestamp" => Unit::Seconds,
        name if UNIT_KEEPING.contains(&name) => series().map_or(Unit::Plain, |arg| unit_of(arg)),
        _ => Unit::Plain,
    }
}

/// The first metric name selected anywhere in `e`.
fn first_metric_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::VectorSelector(v) => metric_name(v),
        Expr::MatrixSelector(m) => metric_name(&m.vs),
        Expr::Paren(p) => first_metric_name(&p.expr),
        Expr::Unary(u) => first_metric_name(&u.expr),
        Expr::Subquery(s) => first_metric_name(&s.expr),
        Expr::Aggregate(a) => first_metric_name(&a.expr),
        Expr::Call(c) => c.args.args.iter().find_map(|arg| first_metric_name(arg)),
        Expr::Binary(b) => first_metric_name(&b.lhs).or_else(|| first_metric_name(&b.rhs)),
        _ => None,
    }
}

fn binary_unit(b: &BinaryExpr) -> Unit {
    let (l, r) = (b.lhs.as_ref(), b.rhs.as_ref());
    let (l_const, r_const) = (constant(l).is_some(), constant(r).is_some());
    match b.op.id() {
        // A filter keeps its series' values; with `bool` the values are 0 or 1.
        op if comparison(op).is_some() && b.return_bool() => Unit::Plain,
        op if comparison(op).is_some() => unit_of(if l_const { r } else { l }),
        token::T_LAND | token::T_LUNLESS => unit_of(l),
        token::T_LOR => common(unit_of(l), unit_of(r)),
        // `time() - x` is an age.
        token::T_SUB if is_call(l, "time") => Unit::Seconds,
        // Adding a constant keeps the unit (`1 - ratio`, `100 - percent`).
        token::T_ADD | token::T_SUB if l_const => unit_of(r),
        token::T_ADD | token::T_SUB if r_const => unit_of(l),
        token::T_ADD | token::T_SUB => common(unit_of(l), unit_of(r)),
        token::T_MUL => product_unit(b),
        token::T_DIV => quotient_unit(b),
        _ => Unit::Plain,
    }
}

/// The unit two series share, else `Plain`.
fn common(a: Unit, b: Unit) -> Unit {
    if a == b {
        a
    } else {
        Unit::Plain
    }
}

fn is_call(e: &Expr, name: &str) -> bool {
    matches!(unparen(e), Expr::Call(c) if c.func.name == name)
}

fn product_unit(b: &BinaryExpr) -> Unit {
    match (constant(&b.lhs), constant(&b.rhs)) {
        (Some(factor), None) => scaled(unit_of(&b.rhs), factor),
        (None, Some(factor)) => scaled(unit_of(&b.lhs), factor),
        // `x * on(…) group_left(node) info_metric` copies labels (info metrics are 1).
        _ => match b.modifier.as_ref().map(|m| &m.card) {
            Some(VectorMatchCardinality::ManyToOne(_)) => unit_of(&b.lhs),
            Some(VectorMatchCardinality::OneToMany(_)) => unit_of(&b.rhs),
            _ => Unit::Plain,
        },
    }
}

/// `unit` times a constant: a ratio times 100 is a percentage; other factors lose the unit.
fn scaled(unit: Unit, factor: f64) -> Unit {
    match unit {
        _ if factor == 1.0 => unit,
        Unit::Ratio if factor == 100.0 => Unit::Percent,
        _ => Unit::Plain,
    }
}

fn quotient_unit(b: &BinaryExpr) -> Unit {
    let (num, den) = (unparen(&b.lhs), unparen(&b.rhs));
    if let Some(divisor) = constant(den) {
        return match unit_of(num) {
            Unit::Percent if divisor == 100.0 => Unit::Ratio,
            unit if divisor == 1.0 => unit,
            _ => Unit::Plain,
        };
    }
    // `a * 100 / b` is `a / b` as a percentage.
    if let Some(a) = times_hundred(num) {
        return if is_fraction(a, den) {
            Unit::Percent
        } else {
            Unit::Plain
        };
    }
    // `x_sum / x_count` is the mean observation, in x's unit.
    if let Some(unit) = mean_unit(num, den) {
        return unit;
    }
    if is_fraction(num, den) {
        Unit::Ratio
    } else {
        Unit::Plain
    }
}

/// `a` when `e` is `a * 100` or `100 * a`.
fn times_hundred(e: &Expr) -> Option<&Expr> {
    let Expr::Binary(b) = e else {
        return None;
    };
    if b.op.id() != token::T_MUL {
        return None;
    }
    let (series, factor) = match (constant(&b.lhs), constant(&b.rhs)) {
        (None, Some(factor)) => (&b.lhs, factor),
        (Some(factor), None) => (&b.rhs, factor),
        _ => return None,
    };
    (factor == 100.0).then_some(series)
}

/// Whether `num / den` is a part of a whole.
fn is_fraction(num: &Expr, den: &Expr) -> bool {
    // Rates of counters of one unit: errors over requests, throttled over all CPU periods.
    if let (Some(n), Some(d)) = (counter_rate(num), counter_rate(den)) {
        return n == d;
    }
    // Seconds over seconds, bytes over bytes.
    let (n, d) = (unit_of(num), unit_of(den));
    if n == d && matches!(n, Unit::Seconds | Unit::Bytes) {
        return true;
    }
    // Series counted over series counted: the share of targets down.
    if is_count(num) && is_count(den) {
        return true;
    }
    // Gauges of one family: `x_entries / x_entries_limit`, `x_files_free / x_files`.
    matches!((gauge_name(num), gauge_name(den)), (Some(n), Some(d)) if same_family(n, d))
}

/// The unit of what is counted when `e` is a rate or increase of counters (possibly summed),
/// `Plain` for events.
fn counter_rate(e: &Expr) -> Option<Unit> {
    match e {
        Expr::Paren(p) => counter_rate(&p.expr),
        Expr::Aggregate(a) if is_value_aggregation(a) => counter_rate(&a.expr),
        Expr::Call(c) if matches!(c.func.name, "rate" | "irate" | "increase") => {
            let name = c.args.args.first().and_then(|arg| first_metric_name(arg))?;
            Some(base_unit(name))
        }
        Expr::VectorSelector(v) => {
            let (base, operations) = recording_rule_parts(metric_name(v)?);
            operations
                .split('_')
                .any(is_rate_word)
                .then(|| base_unit(base))
        }
        Expr::Binary(b) if matches!(b.op.id(), token::T_ADD | token::T_LOR) => {
            let (l, r) = (counter_rate(&b.lhs)?, counter_rate(&b.rhs)?);
            (l == r).then_some(l)
        }
        _ => None,
    }
}

/// Aggregations whose result is one of, or a sum or mean of, their series' values.
fn is_value_aggregation(a: &AggregateExpr) -> bool {
    matches!(
        a.op.id(),
        token::T_SUM
            | token::T_AVG
            | token::T_MIN
            | token::T_MAX
            | token::T_TOPK
            | token::T_BOTTOMK
    )
}

fn is_count(e: &Expr) -> bool {
    matches!(unparen(e), Expr::Aggregate(a) if a.op.id() == token::T_COUNT)
}

/// The unit of `x` when `num / den` is `x_sum / x_count`, rates or not.
fn mean_unit(num: &Expr, den: &Expr) -> Option<Unit> {
    let observed = counted_name(num)?.strip_suffix("_sum")?;
    (counted_name(den)?.strip_suffix("_count")? == observed).then(|| base_unit(observed))
}

/// The one metric in a selector, possibly aggregated or in a rate.
fn counted_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Paren(p) => counted_name(&p.expr),
        Expr::Aggregate(a) if is_value_aggregation(a) => counted_name(&a.expr),
        Expr::Call(c) if matches!(c.func.name, "rate" | "irate" | "increase") => {
            c.args.args.first().and_then(|arg| counted_name(arg))
        }
        Expr::VectorSelector(v) => metric_name(v),
        Expr::MatrixSelector(m) => metric_name(&m.vs),
        _ => None,
    }
}

/// The metric of a gauge, possibly aggregated, smoothed over time or filtered by a constant.
fn gauge_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Paren(p) => gauge_name(&p.expr),
        Expr::Aggregate(a) if is_value_aggregation(a) => gauge_name(&a.expr),
        Expr::Call(c)
            if matches!(
                c.func.name,
                "avg_over_time" | "max_over_time" | "min_over_time" | "last_over_time"
            ) =>
        {
            c.args.args.first().and_then(|arg| gauge_name(arg))
        }
        Expr::Binary(b) if comparison(b.op.id()).is_some() && constant(&b.rhs).is_some() => {
            gauge_name(&b.lhs)
        }
        Expr::VectorSelector(v) => metric_name(v),
        Expr::MatrixSelector(m) => metric_name(&m.vs),
        _ => None,
    }
}

/// A metric name without its last word.
fn family(name: &str) -> Option<&str> {
    name.rsplit_once('_').map(|(family, _)| family)
}

/// Whether two metric names measure the same thing: equal, one extending the other
/// (`x_entries`, `x_entries_limit`), or differing in their last word only (`node_filefd_allocated`,
/// `node_filefd_maximum`; a family of at least two words).
fn same_family(a: &str, b: &str) -> bool {
    let extends = |long: &str, short: &str| {
        long.strip_prefix(short)
            .is_some_and(|rest| rest.starts_with('_'))
    };
    a == b
        || extends(a, b)
        || extends(b, a)
        || matches!((family(a), family(b)), (Some(x), Some(y)) if x == y && x.contains('_'))
}
