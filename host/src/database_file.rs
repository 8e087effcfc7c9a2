//! The SQLite file on disk: its size, the free space beside it, and the one-time `VACUUM`
//! that lets a database made before retention give its freed pages back.

use std::path::{Path, PathBuf};
use std::time::Instant;

/// Room kept free on top of what a `VACUUM` writes, so the webhooks after it still fit.
const VACUUM_MARGIN: u64 = 64 << 20;

/// The database file and its write-ahead log, in bytes.
pub fn bytes(path: &Path) -> u64 {
    let len = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    len(path) + len(&wal_path(path))
}

pub fn wal_path(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

/// Bytes an unprivileged process may still write in the file system holding `dir`.
pub fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let c_path = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a struct statvfs owned by this frame.
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(stat.f_bavail as u64 * stat.f_frsize as u64)
}

/// The directory a database file lives in ("." for a bare file name).
pub fn directory(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// What a `VACUUM` of a `size`-byte database needs free: a copy in a temporary file, the
/// same again in the WAL while it is written back, and a margin.
pub fn vacuum_needs(size: u64) -> u64 {
    2 * size + size / 8 + VACUUM_MARGIN
}

/// Sets `auto_vacuum = INCREMENTAL` so swept rows give their pages back to the file system:
/// free on a new file, a one-time `VACUUM` on one made before (logged with its duration), or,
/// when the disk is too full for that copy, one warning and the file keeps its size.
/// Call before `journal_mode = WAL` and with no other connection open.
pub fn use_incremental_vacuum(conn: &rusqlite::Connection, path: &Path) -> rusqlite::Result<()> {
    let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    if mode == 2 {
        return Ok(());
    }
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    if pages == 0 {
        return Ok(());
    }
    vacuum_if_room(conn, path, free_bytes(directory(path)))
}

/// The `VACUUM` of [`use_incremental_vacuum`], refused when `free` is short of what it needs.
fn vacuum_if_room(
    conn: &rusqlite::Connection,
    path: &Path,
    free: std::io::Result<u64>,
) -> rusqlite::Result<()> {
    let size = bytes(path);
    let needed = vacuum_needs(size);
    match free {
        Ok(free) if free >= needed => {}
        free => {
            let free = free.map_or_else(|e| format!("unknown ({e})"), |f| f.to_string());
            tracing::warn!(
                database = %path.display(),
                database_bytes = size,
                free_bytes = %free,
                needed_bytes = needed,
                "not turning on incremental auto_vacuum: its one-time VACUUM needs more free \
                 space beside the database; rows the retention sweep deletes are reused but \
                 the file does not shrink until space is freed and alertgraph restarted"
            );
            return Ok(());
        }
    }
    tracing::info!(database = %path.display(), database_bytes = size,
        "turning on incremental auto_vacuum: a one-time VACUUM, webhooks wait for it");
    let started = Instant::now();
    conn.execute_batch("VACUUM")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    tracing::info!(
        database = %path.display(),
        duration_ms = started.elapsed().as_millis() as u64,
        database_bytes = bytes(path),
        "incremental auto_vacuum is on"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_of_a_directory_and_a_bare_file_name() {
        assert!(free_bytes(&std::env::temp_dir()).unwrap() > 0);
        assert_eq!(directory(Path::new("alertgraph.db")), Path::new("."));
        assert_eq!(directory(Path::new("/d/alertgraph.db")), Path::new("/d"));
        assert!(free_bytes(Path::new("/no/such/dir")).is_err());
    }

    #[test]
    fn a_vacuum_needs_two_copies_and_a_margin() {
        assert_eq!(vacuum_needs(0), VACUUM_MARGIN);
        assert_eq!(vacuum_needs(800), 1_700 + VACUUM_MARGIN);
    }

    /// A database as versions before retention left it: WAL, no auto_vacuum, rows.
    fn old_database(name: &str) -> (PathBuf, rusqlite::Connection) {
        let dir = std::env::temp_dir().join(format!(
            "alertgraph-dbfile-test-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("old.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE t (x BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
             INSERT INTO t SELECT zeroblob(4000) FROM n;
             DELETE FROM t WHERE rowid > 100;",
        )
        .unwrap();
        (path, conn)
    }

    fn auto_vacuum(conn: &rusqlite::Connection) -> i64 {
        conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn an_old_database_is_vacuumed_once_keeping_every_row() {
        let (path, conn) = old_database("convert");
        assert_eq!(auto_vacuum(&conn), 0);
        use_incremental_vacuum(&conn, &path).unwrap();
        assert_eq!(auto_vacuum(&conn), 2);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 100);
        // The deleted rows' pages went back, and the WAL the VACUUM wrote was truncated.
        let free: i64 = conn
            .query_row("PRAGMA freelist_count", [], |r| r.get(0))
            .unwrap();
        assert_eq!(free, 0);
        assert_eq!(std::fs::metadata(wal_path(&path)).unwrap().len(), 0);
    }

    #[test]
    fn no_vacuum_without_room_for_its_copy() {
        let (path, conn) = old_database("refuse");
        let size = bytes(&path);
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")
            .unwrap();
        vacuum_if_room(&conn, &path, Ok(vacuum_needs(size) - 1)).unwrap();
        vacuum_if_room(&conn, &path, Err(std::io::Error::other("statvfs failed"))).unwrap();
        assert_eq!(
            auto_vacuum(&conn),
            0,
            "still the old mode: nothing was rewritten"
        );
        assert_eq!(bytes(&path), size);
    }
}
