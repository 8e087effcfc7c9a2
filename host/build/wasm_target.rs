//! The guests need the wasm32-wasip2 standard library in the toolchain that builds them.
//! rust-toolchain.toml names the target, but rustup adds it only when it installs the
//! toolchain: a toolchain installed before, with automatic installs off, lacks it. So the
//! build adds it itself through rustup, or says in one line what to run.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const TARGET: &str = "wasm32-wasip2";

/// Makes sure the active toolchain has the target; `Err` is the one line to show the user.
pub fn ensure() -> Result<(), String> {
    let sysroot = sysroot()?;
    if has_target(&sysroot) {
        return Ok(());
    }
    // rustup's proxy tells the build which toolchain it chose; otherwise the sysroot's own
    // directory is the name rustup knows it by.
    let toolchain = std::env::var("RUSTUP_TOOLCHAIN").unwrap_or_else(|_| {
        sysroot
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let add = format!("rustup target add {TARGET} --toolchain {toolchain}");
    let output = match Command::new("rustup")
        .args(["target", "add", TARGET, "--toolchain", &toolchain])
        .output()
    {
        Ok(output) => output,
        Err(_) => {
            return Err(format!(
                "the {TARGET} target is not installed for the Rust toolchain at {} and rustup is not on PATH: install the target for that toolchain (with rustup: `{add}`), then build again",
                sysroot.display()
            ))
        }
    };
    if !output.status.success() || !has_target(&sysroot) {
        let said = String::from_utf8_lossy(&output.stderr);
        let said = said.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!(
            "the {TARGET} target is not installed for toolchain {toolchain} and `{add}` failed ({}: {said}): run it by hand, then build again",
            output.status
        ));
    }
    println!("cargo::warning=the {TARGET} target was missing from toolchain {toolchain}: added it with `{add}`");
    Ok(())
}

/// The sysroot of the rustc that cargo builds with (`RUSTC`, set for build scripts).
fn sysroot() -> Result<PathBuf, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("running `{} --print sysroot`: {e}", rustc.to_string_lossy()))?;
    if !output.status.success() {
        return Err(format!(
            "`{} --print sysroot` failed ({}): {}",
            rustc.to_string_lossy(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

/// Whether the sysroot holds the target's `core`, what the guests' build needs first.
fn has_target(sysroot: &Path) -> bool {
    let lib = sysroot.join("lib/rustlib").join(TARGET).join("lib");
    std::fs::read_dir(lib).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("libcore-"))
    })
}
