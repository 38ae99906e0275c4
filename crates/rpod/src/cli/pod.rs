//! `rpod pod ...`.

use clap::{Args, Subcommand};

/// `rpod pod ...`.
#[derive(Subcommand, Debug)]
pub enum PodCommand {
    /// Show the resource use of pods' containers.
    #[command(after_help = "Example:\n  rpod pod stats --no-stream web")]
    Stats(super::StatsArgs),
    /// Exit 0 when it exists, 1 when it does not.
    #[command(after_help = "Example:\n  rpod pod exists web")]
    Exists {
        /// Name or ID.
        name: String,
    },
    /// Create a pod.
    #[command(after_help = "Example:\n  rpod pod create --name web -p 127.0.0.1:8080:80")]
    Create {
        /// Name.
        #[arg(long)]
        name: Option<String>,
        /// Publish a port; repeatable.
        #[arg(short = 'p', long = "publish")]
        publish: Vec<String>,
        /// Network of the pod.
        #[arg(long)]
        network: Vec<String>,
        /// Another name the pod answers to on its networks; repeatable.
        #[arg(long = "network-alias")]
        network_alias: Vec<String>,
        /// Static addresses on the pod's only network.
        #[command(flatten)]
        addresses: super::AddressFlags,
        /// Hostname of its members.
        #[arg(long)]
        hostname: Option<String>,
        /// Label KEY=value; repeatable.
        #[arg(long = "label")]
        label: Vec<String>,
        /// Create the pod without an infra container.
        #[arg(long = "infra", default_value_t = true, action = clap::ArgAction::Set)]
        infra: bool,
        /// Namespaces the members share: some of cgroup, ipc, net, pid, uts (or none).
        #[arg(long, default_value = "ipc,net,uts")]
        share: String,
    },
    /// Start pods.
    #[command(after_help = "Example:\n  rpod pod start web")]
    Start(PodTargets),
    /// Stop pods.
    #[command(after_help = "Example:\n  rpod pod stop -t 5 web")]
    Stop {
        /// Seconds before SIGKILL.
        #[arg(short = 't', long = "time")]
        time: Option<u32>,
        /// Targets.
        #[command(flatten)]
        targets: PodTargets,
    },
    /// Signal pods.
    #[command(after_help = "Example:\n  rpod pod kill -s TERM web")]
    Kill {
        /// Signal.
        #[arg(short = 's', long, default_value = "KILL")]
        signal: String,
        /// Targets.
        #[command(flatten)]
        targets: PodTargets,
    },
    /// Pause pods.
    #[command(after_help = "Example:\n  rpod pod pause web")]
    Pause(PodTargets),
    /// Unpause pods.
    #[command(after_help = "Example:\n  rpod pod unpause web")]
    Unpause(PodTargets),
    /// Restart pods.
    #[command(after_help = "Example:\n  rpod pod restart web")]
    Restart(PodTargets),
    /// Remove pods and their containers.
    #[command(after_help = "Example:\n  rpod pod rm -f web")]
    Rm {
        /// Stop running containers first.
        #[arg(short = 'f', long)]
        force: bool,
        /// Ignore pods that do not exist.
        #[arg(short = 'i', long)]
        ignore: bool,
        /// Seconds running containers get to stop before SIGKILL (with -f).
        #[arg(short = 't', long = "time")]
        time: Option<u32>,
        /// Targets.
        #[command(flatten)]
        targets: PodTargets,
    },
    /// List pods.
    #[command(
        alias = "ls",
        alias = "list",
        after_help = "Example:\n  rpod pod ps --format '{{.Name}} {{.Status}}'"
    )]
    Ps {
        /// Only IDs.
        #[arg(short = 'q', long)]
        quiet: bool,
        /// Output format.
        #[arg(long)]
        format: Option<String>,
    },
    /// Show details of pods.
    #[command(after_help = "Example:\n  rpod pod inspect web")]
    Inspect {
        /// Output format.
        #[arg(short = 'f', long)]
        format: Option<String>,
        /// Targets.
        #[command(flatten)]
        targets: PodTargets,
    },
}

/// Pod names, `--all` or `--latest`.
#[derive(Args, Debug, Clone, Default)]
pub struct PodTargets {
    /// Every pod.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// The latest pod.
    #[arg(short = 'l', long)]
    pub latest: bool,
    /// Pods.
    pub names: Vec<String>,
}
