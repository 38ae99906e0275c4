//! The SQLite backend (rusqlite, bundled SQLite). A relational schema with foreign keys as a
//! second line of defence behind `db.rs`'s checks; WAL with `synchronous=FULL` for durable
//! commits; write transactions begin `IMMEDIATE`, so a writer that finds another one waits on
//! the busy timeout instead of failing with "database is locked" when it upgrades a read lock.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{
    Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};

use crate::error::{Result, StateError};
use crate::store::{Backend, Kind, NewContainer, Reader, Row, Writer};

/// How long a writer waits for another process's write transaction.
const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ids (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('container', 'pod'))
);
CREATE TABLE IF NOT EXISTS pods (
    id TEXT PRIMARY KEY REFERENCES ids(id),
    config BLOB NOT NULL,
    state BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS containers (
    id TEXT PRIMARY KEY REFERENCES ids(id),
    pod_id TEXT REFERENCES pods(id) DEFERRABLE INITIALLY DEFERRED,
    config BLOB NOT NULL,
    state BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS containers_pod ON containers(pod_id);
CREATE TABLE IF NOT EXISTS dependencies (
    id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    dependency TEXT NOT NULL REFERENCES containers(id) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (id, dependency)
);
CREATE INDEX IF NOT EXISTS dependencies_dependency ON dependencies(dependency);
CREATE TABLE IF NOT EXISTS exec_sessions (
    id TEXT PRIMARY KEY,
    container_id TEXT NOT NULL REFERENCES containers(id) DEFERRABLE INITIALLY DEFERRED,
    session BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS exec_sessions_container ON exec_sessions(container_id);
CREATE TABLE IF NOT EXISTS exit_codes (id TEXT PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS volumes (
    name TEXT PRIMARY KEY,
    config BLOB NOT NULL,
    state BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS volume_users (
    id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
    volume TEXT NOT NULL REFERENCES volumes(name) DEFERRABLE INITIALLY DEFERRED,
    PRIMARY KEY (id, volume)
);
CREATE INDEX IF NOT EXISTS volume_users_volume ON volume_users(volume);
";

/// A SQLite database file, one connection per backend.
pub(crate) struct SqliteBackend {
    conn: Mutex<Option<Connection>>,
    path: PathBuf,
}

fn sql_err(path: &Path, op: &'static str, e: rusqlite::Error) -> StateError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StateError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => StateError::Database {
            path: path.to_path_buf(),
            op,
            source: Box::new(e),
        },
    }
}

fn kind_of(s: &str) -> Option<Kind> {
    match s {
        "container" => Some(Kind::Container),
        "pod" => Some(Kind::Pod),
        _ => None,
    }
}

impl SqliteBackend {
    /// Opens or creates the database at `path` and its schema.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        // Private from the start: the database holds every container's environment.
        let private = |e: libpod_fs::FsError| StateError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        };
        if let Some(dir) = path.parent() {
            // Its directory may be searchable (libpod's static dir is 0711), never listable.
            libpod_fs::host::unlisted_dir(dir).map_err(private)?;
        }
        libpod_fs::host::private_file(path).map_err(private)?;
        let e = |op| move |err| sql_err(path, op, err);
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(e("open"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(e("set busy timeout"))?;
        conn.set_prepared_statement_cache_capacity(64);
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(e("enable WAL"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StateError::Database {
                path: path.to_path_buf(),
                op: "enable WAL",
                source: format!("journal mode is {mode}").into(),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(e("set synchronous"))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(e("enable foreign keys"))?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e("begin"))?;
        tx.execute_batch(SCHEMA).map_err(e("create schema"))?;
        tx.commit().map_err(e("commit schema"))?;
        Ok(SqliteBackend {
            conn: Mutex::new(Some(conn)),
            path: path.to_path_buf(),
        })
    }

    fn with_tx<T>(
        &self,
        behavior: TransactionBehavior,
        f: impl FnOnce(&mut SqlTx<'_>) -> Result<T>,
    ) -> Result<T> {
        // A panic inside a transaction drops it (rolling back), so a poisoned lock is safe to reuse.
        let mut guard = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let conn = guard.as_mut().ok_or(StateError::Closed)?;
        let tx = conn
            .transaction_with_behavior(behavior)
            .map_err(|e| sql_err(&self.path, "begin", e))?;
        let mut stx = SqlTx {
            tx,
            path: &self.path,
        };
        let out = f(&mut stx)?;
        stx.tx
            .commit()
            .map_err(|e| sql_err(&self.path, "commit", e))?;
        Ok(out)
    }
}

struct SqlTx<'a> {
    tx: Transaction<'a>,
    path: &'a Path,
}

impl SqlTx<'_> {
    fn err(&self, op: &'static str) -> impl Fn(rusqlite::Error) -> StateError + '_ {
        move |e| sql_err(self.path, op, e)
    }

    fn blob(&self, sql: &str, key: &str) -> Result<Option<Vec<u8>>> {
        let mut st = self.tx.prepare_cached(sql).map_err(self.err("prepare"))?;
        st.query_row([key], |r| r.get(0))
            .optional()
            .map_err(self.err("read"))
    }

    fn strings(&self, sql: &str, key: &str) -> Result<Vec<String>> {
        let mut st = self.tx.prepare_cached(sql).map_err(self.err("prepare"))?;
        let rows = st
            .query_map([key], |r| r.get(0))
            .map_err(self.err("read"))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.err("read"))
    }

    fn pairs(&self, sql: &str, key: Option<&str>) -> Result<Vec<(String, Vec<u8>)>> {
        let mut st = self.tx.prepare_cached(sql).map_err(self.err("prepare"))?;
        let map = |r: &rusqlite::Row<'_>| Ok((r.get(0)?, r.get(1)?));
        let rows = match key {
            Some(k) => st.query_map([k], map),
            None => st.query_map([], map),
        }
        .map_err(self.err("read"))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.err("read"))
    }

    fn triples(&self, sql: &str) -> Result<Vec<Row>> {
        let mut st = self.tx.prepare_cached(sql).map_err(self.err("prepare"))?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(self.err("read"))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.err("read"))
    }

    fn exec(&self, sql: &str, params: impl rusqlite::Params) -> Result<()> {
        let mut st = self.tx.prepare_cached(sql).map_err(self.err("prepare"))?;
        st.execute(params).map_err(self.err("write"))?;
        Ok(())
    }
}

impl Reader for SqlTx<'_> {
    fn meta(&self, key: &str) -> Result<Option<String>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .map_err(self.err("prepare"))?;
        st.query_row([key], |r| r.get(0))
            .optional()
            .map_err(self.err("read"))
    }

    fn name_owner(&self, name: &str) -> Result<Option<(Kind, String)>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT kind, id FROM ids WHERE name = ?1")
            .map_err(self.err("prepare"))?;
        let row: Option<(String, String)> = st
            .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(self.err("read"))?;
        Ok(row.and_then(|(k, id)| kind_of(&k).map(|k| (k, id))))
    }

    fn id_kind(&self, id: &str) -> Result<Option<Kind>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT kind FROM ids WHERE id = ?1")
            .map_err(self.err("prepare"))?;
        let k: Option<String> = st
            .query_row([id], |r| r.get(0))
            .optional()
            .map_err(self.err("read"))?;
        Ok(k.and_then(|k| kind_of(&k)))
    }

    fn ids_with_prefix(&self, kind: Kind, prefix: &str) -> Result<Vec<String>> {
        let kind = match kind {
            Kind::Container => "container",
            Kind::Pod => "pod",
        };
        // IDs are lowercase hex, so every ID starting with `prefix` sorts below `prefix` + "g".
        let upper = format!("{prefix}g");
        let mut st = self
            .tx
            .prepare_cached(
                "SELECT id FROM ids WHERE kind = ?1 AND id >= ?2 AND id < ?3 ORDER BY id",
            )
            .map_err(self.err("prepare"))?;
        let rows = st
            .query_map(params![kind, prefix, upper], |r| r.get(0))
            .map_err(self.err("read"))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.err("read"))
    }

    fn container_config(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.blob("SELECT config FROM containers WHERE id = ?1", id)
    }

    fn container_state(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.blob("SELECT state FROM containers WHERE id = ?1", id)
    }

    fn all_containers(&self) -> Result<Vec<Row>> {
        self.triples("SELECT id, config, state FROM containers ORDER BY id")
    }

    fn dependents(&self, id: &str) -> Result<Vec<String>> {
        self.strings(
            "SELECT id FROM dependencies WHERE dependency = ?1 ORDER BY id",
            id,
        )
    }

    fn pod_config(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.blob("SELECT config FROM pods WHERE id = ?1", id)
    }

    fn pod_state(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.blob("SELECT state FROM pods WHERE id = ?1", id)
    }

    fn all_pods(&self) -> Result<Vec<Row>> {
        self.triples("SELECT id, config, state FROM pods ORDER BY id")
    }

    fn pod_members(&self, pod: &str) -> Result<Vec<String>> {
        self.strings(
            "SELECT id FROM containers WHERE pod_id = ?1 ORDER BY id",
            pod,
        )
    }

    fn exec_session(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.blob("SELECT session FROM exec_sessions WHERE id = ?1", id)
    }

    fn exec_sessions_of(&self, container: &str) -> Result<Vec<(String, Vec<u8>)>> {
        self.pairs(
            "SELECT id, session FROM exec_sessions WHERE container_id = ?1 ORDER BY id",
            Some(container),
        )
    }

    fn all_exec_sessions(&self) -> Result<Vec<(String, Vec<u8>)>> {
        self.pairs("SELECT id, session FROM exec_sessions ORDER BY id", None)
    }

    fn exit_code(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.blob("SELECT record FROM exit_codes WHERE id = ?1", id)
    }

    fn all_exit_codes(&self) -> Result<Vec<(String, Vec<u8>)>> {
        self.pairs("SELECT id, record FROM exit_codes ORDER BY id", None)
    }

    fn volume_config(&self, name: &str) -> Result<Option<Vec<u8>>> {
        self.blob("SELECT config FROM volumes WHERE name = ?1", name)
    }

    fn volume_state(&self, name: &str) -> Result<Option<Vec<u8>>> {
        self.blob("SELECT state FROM volumes WHERE name = ?1", name)
    }

    fn all_volumes(&self) -> Result<Vec<Row>> {
        self.triples("SELECT name, config, state FROM volumes ORDER BY name")
    }

    fn volume_users(&self, name: &str) -> Result<Vec<String>> {
        self.strings(
            "SELECT id FROM volume_users WHERE volume = ?1 ORDER BY id",
            name,
        )
    }
}

