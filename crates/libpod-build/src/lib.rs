//! Building images from Containerfiles (Dockerfiles) with libpod-rs: `rpod build`.
//!
//! The syntax is read by `parse-dockerfile`; [`Containerfile`] turns it into stages of
//! steps, each naming its file and line. [`build`] runs each `RUN` in a real container of
//! the runtime, copies `COPY`/`ADD` sources from the context through the path-safe resolver
//! (a symlink in the context never leads out of it), and commits each step as an image, so
//! a later build with the same steps, parent and files reuses them (`--layers`).
//!
//! ```no_run
//! let rt = libpod::Runtime::builder().build()?;
//! let opts = libpod_build::BuildOptions {
//!     context: "./app".into(),
//!     tags: vec!["app:latest".into()],
//!     ..Default::default()
//! };
//! let report = libpod_build::build(&rt, &opts, &mut std::io::stdout())?;
//! println!("{}", report.image_id);
//! # Ok::<(), libpod_build::BuildError>(())
//! ```

mod build;
mod containerfile;
mod context;
mod copy;
mod error;
mod ignore;
mod mounts;
mod options;
mod step;
mod words;

pub use build::build;
pub use containerfile::{
    CommandForm, Containerfile, Copy, CopySource, Healthcheck, Instruction, Stage, Step,
};
pub use context::{ContextDir, unpack_context};
pub use error::{BuildError, Result};
pub use ignore::Ignore;
pub use options::{BuildOptions, BuildReport};
pub use words::{expand, pairs, split};
