//! The redb backend. redb's `MultiWriter` mode lets several processes open one database: write
//! transactions take a blocking lock, so concurrent writers wait rather than fail. Every commit
//! is durable (`Durability::Immediate`).

use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use redb::{
    ConcurrencyMode, Database, DatabaseError, Durability, ReadTransaction, ReadableDatabase,
    ReadableTable, StorageError, TableDefinition, WriteTransaction,
};

use crate::error::{Result, StateError};
use crate::kv::{Kv, KvRead, KvWrite, Table};
use crate::store::{Backend, Reader, Writer};

/// Every table, created when the database is opened.
const TABLES: [Table; 14] = [
    Table::Meta,
    Table::CtrConfig,
    Table::CtrState,
    Table::PodConfig,
    Table::PodState,
    Table::Names,
    Table::Deps,
    Table::PodMembers,
    Table::Exec,
    Table::ExecByCtr,
    Table::ExitCodes,
    Table::VolConfig,
    Table::VolState,
    Table::VolUsers,
];

fn def(t: Table) -> TableDefinition<'static, &'static str, &'static [u8]> {
    TableDefinition::new(match t {
        Table::Meta => "meta",
        Table::CtrConfig => "ctr_config",
        Table::CtrState => "ctr_state",
        Table::PodConfig => "pod_config",
        Table::PodState => "pod_state",
        Table::Names => "names",
        Table::Deps => "deps",
        Table::PodMembers => "pod_members",
        Table::Exec => "exec",
        Table::ExecByCtr => "exec_by_ctr",
        Table::ExitCodes => "exit_codes",
        Table::VolConfig => "vol_config",
        Table::VolState => "vol_state",
        Table::VolUsers => "vol_users",
    })
}

/// A redb database file.
pub(crate) struct RedbBackend {
    db: RwLock<Option<Database>>,
    path: PathBuf,
}

/// Turns any redb error into ours, recognising corruption.
fn db_err(path: &Path, op: &'static str, e: impl Into<redb::Error>) -> StateError {
    let e: redb::Error = e.into();
    match e {
        redb::Error::Corrupted(detail) => StateError::Corrupt {
            path: path.to_path_buf(),
            detail,
        },
        other => StateError::Database {
            path: path.to_path_buf(),
            op,
            source: Box::new(other),
        },
    }
}

impl RedbBackend {
    /// Opens or creates the database at `path` and makes sure every table exists.
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
        let mut builder = Database::builder();
        builder.set_concurrency_mode(ConcurrencyMode::MultiWriter);
        let db = builder.create(path).map_err(|e| match e {
            DatabaseError::Storage(StorageError::Corrupted(detail)) => StateError::Corrupt {
                path: path.to_path_buf(),
                detail,
            },
            DatabaseError::Storage(StorageError::Io(source)) => StateError::Io {
                path: path.to_path_buf(),
                source,
            },
            other => db_err(path, "open", other),
        })?;
        // Tables are created once (and those a newer schema added, in a database made before
        // them); a read transaction cannot open a table that was never made.
        let tx = db
            .begin_write()
            .map_err(|e| db_err(path, "begin write", e))?;
        for t in TABLES {
            tx.open_table(def(t))
                .map_err(|e| db_err(path, "create table", e))?;
        }
        tx.commit().map_err(|e| db_err(path, "commit", e))?;
        Ok(RedbBackend {
            db: RwLock::new(Some(db)),
            path: path.to_path_buf(),
        })
    }

    fn with_db<T>(&self, f: impl FnOnce(&Database) -> Result<T>) -> Result<T> {
        let guard = self.db.read().unwrap_or_else(PoisonError::into_inner);
        let db = guard.as_ref().ok_or(StateError::Closed)?;
        f(db)
    }
}

struct ReadTx<'a> {
    tx: ReadTransaction,
    path: &'a Path,
}

