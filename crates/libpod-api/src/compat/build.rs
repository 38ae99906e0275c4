//! `POST /build`: Docker's classic builder endpoint (what `docker build` speaks with
//! `DOCKER_BUILDKIT=0`, and docker-compose 1.29's `build`). The body is the context as a tar
//! stream; the answer streams the build's output as `{"stream": ...}` lines and ends with
//! `{"aux": {"ID": ...}}` or `{"error": ...}`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::archive::feed;
use crate::body::{Query, Reply, stream};
use crate::ctx::Ctx;
use crate::error::{ApiError, Result};

/// The build's output as JSON lines on the response.
struct JsonLines(mpsc::Sender<Bytes>);

impl JsonLines {
    fn send(&self, v: &Value) -> std::io::Result<()> {
        let mut line = v.to_string().into_bytes();
        line.push(b'\n');
        self.0
            .blocking_send(Bytes::from(line))
            .map_err(|_| std::io::Error::other("the client went away"))
    }
}

impl Write for JsonLines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.send(&json!({"stream": String::from_utf8_lossy(buf)}))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A JSON object parameter (`buildargs`, `labels`): `{"K": "V"}`; a null value is `None`.
fn map_param(q: &Query, key: &str) -> Result<BTreeMap<String, Option<String>>> {
    match q.get(key).filter(|v| !v.is_empty()) {
        None => Ok(BTreeMap::new()),
        Some(v) => serde_json::from_str(v).map_err(|e| {
            ApiError::BadRequest(format!("{key}: a JSON object of strings was expected: {e}"))
        }),
    }
}

/// The builder's options from Docker's query parameters (the context comes later).
fn options(q: &Query) -> Result<libpod_build::BuildOptions> {
    if q.get("remote").is_some_and(|r| !r.is_empty()) {
        return Err(ApiError::BadRequest(
            "remote build contexts are not supported: send the context as the body".into(),
        ));
    }
    let pull = match q.get("pull") {
        None | Some("" | "0" | "false" | "False") => libpod::PullPolicy::Missing,
        Some("1" | "true" | "True") => libpod::PullPolicy::Always,
        Some(p) => p.parse()?,
    };
    let network = match q
        .get("networkmode")
        .filter(|n| !n.is_empty() && *n != "default")
    {
        Some(n) => Some(libpod::parse_network(&[n.to_string()])?.0),
        None => None,
    };
    Ok(libpod_build::BuildOptions {
        tags: q
            .all("t")
            .into_iter()
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        build_args: map_param(q, "buildargs")?,
        labels: map_param(q, "labels")?
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect(),
        target: q
            .get("target")
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        no_cache: q.flag("nocache"),
        pull,
        quiet: q.flag("q"),
        network,
        platform: q
            .get("platform")
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        ..Default::default()
    })
}

/// Reads the Containerfile `name` (default: Dockerfile, else Containerfile) inside the
/// context, through the path-safe resolver.
fn containerfile(ctx: &Path, name: Option<&str>) -> std::result::Result<String, String> {
    let root = libpod::fs::Root::open(ctx).map_err(|e| e.to_string())?;
    let names: Vec<&str> = match name {
        Some(n) => vec![n],
        None => vec!["Dockerfile", "Containerfile"],
    };
    for n in &names {
        if let Ok(bytes) = root.read_bounded(Path::new(n), 4 << 20) {
            return String::from_utf8(bytes).map_err(|_| format!("{n} is not UTF-8 text"));
        }
    }
    Err(format!(
        "{} not found in the build context",
        names.join(" or ")
    ))
}

/// `POST /build?t=&dockerfile=&buildargs=&labels=&target=&nocache=&pull=&q=&networkmode=`.
pub(crate) async fn build(ctx: &Arc<Ctx>, q: &Query, body: Incoming) -> Result<Reply> {
    let mut opts = options(q)?;
    let file = q
        .get("dockerfile")
        .filter(|f| !f.is_empty())
        .map(str::to_string);
    let quiet = opts.quiet;
    let reader = feed(body);
    let rt = ctx.rt.clone();
    let (reply, tx) = stream("application/json", ctx.tracker.busy());
    tokio::task::spawn_blocking(move || {
        let mut out = JsonLines(tx);
        let result = (|| -> std::result::Result<libpod_build::BuildReport, String> {
            let context = libpod_build::unpack_context(reader).map_err(|e| e.to_string())?;
            opts.file_text = Some(containerfile(context.path(), file.as_deref())?);
            opts.context = context.path().to_path_buf();
            libpod_build::build(&rt, &opts, &mut out).map_err(|e| e.to_string())
        })();
        // The client may have gone: nothing to tell then.
        let _ = match result {
            Ok(r) => {
                let id = format!("sha256:{}", r.image_id);
                // Quiet, Docker's daemon streams the ID alone; else its closing line.
                let last = if quiet {
                    format!("{id}\n")
                } else {
                    format!(
                        "Successfully built {}\n",
                        &r.image_id[..12.min(r.image_id.len())]
                    )
                };
                out.send(&json!({"aux": {"ID": id}}))
                    .and_then(|()| out.send(&json!({"stream": last})))
            }
            Err(e) => out.send(&json!({"errorDetail": {"message": e}, "error": e})),
        };
    });
    Ok(reply)
}
