//! What to ask Prometheus for an alert: the series to plot and its threshold, split out of the
//! rule's expression (`g0.expr` of the alert's generator URL) or built from the seed's Sloth
//! labels; the time window and step of the range query; legend names; the alert's own series.
//!
//! The expression is split on promql-parser's AST and re-printed with its `Display`, never cut
//! as a string, so what is plotted is always valid PromQL meaning what the rule meant.

use promql_parser::label::{MatchOp, METRIC_NAME};
use promql_parser::parser::token::{self, TokenId};
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{
    self, AggregateExpr, BinaryExpr, Call, Expr, VectorMatchCardinality, VectorSelector,
};

use super::model::{Comparison, Ms, Threshold, Unit};
use crate::labels;
use crate::text::one_line;
use unit::unit_of;

mod unit;

/// How far before the alert started the chart begins, to show what normal looked like.
pub const WINDOW_BEFORE_MS: i64 = 6 * 3_600_000;
/// How far past the resolve the chart goes on, to show the recovery.
pub const WINDOW_AFTER_MS: i64 = 15 * 60_000;

/// About one point per 3 px of the 1180 px-wide chart.
const TARGET_POINTS: i64 = 360;
/// The window's length when the clocks disagree (an alert that starts after `now`).
const MIN_WINDOW_MS: i64 = 60_000;
/// Longest expression parsed: rule expressions are far shorter, and the parser's memory grows
/// with its input.
const MAX_EXPR_BYTES: usize = 32 * 1024;
/// Deepest bracket nesting parsed. With [`MAX_OPERATORS`] it bounds the AST's depth: the parser
/// and this module walk, print and drop the AST recursively, and a component's stack is small.
const MAX_NESTING: usize = 32;
/// Most operators parsed (a chain `a + a + …` is as deep as it is long).
const MAX_OPERATORS: usize = 64;

/// What to plot for an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// PromQL for `query_range` (re-printed by promql-parser, valid PromQL).
    pub promql: String,
    pub threshold: Option<Threshold>,
    pub unit: Unit,
    /// A scalar gives one series: it needs no series limit (and `topk` refuses it).
    pub scalar: bool,
}

impl Query {
    /// The PromQL asked of Prometheus: at most `limit` series per step, the ones nearest the
    /// alert's side of the threshold (`bottomk` under a `<` threshold, else `topk`). Prometheus
    /// then answers at most `limit` × steps samples however many series match, where a
    /// `count` pre-check would cost a second query and still leave the chart to cut.
    pub fn bounded(&self, limit: usize) -> String {
        if self.scalar {
            return self.promql.clone();
        }
        let keep = match self.threshold.map(|t| t.op) {
            Some(Comparison::Lt | Comparison::Le) => "bottomk",
            _ => "topk",
        };
        format!("{keep}({limit}, {})", self.promql)
    }
}

/// Why no query could be made for an alert.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryError {
    /// The generator URL carries no usable `g0.expr` (absent, empty, or not UTF-8).
    NoExpression,
    /// The expression is not PromQL (the parser's reason, on one line).
    Unparsable(String),
    /// The expression is PromQL but no time series: a string or a range vector.
    NotPlottable(String),
    /// The expression is too long or too deeply nested to parse safely (which limit).
    TooComplex(String),
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::NoExpression => f.write_str("the alert's generatorURL has no g0.expr"),
            QueryError::Unparsable(reason) => write!(f, "cannot parse g0.expr: {reason}"),
            QueryError::NotPlottable(kind) => {
                write!(f, "cannot plot g0.expr: it is a {kind}, not a time series")
            }
            QueryError::TooComplex(limit) => write!(f, "g0.expr is too complex to chart: {limit}"),
        }
    }
}

/// The `g0.expr` query parameter of an alert's generatorURL, percent-decoded ('+' is a space).
/// Only the expression is used: the URL's host is never contacted. None when absent, empty or
/// not valid UTF-8 after decoding. A '%' not followed by two hex digits is kept as it is, as
/// browsers do; the parser then says what is wrong with the expression.
pub fn expr_from_generator_url(url: &str) -> Option<String> {
    let (_, query) = url.split_once('?')?;
    let query = query.split_once('#').map_or(query, |(query, _)| query);
    let value = query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (crate::percent::decode_lenient(key).as_deref() == Some("g0.expr")).then_some(value)
    })?;
    crate::percent::decode_lenient(value).filter(|expr| !expr.trim().is_empty())
}

