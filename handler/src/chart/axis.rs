//! Axis ticks and labels: nice 1-2-5 value ticks, numbers formatted per [`Unit`], UTC time
//! ticks at round intervals.
//!
//! Every label is built from an integer multiple of the tick step and printed with a fixed
//! number of decimals, so float noise ("0.30000000000000004") never reaches the chart.

use super::model::{Ms, Unit};

/// A value axis: the range the plot spans and its labelled ticks, bottom to top.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueAxis {
    /// Bottom of the plot, in the data's unit.
    pub min: f64,
    /// Top of the plot, in the data's unit.
    pub max: f64,
    /// Each tick's value (data unit) and label.
    pub ticks: Vec<(f64, String)>,
    scale: Scale,
}

impl ValueAxis {
    /// `v` in the axis's unit and prefix, with up to 4 significant digits: the threshold's
    /// label reads like the ticks beside it ("> 0.8", not "> 800m", on a 0–1 axis).
    pub fn label(&self, v: f64) -> String {
        if !v.is_finite() {
            return match v {
                f64::INFINITY => "+Inf".to_owned(),
                f64::NEG_INFINITY => "-Inf".to_owned(),
                _ => "NaN".to_owned(),
            };
        }
        let scaled = flush(v) * self.scale.factor;
        if scaled == 0.0 {
            return self.scale.zero();
        }
        let number = if self.scale.scientific {
            scientific(scaled, 3)
        } else {
            let whole_digits = scaled.abs().log10().floor() as i32 + 1;
            fixed(scaled, (4 - whole_digits).clamp(0, 6) as usize)
        };
        number + self.scale.suffix
    }
}

/// A tick on the time axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeTick {
    /// Where the tick is.
    pub at_ms: Ms,
    /// "HH:MM", or "Nov 25 00:00" where a new day starts in a window that crosses midnight.
    pub label: String,
}

/// Intervals wanted between value ticks (5 ticks); 2 to [`MAX_INTERVALS`] come out.
const VALUE_INTERVALS: f64 = 4.0;
const MAX_INTERVALS: i64 = 6;
/// Empty space above and below the data, as a share of its range (not added at zero).
const PADDING: f64 = 0.05;
/// Values closer to zero than this are drawn as zero: below it steps underflow.
const TINIEST: f64 = 1e-290;
/// The axis ends here at most: a tick step beyond would overflow to infinity.
const LARGEST: f64 = 1e307;

/// The value axis for finite data spanning `lo..=hi` (the threshold included by the caller).
///
/// The range starts at zero when every value is ≥ 0 and the data's minimum is at most half its
/// maximum (likewise for all-negative data); above that the data would be squashed into a thin
/// band at the top (a 99.9 % success rate on a 0–100 % axis), so the axis hugs the data.
/// A flat line gets ±10 % around it; non-finite or inverted input gives 0..1.
pub fn value_axis(lo: f64, hi: f64, unit: Unit) -> ValueAxis {
    let (lo, hi) = padded(lo, hi);
    let scale = Scale::for_magnitude(unit, lo.abs().max(hi.abs()));
    let axis = ticked(lo, hi, scale);
    // The top tick may reach the next prefix ("1000ms"): then the axis is labelled in it.
    let outer = Scale::for_magnitude(unit, axis.min.abs().max(axis.max.abs()));
    if outer == scale {
        axis
    } else {
        ticked(lo, hi, outer)
    }
}

/// Nice ticks over `lo..hi`, labelled with `scale`.
fn ticked(lo: f64, hi: f64, scale: Scale) -> ValueAxis {
    // Scaling can overflow (a ratio's ×100 near LARGEST), and infinite bounds have no steps.
    let (lo, hi) = (
        (lo * scale.factor).max(-LARGEST),
        (hi * scale.factor).min(LARGEST),
    );
    let step = Step::fitting(lo, hi);
    let (first, last) = step.bounds(lo, hi);
    let ticks: Vec<(f64, String)> = (first..=last)
        .map(|k| {
            let scaled = step.times(k);
            (scaled / scale.factor, scale.tick_label(scaled, step))
        })
        .collect();
    ValueAxis {
        min: ticks[0].0,
        max: ticks[ticks.len() - 1].0,
        ticks,
        scale,
    }
}

