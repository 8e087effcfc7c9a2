use super::*;
use crate::chart::model::Span;

const MIN: Ms = 60_000;
/// When the alerts below fire: minute 30 of their series.
const FIRED: Ms = 30 * MIN;

/// One sample a minute from minute 0, `None` for a step with no sample.
fn minutely(values: &[Option<f64>]) -> Vec<(Ms, f64)> {
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i as Ms * MIN, v)))
        .collect()
}

fn series(label: &str, points: Vec<(Ms, f64)>, highlighted: bool) -> Series {
    Series {
        label: label.into(),
        points,
        highlighted,
    }
}

fn plot(
    series: Vec<Series>,
    threshold: Option<Threshold>,
    unit: Unit,
    resolved_at: Option<Ms>,
) -> Plot {
    Plot {
        title: "HighErrorRate · service=checkout".into(),
        subtitle: "errors / requests".into(),
        start_ms: 0,
        end_ms: 60 * MIN,
        series,
        earlier: None,
        threshold,
        firing: Some(Span {
            start_ms: FIRED,
            end_ms: resolved_at,
        }),
        resolved_at,
        unit,
        empty_reason: None,
    }
}

fn above(value: f64) -> Option<Threshold> {
    Some(Threshold {
        value,
        op: Comparison::Gt,
    })
}

/// The line of one series sampled each minute (`None`: no sample), firing at [`FIRED`].
fn line_of(values: &[Option<f64>], threshold: Option<Threshold>, unit: Unit) -> Option<String> {
    let points = minutely(values);
    line(&plot(
        vec![series("s", points, false)],
        threshold,
        unit,
        None,
    ))
}

/// 30 quiet minutes at 1 %, 14 minutes from 6.6 % up to 9.1 % and down, then quiet again.
fn error_ratio() -> Vec<(Ms, f64)> {
    let mut values = vec![Some(0.01); 30];
    values.extend(
        [
            0.066, 0.07, 0.075, 0.08, 0.085, 0.091, 0.088, 0.084, 0.08, 0.075, 0.07, 0.065, 0.06,
            0.055,
        ]
        .map(Some),
    );
    values.extend(vec![Some(0.012); 16]);
    minutely(&values)
}

#[test]
fn firing_says_the_value_when_it_fired_the_peak_and_the_time_above() {
    let plot = plot(
        vec![series("checkout", error_ratio(), false)],
        above(0.05),
        Unit::Ratio,
        None,
    );
    assert_eq!(
        line(&plot).as_deref(),
        Some("6.6 % when it fired · peak 9.1 % · 14 min above 5 %")
    );
}

#[test]
fn resolved_says_the_peak_and_the_time_above_in_all() {
    let mut points = error_ratio();
    // A second burst after the resolve counts too: the line tells the whole chart.
    for (t, v) in points.iter_mut().skip(50).take(9) {
        assert!(*t >= 50 * MIN);
        *v = 0.06;
    }
    let plot = plot(
        vec![series("checkout", points, false)],
        above(0.05),
        Unit::Ratio,
        Some(44 * MIN),
    );
    assert_eq!(
        line(&plot).as_deref(),
        Some("peak 9.1 % · 23 min above 5 % in all")
    );
}

#[test]
fn the_series_the_alert_identifies_or_the_only_one_or_none() {
    let quiet = minutely(&[Some(0.5); 60]);
    let two = vec![
        series("api", quiet.clone(), false),
        series("checkout", error_ratio(), true),
    ];
    let highlighted = line(&plot(two, above(0.05), Unit::Ratio, None)).unwrap();
    assert!(
        highlighted.starts_with("6.6 % when it fired"),
        "{highlighted}"
    );

    let unidentified = vec![
        series("api", quiet.clone(), false),
        series("checkout", error_ratio(), false),
    ];
    assert_eq!(
        line(&plot(unidentified, above(0.05), Unit::Ratio, None)),
        None
    );
    assert_eq!(
        line(&plot(Vec::new(), above(0.05), Unit::Ratio, None)),
        None
    );
    let empty = vec![series("checkout", Vec::new(), false)];
    assert_eq!(line(&plot(empty, above(0.05), Unit::Ratio, None)), None);
    let no_numbers = vec![series(
        "checkout",
        minutely(&[Some(f64::NAN), Some(f64::INFINITY)]),
        false,
    )];
    assert_eq!(
        line(&plot(no_numbers, above(0.05), Unit::Ratio, None)),
        None
    );
}

#[test]
fn a_success_rate_below_its_objective_reports_its_lowest() {
    let mut values = vec![Some(0.9995); 30];
    values.extend([0.9971, 0.9962, 0.998].map(Some));
    values.extend(vec![Some(0.9993); 27]);
    let below = Threshold {
        value: 0.999,
        op: Comparison::Lt,
    };
    let success_rate = |threshold, resolved_at| {
        let points = minutely(&values);
        plot(
            vec![series("checkout", points, false)],
            Some(threshold),
            Unit::Ratio,
            resolved_at,
        )
    };
    assert_eq!(
        line(&success_rate(below, None)).as_deref(),
        Some("99.71 % when it fired · lowest 99.62 % · 3 min below 99.9 %")
    );
    assert_eq!(
        line(&success_rate(below, Some(33 * MIN))).as_deref(),
        Some("lowest 99.62 % · 3 min below 99.9 % in all")
    );
    let at_or_below = Threshold {
        op: Comparison::Le,
        ..below
    };
    let le = line(&success_rate(at_or_below, None)).unwrap();
    assert!(le.ends_with("3 min at or below 99.9 %"), "{le}");
}