/// Split a rule expression into the series to plot and the threshold.
///
/// - `lhs OP rhs` with one constant side: plot the other side unfiltered (the chart must show
///   values on both sides of the threshold); the threshold is the constant, `op` as seen from
///   the plotted side (`0.05 < x` plots x with `> 0.05`).
/// - `A and B`, `A unless B`: B only filters A, so A is split. `A or B`: A is split too, as one
///   chart shows one query and rules put their main condition first.
/// - `a > b` with no constant side: plot a, no threshold (b changes over time).
/// - `max(x > c)` / `min(x > c)` (Sloth's burn-rate form): plot `max(x)`, threshold c.
/// - Anything else is plotted whole, without threshold (`absent(…)`, `vector(1)`).
pub fn split(expr: &str) -> Result<Query, QueryError> {
    let ast = parse(expr)?;
    let (plotted, threshold) = split_ast(&ast);
    let plotted = unparen(&plotted);
    match plotted.value_type() {
        kind @ (ValueType::Vector | ValueType::Scalar) => Ok(Query {
            promql: plotted.to_string(),
            threshold,
            unit: unit_of(plotted),
            scalar: matches!(kind, ValueType::Scalar),
        }),
        kind @ (ValueType::Matrix | ValueType::String) => {
            Err(QueryError::NotPlottable(kind_name(kind).to_owned()))
        }
    }
}

/// Parses `expr` after checking it is small enough to handle safely.
fn parse(expr: &str) -> Result<Expr, QueryError> {
    let too_complex = |limit: String| Err(QueryError::TooComplex(limit));
    if expr.len() > MAX_EXPR_BYTES {
        return too_complex(format!("longer than {MAX_EXPR_BYTES} bytes"));
    }
    let shape = shape(expr);
    if shape.nesting > MAX_NESTING {
        return too_complex(format!("brackets nested deeper than {MAX_NESTING}"));
    }
    if shape.operators > MAX_OPERATORS {
        return too_complex(format!("more than {MAX_OPERATORS} operators"));
    }
    parser::parse(expr).map_err(|reason| QueryError::Unparsable(one_line(&reason)))
}

/// What bounds the depth of an expression's AST, counted on its text.
#[derive(Debug, Default, PartialEq)]
struct Shape {
    /// Deepest nesting of `(` and `[`.
    nesting: usize,
    /// Operator characters (`>=` counts twice) and operator keywords outside label matchers,
    /// strings and comments.
    operators: usize,
}

/// The [`Shape`] of `expr`, overestimated where that is simpler.
fn shape(expr: &str) -> Shape {
    let mut shape = Shape::default();
    let (mut depth, mut braces) = (0usize, 0usize);
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => skip_string(&mut chars, c),
            '#' => skip_comment(&mut chars),
            '{' => braces += 1,
            '}' => braces = braces.saturating_sub(1),
            '(' | '[' => {
                depth += 1;
                shape.nesting = shape.nesting.max(depth);
            }
            ')' | ']' => depth = depth.saturating_sub(1),
            '+' | '-' | '*' | '/' | '%' | '^' | '<' | '>' | '=' | '!' if braces == 0 => {
                shape.operators += 1;
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut word = String::from(c);
                while let Some(next) = chars.next_if(|n| n.is_alphanumeric() || "_:.".contains(*n))
                {
                    word.push(next);
                }
                let word = word.to_lowercase();
                if braces == 0 && ["and", "or", "unless", "atan2"].contains(&word.as_str()) {
                    shape.operators += 1;
                }
            }
            _ => {}
        }
    }
    shape
}

/// Consumes a string up to its closing `quote` (backquoted strings have no escapes).
fn skip_string(chars: &mut impl Iterator<Item = char>, quote: char) {
    while let Some(c) = chars.next() {
        if c == quote {
            return;
        }
        if c == '\\' && quote != '`' {
            chars.next();
        }
    }
}

/// Consumes a `#` comment up to the end of its line.
fn skip_comment(chars: &mut impl Iterator<Item = char>) {
    for c in chars.by_ref() {
        if c == '\n' {
            return;
        }
    }
}

