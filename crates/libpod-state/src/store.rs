//! What a backend provides: transactions over containers, pods, names, exec sessions, exit
//! codes and volumes, as encoded bytes. The rules (uniqueness, dependencies, pods) live once, in `db.rs`;
//! backends only store and index.

use std::path::Path;

use crate::error::Result;

/// Containers and pods share one ID/name namespace; this says which one an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Container,
    Pod,
}

/// An object's ID with its encoded config and encoded state.
pub(crate) type Row = (String, Vec<u8>, Vec<u8>);

/// A container row to insert.
pub(crate) struct NewContainer<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub pod: Option<&'a str>,
    pub dependencies: &'a [String],
    /// Named volumes it mounts (each once).
    pub volumes: &'a [String],
    pub config: &'a [u8],
    pub state: &'a [u8],
}

/// Reads inside one transaction.
pub(crate) trait Reader {
    fn meta(&self, key: &str) -> Result<Option<String>>;
    fn name_owner(&self, name: &str) -> Result<Option<(Kind, String)>>;
    fn id_kind(&self, id: &str) -> Result<Option<Kind>>;
    /// IDs of `kind` starting with `prefix` (a lowercase hex string).
    fn ids_with_prefix(&self, kind: Kind, prefix: &str) -> Result<Vec<String>>;
    fn container_config(&self, id: &str) -> Result<Option<Vec<u8>>>;
    fn container_state(&self, id: &str) -> Result<Option<Vec<u8>>>;
    /// (id, config, state) of every container.
    fn all_containers(&self) -> Result<Vec<Row>>;
    fn dependents(&self, id: &str) -> Result<Vec<String>>;
    fn pod_config(&self, id: &str) -> Result<Option<Vec<u8>>>;
    fn pod_state(&self, id: &str) -> Result<Option<Vec<u8>>>;
    /// (id, config, state) of every pod.
    fn all_pods(&self) -> Result<Vec<Row>>;
    fn pod_members(&self, pod: &str) -> Result<Vec<String>>;
    fn exec_session(&self, id: &str) -> Result<Option<Vec<u8>>>;
    fn exec_sessions_of(&self, container: &str) -> Result<Vec<(String, Vec<u8>)>>;
    fn all_exec_sessions(&self) -> Result<Vec<(String, Vec<u8>)>>;
    fn exit_code(&self, id: &str) -> Result<Option<Vec<u8>>>;
    fn all_exit_codes(&self) -> Result<Vec<(String, Vec<u8>)>>;
    fn volume_config(&self, name: &str) -> Result<Option<Vec<u8>>>;
    fn volume_state(&self, name: &str) -> Result<Option<Vec<u8>>>;
    /// (name, config, state) of every volume, by name.
    fn all_volumes(&self) -> Result<Vec<Row>>;
    /// IDs of the containers that mount the volume, sorted.
    fn volume_users(&self, name: &str) -> Result<Vec<String>>;
}

/// Writes inside one transaction; nothing is visible to others until it commits.
pub(crate) trait Writer: Reader {
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;
    fn insert_container(&mut self, c: &NewContainer<'_>) -> Result<()>;
    fn set_container_state(&mut self, id: &str, state: &[u8]) -> Result<()>;
    /// Replaces container `id`'s stored config; its name, pod, dependencies and volumes are
    /// unchanged (the caller checks), so no index moves.
    fn set_container_config(&mut self, id: &str, config: &[u8]) -> Result<()>;
    /// Gives container `id` the name `new` (its config, already renamed, is `config`).
    fn rename_container(&mut self, id: &str, old: &str, new: &str, config: &[u8]) -> Result<()>;
    fn delete_container(
        &mut self,
        id: &str,
        name: &str,
        pod: Option<&str>,
        dependencies: &[String],
        volumes: &[String],
    ) -> Result<()>;
    fn insert_pod(&mut self, id: &str, name: &str, config: &[u8], state: &[u8]) -> Result<()>;
    fn set_pod_state(&mut self, id: &str, state: &[u8]) -> Result<()>;
    fn delete_pod(&mut self, id: &str, name: &str) -> Result<()>;
    fn put_exec_session(&mut self, id: &str, container: &str, session: &[u8]) -> Result<()>;
    fn delete_exec_session(&mut self, id: &str, container: &str) -> Result<()>;
    fn put_exit_code(&mut self, id: &str, record: &[u8]) -> Result<()>;
    fn delete_exit_code(&mut self, id: &str) -> Result<()>;
    fn insert_volume(&mut self, name: &str, config: &[u8], state: &[u8]) -> Result<()>;
    fn set_volume_state(&mut self, name: &str, state: &[u8]) -> Result<()>;
    fn delete_volume(&mut self, name: &str) -> Result<()>;
}

/// A storage engine: read and write transactions, and closing.
pub(crate) trait Backend: Send + Sync {
    /// `memory`, `sqlite` or `redb`.
    fn name(&self) -> &'static str;
    /// The database file, if any.
    fn path(&self) -> Option<&Path>;
    /// Runs `f` in a read transaction (a consistent snapshot).
    fn read<T>(&self, f: impl FnOnce(&dyn Reader) -> Result<T>) -> Result<T>;
    /// Runs `f` in a write transaction; commits if it returns `Ok`, rolls back otherwise.
    fn write<T>(&self, f: impl FnOnce(&mut dyn Writer) -> Result<T>) -> Result<T>;
    /// Releases the database.
    fn close(&self) -> Result<()>;
}
