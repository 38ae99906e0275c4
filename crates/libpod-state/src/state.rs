//! The `State` trait: what every backend offers (ground floor above the data types).

use std::path::Path;

use crate::error::Result;
use crate::types::{
    ContainerConfig, ContainerState, DbPaths, ExecSession, ExitCodeRecord, PodConfig, PodState,
    Snapshot, Timestamp, VolumeConfig, VolumeState,
};

/// Everything the runtime knows about containers, pods and volumes.
///
/// Containers and pods share one ID/name namespace. Lookups take a full ID, a name, or a
/// unique ID prefix, in that order. Every method is one transaction.
pub trait State: Send + Sync {
    /// `memory`, `sqlite` or `redb`.
    fn backend(&self) -> &'static str;
    /// The database file, if the backend has one.
    fn path(&self) -> Option<&Path>;
    /// The paths the database was created with.
    fn paths(&self) -> &DbPaths;
    /// Closes the database; every later call fails with `Closed`.
    fn close(&self) -> Result<()>;
    /// Resets volatile state after a reboot: running and paused containers become exited,
    /// created ones configured; pids, netns and mount points are cleared; exec sessions dropped.
    fn refresh(&self) -> Result<()>;

    /// Adds a container (name and ID unused, pod and dependencies present).
    fn add_container(&self, config: &ContainerConfig, state: &ContainerState) -> Result<()>;
    /// Removes a container no other container depends on and with no exec sessions.
    fn remove_container(&self, id: &str) -> Result<()>;
    /// The container with this full ID.
    fn container(&self, id: &str) -> Result<ContainerConfig>;
    /// Whether a container has this full ID.
    fn container_exists(&self, id: &str) -> Result<bool>;
    /// Resolves a full ID, name or unique ID prefix to a container ID.
    fn lookup_container_id(&self, name_or_id: &str) -> Result<String>;
    /// Resolves and returns a container.
    fn lookup_container(&self, name_or_id: &str) -> Result<ContainerConfig>;
    /// The container's mutable state.
    fn container_state(&self, id: &str) -> Result<ContainerState>;
    /// Saves the container's mutable state.
    fn save_container_state(&self, id: &str, state: &ContainerState) -> Result<()>;
    /// Renames a container: the new name must be valid and unused by containers and pods.
    fn rename_container(&self, id: &str, new_name: &str) -> Result<()>;
    /// Replaces a container's resource limits (`podman update`); nothing else changes.
    fn update_container_resources(&self, id: &str, resources: &crate::Resources) -> Result<()>;
    /// Replaces a container's network mode and per-network settings (`network
    /// connect`/`disconnect`).
    fn update_container_network(
        &self,
        id: &str,
        network: &crate::NetworkMode,
        options: &std::collections::BTreeMap<String, crate::NetworkOptions>,
    ) -> Result<()>;
    /// IDs of the containers that depend on this one.
    fn container_dependents(&self, id: &str) -> Result<Vec<String>>;
    /// Every container.
    fn all_containers(&self) -> Result<Vec<ContainerConfig>>;
    /// Every container with its state, in one snapshot.
    fn all_containers_with_state(&self) -> Result<Vec<(ContainerConfig, ContainerState)>>;

    /// Adds a pod (name and ID unused).
    fn add_pod(&self, config: &PodConfig, state: &PodState) -> Result<()>;
    /// Removes an empty pod.
    fn remove_pod(&self, id: &str) -> Result<()>;
    /// Removes every container of a pod (none may be depended on from outside it); returns their IDs.
    fn remove_pod_containers(&self, id: &str) -> Result<Vec<String>>;
    /// The pod with this full ID.
    fn pod(&self, id: &str) -> Result<PodConfig>;
    /// Resolves a full ID, name or unique ID prefix to a pod ID.
    fn lookup_pod_id(&self, name_or_id: &str) -> Result<String>;
    /// Resolves and returns a pod.
    fn lookup_pod(&self, name_or_id: &str) -> Result<PodConfig>;
    /// The pod's mutable state.
    fn pod_state(&self, id: &str) -> Result<PodState>;
    /// Saves the pod's mutable state.
    fn save_pod_state(&self, id: &str, state: &PodState) -> Result<()>;
    /// IDs of the pod's containers.
    fn pod_containers(&self, id: &str) -> Result<Vec<String>>;
    /// Every pod.
    fn all_pods(&self) -> Result<Vec<PodConfig>>;

    /// Records a container's exit code (kept after the container is removed).
    fn add_exit_code(&self, id: &str, code: i32, at: Timestamp) -> Result<()>;
    /// A recorded exit code.
    fn exit_code(&self, id: &str) -> Result<Option<ExitCodeRecord>>;
    /// Drops exit codes recorded before `before`; returns how many.
    fn prune_exit_codes(&self, before: Timestamp) -> Result<usize>;

    /// Adds an exec session to an existing container.
    fn add_exec_session(&self, session: &ExecSession) -> Result<()>;
    /// An exec session by ID.
    fn exec_session(&self, id: &str) -> Result<ExecSession>;
    /// Saves an existing exec session.
    fn save_exec_session(&self, session: &ExecSession) -> Result<()>;
    /// Removes an exec session.
    fn remove_exec_session(&self, id: &str) -> Result<()>;
    /// A container's exec sessions.
    fn container_exec_sessions(&self, id: &str) -> Result<Vec<ExecSession>>;

    /// Adds a volume (its name unused among volumes).
    fn add_volume(&self, config: &VolumeConfig, state: &VolumeState) -> Result<()>;
    /// Removes a volume no container mounts.
    fn remove_volume(&self, name: &str) -> Result<()>;
    /// The volume with this exact name.
    fn volume(&self, name: &str) -> Result<VolumeConfig>;
    /// The volume with this name, else the only one whose name starts with it.
    fn lookup_volume(&self, name_or_prefix: &str) -> Result<VolumeConfig>;
    /// The volume's mutable state.
    fn volume_state(&self, name: &str) -> Result<VolumeState>;
    /// Saves the volume's mutable state.
    fn save_volume_state(&self, name: &str, state: &VolumeState) -> Result<()>;
    /// IDs of the containers that mount the volume.
    fn volume_users(&self, name: &str) -> Result<Vec<String>>;
    /// Every volume with its state, by name.
    fn all_volumes(&self) -> Result<Vec<(VolumeConfig, VolumeState)>>;

    /// Everything, in one consistent snapshot.
    fn export(&self) -> Result<Snapshot>;
    /// Loads a snapshot into this empty database, in one transaction.
    fn import(&self, snapshot: &Snapshot) -> Result<()>;
}

/// Copies everything from one state to another (empty) one: the basis of backend migration.
pub fn copy_state(from: &dyn State, to: &dyn State) -> Result<()> {
    to.import(&from.export()?)
}
