//! `rpod volume ...`.

use clap::Subcommand;

/// `rpod volume ...`.
#[derive(Subcommand, Debug)]
pub enum VolumeCommand {
    /// Create a volume.
    #[command(
        after_help = "Example:\n  rpod volume create -o type=tmpfs -o device=tmpfs -o o=size=64m scratch"
    )]
    Create {
        /// Driver (only `local`).
        #[arg(short = 'd', long)]
        driver: Option<String>,
        /// Label KEY=VALUE; repeatable.
        #[arg(short = 'l', long)]
        label: Vec<String>,
        /// Driver option KEY=VALUE (type, device, o, uid, gid, copy, nocopy); repeatable.
        #[arg(short = 'o', long = "opt")]
        opt: Vec<String>,
        /// An existing volume of that name is not an error.
        #[arg(long)]
        ignore: bool,
        /// Name (random when absent).
        name: Option<String>,
    },
    /// List volumes.
    #[command(
        alias = "list",
        after_help = "Example:\n  rpod volume ls --filter dangling=true"
    )]
    Ls {
        /// Only names.
        #[arg(short = 'q', long)]
        quiet: bool,
        /// json, a Go template, or `table ...`.
        #[arg(long)]
        format: Option<String>,
        /// name=, label=, label!=, driver=, dangling=, anonymous=; repeatable.
        #[arg(short = 'f', long)]
        filter: Vec<String>,
    },
    /// Show details of volumes.
    #[command(after_help = "Example:\n  rpod volume inspect --format '{{.Mountpoint}}' data")]
    Inspect {
        /// Every volume.
        #[arg(short = 'a', long)]
        all: bool,
        /// json or a Go template.
        #[arg(short = 'f', long)]
        format: Option<String>,
        /// Volumes.
        names: Vec<String>,
    },
    /// Remove volumes.
    #[command(alias = "remove", after_help = "Example:\n  rpod volume rm -f data")]
    Rm {
        /// Remove the containers that use them first.
        #[arg(short = 'f', long)]
        force: bool,
        /// Every volume.
        #[arg(short = 'a', long)]
        all: bool,
        /// Volumes.
        names: Vec<String>,
    },
    /// Remove volumes no container uses.
    #[command(after_help = "Example:\n  rpod volume prune -f")]
    Prune {
        /// Do not ask.
        #[arg(short = 'f', long)]
        force: bool,
        /// label=, label!=, name=, driver=, anonymous=; repeatable.
        #[arg(long)]
        filter: Vec<String>,
    },
    /// Write a volume's contents as a tar archive.
    #[command(after_help = "Example:\n  rpod volume export -o data.tar data")]
    Export {
        /// File to write (default: stdout).
        #[arg(short = 'o', long)]
        output: Option<std::path::PathBuf>,
        /// Volume.
        name: String,
    },
    /// Unpack a tar archive into a volume.
    #[command(after_help = "Example:\n  rpod volume import data data.tar")]
    Import {
        /// Volume.
        name: String,
        /// Archive (`-` for stdin).
        source: String,
    },
    /// Mount a volume (a type=/device= one on the host) and print its path.
    #[command(after_help = "Example:\n  rpod volume mount data")]
    Mount {
        /// Volumes.
        names: Vec<String>,
    },
    /// Undo `volume mount`.
    #[command(alias = "umount", after_help = "Example:\n  rpod volume unmount data")]
    Unmount {
        /// Volumes.
        names: Vec<String>,
    },
    /// Exit 0 when the volume exists, 1 when it does not.
    #[command(after_help = "Example:\n  rpod volume exists data")]
    Exists {
        /// Name.
        name: String,
    },
}