impl Writer for SqlTx<'_> {
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.exec(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )
    }

    fn insert_container(&mut self, c: &NewContainer<'_>) -> Result<()> {
        self.exec(
            "INSERT INTO ids (id, name, kind) VALUES (?1, ?2, 'container')",
            params![c.id, c.name],
        )?;
        self.exec(
            "INSERT INTO containers (id, pod_id, config, state) VALUES (?1, ?2, ?3, ?4)",
            params![c.id, c.pod, c.config, c.state],
        )?;
        for d in c.dependencies {
            self.exec(
                "INSERT INTO dependencies (id, dependency) VALUES (?1, ?2)",
                params![c.id, d],
            )?;
        }
        for v in c.volumes {
            self.exec(
                "INSERT INTO volume_users (id, volume) VALUES (?1, ?2)",
                params![c.id, v],
            )?;
        }
        Ok(())
    }

    fn set_container_state(&mut self, id: &str, state: &[u8]) -> Result<()> {
        self.exec(
            "UPDATE containers SET state = ?2 WHERE id = ?1",
            params![id, state],
        )
    }

    fn set_container_config(&mut self, id: &str, config: &[u8]) -> Result<()> {
        self.exec(
            "UPDATE containers SET config = ?2 WHERE id = ?1",
            params![id, config],
        )
    }

    fn rename_container(&mut self, id: &str, _old: &str, new: &str, config: &[u8]) -> Result<()> {
        self.exec("UPDATE ids SET name = ?2 WHERE id = ?1", params![id, new])?;
        self.exec(
            "UPDATE containers SET config = ?2 WHERE id = ?1",
            params![id, config],
        )
    }

    fn delete_container(
        &mut self,
        id: &str,
        _name: &str,
        _pod: Option<&str>,
        _deps: &[String],
        _volumes: &[String],
    ) -> Result<()> {
        // Its own dependency and volume rows go with it (ON DELETE CASCADE).
        self.exec("DELETE FROM containers WHERE id = ?1", [id])?;
        self.exec("DELETE FROM ids WHERE id = ?1", [id])
    }

    fn insert_pod(&mut self, id: &str, name: &str, config: &[u8], state: &[u8]) -> Result<()> {
        self.exec(
            "INSERT INTO ids (id, name, kind) VALUES (?1, ?2, 'pod')",
            params![id, name],
        )?;
        self.exec(
            "INSERT INTO pods (id, config, state) VALUES (?1, ?2, ?3)",
            params![id, config, state],
        )
    }

    fn set_pod_state(&mut self, id: &str, state: &[u8]) -> Result<()> {
        self.exec(
            "UPDATE pods SET state = ?2 WHERE id = ?1",
            params![id, state],
        )
    }

    fn delete_pod(&mut self, id: &str, _name: &str) -> Result<()> {
        self.exec("DELETE FROM pods WHERE id = ?1", [id])?;
        self.exec("DELETE FROM ids WHERE id = ?1", [id])
    }

    fn put_exec_session(&mut self, id: &str, container: &str, session: &[u8]) -> Result<()> {
        self.exec(
            "INSERT INTO exec_sessions (id, container_id, session) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET container_id = excluded.container_id, session = excluded.session",
            params![id, container, session],
        )
    }

    fn delete_exec_session(&mut self, id: &str, _container: &str) -> Result<()> {
        self.exec("DELETE FROM exec_sessions WHERE id = ?1", [id])
    }

    fn put_exit_code(&mut self, id: &str, record: &[u8]) -> Result<()> {
        self.exec(
            "INSERT INTO exit_codes (id, record) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET record = excluded.record",
            params![id, record],
        )
    }

    fn delete_exit_code(&mut self, id: &str) -> Result<()> {
        self.exec("DELETE FROM exit_codes WHERE id = ?1", [id])
    }

    fn insert_volume(&mut self, name: &str, config: &[u8], state: &[u8]) -> Result<()> {
        self.exec(
            "INSERT INTO volumes (name, config, state) VALUES (?1, ?2, ?3)",
            params![name, config, state],
        )
    }

    fn set_volume_state(&mut self, name: &str, state: &[u8]) -> Result<()> {
        self.exec(
            "UPDATE volumes SET state = ?2 WHERE name = ?1",
            params![name, state],
        )
    }

    fn delete_volume(&mut self, name: &str) -> Result<()> {
        self.exec("DELETE FROM volumes WHERE name = ?1", [name])
    }
}

impl Backend for SqliteBackend {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn path(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn read<T>(&self, f: impl FnOnce(&dyn Reader) -> Result<T>) -> Result<T> {
        self.with_tx(TransactionBehavior::Deferred, |tx| f(tx))
    }

    fn write<T>(&self, f: impl FnOnce(&mut dyn Writer) -> Result<T>) -> Result<T> {
        self.with_tx(TransactionBehavior::Immediate, |tx| f(tx))
    }

    fn close(&self) -> Result<()> {
        let conn = self
            .conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match conn {
            Some(c) => c.close().map_err(|(_, e)| sql_err(&self.path, "close", e)),
            None => Err(StateError::Closed),
        }
    }
}