/// The data range with zero pulled in (see [`value_axis`]), a flat line widened, and padding.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return (0.0, 1.0);
    }
    let (mut lo, mut hi) = (flush(lo), flush(hi));
    // A range lost in the values' rounding error is a flat line: steps could not resolve it.
    if hi - lo <= lo.abs().max(hi.abs()) * 1e-12 {
        hi = lo;
    }
    if lo == hi {
        if lo == 0.0 {
            return (0.0, 1.0);
        }
        let half = lo.abs() * 0.1;
        (lo, hi) = (lo - half, hi + half);
    } else if lo >= 0.0 && lo <= hi / 2.0 {
        lo = 0.0;
    } else if hi <= 0.0 && hi >= lo / 2.0 {
        hi = 0.0;
    }
    // Halved first so that data near f64::MAX cannot overflow to infinity.
    let pad = (hi / 2.0 - lo / 2.0) * 2.0 * PADDING;
    let grow = |v: f64, by: f64| if v == 0.0 { v } else { v + by };
    let (lo, hi) = (grow(lo, -pad), grow(hi, pad));
    (lo.max(-LARGEST), hi.min(LARGEST))
}

/// Zero for magnitudes too small to divide into steps.
fn flush(v: f64) -> f64 {
    if v.abs() < TINIEST {
        0.0
    } else {
        v
    }
}

/// A tick step: 1, 2 or 5 times a power of ten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Step {
    mantissa: i64,
    exponent: i32,
}

impl Step {
    /// The 1-2-5 step whose ticks over `lo..hi` come closest to [`VALUE_INTERVALS`]
    /// intervals: the step just below the exact share or the one just above.
    fn fitting(lo: f64, hi: f64) -> Self {
        let above = Step::covering((hi - lo) / VALUE_INTERVALS);
        let below = above.smaller();
        let intervals = |step: Step| {
            let (first, last) = step.bounds(lo, hi);
            last - first
        };
        let miss = |step: Step| (intervals(step) as f64 - VALUE_INTERVALS).abs();
        if intervals(below) <= MAX_INTERVALS && miss(below) < miss(above) {
            below
        } else {
            above
        }
    }

    /// The smallest 1-2-5 step that is at least `raw`.
    fn covering(raw: f64) -> Self {
        let raw = if raw.is_finite() && raw > 0.0 {
            raw
        } else {
            1.0
        };
        let mut exponent = raw.log10().floor() as i32;
        loop {
            for mantissa in [1, 2, 5] {
                let step = Step { mantissa, exponent };
                if step.value() >= raw * (1.0 - 1e-9) {
                    return step;
                }
            }
            exponent += 1;
        }
    }

    /// The next smaller 1-2-5 step.
    fn smaller(self) -> Self {
        match self.mantissa {
            5 => Step {
                mantissa: 2,
                ..self
            },
            2 => Step {
                mantissa: 1,
                ..self
            },
            _ => Step {
                mantissa: 5,
                exponent: self.exponent - 1,
            },
        }
    }

    /// The multiples of the step just outside `lo` and `hi`.
    fn bounds(self, lo: f64, hi: f64) -> (i64, i64) {
        let step = self.value();
        let first = (lo / step + 1e-9).floor() as i64;
        let last = (hi / step - 1e-9).ceil() as i64;
        (first, last)
    }

    fn value(self) -> f64 {
        self.times(1)
    }

    /// `k` steps; dividing by an exact power of ten rounds best (3 / 10 is 0.3, 3 * 0.1 is not).
    fn times(self, k: i64) -> f64 {
        let n = (k * self.mantissa) as f64;
        if self.exponent >= 0 {
            n * 10f64.powi(self.exponent)
        } else {
            n / 10f64.powi(-self.exponent)
        }
    }

