//! The in-memory backend: ordered maps behind a lock. Write transactions collect their changes
//! and apply them only on commit, so a failed operation leaves nothing behind.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::{PoisonError, RwLock};

use crate::error::Result;
use crate::kv::{Kv, KvRead, KvWrite, Table};
use crate::store::{Backend, Reader, Writer};

type Map = BTreeMap<(Table, String), Vec<u8>>;

/// Everything, in one ordered map keyed by (table, key).
#[derive(Default)]
pub(crate) struct MemoryBackend {
    data: RwLock<Map>,
}

fn scan_map<'a>(
    m: &'a Map,
    t: Table,
    prefix: &str,
) -> impl Iterator<Item = (&'a String, &'a Vec<u8>)> + 'a {
    let start = (t, prefix.to_string());
    let prefix = prefix.to_string();
    m.range((Bound::Included(start), Bound::Unbounded))
        .take_while(move |((tt, k), _)| *tt == t && k.starts_with(&prefix))
        .map(|((_, k), v)| (k, v))
}

struct ReadTx<'a>(&'a Map);

impl KvRead for ReadTx<'_> {
    fn get(&self, t: Table, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.0.get(&(t, key.to_string())).cloned())
    }

    fn scan(&self, t: Table, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        Ok(scan_map(self.0, t, prefix)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}

/// A write transaction: the committed map plus pending changes (`None` deletes).
struct WriteTx<'a> {
    base: &'a Map,
    pending: BTreeMap<(Table, String), Option<Vec<u8>>>,
}

impl KvRead for WriteTx<'_> {
    fn get(&self, t: Table, key: &str) -> Result<Option<Vec<u8>>> {
        let k = (t, key.to_string());
        match self.pending.get(&k) {
            Some(v) => Ok(v.clone()),
            None => Ok(self.base.get(&k).cloned()),
        }
    }

    fn scan(&self, t: Table, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let mut merged: BTreeMap<String, Option<Vec<u8>>> = scan_map(self.base, t, prefix)
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        let start = (t, prefix.to_string());
        for ((_, k), v) in self
            .pending
            .range((Bound::Included(start), Bound::Unbounded))
            .take_while(|((tt, k), _)| *tt == t && k.starts_with(prefix))
        {
            merged.insert(k.clone(), v.clone());
        }
        Ok(merged
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect())
    }
}

impl KvWrite for WriteTx<'_> {
    fn put(&mut self, t: Table, key: &str, value: &[u8]) -> Result<()> {
        self.pending
            .insert((t, key.to_string()), Some(value.to_vec()));
        Ok(())
    }

    fn del(&mut self, t: Table, key: &str) -> Result<()> {
        self.pending.insert((t, key.to_string()), None);
        Ok(())
    }
}

impl Backend for MemoryBackend {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn path(&self) -> Option<&Path> {
        None
    }

    fn read<T>(&self, f: impl FnOnce(&dyn Reader) -> Result<T>) -> Result<T> {
        // The map is only changed by a commit, which cannot panic halfway; poisoning is moot.
        let data = self.data.read().unwrap_or_else(PoisonError::into_inner);
        f(&Kv(ReadTx(&data)))
    }

    fn write<T>(&self, f: impl FnOnce(&mut dyn Writer) -> Result<T>) -> Result<T> {
        let mut data = self.data.write().unwrap_or_else(PoisonError::into_inner);
        let mut tx = Kv(WriteTx {
            base: &data,
            pending: BTreeMap::new(),
        });
        let out = f(&mut tx)?;
        let pending = tx.0.pending;
        for (k, v) in pending {
            match v {
                Some(v) => data.insert(k, v),
                None => data.remove(&k),
            };
        }
        Ok(out)
    }

    fn close(&self) -> Result<()> {
        self.data
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        Ok(())
    }
}