impl KvRead for ReadTx<'_> {
    fn get(&self, t: Table, key: &str) -> Result<Option<Vec<u8>>> {
        let table = self
            .tx
            .open_table(def(t))
            .map_err(|e| db_err(self.path, "open table", e))?;
        get_row(&table, key, self.path)
    }

    fn scan(&self, t: Table, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let table = self
            .tx
            .open_table(def(t))
            .map_err(|e| db_err(self.path, "open table", e))?;
        scan_table(&table, prefix, self.path)
    }
}

fn get_row(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
    path: &Path,
) -> Result<Option<Vec<u8>>> {
    let v = table.get(key).map_err(|e| db_err(path, "read", e))?;
    Ok(v.map(|g| g.value().to_vec()))
}

fn scan_table(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    prefix: &str,
    path: &Path,
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for row in table
        .range::<&str>(prefix..)
        .map_err(|e| db_err(path, "scan", e))?
    {
        let (k, v) = row.map_err(|e| db_err(path, "scan", e))?;
        let k = k.value();
        if !k.starts_with(prefix) {
            break;
        }
        out.push((k.to_string(), v.value().to_vec()));
    }
    Ok(out)
}

struct WriteTx<'a> {
    tx: WriteTransaction,
    path: &'a Path,
}

impl KvRead for WriteTx<'_> {
    fn get(&self, t: Table, key: &str) -> Result<Option<Vec<u8>>> {
        let table = self
            .tx
            .open_table(def(t))
            .map_err(|e| db_err(self.path, "open table", e))?;
        get_row(&table, key, self.path)
    }

    fn scan(&self, t: Table, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let table = self
            .tx
            .open_table(def(t))
            .map_err(|e| db_err(self.path, "open table", e))?;
        scan_table(&table, prefix, self.path)
    }
}

impl KvWrite for WriteTx<'_> {
    fn put(&mut self, t: Table, key: &str, value: &[u8]) -> Result<()> {
        let mut table = self
            .tx
            .open_table(def(t))
            .map_err(|e| db_err(self.path, "open table", e))?;
        table
            .insert(key, value)
            .map_err(|e| db_err(self.path, "write", e))?;
        Ok(())
    }

    fn del(&mut self, t: Table, key: &str) -> Result<()> {
        let mut table = self
            .tx
            .open_table(def(t))
            .map_err(|e| db_err(self.path, "open table", e))?;
        table
            .remove(key)
            .map_err(|e| db_err(self.path, "delete", e))?;
        Ok(())
    }
}

impl Backend for RedbBackend {
    fn name(&self) -> &'static str {
        "redb"
    }

    fn path(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn read<T>(&self, f: impl FnOnce(&dyn Reader) -> Result<T>) -> Result<T> {
        self.with_db(|db| {
            let tx = db
                .begin_read()
                .map_err(|e| db_err(&self.path, "begin read", e))?;
            f(&Kv(ReadTx {
                tx,
                path: &self.path,
            }))
        })
    }

    fn write<T>(&self, f: impl FnOnce(&mut dyn Writer) -> Result<T>) -> Result<T> {
        self.with_db(|db| {
            let mut tx = db
                .begin_write()
                .map_err(|e| db_err(&self.path, "begin write", e))?;
            tx.set_durability(Durability::Immediate)
                .map_err(|e| StateError::Database {
                    path: self.path.clone(),
                    op: "set durability",
                    source: Box::new(e),
                })?;
            let mut kv = Kv(WriteTx {
                tx,
                path: &self.path,
            });
            match f(&mut kv) {
                Ok(v) => {
                    kv.0.tx
                        .commit()
                        .map_err(|e| db_err(&self.path, "commit", e))?;
                    Ok(v)
                }
                Err(e) => {
                    // Dropping an uncommitted transaction aborts it; an explicit abort reports failures.
                    let _ = kv.0.tx.abort();
                    Err(e)
                }
            }
        })
    }

    fn close(&self) -> Result<()> {
        self.db
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        Ok(())
    }
}
