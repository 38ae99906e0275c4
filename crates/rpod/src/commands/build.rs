//! `build`: flags into [`libpod_build::BuildOptions`], progress to stdout as podman prints
//! it, the image ID last.

use std::collections::BTreeMap;
use std::io::Read as _;

use anyhow::{Context, Result, bail};
use libpod::Runtime;

use crate::cli::BuildArgs;

/// `NAME=VALUE` into the map; `NAME` alone takes rpod's environment's value, if any.
fn arg_into(map: &mut BTreeMap<String, Option<String>>, spec: &str) {
    match spec.split_once('=') {
        Some((k, v)) => map.insert(k.to_string(), Some(v.to_string())),
        None => map.insert(spec.to_string(), std::env::var(spec).ok()),
    };
}

fn options(a: &BuildArgs) -> Result<libpod_build::BuildOptions> {
    let mut build_args = BTreeMap::new();
    for f in &a.build_arg_files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            arg_into(&mut build_args, line);
        }
    }
    for s in &a.build_args {
        arg_into(&mut build_args, s);
    }
    let mut labels = BTreeMap::new();
    for l in &a.labels {
        let (k, v) = l.split_once('=').unwrap_or((l, ""));
        labels.insert(k.to_string(), v.to_string());
    }
    let file_text = match &a.file {
        Some(f) if f.as_os_str() == "-" => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading the Containerfile from stdin")?;
            Some(s)
        }
        _ => None,
    };
    if !a.ssh.is_empty() {
        bail!(
            "--ssh is not supported: SSH agent forwarding into builds is not built; use --secret"
        );
    }
    let mut security: libpod::config::SecurityOptions = Default::default();
    for (i, s) in a.security_opt.iter().enumerate() {
        security.apply(s, i + 1).map_err(|e| anyhow::anyhow!(e))?;
    }
    let network = match &a.network {
        Some(n) => Some(libpod::parse_network(std::slice::from_ref(n))?.0),
        None => None,
    };
    Ok(libpod_build::BuildOptions {
        context: a.context.clone(),
        file: a.file.clone().filter(|f| f.as_os_str() != "-"),
        file_text,
        tags: a.tags.clone(),
        build_args,
        labels,
        target: a.target.clone(),
        layers: a.layers,
        no_cache: a.no_cache,
        pull: match &a.pull {
            Some(p) => p.parse()?,
            None => libpod::PullPolicy::Missing,
        },
        format: a.format.parse()?,
        quiet: a.quiet,
        network,
        timestamp: a.timestamp,
        platform: a.platform.clone(),
        squash: a.squash,
        squash_all: a.squash_all,
        volumes: a
            .volumes
            .iter()
            .map(|v| libpod::mount_spec::parse_volume_flag(v))
            .collect::<libpod::Result<_>>()?,
        cap_add: a.cap_add.clone(),
        cap_drop: a.cap_drop.clone(),
        security,
        secrets: secrets(&a.secrets)?,
        annotations: a
            .annotations
            .iter()
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_string(), v.to_string())
            })
            .collect(),
    })
}

/// `--secret id=ID,src=FILE` (also `type=file`, and `env=`-less forms only).
fn secrets(specs: &[String]) -> Result<BTreeMap<String, std::path::PathBuf>> {
    let mut out = BTreeMap::new();
    for spec in specs {
        let (mut id, mut src) = (None, None);
        for part in spec.split(',') {
            match part.split_once('=') {
                Some(("id", v)) => id = Some(v.to_string()),
                Some(("src" | "source", v)) => src = Some(std::path::PathBuf::from(v)),
                Some(("type", "file")) => {}
                _ => bail!("--secret {spec:?}: give id=ID,src=FILE"),
            }
        }
        let (Some(id), Some(src)) = (id, src) else {
            bail!("--secret {spec:?}: give id=ID,src=FILE");
        };
        let src = std::fs::canonicalize(&src)
            .with_context(|| format!("--secret {spec:?}: {}", src.display()))?;
        out.insert(id, src);
    }
    Ok(out)
}

/// `rpod build`.
pub(super) fn build(rt: &Runtime, a: &BuildArgs) -> Result<i32> {
    let mut opts = options(a)?;
    // `-`: the context is a tar stream on stdin (then the Containerfile is in it).
    let _context = if a.context.as_os_str() == "-" {
        if opts.file_text.is_some() {
            bail!("the context and the Containerfile cannot both come from stdin");
        }
        let ctx = libpod_build::unpack_context(std::io::stdin().lock())?;
        opts.context = ctx.path().to_path_buf();
        Some(ctx)
    } else {
        None
    };
    let mut out = std::io::stdout().lock();
    let report = match libpod_build::build(rt, &opts, &mut out) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: {e}");
            return Ok(e.exit_code());
        }
    };
    if let Some(f) = &a.iidfile {
        std::fs::write(f, format!("sha256:{}", report.image_id))
            .with_context(|| format!("writing {}", f.display()))?;
    }
    println!("{}", report.image_id);
    Ok(0)
}
