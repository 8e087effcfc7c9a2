//! `alertgraph-compose --out OUT SOCKET.wasm PLUG.wasm…`: plugs the components into the
//! socket (see the library) and writes the result; what deploy/spinkube/spin.toml builds.

use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage: alertgraph-compose --out OUT.wasm SOCKET.wasm PLUG.wasm...";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(out) => {
            println!("wrote {out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("alertgraph-compose: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let [flag, out, socket, plugs @ ..] = args else {
        return Err(USAGE.into());
    };
    if flag != "--out" || plugs.is_empty() {
        return Err(USAGE.into());
    }
    let socket = read(socket)?;
    let plugs = plugs.iter().map(|p| read(p)).collect::<Result<_, _>>()?;
    let composed = alertgraph_compose::plug(socket, plugs)?;
    std::fs::write(out, composed).map_err(|e| format!("writing {out}: {e}"))?;
    Ok(out.clone())
}

fn read(path: &str) -> Result<alertgraph_compose::Part<'_>, String> {
    let wasm = std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?;
    let name = Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(path);
    Ok(alertgraph_compose::Part { name, wasm })
}
