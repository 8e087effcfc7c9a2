//! Compiled components kept between starts. Cranelift takes seconds, and tens of megabytes
//! that the allocator keeps afterwards, to compile the component; so its native code is
//! written to `STORAGE_DIR/cache/` once and memory-mapped on every later start. The file is
//! named by a hash of the component, alertgraph's version and the engine's settings; one that
//! does not load is compiled again and replaced, and older ones are removed.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;
use wasmtime::component::Component;
use wasmtime::error::Context as _;
use wasmtime::Engine;

/// Whether the component was mapped from the cache or compiled (both are logged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cache,
    Compiled,
}

/// The component for `wasm`: from `dir` when an earlier start left it there, else compiled
/// (and left there for the next start, if the directory is writable).
pub fn load_or_compile(
    engine: &Engine,
    wasm: &[u8],
    dir: &Path,
) -> anyhow::Result<(Component, Source)> {
    let path = dir.join(file_name(engine, wasm));
    if path.exists() {
        let started = Instant::now();
        // SAFETY: the file was written by `store` below from this engine's own compilation,
        // in the storage directory, which only alertgraph may write (it holds the database);
        // wasmtime checks its header against this engine before mapping it.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => {
                tracing::info!(
                    ms = started.elapsed().as_millis() as u64,
                    file = %path.display(),
                    "loaded the compiled component"
                );
                return Ok((component, Source::Cache));
            }
            Err(e) => tracing::warn!(
                file = %path.display(),
                error = %e,
                "cannot load the compiled component: compiling it again"
            ),
        }
    }
    let started = Instant::now();
    let component = Component::new(engine, wasm).context("compiling the component")?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        bytes = wasm.len(),
        "compiled the component"
    );
    release_compiler_memory();
    if let Err(e) = store(&component, &path) {
        tracing::warn!(
            file = %path.display(),
            error = %e,
            "cannot keep the compiled component: the next start compiles it again"
        );
    }
    Ok((component, Source::Compiled))
}

/// `component-<hash>.cwasm`: a new build, component or engine setting gives a new name.
fn file_name(engine: &Engine, wasm: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    engine.precompile_compatibility_hash().hash(&mut hasher);
    wasm.hash(&mut hasher);
    format!("component-{:016x}.cwasm", hasher.finish())
}

/// Writes the compiled component beside a temporary name, then renames it into place, so a
/// crash never leaves half a file; other compiled components in the directory are removed.
fn store(component: &Component, path: &Path) -> anyhow::Result<()> {
    let dir = path.parent().context("the cache path has a directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let bytes = component.serialize()?;
    let partial = path.with_extension("partial");
    let written = std::fs::write(&partial, bytes)
        .with_context(|| format!("writing {}", partial.display()))
        .and_then(|()| {
            std::fs::rename(&partial, path)
                .with_context(|| format!("renaming to {}", path.display()))
        });
    if written.is_err() {
        // A full disk must not stay full of half a cache: the database needs the room.
        let _ = std::fs::remove_file(&partial);
    }
    written?;
    for stale in stale_files(dir, path) {
        let _ = std::fs::remove_file(stale);
    }
    Ok(())
}

fn stale_files(dir: &Path, keep: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p != keep)
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("component-") && n.ends_with(".cwasm"))
        })
        .collect()
}

/// Gives the compiler's freed memory back to the system: glibc keeps it in its arenas.
fn release_compiler_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest component there is.
    const EMPTY: &[u8] = b"\0asm\x0d\0\x01\0";

    fn engine() -> Engine {
        let mut config = wasmtime::Config::new();
        config.wasm_component_model(true);
        Engine::new(&config).unwrap()
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("alertgraph-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn compiles_once_then_loads_and_replaces_what_does_not_load() {
        let engine = engine();
        let dir = temp_dir("precompiled");
        let (_, source) = load_or_compile(&engine, EMPTY, &dir).unwrap();
        assert_eq!(source, Source::Compiled);
        let (_, source) = load_or_compile(&engine, EMPTY, &dir).unwrap();
        assert_eq!(source, Source::Cache);

        let file = dir.join(file_name(&engine, EMPTY));
        std::fs::write(&file, b"not native code").unwrap();
        let (_, source) = load_or_compile(&engine, EMPTY, &dir).unwrap();
        assert_eq!(source, Source::Compiled, "a broken file is compiled over");
        let (_, source) = load_or_compile(&engine, EMPTY, &dir).unwrap();
        assert_eq!(source, Source::Cache);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn another_component_replaces_the_old_file() {
        let engine = engine();
        let dir = temp_dir("precompiled-other");
        load_or_compile(&engine, EMPTY, &dir).unwrap();
        let other = renamed_empty_component();
        load_or_compile(&engine, &other, &dir).unwrap();
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn an_unwritable_cache_still_gives_a_component() {
        let engine = engine();
        let file = temp_dir("precompiled-file");
        std::fs::write(&file, b"a file where the directory should be").unwrap();
        let (_, source) = load_or_compile(&engine, EMPTY, &file.join("cache")).unwrap();
        assert_eq!(source, Source::Compiled);
        let _ = std::fs::remove_file(file);
    }

    /// An empty component with a custom section: other bytes, same meaning.
    fn renamed_empty_component() -> Vec<u8> {
        let mut bytes = EMPTY.to_vec();
        // Custom section 0: name length 1 "x", no payload.
        bytes.extend_from_slice(&[0, 2, 1, b'x']);
        bytes
    }
}