fn kind_name(kind: ValueType) -> &'static str {
    match kind {
        ValueType::Vector => "instant vector",
        ValueType::Scalar => "scalar",
        ValueType::Matrix => "range vector",
        ValueType::String => "string",
    }
}

/// The plotted expression and threshold of `e` (see [`split`]).
fn split_ast(e: &Expr) -> (Expr, Option<Threshold>) {
    match e {
        // Parentheses at the top only group.
        Expr::Paren(p) => split_ast(&p.expr),
        // `and`/`unless` filter their left side; `or`: the left side is the main condition.
        Expr::Binary(b) if b.op.is_set_operator() => split_ast(&b.lhs),
        Expr::Binary(b) if b.op.is_comparison_operator() => split_comparison(b),
        Expr::Aggregate(a) => split_aggregate(a).unwrap_or_else(|| (e.clone(), None)),
        _ => (e.clone(), None),
    }
}

/// `lhs OP rhs`: the non-constant side against the constant one.
fn split_comparison(b: &BinaryExpr) -> (Expr, Option<Threshold>) {
    let Some(op) = comparison(b.op.id()) else {
        return (Expr::Binary(b.clone()), None);
    };
    match (constant(&b.lhs), constant(&b.rhs)) {
        (None, Some(value)) => against(&b.lhs, value, op),
        (Some(value), None) => against(&b.rhs, value, mirrored(op)),
        // Two series: there is no fixed line to draw, the left one is what the rule watches.
        (None, None) => (unparen(&b.lhs).clone(), None),
        // Two constants: nothing to plot apart, query the comparison itself.
        (Some(_), Some(_)) => (Expr::Binary(b.clone()), None),
    }
}

/// `side` held against the constant `value`.
fn against(side: &Expr, value: f64, op: Comparison) -> (Expr, Option<Threshold>) {
    // A chained comparison `x > 0.9 < 1` is a band: x's first comparison is the alert's.
    if let Expr::Binary(inner) = unparen(side) {
        if inner.op.is_comparison_operator() {
            if let (plotted, Some(threshold)) = split_comparison(inner) {
                return (plotted, Some(threshold));
            }
        }
    }
    // An infinite "threshold" (`x < Inf`) cannot be drawn.
    let threshold = value.is_finite().then_some(Threshold { value, op });
    (unparen(side).clone(), threshold)
}

/// `max(x > c)` and `min(x > c)` hold the same series as `max(x) > c` where they pass, so
/// plot `max(x)` against c; other aggregations of a filter would change the plotted values.
fn split_aggregate(a: &AggregateExpr) -> Option<(Expr, Option<Threshold>)> {
    if !matches!(a.op.id(), token::T_MAX | token::T_MIN) {
        return None;
    }
    let Expr::Binary(b) = unparen(&a.expr) else {
        return None;
    };
    if !b.op.is_comparison_operator() {
        return None;
    }
    let (inner, threshold) = split_comparison(b);
    let threshold = threshold?;
    let aggregated = AggregateExpr {
        expr: Box::new(inner),
        ..a.clone()
    };
    Some((Expr::Aggregate(aggregated), Some(threshold)))
}

/// The comparison of a PromQL comparison operator.
fn comparison(op: TokenId) -> Option<Comparison> {
    Some(match op {
        token::T_GTR => Comparison::Gt,
        token::T_GTE => Comparison::Ge,
        token::T_LSS => Comparison::Lt,
        token::T_LTE => Comparison::Le,
        token::T_EQLC => Comparison::Eq,
        token::T_NEQ => Comparison::Ne,
        _ => return None,
    })
}

/// `c < x` is `x > c`.
fn mirrored(op: Comparison) -> Comparison {
    match op {
        Comparison::Gt => Comparison::Lt,
        Comparison::Ge => Comparison::Le,
        Comparison::Lt => Comparison::Gt,
        Comparison::Le => Comparison::Ge,
        Comparison::Eq | Comparison::Ne => op,
    }
}