    /// Decimals that tell neighbouring ticks apart.
    fn decimals(self) -> usize {
        usize::try_from(-self.exponent).unwrap_or(0)
    }
}

/// How one axis or value is shown: multiplied by `factor`, then followed by `suffix`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Scale {
    unit: Unit,
    pub(super) factor: f64,
    pub(super) suffix: &'static str,
    /// Beyond the unit's prefixes: mantissa and exponent ("1.5e300").
    pub(super) scientific: bool,
}

/// SI prefixes for plain numbers, by the power of 1000 they start at.
const SI: [(f64, &str); 11] = [
    (1e-12, "p"),
    (1e-9, "n"),
    (1e-6, "µ"),
    (1e-3, "m"),
    (1.0, ""),
    (1e3, "k"),
    (1e6, "M"),
    (1e9, "G"),
    (1e12, "T"),
    (1e15, "P"),
    (1e18, "E"),
];

/// Durations, by the number of seconds they start at.
const DURATIONS: [(f64, &str); 6] = [
    (1e-6, "µs"),
    (1e-3, "ms"),
    (1.0, "s"),
    (60.0, "min"),
    (3600.0, "h"),
    (86400.0, "d"),
];

/// Binary multiples of a byte.
const BYTES: [(f64, &str); 7] = [
    (1.0, "B"),
    (1024.0, "KiB"),
    (1048576.0, "MiB"),
    (1073741824.0, "GiB"),
    (1099511627776.0, "TiB"),
    (1125899906842624.0, "PiB"),
    (1152921504606846976.0, "EiB"),
];

/// Scaled magnitudes from here up are shown in scientific notation.
const SCIENTIFIC_FROM: f64 = 1e6;
/// Non-zero scaled magnitudes below this are shown in scientific notation.
const SCIENTIFIC_BELOW: f64 = 1e-3;

impl Scale {
    /// The scale that shows `magnitude` (≥ 0, in the data's unit) with a short number.
    pub(super) fn for_magnitude(unit: Unit, magnitude: f64) -> Self {
        let (size, suffix) = match unit {
            Unit::Plain => ladder(&SI, magnitude),
            Unit::Ratio => (0.01, "%"),
            Unit::Percent => (1.0, "%"),
            Unit::Seconds => ladder(&DURATIONS, magnitude),
            Unit::Bytes => ladder(&BYTES, magnitude),
        };
        let scaled = magnitude / size;
        if scaled >= SCIENTIFIC_FROM || (scaled > 0.0 && scaled < SCIENTIFIC_BELOW) {
            let (size, suffix) = Scale::base(unit);
            return Scale {
                unit,
                factor: 1.0 / size,
                suffix,
                scientific: true,
            };
        }
        Scale {
            unit,
            factor: 1.0 / size,
            suffix,
            scientific: false,
        }
    }

    /// "0" alone for plain numbers ("0k" would be odd); with the unit otherwise: "0ms", "0%".
    fn zero(self) -> String {
        let suffix = if self.unit == Unit::Plain {
            ""
        } else {
            self.suffix
        };
        format!("0{suffix}")
    }

    /// The unit without a prefix; scientific numbers are shown in it.
    fn base(unit: Unit) -> (f64, &'static str) {
        match unit {
            Unit::Plain => (1.0, ""),
            Unit::Ratio => (0.01, "%"),
            Unit::Percent => (1.0, "%"),
            Unit::Seconds => (1.0, "s"),
            Unit::Bytes => (1.0, "B"),
        }
    }

    /// A tick's label; `scaled` is a multiple of `step`.
    fn tick_label(self, scaled: f64, step: Step) -> String {
        if scaled == 0.0 {
            return self.zero();
        }
        let number = if self.scientific {
            let top = scaled.abs().max(step.value());
            let digits = (top.log10().floor() - step.value().log10().floor()).max(0.0);
            scientific(scaled, digits as usize)
        } else {
            fixed(scaled, step.decimals())
        };
        number + self.suffix
    }
}

