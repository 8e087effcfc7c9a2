//! `amtool check-config`, Alertmanager's own check of its configuration.

use std::io::ErrorKind;
use std::path::Path;
use std::process::Command;

/// Runs `amtool check-config` on `path`: `Ok` with amtool's report when it passes, `Err`
/// with it when it fails, and `Err` saying how to install amtool when it is missing.
pub fn check_config(path: &Path) -> Result<String, String> {
    check_config_with("amtool", path)
}

/// [`check_config`] with another amtool program (the tests' way to a missing one).
pub fn check_config_with(amtool: &str, path: &Path) -> Result<String, String> {
    let output = match Command::new(amtool).arg("check-config").arg(path).output() {
        Ok(output) => output,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(format!(
                "{amtool} is not on PATH: install Debian's prometheus-alertmanager \
                 (apt-get install prometheus-alertmanager; .ci/run does)"
            ))
        }
        Err(e) => return Err(format!("running {amtool}: {e}")),
    };
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(report)
    } else {
        Err(format!(
            "amtool check-config {} failed ({}): {}",
            path.display(),
            output.status,
            report.trim()
        ))
    }
}
