//! Builds the handler and store components for wasm32-wasip2, plugs the store into the
//! handler (alertgraph-compose), and leaves `alertgraph.wasm` in OUT_DIR for `include_bytes!`.
//! The same build makes the two `renderer` components for Spin (renderer/wasm,
//! renderer/http), copied to OUT_DIR for the tests and benchmarks
//! (`ALERTGRAPH_RENDERER_WASM`, `ALERTGRAPH_RENDERER_HTTP_WASM`), the runaway guest of the
//! sandbox tests (`ALERTGRAPH_RUNAWAY_WASM`, tests/guests/runaway), and the SpinKube artifact
//! `target/wasm/alertgraph-spin.wasm` (handler + store + renderer/http) that
//! deploy/spinkube/spin.toml ships and the end-to-end tests run.

use std::path::{Path, PathBuf};
use std::process::Command;

use alertgraph_compose::Part;

#[path = "build/wasm_target.rs"]
mod wasm_target;

const GUESTS: [(&str, &str); 2] = [
    ("alertgraph-handler", "alertgraph_handler.wasm"),
    ("alertgraph-store", "alertgraph_store.wasm"),
];

/// Components the host's tests and benchmarks load: package, file, and the variable that
/// hands its path to them.
const FOR_TESTS: [(&str, &str, &str); 3] = [
    (
        "alertgraph-renderer-wasm",
        "alertgraph_renderer_wasm.wasm",
        "ALERTGRAPH_RENDERER_WASM",
    ),
    (
        "alertgraph-renderer-http",
        "alertgraph_renderer_http.wasm",
        "ALERTGRAPH_RENDERER_HTTP_WASM",
    ),
    (
        "alertgraph-runaway-guest",
        "alertgraph_runaway_guest.wasm",
        "ALERTGRAPH_RUNAWAY_WASM",
    ),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    for watched in [
        "handler",
        "store",
        "renderer/src",
        "renderer/fonts",
        "renderer/Cargo.toml",
        "renderer/wasm",
        "renderer/http",
        "compose/src",
        "tests/guests",
        "wit",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    if let Err(line) = wasm_target::ensure() {
        println!("cargo::error={line}");
        return;
    }

    // A separate target dir so this nested build never waits on the outer build's lock.
    let target_dir = root.join("target").join("wasm");
    build_guests(&root, &target_dir);

    let out_dir = target_dir.join("wasm32-wasip2").join("wasm");
    // Named by file stem, as the alertgraph-compose binary does, so both give the same bytes.
    let part = |file: &'static str| Part {
        name: file.trim_end_matches(".wasm"),
        wasm: read(&out_dir.join(file)),
    };
    let (handler, store, renderer_http) = (GUESTS[0].1, GUESTS[1].1, FOR_TESTS[1].1);
    let composed = compose(part(handler), vec![part(store)]);
    let spin = compose(part(handler), vec![part(store), part(renderer_http)]);
    let spin_dest = target_dir.join("alertgraph-spin.wasm");
    std::fs::write(&spin_dest, spin)
        .unwrap_or_else(|e| panic!("writing {}: {e}", spin_dest.display()));

    let dest_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let dest = dest_dir.join("alertgraph.wasm");
    std::fs::write(&dest, composed).unwrap_or_else(|e| panic!("writing {}: {e}", dest.display()));

    // Copies, so that a later nested build cannot change what a built test loads.
    for (_, file, variable) in FOR_TESTS {
        let dest = dest_dir.join(file);
        std::fs::copy(out_dir.join(file), &dest)
            .unwrap_or_else(|e| panic!("copying {file} to {}: {e}", dest.display()));
        println!("cargo:rustc-env={variable}={}", dest.display());
    }
}

fn build_guests(root: &Path, target_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--profile", "wasm", "--target", "wasm32-wasip2"])
        .arg("--target-dir")
        .arg(target_dir);
    let packages = GUESTS.iter().map(|(p, _)| *p);
    let packages: Vec<&str> = packages.chain(FOR_TESTS.iter().map(|(p, ..)| *p)).collect();
    for package in &packages {
        cmd.args(["-p", package]);
    }
    if std::env::var_os("CARGO_NET_OFFLINE").is_some() {
        cmd.arg("--offline");
    }
    // The outer build's flags, profile and clippy wrapper are for the native host, not the guests.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PROFILE_")
            || key.starts_with("CARGO_BUILD_")
            || key.starts_with("CARGO_TARGET_")
            || matches!(
                key.as_ref(),
                "CARGO_ENCODED_RUSTFLAGS"
                    | "RUSTFLAGS"
                    | "RUSTC_WORKSPACE_WRAPPER"
                    | "CARGO_MAKEFLAGS"
                    | "MAKEFLAGS"
                    | "MFLAGS"
            )
        {
            cmd.env_remove(key.as_ref());
        }
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("running cargo for the wasm components: {e}"));
    assert!(
        status.success(),
        "building the wasm components failed ({status}); run `cargo build --profile wasm --target wasm32-wasip2 -p {}` to see why",
        packages.join(" -p ")
    );
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn compose(socket: Part<'_>, plugs: Vec<Part<'_>>) -> Vec<u8> {
    alertgraph_compose::plug(socket, plugs).unwrap_or_else(|e| panic!("{e}"))
}
