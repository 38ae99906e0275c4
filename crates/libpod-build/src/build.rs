//! A build: which stages it needs, in order; the steps themselves run in [`crate::step`].

use std::collections::BTreeMap;
use std::io::Write;

use libpod::Runtime;

use crate::containerfile::{Containerfile, Instruction, Stage};
use crate::error::{BuildError, Result, io};
use crate::ignore::Ignore;
use crate::options::{BuildOptions, BuildReport, Progress};
use crate::step::StageRun;

/// Reads the Containerfile the options name.
fn containerfile(opts: &BuildOptions) -> Result<Containerfile> {
    if let Some(text) = &opts.file_text {
        return Containerfile::parse(text, "Containerfile");
    }
    let path = match &opts.file {
        Some(f) if f.is_absolute() || f.exists() => f.clone(),
        Some(f) => opts.context.join(f),
        None => ["Containerfile", "Dockerfile"]
            .iter()
            .map(|n| opts.context.join(n))
            .find(|p| p.exists())
            .ok_or_else(|| {
                BuildError::Invalid(format!(
                    "no Containerfile or Dockerfile specified or found in context directory, {}: give one with -f",
                    opts.context.display()
                ))
            })?,
    };
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let name = path.display().to_string();
    Containerfile::parse(&text, &name)
}

/// The stages the target needs, in order: it and those it copies from or builds on.
fn needed(cf: &Containerfile, target: usize) -> Vec<usize> {
    let mut need = vec![false; cf.stages.len()];
    need[target] = true;
    for i in (0..=target).rev() {
        if !need[i] {
            continue;
        }
        let s = &cf.stages[i];
        let mut refs: Vec<&str> = vec![s.base.as_str()];
        for step in &s.steps {
            if let Instruction::Copy(c) = &step.instruction
                && let Some(f) = &c.from
            {
                refs.push(f);
            }
        }
        for r in refs {
            if let Some(dep) = cf.stage(r).filter(|d| d.index < i) {
                need[dep.index] = true;
            }
        }
    }
    (0..=target).filter(|&i| need[i]).collect()
}

/// Builds an image (see [`BuildOptions`]), writing progress and `RUN` output to `out`.
pub fn build(rt: &Runtime, opts: &BuildOptions, out: &mut dyn Write) -> Result<BuildReport> {
    if let Some(p) = &opts.platform {
        let here = format!("linux/{}", libpod::storage::host_arch());
        if p != &here {
            return Err(BuildError::Invalid(format!(
                "platform {p} cannot be built on this {here} host: only {here} is"
            )));
        }
    }
    let cf = containerfile(opts)?;
    let ignore = Ignore::load(&opts.context)?;
    let target = match &opts.target {
        Some(t) => {
            cf.stage(t)
                .ok_or_else(|| {
                    BuildError::Invalid(format!("the target {t:?} is not a stage of {}", cf.file))
                })?
                .index
        }
        None => cf.stages.len() - 1,
    };
    let stages = needed(&cf, target);
    let total: usize = stages.iter().map(|&i| 1 + cf.stages[i].steps.len()).sum();
    let mut progress = Progress {
        out,
        quiet: opts.quiet,
    };
    let mut built: BTreeMap<usize, String> = BTreeMap::new();
    let mut report = BuildReport::default();
    let mut n = 0;
    let mut base = None;
    for &i in &stages {
        let stage: &Stage = &cf.stages[i];
        let mut run = StageRun::start(
            rt,
            opts,
            &cf,
            stage,
            &built,
            &ignore,
            &mut progress,
            &mut n,
            total,
        )?;
        for trigger in run.take_onbuild() {
            let cf = Containerfile::parse(&format!("FROM scratch\n{trigger}\n"), "ONBUILD")?;
            if let Some(step) = cf.stages[0].steps.first() {
                progress.line(&format!("ONBUILD {}", step.text));
                run.step(step, &built, &mut progress)?;
            }
        }
        for step in &stage.steps {
            n += 1;
            progress.line(&format!("STEP {n}/{total}: {}", step.text));
            let cached = run.step(step, &built, &mut progress)?;
            report.steps += 1;
            report.cached += usize::from(cached);
        }
        if i == target {
            base = run.base.clone();
        }
        built.insert(i, run.finish()?);
    }
    let id = built
        .remove(&target)
        .ok_or_else(|| BuildError::Invalid("the target stage was not built".into()))?;
    let id = squash(rt, opts, &id, base.as_deref())?;
    let image = finish(rt, opts, &id, &mut progress)?;
    report.image_id = image.id;
    report.names = image.names;
    Ok(report)
}

/// `--squash` (the build's layers as one on the base's) and `--squash-all` (one layer).
fn squash(rt: &Runtime, opts: &BuildOptions, id: &str, base: Option<&str>) -> Result<String> {
    if !opts.squash && !opts.squash_all {
        return Ok(id.to_string());
    }
    let parent = if opts.squash_all { None } else { base };
    let step = libpod::ImageStep {
        parent: parent.map(str::to_string),
        settings: rt.image_settings(id)?,
        created_by: "/bin/sh -c #(nop) squashed".into(),
        format: opts.format,
        created: opts.timestamp.map(|t| t * 1_000_000_000),
        ..Default::default()
    };
    Ok(rt.squash_image(id, parent, &step)?.id)
}

/// Labels and names on the built image, and podman's closing lines.
fn finish(
    rt: &Runtime,
    opts: &BuildOptions,
    id: &str,
    progress: &mut Progress<'_>,
) -> Result<libpod::storage::Image> {
    let mut id = id.to_string();
    if !opts.labels.is_empty() || !opts.annotations.is_empty() {
        let mut settings = rt.image_settings(&id)?;
        let labels = settings
            .entry("Labels")
            .or_insert_with(|| serde_json::json!({}));
        if let Some(map) = labels.as_object_mut() {
            for (k, v) in &opts.labels {
                map.insert(k.clone(), serde_json::json!(v));
            }
        }
        let step = libpod::ImageStep {
            parent: Some(id.clone()),
            settings,
            created_by: format!(
                "/bin/sh -c #(nop) LABEL {}",
                opts.labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            format: opts.format,
            created: opts.timestamp.map(|t| t * 1_000_000_000),
            annotations: opts.annotations.clone(),
            ..Default::default()
        };
        id = rt.commit_step(None, &step)?.id;
    }
    match opts.tags.first() {
        Some(t) => progress.line(&format!("COMMIT {t}")),
        None => progress.line("COMMIT"),
    }
    for t in &opts.tags {
        rt.tag_image(&id, t)?;
    }
    let image = rt.image(&id)?;
    progress.line(&format!("--> {}", &image.id[..11.min(image.id.len())]));
    for n in &image.names {
        progress.line(&format!("Successfully tagged {n}"));
    }
    Ok(image)
}
