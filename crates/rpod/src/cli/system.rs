//! `rpod network ...`, `rpod system ...` and `rpod container ...` subcommands.

use clap::{Args, Subcommand};

/// `--ip`, `--ip6` and `--mac-address` (run, create, pod create, network connect).
#[derive(Args, Debug, Clone, Default)]
pub struct AddressFlags {
    /// Static IPv4 address on the (only) network.
    #[arg(long)]
    pub ip: Option<String>,
    /// Static IPv6 address on the (only) network.
    #[arg(long)]
    pub ip6: Option<String>,
    /// Static MAC address on the (only) network.
    #[arg(long)]
    pub mac_address: Option<String>,
}

impl AddressFlags {
    /// The settings they give on one network, with `aliases` (parsed by the library).
    pub fn options(&self, aliases: &[String]) -> libpod::Result<libpod::state::NetworkOptions> {
        let ips: Vec<String> = self.ip.iter().chain(&self.ip6).cloned().collect();
        libpod::connect_options(&ips, self.mac_address.as_deref(), aliases)
    }
}

/// `rpod network ...`.
#[derive(Subcommand, Debug)]
pub enum NetworkCommand {
    /// Create a bridge network.
    #[command(after_help = "Example:\n  rpod network create --subnet 10.240.1.0/24 mynet")]
    Create {
        /// Driver: bridge (default), macvlan, or ipvlan (CNI only).
        #[arg(short = 'd', long, default_value = "bridge")]
        driver: String,
        /// A driver option, KEY=VALUE (mtu, vlan, isolate; parent, mode); repeatable.
        #[arg(short = 'o', long = "opt")]
        opts: Vec<String>,
        /// Subnet, IPv4 or IPv6 (chosen when absent); repeatable for dual stack.
        #[arg(long = "subnet")]
        subnets: Vec<String>,
        /// Gateway of the subnet in the same position; repeatable.
        #[arg(long = "gateway")]
        gateways: Vec<String>,
        /// Range (CIDR) addresses are given from, of the subnet in the same position.
        #[arg(long = "ip-range")]
        ip_ranges: Vec<String>,
        /// Add a free IPv6 subnet when none is given.
        #[arg(long)]
        ipv6: bool,
        /// Bridge device name.
        #[arg(long = "interface-name")]
        interface: Option<String>,
        /// No route to the outside.
        #[arg(long)]
        internal: bool,
        /// No name resolution between its containers.
        #[arg(long)]
        disable_dns: bool,
        /// A label, KEY=VALUE (repeatable).
        #[arg(long = "label")]
        labels: Vec<String>,
        /// Name.
        name: String,
    },
    /// Remove every network no container uses (the default one stays).
    #[command(after_help = "Example:\n  rpod network prune -f")]
    Prune {
        /// Do not ask (rpod never asks; accepted for podman's command lines).
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Connect a container to a network (a running one at once).
    #[command(after_help = "Example:\n  rpod network connect mynet web")]
    Connect {
        /// Static addresses on that network.
        #[command(flatten)]
        addresses: AddressFlags,
        /// Another name on that network; repeatable.
        #[arg(long = "alias")]
        aliases: Vec<String>,
        /// The network.
        network: String,
        /// The container.
        container: String,
    },
    /// Disconnect a container from a network (a running one at once).
    #[command(after_help = "Example:\n  rpod network disconnect mynet web")]
    Disconnect {
        /// Accepted for podman's command lines (a disconnect never needs forcing here).
        #[arg(short = 'f', long)]
        force: bool,
        /// The network.
        network: String,
        /// The container.
        container: String,
    },
    /// List networks.
    /// Set containers' networks up again (firewall rules, names, ports), e.g. after the
    /// firewall was flushed.
    #[command(after_help = "Example:\n  rpod network reload --all")]
    Reload {
        /// Every running container with networks.
        #[arg(short = 'a', long)]
        all: bool,
        /// Containers, by name or ID.
        containers: Vec<String>,
    },
    /// Exit 0 when it exists, 1 when it does not.
    #[command(after_help = "Example:\n  rpod network exists mynet")]
    Exists {
        /// Name or ID.
        name: String,
    },
    #[command(alias = "list", after_help = "Example:\n  rpod network ls")]
    Ls {
        /// Only names.
        #[arg(short = 'q', long)]
        quiet: bool,
        /// Filter: name=, id=, driver=, label=, label!=, dangling=; repeatable.
        #[arg(short = 'f', long = "filter")]
        filters: Vec<String>,
        /// Output format.
        #[arg(long)]
        format: Option<String>,
    },
    /// Show details of networks.
    #[command(after_help = "Example:\n  rpod network inspect mynet")]
    Inspect {
        /// Output format.
        #[arg(short = 'f', long)]
        format: Option<String>,
        /// Networks.
        names: Vec<String>,
    },
    /// Remove networks.
    #[command(after_help = "Example:\n  rpod network rm mynet")]
    Rm {
        /// Remove the containers using them first.
        #[arg(short = 'f', long)]
        force: bool,
        /// Networks.
        names: Vec<String>,
    },
}

/// `rpod system ...`.
#[derive(Subcommand, Debug)]
pub enum SystemCommand {
    /// After a boot: refresh the state and start the containers whose restart policy says so
    /// (what a systemd unit runs at boot; any first rpod after a boot does the same).
    #[command(after_help = "Example:\n  rpod system boot")]
    Boot,
    /// Show events (as `rpod events`).
    Events(super::EventsArgs),
    /// Show disk use by images, containers and volumes.
    #[command(after_help = "Example:\n  rpod system df")]
    Df {
        /// json or a Go template (fields Type, Total, Active, Size, Reclaimable).
        #[arg(long)]
        format: Option<String>,
    },
    /// Remove every container, pod and image.
    #[command(after_help = "Example:\n  rpod system reset --force")]
    Reset {
        /// Do not ask.
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Remove stopped containers, pods without running containers, and unused images.
    #[command(after_help = "Example:\n  rpod system prune --force")]
    Prune {
        /// Every unused image, not only untagged ones.
        #[arg(short = 'a', long)]
        all: bool,
        /// Do not ask.
        #[arg(short = 'f', long)]
        force: bool,
        /// Unused volumes too.
        #[arg(long)]
        volumes: bool,
    },
    /// Serve the Docker-compatible and libpod REST API (docker, docker-compose, the Docker
    /// SDKs and `podman --remote` work against it).
    #[command(after_help = "Examples:\n  rpod system service --time 0\n  \
        DOCKER_HOST=unix:///run/libpod-rs/rpod.sock docker ps")]
    Service {
        /// Seconds without a request or an open stream before it ends (0: never).
        #[arg(short = 't', long, default_value_t = 5)]
        time: u64,
        /// Where to listen: unix:///PATH (default /run/libpod-rs/rpod.sock as root) or
        /// tcp:HOST:PORT.
        uri: Option<String>,
    },
    /// Copy the state into another backend (memory, sqlite, redb).
    #[command(after_help = "Example:\n  rpod system migrate --new-state-backend redb")]
    Migrate {
        /// The backend to copy into.
        #[arg(long = "new-state-backend")]
        new_state_backend: String,
    },
}

/// `rpod container ...`.
#[derive(Subcommand, Debug)]
pub enum ContainerCommand {
    /// Every container command (`rpod container run`, `rpod container ls`, ...).
    #[command(flatten)]
    Ctr(Box<super::ContainerCmd>),
    /// Exit 0 when the container exists, 1 when it does not.
    #[command(after_help = "Example:\n  rpod container exists web")]
    Exists {
        /// Container.
        container: String,
    },
    /// Clean up after a container exited (conmon's exit command).
    #[command(after_help = "Example:\n  rpod container cleanup web")]
    Cleanup {
        /// Container.
        container: String,
    },
    /// Run a container's healthcheck every interval while it runs (started with it).
    #[command(hide = true)]
    Healthmonitor {
        /// Container.
        container: String,
    },
    /// Run a detached exec session to its end (started by `exec -d`).
    #[command(hide = true)]
    Execsession {
        /// Exec session ID.
        session: String,
    },
}

/// `rpod healthcheck ...`.
#[derive(Subcommand, Debug)]
pub enum HealthcheckCommand {
    /// Run a container's healthcheck now: exit 0 when healthy, 1 when not.
    #[command(after_help = "Example:\n  rpod healthcheck run web")]
    Run {
        /// Container.
        container: String,
    },
}