/// The value of a constant expression: a number, possibly parenthesised, negated, or
/// arithmetic of constants like `(14.4 * 0.001)`.
fn constant(e: &Expr) -> Option<f64> {
    match e {
        Expr::NumberLiteral(n) => Some(n.val),
        Expr::Paren(p) => constant(&p.expr),
        Expr::Unary(u) => constant(&u.expr).map(|v| -v),
        Expr::Binary(b) => arithmetic(b.op.id(), constant(&b.lhs)?, constant(&b.rhs)?),
        _ => None,
    }
}

/// `l op r` for PromQL's arithmetic operators (`%` truncates like Go's `math.Mod`).
fn arithmetic(op: TokenId, l: f64, r: f64) -> Option<f64> {
    Some(match op {
        token::T_ADD => l + r,
        token::T_SUB => l - r,
        token::T_MUL => l * r,
        token::T_DIV => l / r,
        token::T_MOD => l % r,
        token::T_POW => l.powf(r),
        token::T_ATAN2 => l.atan2(r),
        _ => return None,
    })
}

/// `e` without the parentheses around it.
fn unparen(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unparen(&p.expr),
        _ => e,
    }
}

/// The seed's SLO query for alerts with Sloth/Autometrics labels (`sloth_slo` and
/// `objective_name`), else None.
///
/// A `sloth_slo` containing "latency" gets the latency at `objective_percentile` against
/// `objective_latency_threshold` seconds (None without a valid percentile: the rule's own
/// expression is plotted then); any other the success rate against the percentile. A missing
/// or unparsable percentile (success rate) or latency threshold leaves the threshold out.
pub fn sloth_query(labels: &[(String, String)]) -> Option<Query> {
    let slo = labels::value(labels, "sloth_slo")?;
    let objective = labels::value(labels, "objective_name").filter(|name| !name.is_empty())?;
    let objective = promql_string(objective);
    let percentile = labels::value(labels, "objective_percentile").and_then(percentile_fraction);
    if slo.contains("latency") {
        // Without its percentile the latency objective says nothing to plot.
        let quantile = percentile?;
        let promql = format!(
            "histogram_quantile({quantile}, sum by (le) (rate(function_calls_duration_seconds_bucket{{objective_name={objective}}}[5m])))"
        );
        let threshold = labels::value(labels, "objective_latency_threshold")
            .and_then(positive_number)
            .map(|value| Threshold {
                value,
                op: Comparison::Gt,
            });
        Some(Query {
            promql,
            threshold,
            unit: Unit::Seconds,
            scalar: false,
        })
    } else {
        let promql = format!(
            "sum(rate(function_calls_total{{objective_name={objective},result=\"ok\"}}[5m])) / sum(rate(function_calls_total{{objective_name={objective}}}[5m]))"
        );
        let threshold = percentile.map(|value| Threshold {
            value,
            op: Comparison::Lt,
        });
        Some(Query {
            promql,
            threshold,
            unit: Unit::Ratio,
            scalar: false,
        })
    }
}

/// `99.9` → 0.999, rounded to 12 digits so that it prints as written.
fn percentile_fraction(text: &str) -> Option<f64> {
    let percent = positive_number(text).filter(|p| *p <= 100.0)?;
    Some((percent / 100.0 * 1e12).round() / 1e12)
}

fn positive_number(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
}

/// `value` as a PromQL double-quoted string.
fn promql_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '\\' => quoted.push_str("\\\\"),
            '"' => quoted.push_str("\\\""),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// What to plot for an alert: the Sloth query when its labels say so, else the split of the
/// generator URL's `g0.expr`.
pub fn for_alert(labels: &[(String, String)], generator_url: &str) -> Result<Query, QueryError> {
    if let Some(query) = sloth_query(labels) {
        return Ok(query);
    }
    let expr = expr_from_generator_url(generator_url).ok_or(QueryError::NoExpression)?;
    split(&expr)
}

/// The time window, `(start, end)`: firing → `[starts_at - before, now]`; resolved →
/// `[starts_at - before, min(ends_at + after, now)]` but never ending before `ends_at`.
/// `start < end` always: when the clocks disagree so that the end would not come after the
/// start (an alert starting after `now`), the window is the minute from the start.
pub fn window(
    starts_at: Ms,
    ends_at: Option<Ms>,
    now: Ms,
    before_ms: i64,
    after_ms: i64,
) -> (Ms, Ms) {
    let start = starts_at.saturating_sub(before_ms.max(0));
    let end = match ends_at {
        None => now,
        Some(ends_at) => ends_at
            .saturating_add(after_ms.max(0))
            .min(now)
            .max(ends_at),
    };
    if end > start {
        (start, end)
    } else {
        (start, start.saturating_add(MIN_WINDOW_MS))
    }
}