#[test]
fn each_unit_reads_as_on_the_axis_with_a_space_before_it() {
    // Half of `unit` before it fires, then 1.8, 2.4 and 2 units: three minutes above one.
    let ramp = |unit: f64| {
        let mut values = vec![Some(0.5 * unit); 30];
        values.extend([1.8, 2.4, 2.0].map(|v| Some(v * unit)));
        values.extend(vec![Some(0.5 * unit); 27]);
        values
    };
    let gib = 1024.0 * 1024.0 * 1024.0;
    let cases = [
        (
            Unit::Seconds,
            1.0,
            "1.8 s when it fired · peak 2.4 s · 3 min above 1 s",
        ),
        (
            Unit::Seconds,
            0.001,
            "1.8 ms when it fired · peak 2.4 ms · 3 min above 1 ms",
        ),
        (
            Unit::Bytes,
            gib,
            "1.8 GiB when it fired · peak 2.4 GiB · 3 min above 1 GiB",
        ),
        (
            Unit::Plain,
            1000.0,
            "1.8k when it fired · peak 2.4k · 3 min above 1k",
        ),
        (
            Unit::Percent,
            1.0,
            "1.8 % when it fired · peak 2.4 % · 3 min above 1 %",
        ),
    ];
    for (unit, size, want) in cases {
        let got = line_of(&ramp(size), above(size), unit);
        assert_eq!(got.as_deref(), Some(want), "{unit:?}");
    }
    // Each number at its own prefix: a threshold of 1 GiB reads "1 GiB" beside "850 MiB".
    let mut values = vec![Some(850.0 / 1024.0 * gib); 31];
    values.extend([Some(1.25 * gib)]);
    assert_eq!(
        line_of(&values, above(gib), Unit::Bytes).as_deref(),
        Some("850 MiB when it fired · peak 1.25 GiB · 1 min above 1 GiB")
    );
}

#[test]
fn close_to_the_threshold_shows_the_digits_that_tell_them_apart() {
    let mut values = vec![Some(0.01); 30];
    values.extend([Some(0.05004)]);
    let got = line_of(&values, above(0.05), Unit::Ratio);
    assert_eq!(
        got.as_deref(),
        Some("5.004 % when it fired · peak 5.004 % · 1 min above 5 %")
    );
}

#[test]
fn gaps_count_for_nothing_and_a_gap_when_it_fired_leaves_that_out() {
    let mut values = vec![Some(0.01); 29];
    // Minute 29 has no sample, minute 30 (when it fired) is NaN, 31 is +Inf.
    values.extend([None, Some(f64::NAN), Some(f64::INFINITY)]);
    values.extend([0.07, 0.08].map(Some));
    values.extend([None, None, Some(0.09)]);
    let got = line_of(&values, above(0.05), Unit::Ratio);
    assert_eq!(got.as_deref(), Some("peak 9 % · 3 min above 5 %"));

    // The sample just before the firing time is its value; one older than a step is not.
    let mut before = vec![Some(0.01); 30];
    before.extend([Some(0.062)]);
    let mut shifted = plot(
        vec![series("s", minutely(&before), false)],
        None,
        Unit::Ratio,
        None,
    );
    shifted.firing = Some(Span {
        start_ms: FIRED - MIN + 20_000,
        end_ms: None,
    });
    assert_eq!(
        line(&shifted).as_deref(),
        Some("1 % when it fired · peak 6.2 %")
    );
    let mut stale = vec![Some(0.01); 28];
    stale.extend([None, None, None, Some(0.062)]);
    assert_eq!(
        line_of(&stale, None, Unit::Ratio).as_deref(),
        Some("peak 6.2 %")
    );
}

#[test]
fn without_a_threshold_only_the_values() {
    let points = error_ratio();
    let firing = line(&plot(
        vec![series("s", points.clone(), false)],
        None,
        Unit::Ratio,
        None,
    ));
    assert_eq!(firing.as_deref(), Some("6.6 % when it fired · peak 9.1 %"));
    let resolved = line(&plot(
        vec![series("s", points, false)],
        None,
        Unit::Ratio,
        Some(44 * MIN),
    ));
    assert_eq!(resolved.as_deref(), Some("peak 9.1 %"));
}

#[test]
fn never_beyond_and_long_stretches_read_as_hours() {
    let quiet = minutely(&[Some(0.01); 60]);
    let got = line(&plot(
        vec![series("s", quiet, false)],
        above(0.05),
        Unit::Ratio,
        Some(40 * MIN),
    ));
    assert_eq!(got.as_deref(), Some("peak 1 % · never above 5 %"));

    // A day of samples every 5 minutes, above for 2 h 5 min.
    let points: Vec<(Ms, f64)> = (0..288)
        .map(|i| (i * 5 * MIN, if (100..125).contains(&i) { 0.2 } else { 0.0 }))
        .collect();
    let mut long = plot(
        vec![series("s", points, false)],
        above(0.05),
        Unit::Ratio,
        None,
    );
    long.firing = Some(Span {
        start_ms: 500 * MIN,
        end_ms: None,
    });
    assert_eq!(
        line(&long).as_deref(),
        Some("20 % when it fired · peak 20 % · 2 h 5 min above 5 %")
    );
}
