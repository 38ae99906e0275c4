//! What a build is asked to do and what it reports: plain data, the crate's ground floor
//! with the errors.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use libpod::{ImageFormat, PullPolicy};

/// How to build (`rpod build` flags).
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The context directory (`COPY` sources are read inside it).
    pub context: PathBuf,
    /// The Containerfile (default: `Containerfile`, else `Dockerfile`, in the context).
    pub file: Option<PathBuf>,
    /// The Containerfile's text (`-f -`), instead of a file.
    pub file_text: Option<String>,
    /// Names for the image (`-t`).
    pub tags: Vec<String>,
    /// `--build-arg NAME=VALUE` (`None`: named without a value; the ARG keeps its default).
    /// The caller resolves `--build-arg NAME` from its own environment, as podman's client does.
    pub build_args: BTreeMap<String, Option<String>>,
    /// `--label` added to the image.
    pub labels: BTreeMap<String, String>,
    /// `--target`: the stage to stop at (default: the last).
    pub target: Option<String>,
    /// `--layers`: look for each step's image from an earlier build (default on).
    pub layers: bool,
    /// `--no-cache`: make every step anew.
    pub no_cache: bool,
    /// `--pull`: when base images are pulled.
    pub pull: PullPolicy,
    /// `--format`.
    pub format: ImageFormat,
    /// `-q`: print nothing but the image ID.
    pub quiet: bool,
    /// `--network` for `RUN` steps (default: the runtime's default network).
    pub network: Option<libpod::state::NetworkMode>,
    /// `--timestamp`: the creation time of every step, seconds since the epoch.
    pub timestamp: Option<i64>,
    /// `--platform`: only this machine's is built; another is refused.
    pub platform: Option<String>,
    /// `--squash`: the layers the build made as one layer on the base image's.
    pub squash: bool,
    /// `--squash-all`: the whole image as one layer.
    pub squash_all: bool,
    /// `--volume`: mounts every `RUN` step gets.
    pub volumes: Vec<libpod::state::Mount>,
    /// `--cap-add` for `RUN` steps.
    pub cap_add: Vec<String>,
    /// `--cap-drop` for `RUN` steps.
    pub cap_drop: Vec<String>,
    /// `--security-opt` for `RUN` steps.
    pub security: libpod::config::SecurityOptions,
    /// `--secret id=ID,src=PATH`: files `RUN --mount=type=secret,id=ID` sees, by ID.
    pub secrets: BTreeMap<String, PathBuf>,
    /// `--annotation`: annotations of the image's manifest.
    pub annotations: BTreeMap<String, String>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            context: PathBuf::from("."),
            file: None,
            file_text: None,
            tags: Vec::new(),
            build_args: BTreeMap::new(),
            labels: BTreeMap::new(),
            target: None,
            layers: true,
            no_cache: false,
            pull: PullPolicy::Missing,
            format: ImageFormat::Oci,
            quiet: false,
            network: None,
            timestamp: None,
            platform: None,
            squash: false,
            squash_all: false,
            volumes: Vec::new(),
            cap_add: Vec::new(),
            cap_drop: Vec::new(),
            security: Default::default(),
            secrets: BTreeMap::new(),
            annotations: BTreeMap::new(),
        }
    }
}

/// What a build made.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildReport {
    /// The image's ID.
    pub image_id: String,
    /// The names it was given.
    pub names: Vec<String>,
    /// Steps run.
    pub steps: usize,
    /// Steps whose image came from the cache.
    pub cached: usize,
}

/// Where a build writes its progress (`STEP 1/4: ...`) and its `RUN` steps' output.
pub(crate) struct Progress<'a> {
    pub(crate) out: &'a mut dyn Write,
    pub(crate) quiet: bool,
}

impl Progress<'_> {
    /// A progress line (nothing with `-q`).
    pub(crate) fn line(&mut self, text: &str) {
        if !self.quiet {
            // The build goes on though its output cannot be written.
            let _ = writeln!(self.out, "{text}");
        }
    }
}
