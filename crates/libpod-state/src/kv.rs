//! Containers, pods and their indexes laid out in ordered key-value tables: the storage model
//! of the memory and redb backends. Keys joining two IDs use `/`, which neither IDs nor names
//! may contain, so a prefix scan of `<id>/` finds exactly that ID's entries.

use crate::error::Result;
use crate::store::{Kind, NewContainer, Reader, Row, Writer};

/// The tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Table {
    Meta,
    CtrConfig,
    CtrState,
    PodConfig,
    PodState,
    /// name -> `c:<id>` or `p:<id>`
    Names,
    /// `<dependency>/<dependent>` -> ``
    Deps,
    /// `<pod>/<container>` -> ``
    PodMembers,
    Exec,
    /// `<container>/<exec>` -> ``
    ExecByCtr,
    ExitCodes,
    VolConfig,
    VolState,
    /// `<volume>/<container>` -> ``
    VolUsers,
}

/// Ordered reads.
pub(crate) trait KvRead {
    fn get(&self, t: Table, key: &str) -> Result<Option<Vec<u8>>>;
    /// Entries whose key starts with `prefix`, in key order.
    fn scan(&self, t: Table, prefix: &str) -> Result<Vec<(String, Vec<u8>)>>;
}

/// Writes.
pub(crate) trait KvWrite: KvRead {
    fn put(&mut self, t: Table, key: &str, value: &[u8]) -> Result<()>;
    fn del(&mut self, t: Table, key: &str) -> Result<()>;
}

/// Adapts a key-value transaction to the state's reader and writer.
pub(crate) struct Kv<T>(pub T);

fn join(a: &str, b: &str) -> String {
    format!("{a}/{b}")
}

fn second_parts<T>(rows: Vec<(String, T)>) -> Vec<String> {
    rows.into_iter()
        .filter_map(|(k, _)| k.split_once('/').map(|(_, b)| b.to_string()))
        .collect()
}

impl<T: KvRead> Kv<T> {
    fn scan_all(&self, config: Table, state: Table) -> Result<Vec<Row>> {
        let mut out = Vec::new();
        for (id, c) in self.0.scan(config, "")? {
            let s = self.0.get(state, &id)?.unwrap_or_default();
            out.push((id, c, s));
        }
        Ok(out)
    }
}

impl<T: KvRead> Reader for Kv<T> {
    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .0
            .get(Table::Meta, key)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    fn name_owner(&self, name: &str) -> Result<Option<(Kind, String)>> {
        Ok(self.0.get(Table::Names, name)?.and_then(|v| {
            let v = String::from_utf8_lossy(&v).into_owned();
            match v.split_once(':') {
                Some(("c", id)) => Some((Kind::Container, id.to_string())),
                Some(("p", id)) => Some((Kind::Pod, id.to_string())),
                _ => None,
            }
        }))
    }

    fn id_kind(&self, id: &str) -> Result<Option<Kind>> {
        if self.0.get(Table::CtrConfig, id)?.is_some() {
            Ok(Some(Kind::Container))
        } else if self.0.get(Table::PodConfig, id)?.is_some() {
            Ok(Some(Kind::Pod))
        } else {
            Ok(None)
        }
    }

    fn ids_with_prefix(&self, kind: Kind, prefix: &str) -> Result<Vec<String>> {
        let t = match kind {
            Kind::Container => Table::CtrConfig,
            Kind::Pod => Table::PodConfig,
        };
        Ok(self
            .0
            .scan(t, prefix)?
            .into_iter()
            .map(|(k, _)| k)
            .collect())
    }

    fn container_config(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.0.get(Table::CtrConfig, id)
    }

    fn container_state(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.0.get(Table::CtrState, id)
    }

    fn all_containers(&self) -> Result<Vec<Row>> {
        self.scan_all(Table::CtrConfig, Table::CtrState)
    }

    fn dependents(&self, id: &str) -> Result<Vec<String>> {
        Ok(second_parts(self.0.scan(Table::Deps, &join(id, ""))?))
    }

    fn pod_config(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.0.get(Table::PodConfig, id)
    }

    fn pod_state(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.0.get(Table::PodState, id)
    }

    fn all_pods(&self) -> Result<Vec<Row>> {
        self.scan_all(Table::PodConfig, Table::PodState)
    }

    fn pod_members(&self, pod: &str) -> Result<Vec<String>> {
        Ok(second_parts(
            self.0.scan(Table::PodMembers, &join(pod, ""))?,
        ))
    }

    fn exec_session(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.0.get(Table::Exec, id)
    }

    fn exec_sessions_of(&self, container: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        for id in second_parts(self.0.scan(Table::ExecByCtr, &join(container, ""))?) {
            if let Some(b) = self.0.get(Table::Exec, &id)? {
                out.push((id, b));
            }
        }
        Ok(out)
    }

    fn all_exec_sessions(&self) -> Result<Vec<(String, Vec<u8>)>> {
        self.0.scan(Table::Exec, "")
    }

