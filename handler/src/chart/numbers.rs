//! The chart in words: one line under the image (and its alt text) with the numbers of the
//! series the alert identifies, in the chart's unit: "6.6 % when it fired · peak 9.1 % ·
//! 14 min above 5 %"; once resolved "peak 9.1 % · 23 min above 5 % in all".
//!
//! Everything is read off the plotted window, so the line says what the chart shows. For a
//! `<`/`<=` threshold (a success rate falling below its objective) the worst value is the
//! lowest, so the line says "lowest 99.62 %" instead of "peak". Time beyond the threshold is
//! one query step per finite sample beyond it: steps with no sample, NaN and ±Inf are gaps and
//! count for nothing.

use super::axis::{fixed, scientific, Scale};
use super::model::{Comparison, Ms, Plot, Series, Threshold, Unit};
use crate::slack::message::duration;

/// Significant digits of each value, and of its distance from the threshold, so that "5.04 %"
/// above "5 %" does not read as "5 %".
const VALUE_DIGITS: i32 = 2;
/// A threshold is written as given (0.999 → "99.9 %"), up to this many significant digits.
const THRESHOLD_DIGITS: i32 = 4;
/// Decimals never go past this, however close a value is to the threshold.
const MAX_DECIMALS: i32 = 6;
const MINUTE_MS: Ms = 60_000;

/// The line for `plot`, or `None` when no single series is the alert's (several series and
/// none highlighted) or that series has no finite sample in the window.
pub fn line(plot: &Plot) -> Option<String> {
    let series = identified(&plot.series)?;
    let finite: Vec<(Ms, f64)> = series
        .points
        .iter()
        .copied()
        .filter(|(_, v)| v.is_finite())
        .collect();
    let lowest_is_worst = matches!(
        plot.threshold.map(|t| t.op),
        Some(Comparison::Lt | Comparison::Le)
    );
    let worst =
        finite
            .iter()
            .map(|&(_, v)| v)
            .reduce(|a, b| if lowest_is_worst { a.min(b) } else { a.max(b) })?;
    let against = plot.threshold.map(|t| t.value);
    let step = step_ms(&series.points);
    let resolved = plot.resolved_at.is_some();

    let mut parts = Vec::new();
    if !resolved {
        let fired = plot
            .firing
            .and_then(|span| value_at(&series.points, span.start_ms, step?));
        if let Some(value) = fired {
            parts.push(format!(
                "{} when it fired",
                quantity(value, plot.unit, against)
            ));
        }
    }
    let word = if lowest_is_worst { "lowest" } else { "peak" };
    parts.push(format!("{word} {}", quantity(worst, plot.unit, against)));
    if let (Some(threshold), Some(step)) = (plot.threshold, step) {
        parts.push(beyond(&finite, threshold, step, plot.unit, resolved));
    }
    Some(parts.join(" · "))
}

/// The highlighted series, or the only one.
fn identified(series: &[Series]) -> Option<&Series> {
    match series {
        [only] => Some(only),
        _ => series.iter().find(|s| s.highlighted),
    }
}

/// The query step: the shortest interval between samples (a longer one is a gap).
fn step_ms(points: &[(Ms, f64)]) -> Option<Ms> {
    points
        .windows(2)
        .map(|pair| pair[1].0 - pair[0].0)
        .filter(|&interval| interval > 0)
        .min()
}

/// The sample at `at` or the one step before it, when it is a number.
fn value_at(points: &[(Ms, f64)], at: Ms, step: Ms) -> Option<f64> {
    let &(t, v) = points.iter().rev().find(|&&(t, _)| t <= at)?;
    (at - t < step && v.is_finite()).then_some(v)
}

/// "14 min above 5 %" ("… in all" once resolved), or "never above 5 %".
fn beyond(
    finite: &[(Ms, f64)],
    threshold: Threshold,
    step: Ms,
    unit: Unit,
    resolved: bool,
) -> String {
    let relation = match threshold.op {
        Comparison::Gt => "above",
        Comparison::Ge => "at or above",
        Comparison::Lt => "below",
        Comparison::Le => "at or below",
        Comparison::Eq => "at",
        Comparison::Ne => "away from",
    };
    let limit = quantity(threshold.value, unit, None);
    let samples = finite.iter().filter(|&&(_, v)| holds(threshold, v)).count();
    let ms = step.saturating_mul(Ms::try_from(samples).unwrap_or(Ms::MAX));
    if ms == 0 {
        return format!("never {relation} {limit}");
    }
    let minutes = (ms + MINUTE_MS / 2) / MINUTE_MS;
    let time = if minutes == 0 {
        "under 1 min".to_owned()
    } else {
        duration(minutes.saturating_mul(MINUTE_MS))
    };
    let tail = if resolved { " in all" } else { "" };
    format!("{time} {relation} {limit}{tail}")
}

/// The alert's condition holds for `v`.
fn holds(threshold: Threshold, v: f64) -> bool {
    let t = threshold.value;
    match threshold.op {
        Comparison::Gt => v > t,
        Comparison::Ge => v >= t,
        Comparison::Lt => v < t,
        Comparison::Le => v <= t,
        Comparison::Eq => v == t,
        Comparison::Ne => v != t,
    }
}

/// `v` at the axis's prefix for it, a space before the unit ("6.6 %", "1.8 s", "3.2 GiB",
/// SI prefixes stay attached: "1.2k"); a threshold itself when `against` is `None`.
fn quantity(v: f64, unit: Unit, against: Option<f64>) -> String {
    let scale = Scale::for_magnitude(unit, v.abs());
    let scaled = v * scale.factor;
    let number = if scaled == 0.0 {
        "0".to_owned()
    } else if scale.scientific {
        scientific(scaled, 1)
    } else {
        let decimals = match against {
            None => decimals(scaled, THRESHOLD_DIGITS),
            Some(t) => {
                let apart = (v - t).abs() * scale.factor;
                let own = decimals(scaled, VALUE_DIGITS);
                if apart > 0.0 && apart.is_finite() {
                    own.max(decimals(apart, VALUE_DIGITS))
                } else {
                    own
                }
            }
        };
        fixed(scaled, decimals)
    };
    match unit {
        Unit::Plain => number + scale.suffix,
        _ => format!("{number} {}", scale.suffix),
    }
}

/// Decimals that show `significant` digits of `magnitude` (non-zero, finite).
fn decimals(magnitude: f64, significant: i32) -> usize {
    let whole = magnitude.abs().log10().floor() as i32 + 1;
    (significant - whole).clamp(0, MAX_DECIMALS) as usize
}

#[cfg(test)]
mod tests;
