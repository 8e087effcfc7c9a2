//! The chart benchmark: the chart the Python peers of `../shared/bench-anchors` draw, from
//! SVG build to PNG bytes, timed per stage in thread CPU time and wall time after a warm-up.
//! Prints a table and, with `--json`, writes the peers' JSON shape so one report compares them.
//!
//!     cargo bench -p alertgraph-handler --bench chart -- --data data.csv \
//!         [--iters 200] [--warmup 20] [--json out.json] [--out chart.png]
//!
//! `--data` defaults to the copy in `tests/golden/anchors-data.csv`.

mod anchors;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use alertgraph_handler::chart::model;
use alertgraph_handler::chart::svg::chart_svg;
use alertgraph_renderer::{RenderOptions, Renderer, Stage};

const STAGES: [&str; 5] = [
    "svg_build",
    "usvg_parse+text",
    "raster",
    "png_encode",
    "total",
];

struct Args {
    data: String,
    iters: usize,
    warmup: usize,
    json: Option<String>,
    out: Option<String>,
}

fn args() -> Args {
    let mut args = Args {
        data: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/anchors-data.csv").to_owned(),
        iters: 200,
        warmup: 20,
        json: None,
        out: None,
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let mut value = || {
            given
                .next()
                .unwrap_or_else(|| panic!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--data" => args.data = value(),
            "--iters" => args.iters = value().parse().expect("--iters N"),
            "--warmup" => args.warmup = value().parse().expect("--warmup N"),
            "--json" => args.json = Some(value()),
            "--out" => args.out = Some(value()),
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    args
}

/// CPU time this thread has used: the peers' `time.thread_time_ns()`.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec it is given.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Both clocks at one moment.
#[derive(Clone, Copy)]
struct Mark {
    wall: Instant,
    cpu: Duration,
}

impl Mark {
    fn now() -> Self {
        Mark {
            cpu: thread_cpu(),
            wall: Instant::now(),
        }
    }
}

/// One chart, start to PNG: the marks after each stage (svg, parse, raster, encode).
fn chart(renderer: &Renderer, plot: &model::Plot, opts: &RenderOptions) -> ([Mark; 5], Vec<u8>) {
    let mut marks = [Mark::now(); 5];
    let svg = chart_svg(plot);
    marks[1] = Mark::now();
    let mut next = 2;
    let png = renderer
        .render_observed(&svg, opts, |_: Stage| {
            marks[next] = Mark::now();
            next += 1;
        })
        .expect("the chart renders");
    (marks, png)
}

/// Samples in nanoseconds per stage, wall and thread CPU.
#[derive(Default)]
struct Samples {
    wall: [Vec<u64>; 5],
    cpu: [Vec<u64>; 5],
}

impl Samples {
    fn add(&mut self, marks: &[Mark; 5]) {
        for stage in 0..4 {
            let (from, to) = (marks[stage], marks[stage + 1]);
            self.wall[stage].push(nanos(to.wall - from.wall));
            self.cpu[stage].push(nanos(to.cpu - from.cpu));
        }
        self.wall[4].push(nanos(marks[4].wall - marks[0].wall));
        self.cpu[4].push(nanos(marks[4].cpu - marks[0].cpu));
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// median/p95/min in ms, computed as the peers' `common.summarize` does.
fn summary(samples: &[u64]) -> String {
    let mut s = samples.to_vec();
    s.sort_unstable();
    let n = s.len();
    let median = if n % 2 == 1 {
        s[n / 2] as f64
    } else {
        (s[n / 2 - 1] + s[n / 2]) as f64 / 2.0
    };
    let p95 = s[((0.95 * (n - 1) as f64).round() as usize).min(n - 1)] as f64;
    format!(
        r#"{{"median_ms": {:.6}, "p95_ms": {:.6}, "min_ms": {:.6}, "n": {n}}}"#,
        median / 1e6,
        p95 / 1e6,
        s[0] as f64 / 1e6
    )
}

/// The peers' JSON: `total` is wall time, `total thread-CPU time` the headline figure.
fn json(samples: &Samples, first_ms: f64, svg_bytes: usize, png_bytes: usize) -> String {
    let mut stages = Vec::new();
    for (i, name) in STAGES.iter().enumerate() {
        stages.push(format!(r#""{name}": {}"#, summary(&samples.wall[i])));
    }
    stages.push(format!(
        r#""total thread-CPU time": {}"#,
        summary(&samples.cpu[4])
    ));
    for (i, name) in STAGES[..4].iter().enumerate() {
        stages.push(format!(
            r#""{name} thread-CPU time": {}"#,
            summary(&samples.cpu[i])
        ));
    }
    let mut out = String::from("{\"peer\": \"alertgraph\", \"stages\": {\n  ");
    out.push_str(&stages.join(",\n  "));
    let _ = write!(
        out,
        "}},\n \"first_call\": {{\"renderer_new_and_first_chart_ms\": {first_ms:.3}}},\n \
         \"svg_bytes\": {svg_bytes}, \"png_bytes\": {png_bytes}}}\n"
    );
    out
}

fn print_table(samples: &Samples) {
    println!("peer: alertgraph");
    for (i, name) in STAGES.iter().enumerate() {
        for (clock, values) in [("wall", &samples.wall[i]), ("thread-CPU", &samples.cpu[i])] {
            let mut s = values.clone();
            s.sort_unstable();
            let ms = |ns: u64| ns as f64 / 1e6;
            println!(
                "  {:<28} median {:>8.3} ms   p95 {:>8.3} ms   min {:>8.3} ms  (n={})",
                format!("{name} ({clock})"),
                ms(s[s.len() / 2]),
                ms(s[((0.95 * (s.len() - 1) as f64).round() as usize).min(s.len() - 1)]),
                ms(s[0]),
                s.len()
            );
        }
    }
}

fn main() {
    let args = args();
    let csv = std::fs::read_to_string(&args.data)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", args.data));
    let plot = anchors::plot(&csv);
    let opts = RenderOptions {
        width: 1180,
        height: 400,
        background: Some("#ffffff".to_owned()),
    };

    let first = Instant::now();
    let renderer = Renderer::new();
    let (_, png) = chart(&renderer, &plot, &opts);
    let first_ms = first.elapsed().as_secs_f64() * 1e3;
    let svg = chart_svg(&plot);
    if let Some(out) = &args.out {
        std::fs::write(out, &png).expect("write the PNG");
        std::fs::write(std::path::Path::new(out).with_extension("svg"), &svg).expect("write");
    }

    for _ in 0..args.warmup {
        chart(&renderer, &plot, &opts);
    }
    let mut samples = Samples::default();
    for _ in 0..args.iters.max(1) {
        samples.add(&chart(&renderer, &plot, &opts).0);
    }

    print_table(&samples);
    println!("svg bytes {} png bytes {}", svg.len(), png.len());
    if let Some(path) = &args.json {
        std::fs::write(path, json(&samples, first_ms, svg.len(), png.len())).expect("write");
    }
}