    fn exit_code(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.0.get(Table::ExitCodes, id)
    }

    fn all_exit_codes(&self) -> Result<Vec<(String, Vec<u8>)>> {
        self.0.scan(Table::ExitCodes, "")
    }

    fn volume_config(&self, name: &str) -> Result<Option<Vec<u8>>> {
        self.0.get(Table::VolConfig, name)
    }

    fn volume_state(&self, name: &str) -> Result<Option<Vec<u8>>> {
        self.0.get(Table::VolState, name)
    }

    fn all_volumes(&self) -> Result<Vec<Row>> {
        self.scan_all(Table::VolConfig, Table::VolState)
    }

    fn volume_users(&self, name: &str) -> Result<Vec<String>> {
        Ok(second_parts(self.0.scan(Table::VolUsers, &join(name, ""))?))
    }
}

impl<T: KvWrite> Writer for Kv<T> {
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.0.put(Table::Meta, key, value.as_bytes())
    }

    fn insert_container(&mut self, c: &NewContainer<'_>) -> Result<()> {
        self.0.put(Table::CtrConfig, c.id, c.config)?;
        self.0.put(Table::CtrState, c.id, c.state)?;
        self.0
            .put(Table::Names, c.name, format!("c:{}", c.id).as_bytes())?;
        for d in c.dependencies {
            self.0.put(Table::Deps, &join(d, c.id), b"")?;
        }
        if let Some(p) = c.pod {
            self.0.put(Table::PodMembers, &join(p, c.id), b"")?;
        }
        for v in c.volumes {
            self.0.put(Table::VolUsers, &join(v, c.id), b"")?;
        }
        Ok(())
    }

    fn set_container_state(&mut self, id: &str, state: &[u8]) -> Result<()> {
        self.0.put(Table::CtrState, id, state)
    }

    fn set_container_config(&mut self, id: &str, config: &[u8]) -> Result<()> {
        self.0.put(Table::CtrConfig, id, config)
    }

    fn rename_container(&mut self, id: &str, old: &str, new: &str, config: &[u8]) -> Result<()> {
        self.0.del(Table::Names, old)?;
        self.0
            .put(Table::Names, new, format!("c:{id}").as_bytes())?;
        self.0.put(Table::CtrConfig, id, config)
    }

    fn delete_container(
        &mut self,
        id: &str,
        name: &str,
        pod: Option<&str>,
        dependencies: &[String],
        volumes: &[String],
    ) -> Result<()> {
        self.0.del(Table::CtrConfig, id)?;
        self.0.del(Table::CtrState, id)?;
        self.0.del(Table::Names, name)?;
        for d in dependencies {
            self.0.del(Table::Deps, &join(d, id))?;
        }
        if let Some(p) = pod {
            self.0.del(Table::PodMembers, &join(p, id))?;
        }
        for v in volumes {
            self.0.del(Table::VolUsers, &join(v, id))?;
        }
        Ok(())
    }

    fn insert_pod(&mut self, id: &str, name: &str, config: &[u8], state: &[u8]) -> Result<()> {
        self.0.put(Table::PodConfig, id, config)?;
        self.0.put(Table::PodState, id, state)?;
        self.0.put(Table::Names, name, format!("p:{id}").as_bytes())
    }

    fn set_pod_state(&mut self, id: &str, state: &[u8]) -> Result<()> {
        self.0.put(Table::PodState, id, state)
    }

    fn delete_pod(&mut self, id: &str, name: &str) -> Result<()> {
        self.0.del(Table::PodConfig, id)?;
        self.0.del(Table::PodState, id)?;
        self.0.del(Table::Names, name)
    }

    fn put_exec_session(&mut self, id: &str, container: &str, session: &[u8]) -> Result<()> {
        self.0.put(Table::Exec, id, session)?;
        self.0.put(Table::ExecByCtr, &join(container, id), b"")
    }

    fn delete_exec_session(&mut self, id: &str, container: &str) -> Result<()> {
        self.0.del(Table::Exec, id)?;
        self.0.del(Table::ExecByCtr, &join(container, id))
    }

    fn put_exit_code(&mut self, id: &str, record: &[u8]) -> Result<()> {
        self.0.put(Table::ExitCodes, id, record)
    }

    fn delete_exit_code(&mut self, id: &str) -> Result<()> {
        self.0.del(Table::ExitCodes, id)
    }

    fn insert_volume(&mut self, name: &str, config: &[u8], state: &[u8]) -> Result<()> {
        self.0.put(Table::VolConfig, name, config)?;
        self.0.put(Table::VolState, name, state)
    }

    fn set_volume_state(&mut self, name: &str, state: &[u8]) -> Result<()> {
        self.0.put(Table::VolState, name, state)
    }

    fn delete_volume(&mut self, name: &str) -> Result<()> {
        self.0.del(Table::VolConfig, name)?;
        self.0.del(Table::VolState, name)
    }
}
