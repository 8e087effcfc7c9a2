//! Per-request instantiation: a fresh `Store` and instance from the pre-instantiated
//! component, as the host does for every request. Prints one JSON line (microseconds).

use alertgraph::config::Config;
use alertgraph::runtime::App;
use std::time::Duration;

const WARMUP: usize = 500;
const SAMPLES: usize = 20_000;

fn main() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("alertgraph-bench-{}", std::process::id()));
    let storage = dir.to_string_lossy().into_owned();
    let config = Config::from_lookup(|k| (k == "STORAGE_DIR").then(|| storage.clone()))?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let app = App::new(&config)?;
        for _ in 0..WARMUP {
            app.instantiate_once().await?;
        }
        let mut samples = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            samples.push(app.instantiate_once().await?);
        }
        anyhow::Ok(samples)
    });
    let _ = std::fs::remove_dir_all(&dir);
    let mut samples = result?;
    samples.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let pick = |q: f64| us(samples[((samples.len() - 1) as f64 * q) as usize]);
    let mean = us(samples.iter().sum::<Duration>()) / samples.len() as f64;
    println!(
        "{{\"samples\":{},\"p50_us\":{:.2},\"p90_us\":{:.2},\"p99_us\":{:.2},\"mean_us\":{:.2}}}",
        samples.len(),
        pick(0.5),
        pick(0.9),
        pick(0.99),
        mean
    );
    Ok(())
}
