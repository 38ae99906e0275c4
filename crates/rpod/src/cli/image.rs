//! Image and registry commands and the flags they share.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `rmi` and `image rm`.
#[derive(Args, Debug, Clone)]
pub struct RmiArgs {
    /// Remove containers using them too.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Ignore images that do not exist.
    #[arg(short = 'i', long)]
    pub ignore: bool,
    /// Remove every image.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Images.
    pub images: Vec<String>,
}

/// `pull` and `image pull`.
#[derive(Args, Debug, Clone)]
pub struct PullArgs {
    /// Image: `[docker://]NAME[:TAG|@DIGEST]` (short names use the search registries),
    /// `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE` or
    /// `containers-storage:NAME` (already here).
    pub reference: String,
    /// Which platform to choose from a multi-platform image.
    #[command(flatten)]
    pub platform: PlatformFlags,
    /// Registry access.
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// Print only the image ID.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// policy.json the image must pass (default: /etc/containers/policy.json).
    #[arg(long)]
    pub signature_policy: Option<PathBuf>,
    /// Every tag of the repository (give it without a tag).
    #[arg(short = 'a', long)]
    pub all_tags: bool,
}

/// `push` and `image push`.
#[derive(Args, Debug, Clone)]
pub struct PushArgs {
    /// Image, by name or ID.
    pub image: String,
    /// Where to: `[docker://]HOST/REPO[:TAG]` (default: the image's name),
    /// `oci:DIR[:TAG]`, `oci-archive:FILE`, `docker-archive:FILE` or
    /// `containers-storage:NAME` (a new name here).
    pub destination: Option<String>,
    /// Registry access.
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// Write the pushed manifest's digest to this file.
    #[arg(long)]
    pub digestfile: Option<PathBuf>,
    /// Compress layers stored uncompressed (a new manifest digest); by default blobs go as
    /// stored, so digests are kept.
    #[arg(long, value_parser = ["gzip"])]
    pub compression_format: Option<String>,
    /// No progress output.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `images` and `image ls`.
#[derive(Args, Debug, Clone, Default)]
pub struct ImagesArgs {
    /// Only IDs.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// json, a Go template, or `table ...`.
    #[arg(long)]
    pub format: Option<String>,
    /// Show untagged images too.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Show each name's manifest digest.
    #[arg(long)]
    pub digests: bool,
    /// Do not truncate image IDs.
    #[arg(long)]
    pub no_trunc: bool,
    /// No table header.
    #[arg(short = 'n', long)]
    pub noheading: bool,
    /// reference=, dangling=, label=, before=, since=, id=, digest=; repeatable.
    #[arg(short = 'f', long)]
    pub filter: Vec<String>,
    /// Only this image (name or ID).
    pub image: Option<String>,
}

/// Which image of a multi-platform index to pull (pull, run, create).
#[derive(Args, Debug, Clone, Default)]
pub struct PlatformFlags {
    /// Platform, os/arch[/variant] (default: this machine's).
    #[arg(long)]
    pub platform: Option<String>,
    /// Architecture (amd64, arm64, ...) instead of this machine's.
    #[arg(long)]
    pub arch: Option<String>,
    /// Operating system instead of linux.
    #[arg(long)]
    pub os: Option<String>,
    /// Architecture variant (v7, v8, ...).
    #[arg(long)]
    pub variant: Option<String>,
}

/// How to reach registries: credentials and TLS (pull, push, run, create).
#[derive(Args, Debug, Clone, Default)]
pub struct RegistryFlags {
    /// auth.json with registry credentials (default: $REGISTRY_AUTH_FILE, else
    /// $XDG_RUNTIME_DIR/containers/auth.json, else /run/containers/UID/auth.json).
    #[arg(long)]
    pub authfile: Option<PathBuf>,
    /// Verify registries' TLS certificates (`--tls-verify=false`: unverified TLS, then plain
    /// HTTP, with any registry; default: as registries.conf says).
    #[arg(
        long,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_name = "BOOL"
    )]
    pub tls_verify: Option<bool>,
    /// Registry credentials (the password is asked for on a terminal when left out).
    #[arg(long, value_name = "USER[:PASSWORD]")]
    pub creds: Option<String>,
    /// Directory of certificates for the registry: `*.crt` CAs, `*.cert`/`*.key` client pairs
    /// (default: /etc/containers/certs.d/HOST:PORT, /etc/docker/certs.d/HOST:PORT).
    #[arg(long)]
    pub cert_dir: Option<PathBuf>,
    /// How many times to try again when the network fails a transfer (default 3).
    #[arg(long, value_name = "N")]
    pub retry: Option<u32>,
    /// Wait before each new try, e.g. 500ms or 2s (default: 1s, doubling).
    #[arg(long, value_name = "DURATION", value_parser = crate::parse::duration)]
    pub retry_delay: Option<std::time::Duration>,
}

