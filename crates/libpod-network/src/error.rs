//! Errors of the network layer (ground floor).

use std::path::PathBuf;

use libpod_config::NetworkBackend;

/// Everything that can go wrong with namespaces and CNI networks.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// A file or directory could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A network config file is malformed (reported; the file is skipped when listing).
    #[error("network config {file}: {message}")]
    BadConfig {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// No such network.
    #[error("unable to find network with name or ID {0}: network not found")]
    NoSuchNetwork(String),
    /// A host port to publish is taken.
    #[error(
        "cannot publish {port}: address already in use (by {holder}); choose another host port"
    )]
    PortInUse {
        /// `ip:port/protocol`.
        port: String,
        /// Who holds it.
        holder: String,
    },
    /// A network with this name exists.
    #[error("network name {0} already used; choose another or remove it first")]
    NetworkExists(String),
    /// The network still has containers.
    #[error("network {name} is being used by container(s) {}; remove them first", containers.join(", "))]
    NetworkInUse {
        /// The network.
        name: String,
        /// Containers attached to it.
        containers: Vec<String>,
    },
    /// A value given for a network is not valid.
    #[error("{what}: {message}")]
    Invalid {
        /// The thing.
        what: String,
        /// What is wrong.
        message: String,
    },
    /// A CNI plugin binary is missing.
    #[error("CNI plugin {plugin} not found in {}; install containernetworking-plugins (`cargo xtask setup`)", dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "))]
    PluginNotFound {
        /// The plugin type.
        plugin: String,
        /// Dirs searched.
        dirs: Vec<PathBuf>,
    },
    /// A CNI plugin failed; its own message.
    #[error("plugin {plugin} ({command}) on network {network} failed with code {code}: {message}")]
    Plugin {
        /// The plugin type.
        plugin: String,
        /// ADD, CHECK or DEL.
        command: String,
        /// The network.
        network: String,
        /// The plugin's error code (or exit status).
        code: i64,
        /// The plugin's message and details (or its stderr).
        message: String,
    },
    /// A network defined for the other backend.
    #[error("network {name} ({}) is a {defined} network but this runtime uses {running}; run with --network-backend {defined} (or `network_backend = \"{defined}\"` in containers.conf), or remove it and create it again", file.display())]
    WrongBackend {
        /// The network.
        name: String,
        /// Its file.
        file: PathBuf,
        /// The backend the file is for.
        defined: NetworkBackend,
        /// The backend in use.
        running: NetworkBackend,
    },
    /// netavark failed; its own message.
    #[error("netavark ({command}) on network {network} failed: {message}")]
    Netavark {
        /// setup or teardown.
        command: &'static str,
        /// The network.
        network: String,
        /// netavark's message (or its stderr).
        message: String,
    },
    /// A helper program is missing.
    #[error("{program} not found in {}; install it (`cargo xtask setup`) or set helper_binaries_dir", dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "))]
    HelperNotFound {
        /// netavark or aardvark-dns.
        program: &'static str,
        /// Dirs searched.
        dirs: Vec<PathBuf>,
    },
    /// The default network cannot be removed.
    #[error("default network {0} cannot be removed")]
    DefaultNetwork(String),
    /// A static address that cannot be given (outside every subnet, or held by another
    /// container); podman's words.
    #[error("{0}")]
    StaticAddress(String),
    /// No address is left in a network's subnets.
    #[error(
        "IPAM error: failed to find free IP in range: {0}; no address is left, remove containers from the network or give it a bigger subnet"
    )]
    NoFreeAddress(String),
    /// A namespace operation failed.
    #[error("{op} {path}: {source}")]
    Netns {
        /// What was done.
        op: &'static str,
        /// The namespace file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: nix::Error,
    },
}

/// This crate's result type.
pub type Result<T> = std::result::Result<T, NetworkError>;

/// Attaches a path to an I/O error.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> NetworkError {
    let path = path.into();
    move |source| NetworkError::Io { path, source }
}
