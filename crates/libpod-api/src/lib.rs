//! The REST API of libpod-rs: the Docker Engine API (v1.41, with version negotiation) and
//! podman's libpod API, served over a Unix socket (or TCP when asked) by `rpod system
//! service`, so that docker, docker-compose, the Docker SDKs and `podman --remote` work
//! against libpod-rs unchanged.
//!
//! This crate is the only async one in the workspace: it runs a tokio runtime and hyper 1,
//! and calls the synchronous facade ([`libpod::Runtime`]) on tokio's blocking threads. It
//! owns HTTP, the APIs' JSON shapes and stream framing; every behaviour behind an endpoint is
//! the facade's.
//!
//! ```no_run
//! use libpod_api::{Endpoint, ServiceOptions};
//! let rt = libpod::Runtime::builder().build()?;
//! let endpoint: Endpoint = "unix:///run/libpod-rs/rpod.sock".parse()?;
//! // Serves until SIGTERM, or 5 s without a request or an open stream.
//! libpod_api::serve(rt, &endpoint, ServiceOptions::default())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod body;
mod compat;
mod ctx;
mod endpoint;
mod error;
mod podman;
mod router;
mod server;
mod tracker;

pub use compat::{create_options, parse_filters};
pub use endpoint::{Endpoint, default_endpoint};
pub use error::{ApiError, Result};
pub use server::{ServiceOptions, serve};

/// The Docker Engine API version served (what docker CLI 20.10 and docker-compose 1.29 speak).
pub const DOCKER_API_VERSION: &str = "1.41";
/// The oldest Docker API version a client may ask for.
pub const DOCKER_MIN_API_VERSION: &str = "1.24";
/// The libpod API version served (podman 4.3's).
pub const LIBPOD_API_VERSION: &str = "4.3.1";