/// The largest rung of `ladder` that `magnitude` reaches (the first below them all).
fn ladder(ladder: &[(f64, &'static str)], magnitude: f64) -> (f64, &'static str) {
    let mut rung = ladder[0];
    for &(size, suffix) in ladder {
        if magnitude >= size {
            rung = (size, suffix);
        }
    }
    rung
}

/// `v` with `decimals` decimals, trailing zeros dropped, never "-0".
pub(super) fn fixed(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$}");
    tidy(text)
}

/// `v` as "1.5e300" with at most `decimals` mantissa decimals.
pub(super) fn scientific(v: f64, decimals: usize) -> String {
    let text = format!("{v:.decimals$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    format!("{}e{exponent}", tidy(mantissa.to_owned()))
}

/// Drops trailing zeros after the decimal point, and the sign of a zero.
fn tidy(mut text: String) -> String {
    if text.contains('.') {
        let kept = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(kept);
    }
    if text == "-0" {
        text.remove(0);
    }
    text
}

const MINUTE: Ms = 60_000;
const DAY: Ms = 1440 * MINUTE;
/// Round tick intervals up to a day, in minutes.
const TIME_INTERVALS: [Ms; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];
/// At most this many intervals between ticks: 4 to 7 ticks for spans over a few minutes.
const TIME_TICKS: Ms = 6;

/// Ticks at a round interval (1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1-2-5 days) inside
/// `start_ms..=end_ms`, UTC. When the window crosses midnight the first tick and the first
/// tick of each new day carry the date. A window too short for any tick gets one at its start.
pub fn time_ticks(start_ms: Ms, end_ms: Ms) -> Vec<TimeTick> {
    let end_ms = end_ms.max(start_ms);
    let interval = time_interval(end_ms - start_ms);
    let first = start_ms.div_euclid(interval) + i64::from(start_ms.rem_euclid(interval) != 0);
    let mut times: Vec<Ms> = (first..)
        .map(|k| k * interval)
        .take_while(|&t| t <= end_ms)
        .collect();
    if times.is_empty() {
        times.push(start_ms);
    }
    let crosses_midnight = start_ms.div_euclid(DAY) != end_ms.div_euclid(DAY);
    let mut previous_day = None;
    times
        .into_iter()
        .map(|at_ms| {
            let day = at_ms.div_euclid(DAY);
            let dated = interval >= DAY || (crosses_midnight && previous_day != Some(day));
            previous_day = Some(day);
            TimeTick {
                at_ms,
                label: time_label(at_ms, dated, interval < DAY),
            }
        })
        .collect()
}

/// The smallest round interval that leaves at most [`TIME_TICKS`] intervals in `span`.
fn time_interval(span: Ms) -> Ms {
    let fits = |interval: Ms| span / interval <= TIME_TICKS;
    if let Some(minutes) = TIME_INTERVALS.into_iter().find(|&m| fits(m * MINUTE)) {
        return minutes * MINUTE;
    }
    let mut days = 1;
    loop {
        for m in [2, 5, 10] {
            if fits(days * m * DAY) {
                return days * m * DAY;
            }
        }
        days *= 10;
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "14:05", "Nov 25 14:05" or "Nov 25", in UTC.
fn time_label(at_ms: Ms, dated: bool, timed: bool) -> String {
    let day = at_ms.div_euclid(DAY);
    let minute_of_day = at_ms.rem_euclid(DAY) / MINUTE;
    let time = format!("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60);
    if !dated {
        return time;
    }
    let (month, day_of_month) = month_day(day);
    let date = format!("{} {day_of_month}", MONTHS[month as usize - 1]);
    if timed {
        format!("{date} {time}")
    } else {
        date
    }
}

/// Month (1-12) and day of month of a day count since 1970-01-01 (proleptic Gregorian).
fn month_day(days: i64) -> (u32, u32) {
    // Howard Hinnant's civil_from_days, in eras of 400 years starting on March 1st.
    let z = days + 719_468;
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    (month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(lo: f64, hi: f64, unit: Unit) -> Vec<String> {
        value_axis(lo, hi, unit)
            .ticks
            .into_iter()
            .map(|(_, label)| label)
            .collect()
    }

    /// Each case's axis labels, `(lo, hi, unit, "the labels, space-separated")`.
    fn check_labels(cases: &[(f64, f64, Unit, &str)]) {
        for (lo, hi, unit, want) in cases {
            let want: Vec<&str> = want.split(' ').collect();
            assert_eq!(labels(*lo, *hi, *unit), want, "{lo}..{hi} {unit:?}");
        }
    }

    fn time(text: &str) -> Ms {
        crate::rfc3339::parse_ms(text).unwrap()
    }

    fn time_labels(start: &str, end: &str) -> Vec<String> {
        time_ticks(time(start), time(end))
            .into_iter()
            .map(|t| t.label)
            .collect()
    }

    #[test]
    fn anchors_chart_gets_five_percent_ticks_up_to_twenty() {
        let axis = value_axis(0.0, 0.150_18, Unit::Ratio);
        assert_eq!(
            labels(0.0, 0.150_18, Unit::Ratio),
            ["0%", "5%", "10%", "15%", "20%"]
        );
        assert_eq!((axis.min, axis.max), (0.0, 0.2));
    }

    #[test]
    fn axis_covers_the_data_with_three_to_six_ticks() {
        let ranges = [
            (0.0, 1.0),
            (0.0, 0.15),
            (3.0, 97.0),
            (-42.0, 17.0),
            (0.001, 0.0013),
            (12_345.0, 12_400.0),
            (-5e-7, -1e-7),
            (1.0, 1e9),
            (0.995, 1.0),
            (7.0, 7.000_001),
        ];
        for unit in [
            Unit::Plain,
            Unit::Ratio,
            Unit::Percent,
            Unit::Seconds,
            Unit::Bytes,
        ] {
            for (lo, hi) in ranges {
                let axis = value_axis(lo, hi, unit);
                let n = axis.ticks.len();
                assert!((3..=6).contains(&n), "{lo}..{hi} {unit:?}: {n} ticks");
                assert!(
                    axis.min <= lo && axis.max >= hi,
                    "{lo}..{hi} {unit:?}: {axis:?}"
                );
                let mut seen: Vec<&String> = axis.ticks.iter().map(|(_, l)| l).collect();
                seen.dedup();
                assert_eq!(
                    seen.len(),
                    n,
                    "{lo}..{hi} {unit:?}: labels repeat: {axis:?}"
                );
                assert!(axis.ticks.windows(2).all(|w| w[0].0 < w[1].0));
            }
        }
    }

    #[test]
    fn zero_is_included_unless_it_squashes_the_data() {
        assert_eq!(value_axis(3.0, 10.0, Unit::Plain).min, 0.0);
        assert_eq!(value_axis(5.0, 10.0, Unit::Plain).min, 0.0);
        assert!(value_axis(6.0, 10.0, Unit::Plain).min > 0.0);
        assert_eq!(
            labels(0.995, 0.9995, Unit::Ratio),
            ["99.4%", "99.6%", "99.8%", "100%"]
        );
        // All negative: zero is the top unless the data sits far below it.
        assert_eq!(value_axis(-10.0, -3.0, Unit::Plain).max, 0.0);
        assert!(value_axis(-10.0, -6.0, Unit::Plain).max < 0.0);
    }

    #[test]
    fn negative_values_get_a_minus_and_zero_no_sign() {
        assert_eq!(
            labels(-42.0, 17.0, Unit::Plain),
            ["-60", "-40", "-20", "0", "20"]
        );
        assert_eq!(
            labels(-0.5, 0.5, Unit::Ratio),
            ["-100%", "-50%", "0%", "50%", "100%"]
        );
    }

    #[test]
    fn flat_lines_get_room_around_them() {
        assert_eq!(
            labels(0.0, 0.0, Unit::Plain),
            ["0", "0.2", "0.4", "0.6", "0.8", "1"]
        );
        assert_eq!(labels(5.0, 5.0, Unit::Plain), ["4", "4.5", "5", "5.5", "6"]);
        let axis = value_axis(-3.0, -3.0, Unit::Seconds);
        assert!(axis.min < -3.0 && axis.max > -3.0, "{axis:?}");
        // Rounding noise on a flat line is not a range.
        assert_eq!(
            labels(0.3, 0.1 + 0.2, Unit::Plain),
            labels(0.3, 0.3, Unit::Plain)
        );
    }

    #[test]
    fn no_float_noise_in_labels() {
        for (lo, hi) in [(0.0, 0.3), (0.1, 0.7), (0.0, 3e-5), (0.0, 0.07)] {
            for unit in [Unit::Plain, Unit::Ratio, Unit::Percent, Unit::Seconds] {
                for label in labels(lo, hi, unit) {
                    assert!(label.len() <= 8, "{lo}..{hi} {unit:?}: {label}");
                    assert!(!label.contains("0000"), "{lo}..{hi} {unit:?}: {label}");
                }
            }
        }
        assert_eq!(labels(0.0, 0.29, Unit::Plain)[..3], ["0", "100m", "200m"]);
    }

    #[test]
    fn percent_labels_use_as_many_decimals_as_the_step() {
        check_labels(&[
            (0.0, 0.018, Unit::Ratio, "0% 0.5% 1% 1.5% 2%"),
            (0.0, 0.031, Unit::Ratio, "0% 1% 2% 3% 4%"),
            (0.12, 0.125, Unit::Ratio, "11.8% 12% 12.2% 12.4% 12.6%"),
            (0.0, 12.0, Unit::Percent, "0% 5% 10% 15%"),
            (10.0, 14.0, Unit::Percent, "8% 10% 12% 14% 16%"),
        ]);
    }

    #[test]
    fn seconds_pick_one_unit_per_axis() {
        check_labels(&[
            (0.0, 0.7, Unit::Seconds, "0ms 200ms 400ms 600ms 800ms"),
            (0.0, 0.9, Unit::Seconds, "0s 0.2s 0.4s 0.6s 0.8s 1s"),
            (0.0, 1.4, Unit::Seconds, "0s 0.5s 1s 1.5s"),
            (0.0, 110.0, Unit::Seconds, "0min 0.5min 1min 1.5min 2min"),
            (0.0, 8e-4, Unit::Seconds, "0ms 0.2ms 0.4ms 0.6ms 0.8ms 1ms"),
            (0.0, 7200.0, Unit::Seconds, "0h 1h 2h 3h"),
            (0.0, 3.0 * 86400.0, Unit::Seconds, "0d 1d 2d 3d 4d"),
        ]);
    }

    #[test]
    fn bytes_use_binary_prefixes() {
        const MIB: f64 = 1024.0 * 1024.0;
        const GIB: f64 = 1024.0 * MIB;
        const TIB: f64 = 1024.0 * GIB;
        check_labels(&[
            (0.0, 900.0, Unit::Bytes, "0B 200B 400B 600B 800B 1000B"),
            (0.0, 4000.0, Unit::Bytes, "0KiB 2KiB 4KiB 6KiB"),
            (0.0, 3.5 * GIB, Unit::Bytes, "0GiB 1GiB 2GiB 3GiB 4GiB"),
            (0.0, 1.5 * MIB, Unit::Bytes, "0MiB 0.5MiB 1MiB 1.5MiB 2MiB"),
            (0.0, 2.0 * TIB, Unit::Bytes, "0TiB 1TiB 2TiB 3TiB"),
        ]);
    }

    #[test]
    fn plain_numbers_use_si_prefixes() {
        check_labels(&[
            (0.0, 0.84, Unit::Plain, "0 0.2 0.4 0.6 0.8 1"),
            (0.0, 1800.0, Unit::Plain, "0 0.5k 1k 1.5k 2k"),
            (0.0, 1.8e6, Unit::Plain, "0 0.5M 1M 1.5M 2M"),
            (0.2, 0.35, Unit::Plain, "150m 200m 250m 300m 350m 400m"),
        ]);
    }

    #[test]
    fn huge_and_tiny_magnitudes_go_scientific() {
        assert_eq!(
            labels(0.0, 1.4e300, Unit::Plain),
            ["0", "5e299", "1e300", "1.5e300"]
        );
        assert_eq!(
            labels(0.0, 3e-16, Unit::Plain),
            ["0", "1e-16", "2e-16", "3e-16", "4e-16"]
        );
        for unit in [
            Unit::Plain,
            Unit::Ratio,
            Unit::Percent,
            Unit::Seconds,
            Unit::Bytes,
        ] {
            let near_max = value_axis(f64::MIN, f64::MAX, unit);
            assert!(
                near_max.ticks.iter().all(|(v, _)| v.is_finite()),
                "{near_max:?}"
            );
            assert!(near_max.ticks.len() <= 7, "{near_max:?}");
        }
        assert_eq!(
            value_axis(0.0, 1e-300, Unit::Plain),
            value_axis(0.0, 0.0, Unit::Plain)
        );
    }

    #[test]
    fn empty_or_broken_input_gives_zero_to_one() {
        for (lo, hi) in [
            (f64::NAN, 1.0),
            (0.0, f64::INFINITY),
            (5.0, 1.0),
            (f64::INFINITY, f64::NEG_INFINITY),
        ] {
            let axis = value_axis(lo, hi, Unit::Plain);
            assert_eq!((axis.min, axis.max), (0.0, 1.0), "{lo}..{hi}");
        }
    }

    #[test]
    fn single_values_keep_four_significant_digits_in_the_axis_unit() {
        let cases = [
            ((0.0, 0.1), 0.05, Unit::Ratio, "5%"),
            ((0.995, 1.0), 0.999, Unit::Ratio, "99.9%"),
            ((0.0, 0.2), 0.125, Unit::Ratio, "12.5%"),
            ((0.0, 0.01), 0.005, Unit::Ratio, "0.5%"),
            ((0.0, 10.0), 5.0, Unit::Percent, "5%"),
            ((0.0, 0.3), 0.25, Unit::Seconds, "250ms"),
            ((0.0, 2.0), 1.5, Unit::Seconds, "1.5s"),
            ((0.0, 150.0), 120.0, Unit::Seconds, "2min"),
            ((0.0, 2000.0), 1536.0, Unit::Bytes, "1.5KiB"),
            ((0.0, 2000.0), 1500.0, Unit::Plain, "1.5k"),
            ((0.0, 3e6), 2e6, Unit::Plain, "2M"),
            ((0.0, 0.5), 0.3, Unit::Plain, "300m"),
            ((0.0, 0.9), 0.8, Unit::Plain, "0.8"),
            ((0.0, 0.5), 0.1 + 0.2, Unit::Plain, "300m"),
            ((0.0, 1.0), 0.0, Unit::Plain, "0"),
            ((0.0, 1.0), -0.0, Unit::Seconds, "0s"),
            ((-3000.0, 0.0), -2500.0, Unit::Plain, "-2.5k"),
            ((0.0, 2e300), 1e300, Unit::Plain, "1e300"),
            ((0.0, 1.0), f64::NAN, Unit::Plain, "NaN"),
            ((0.0, 1.0), f64::INFINITY, Unit::Ratio, "+Inf"),
        ];
        for ((lo, hi), v, unit, expected) in cases {
            let axis = value_axis(lo, hi, unit);
            assert_eq!(axis.label(v), expected, "{v} on {lo}..{hi} {unit:?}");
        }
    }

    #[test]
    fn six_hours_get_hourly_ticks() {
        assert_eq!(
            time_labels("2025-11-25T12:00:00Z", "2025-11-25T17:59:00Z"),
            ["12:00", "13:00", "14:00", "15:00", "16:00", "17:00"]
        );
    }

    #[test]
    fn intervals_grow_with_the_window() {
        let cases = [
            ("2025-11-25T12:00:30Z", "2025-11-25T12:05:10Z", 1),
            ("2025-11-25T12:00:00Z", "2025-11-25T12:12:00Z", 2),
            ("2025-11-25T12:00:00Z", "2025-11-25T12:30:00Z", 5),
            ("2025-11-25T12:00:00Z", "2025-11-25T13:00:00Z", 10),
            ("2025-11-25T12:00:00Z", "2025-11-25T13:30:00Z", 15),
            ("2025-11-25T12:00:00Z", "2025-11-25T15:00:00Z", 30),
            ("2025-11-25T12:00:00Z", "2025-11-25T18:00:00Z", 60),
            ("2025-11-25T12:00:00Z", "2025-11-26T00:00:00Z", 120),
            ("2025-11-25T12:00:00Z", "2025-11-26T06:00:00Z", 180),
            ("2025-11-25T00:00:00Z", "2025-11-26T12:00:00Z", 360),
            ("2025-11-25T00:00:00Z", "2025-11-28T00:00:00Z", 720),
            ("2025-11-20T00:00:00Z", "2025-11-26T00:00:00Z", 1440),
            ("2025-11-01T00:00:00Z", "2025-11-30T00:00:00Z", 7200),
        ];
        for (start, end, minutes) in cases {
            let ticks = time_ticks(time(start), time(end));
            assert!((3..=7).contains(&ticks.len()), "{start}..{end}: {ticks:?}");
            assert!(
                ticks
                    .windows(2)
                    .all(|w| w[1].at_ms - w[0].at_ms == minutes * MINUTE),
                "{start}..{end}: {ticks:?}"
            );
            assert!(ticks.iter().all(|t| t.at_ms % (minutes * MINUTE) == 0));
        }
    }

    #[test]
    fn crossing_midnight_dates_the_first_tick_and_each_new_day() {
        assert_eq!(
            time_labels("2025-11-25T21:10:00Z", "2025-11-26T03:10:00Z"),
            [
                "Nov 25 22:00",
                "23:00",
                "Nov 26 00:00",
                "01:00",
                "02:00",
                "03:00"
            ]
        );
        assert_eq!(
            time_labels("2024-12-31T22:00:00Z", "2025-01-01T02:00:00Z"),
            ["Dec 31 22:00", "23:00", "Jan 1 00:00", "01:00", "02:00"]
        );
        assert_eq!(
            time_labels("2025-11-20T00:00:00Z", "2025-11-26T00:00:00Z")[..2],
            ["Nov 20", "Nov 21"]
        );
    }

    #[test]
    fn tiny_or_inverted_windows_still_get_a_tick() {
        let at = time("2025-11-25T12:00:20Z");
        assert_eq!(
            time_ticks(at, at + 10_000),
            [TimeTick {
                at_ms: at,
                label: "12:00".into()
            }]
        );
        assert_eq!(time_ticks(at, at - 5).len(), 1);
    }

    #[test]
    fn dates_follow_the_gregorian_calendar() {
        for (text, expected) in [
            ("1970-01-01T00:00:00Z", (1, 1)),
            ("2000-02-29T00:00:00Z", (2, 29)),
            ("2024-03-01T00:00:00Z", (3, 1)),
            ("2025-12-31T23:59:59Z", (12, 31)),
            ("1969-12-31T00:00:00Z", (12, 31)),
        ] {
            assert_eq!(month_day(time(text).div_euclid(DAY)), expected, "{text}");
        }
    }
}