/// The `span_ms` ending at `ends_at` (a resolved alert's end), or at `now` while it fires.
pub fn last(ends_at: Option<Ms>, now: Ms, span_ms: i64) -> (Ms, Ms) {
    let end = ends_at.map_or(now, |ends_at| ends_at.min(now));
    (end.saturating_sub(span_ms.max(MIN_WINDOW_MS)), end)
}

/// `query_range` step in whole seconds for about 360 points (at least 1 s, so never near
/// Prometheus' limit of 11,000 points).
pub fn step_seconds(start: Ms, end: Ms) -> u32 {
    let span_ms = i128::from(end) - i128::from(start);
    let per_point_ms = i128::from(TARGET_POINTS) * 1000;
    let step = (span_ms + per_point_ms - 1).div_euclid(per_point_ms).max(1);
    u32::try_from(step).unwrap_or(u32::MAX)
}

/// Legend names for the series of one query, in the same order: only the labels whose values
/// differ between series (`service="checkout", code="500"`); for one series its labels without
/// `__name__` (or the metric name, or "value" when it has no labels at all). A series that has
/// none of the differing labels is named like a single series.
pub fn legend_labels(label_sets: &[Vec<(String, String)>]) -> Vec<String> {
    if label_sets.len() < 2 {
        return label_sets.iter().map(|set| own_name(set)).collect();
    }
    let differing = differing_keys(label_sets);
    label_sets
        .iter()
        .map(|set| {
            let parts: Vec<String> = differing
                .iter()
                .filter_map(|key| labels::value(set, key).map(|value| pair(key, value)))
                .collect();
            if parts.is_empty() {
                own_name(set)
            } else {
                parts.join(", ")
            }
        })
        .collect()
}

/// The label names whose values (absent counts as a value) differ between some series, in the
/// order they first appear, `__name__` first.
fn differing_keys(label_sets: &[Vec<(String, String)>]) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    for (key, _) in label_sets.iter().flatten() {
        if !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    let Some((first, others)) = label_sets.split_first() else {
        return keys;
    };
    keys.retain(|key| {
        let value = labels::value(first, key);
        others.iter().any(|set| labels::value(set, key) != value)
    });
    // The metric name, when it differs, leads.
    keys.sort_by_key(|key| *key != METRIC_NAME);
    keys
}

/// `key="value"`, or the bare metric name for `__name__`.
fn pair(key: &str, value: &str) -> String {
    if key == METRIC_NAME {
        value.to_owned()
    } else {
        format!("{key}={}", promql_string(value))
    }
}

/// A series' name on its own: its labels without `__name__`, else its metric name, else
/// "value".
fn own_name(set: &[(String, String)]) -> String {
    let parts: Vec<String> = set
        .iter()
        .filter(|(key, _)| key != METRIC_NAME)
        .map(|(key, value)| pair(key, value))
        .collect();
    if !parts.is_empty() {
        parts.join(", ")
    } else {
        labels::value(set, METRIC_NAME).map_or_else(|| "value".to_owned(), str::to_owned)
    }
}

/// Index of the one series the alert's labels identify: every label of the series (except
/// `__name__`) is in the alert's labels with the same value, and the series has at least one
/// such label. None when zero or several series match.
pub fn alert_series(
    alert_labels: &[(String, String)],
    label_sets: &[Vec<(String, String)>],
) -> Option<usize> {
    let mut matching = label_sets
        .iter()
        .enumerate()
        .filter(|(_, set)| identifies(alert_labels, set))
        .map(|(i, _)| i);
    let first = matching.next()?;
    matching.next().is_none().then_some(first)
}

fn identifies(alert_labels: &[(String, String)], set: &[(String, String)]) -> bool {
    let mut own = set.iter().filter(|(key, _)| key != METRIC_NAME).peekable();
    own.peek().is_some() && own.all(|(key, value)| labels::value(alert_labels, key) == Some(value))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod props;