/// `rpod image ...`.
#[derive(Subcommand, Debug)]
pub enum ImageCommand {
    /// Show details of images.
    #[command(after_help = "Example:\n  rpod image inspect busybox")]
    Inspect {
        /// json (default) or a Go template.
        #[arg(short = 'f', long)]
        format: Option<String>,
        /// Images.
        images: Vec<String>,
    },
    /// Remove images.
    #[command(after_help = "Example:\n  rpod image rm busybox")]
    Rm(RmiArgs),
    /// Add names to an image.
    #[command(after_help = "Example:\n  rpod image tag busybox mybox:1")]
    Tag {
        /// Image.
        image: String,
        /// New names.
        names: Vec<String>,
    },
    /// Remove names from an image.
    #[command(after_help = "Example:\n  rpod image untag mybox localhost/mybox:1")]
    Untag {
        /// Image.
        image: String,
        /// Names to remove (default: all).
        names: Vec<String>,
    },
    /// Remove unused images.
    #[command(after_help = "Example:\n  rpod image prune -a -f")]
    Prune {
        /// Every image no container uses, not only untagged ones.
        #[arg(short = 'a', long)]
        all: bool,
        /// Do not ask.
        #[arg(short = 'f', long)]
        force: bool,
        /// Only images this keeps: until=TIME|DURATION, label=KEY[=VALUE], ...; repeatable.
        #[arg(long)]
        filter: Vec<String>,
    },
    /// Exit 0 when it exists, 1 when it does not.
    #[command(after_help = "Example:\n  rpod image exists busybox")]
    Exists {
        /// Name or ID.
        name: String,
    },
    /// Show an image's history.
    #[command(after_help = "Example:\n  rpod image history --no-trunc busybox")]
    History(HistoryArgs),
    /// Build an image from a Containerfile.
    #[command(after_help = "Example:\n  rpod image build -t app .")]
    Build(Box<BuildArgs>),
    /// Show what an image's top layer changed.
    #[command(after_help = "Example:\n  rpod image diff app")]
    Diff {
        /// `json` for podman's JSON form.
        #[arg(long)]
        format: Option<String>,
        /// Image.
        image: String,
    },
    /// Show an image's layers as a tree.
    #[command(after_help = "Example:\n  rpod image tree app")]
    Tree {
        /// Image.
        image: String,
    },
    /// Sign an image (not built: refused).
    #[command(after_help = "Example:\n  rpod image sign --sign-by me@example.com app")]
    Sign {
        /// Any arguments podman's takes.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// List images.
    #[command(alias = "list", after_help = "Example:\n  rpod image ls --digests")]
    Ls(ImagesArgs),
    /// Pull an image from a registry (as `rpod pull`).
    #[command(after_help = "Example:\n  rpod image pull 127.0.0.1:5000/busybox:latest")]
    Pull(PullArgs),
    /// Push an image to a registry or archive (as `rpod push`).
    #[command(after_help = "Example:\n  rpod image push busybox 127.0.0.1:5000/busybox:1")]
    Push(PushArgs),
}

/// `commit` and `container commit`.
#[derive(Args, Debug, Clone)]
pub struct CommitArgs {
    /// Dockerfile instruction to apply (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD,
    /// STOPSIGNAL, USER, VOLUME, WORKDIR); repeatable.
    #[arg(short = 'c', long)]
    pub change: Vec<String>,
    /// The image's comment (docker format only).
    #[arg(short = 'm', long)]
    pub message: Option<String>,
    /// The image's author.
    #[arg(short = 'a', long)]
    pub author: Option<String>,
    /// Pause the container while committing.
    #[arg(short = 'p', long)]
    pub pause: bool,
    /// One layer with the whole filesystem.
    #[arg(long)]
    pub squash: bool,
    /// Image format: oci or docker.
    #[arg(short = 'f', long, default_value = "oci")]
    pub format: String,
    /// Declare the container's volumes and bind mounts as the image's volumes.
    #[arg(long)]
    pub include_volumes: bool,
    /// Write the image ID to this file.
    #[arg(long)]
    pub iidfile: Option<PathBuf>,
    /// Print only the image ID (no progress).
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Container.
    pub container: String,
    /// Name for the image.
    pub image: Option<String>,
}

/// `history` and `image history`.
#[derive(Args, Debug, Clone)]
pub struct HistoryArgs {
    /// json or a Go template.
    #[arg(long)]
    pub format: Option<String>,
    /// Sizes and dates for people.
    #[arg(short = 'H', long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub human: bool,
    /// Whole IDs and commands.
    #[arg(long)]
    pub no_trunc: bool,
    /// Only the IDs.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Image.
    pub image: String,
}

/// `build` and `image build`.
#[derive(Args, Debug, Clone)]
pub struct BuildArgs {
    /// Name for the image; repeatable.
    #[arg(short = 't', long = "tag")]
    pub tags: Vec<String>,
    /// The Containerfile (`-` for stdin; default: Containerfile or Dockerfile in the context).
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// NAME=VALUE for an ARG (NAME alone takes it from the environment); repeatable.
    #[arg(long = "build-arg")]
    pub build_args: Vec<String>,
    /// A file of NAME=VALUE lines for ARGs.
    #[arg(long = "build-arg-file")]
    pub build_arg_files: Vec<PathBuf>,
    /// KEY=VALUE label for the image; repeatable.
    #[arg(long = "label")]
    pub labels: Vec<String>,
    /// The stage to build (default: the last).
    #[arg(long)]
    pub target: Option<String>,
    /// Reuse each step's image from earlier builds.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub layers: bool,
    /// Make every step anew.
    #[arg(long)]
    pub no_cache: bool,
    /// When to pull base images: always, missing, never or newer (alone: always).
    #[arg(long, num_args = 0..=1, default_missing_value = "always")]
    pub pull: Option<String>,
    /// Image format: oci or docker.
    #[arg(long, default_value = "oci")]
    pub format: String,
    /// Print only the image ID.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Write the image ID to this file.
    #[arg(long)]
    pub iidfile: Option<PathBuf>,
    /// Network for RUN steps: default, none or host.
    #[arg(long)]
    pub network: Option<String>,
    /// Creation time of every step, seconds since the epoch.
    #[arg(long)]
    pub timestamp: Option<i64>,
    /// The platform (only this machine's).
    #[arg(long)]
    pub platform: Option<String>,
    /// KEY=VALUE annotation of the image's manifest; repeatable.
    #[arg(long = "annotation")]
    pub annotations: Vec<String>,
    /// A mount for every RUN step (`-v /host:/path[:ro]`, a named volume); repeatable.
    #[arg(short = 'v', long = "volume")]
    pub volumes: Vec<String>,
    /// A capability RUN steps get; repeatable.
    #[arg(long)]
    pub cap_add: Vec<String>,
    /// A capability RUN steps lose; repeatable.
    #[arg(long)]
    pub cap_drop: Vec<String>,
    /// A security option of RUN steps (as `run --security-opt`); repeatable.
    #[arg(long)]
    pub security_opt: Vec<String>,
    /// `id=ID,src=FILE`: a file `RUN --mount=type=secret,id=ID` reads; repeatable.
    #[arg(long = "secret")]
    pub secrets: Vec<String>,
    /// SSH agent forwarding (not built: refused).
    #[arg(long)]
    pub ssh: Vec<String>,
    /// The layers the build made as one layer on the base image's.
    #[arg(long)]
    pub squash: bool,
    /// The whole image as one layer.
    #[arg(long)]
    pub squash_all: bool,
    /// Remove intermediate containers (always done).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub rm: bool,
    /// Remove intermediate containers even after a failure (always done).
    #[arg(long)]
    pub force_rm: bool,
    /// The context directory.
    #[arg(default_value = ".")]
    pub context: PathBuf,
}

/// `load`.
#[derive(Args, Debug, Clone)]
pub struct LoadArgs {
    /// Archive (default: stdin, never a terminal).
    #[arg(short = 'i', long)]
    pub input: Option<PathBuf>,
    /// Only the names loaded.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// `save`.
#[derive(Args, Debug, Clone)]
pub struct SaveArgs {
    /// Output file (directory for oci-dir; default: stdout, never a terminal).
    #[arg(short = 'o', long)]
    pub output: Option<PathBuf>,
    /// docker-archive (default), oci-archive or oci-dir.
    #[arg(long, default_value = "docker-archive")]
    pub format: String,
    /// Save every image named into one docker-archive.
    #[arg(short = 'm', long)]
    pub multi_image_archive: bool,
    /// Suppress progress.
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// The image, then further images (with -m) or further names for it.
    #[arg(required = true)]
    pub images: Vec<String>,
}

/// `search`.
#[derive(Args, Debug, Clone)]
pub struct SearchArgs {
    /// At most this many results (0: all).
    #[arg(long, default_value_t = 0)]
    pub limit: usize,
    /// `is-official=BOOL`, `is-automated=BOOL` or `stars=N` (a catalog has neither: only
    /// `false` and 0 match).
    #[arg(short = 'f', long)]
    pub filter: Vec<String>,
    /// List each repository's tags.
    #[arg(long)]
    pub list_tags: bool,
    /// A Go template or json.
    #[arg(long)]
    pub format: Option<String>,
    /// Whole descriptions.
    #[arg(long)]
    pub no_trunc: bool,
    /// Registry access.
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// `REGISTRY/TEXT`, or `TEXT` to search every search registry.
    pub term: String,
}
