//! One stage's steps: its base, the settings each instruction changes, `RUN` in a real
//! container, and every step committed as an image (found again in the cache next time).

use std::collections::BTreeMap;
use std::io::Write;

use libpod::{Container, ContainerOptions, ImageStep, Runtime};
use serde_json::{Map, Value, json};

use crate::containerfile::{CommandForm, Containerfile, Healthcheck, Instruction, Stage, Step};
use crate::error::{BuildError, Result};
use crate::ignore::Ignore;
use crate::options::{BuildOptions, Progress};
use crate::words::{expand, pairs, split};

/// A stage being built: its image so far and what later steps see.
pub(crate) struct StageRun<'a> {
    pub(crate) rt: &'a Runtime,
    pub(crate) opts: &'a BuildOptions,
    pub(crate) cf: &'a Containerfile,
    pub(crate) ignore: &'a Ignore,
    /// The image of the last step (`None`: `FROM scratch` with nothing yet).
    pub(crate) image: Option<String>,
    /// The image's settings (the OCI config's `config`).
    pub(crate) settings: Map<String, Value>,
    /// `ARG`s declared in this stage, with their values.
    pub(crate) args: BTreeMap<String, String>,
    /// `SHELL`.
    pub(crate) shell: Vec<String>,
    /// What the first step's history comment names (the base as written).
    pub(crate) base_name: String,
    /// The stage's base image (`None`: scratch).
    pub(crate) base: Option<String>,
}

/// The value a build arg was given (`None`: not given, or given without a value).
fn given(opts: &BuildOptions, name: &str) -> Option<String> {
    opts.build_args.get(name).cloned().flatten()
}

impl<'a> StageRun<'a> {
    /// `FROM`: the base image (pulled as `--pull` says), an earlier stage's, or nothing.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start(
        rt: &'a Runtime,
        opts: &'a BuildOptions,
        cf: &'a Containerfile,
        stage: &Stage,
        built: &BTreeMap<usize, String>,
        ignore: &'a Ignore,
        progress: &mut Progress<'_>,
        n: &mut usize,
        total: usize,
    ) -> Result<StageRun<'a>> {
        *n += 1;
        progress.line(&format!("STEP {n}/{total}: {}", stage.from_text));
        let mut globals = BTreeMap::new();
        for a in &cf.global_args {
            for (k, v) in pairs(a, cf.escape, false) {
                let v = given(opts, &k).or(v).unwrap_or_default();
                globals.insert(k, v);
            }
        }
        let lookup = |k: &str| globals.get(k).cloned();
        let base = split(&expand(&stage.base, &lookup, cf.escape), cf.escape).join(" ");
        let image = if base.eq_ignore_ascii_case("scratch") {
            None
        } else if let Some(dep) = cf.stage(&base).filter(|d| d.index < stage.index) {
            Some(built.get(&dep.index).cloned().ok_or_else(|| {
                BuildError::Invalid(format!(
                    "stage {base} was not built before stage {}",
                    stage.index
                ))
            })?)
        } else {
            Some(base_image(rt, opts, &base)?.id)
        };
        let mut settings = match &image {
            Some(id) => rt.image_settings(id)?,
            None => Map::new(),
        };
        // As buildah: a stage without PATH gets the default one first.
        let env = settings.entry("Env").or_insert_with(|| json!([]));
        if let Some(list) = env.as_array_mut()
            && !list
                .iter()
                .any(|e| e.as_str().is_some_and(|e| e.starts_with("PATH=")))
        {
            list.insert(0, json!(libpod::oci::DEFAULT_PATH));
        }
        Ok(StageRun {
            rt,
            opts,
            cf,
            ignore,
            image: image.clone(),
            settings,
            args: BTreeMap::new(),
            shell: vec!["/bin/sh".into(), "-c".into()],
            base_name: base,
            base: image.clone(),
        })
    }

    /// The base image's `ONBUILD` triggers, taken off the settings (they run once, in the
    /// image built on it, and are not passed on).
    pub(crate) fn take_onbuild(&mut self) -> Vec<String> {
        self.settings
            .remove("OnBuild")
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }

    /// The image the stage ends with (its last step's).
    pub(crate) fn finish(self) -> Result<String> {
        match self.image {
            Some(id) => Ok(id),
            // `FROM scratch` and nothing else: an image of no layers.
            None => {
                let step = self.image_step("/bin/sh -c #(nop) FROM scratch".into());
                Ok(self.rt.commit_step(None, &step)?.id)
            }
        }
    }

    /// A variable's value for expansion: the image's `ENV`, then this stage's `ARG`s.
    fn var(&self, name: &str) -> Option<String> {
        let prefix = format!("{name}=");
        self.env()
            .iter()
            .rev()
            .find_map(|e| e.strip_prefix(&prefix).map(str::to_string))
            .or_else(|| self.args.get(name).cloned())
    }

    /// `text` with variables expanded.
    pub(crate) fn expanded(&self, text: &str) -> String {
        expand(text, &|k| self.var(k), self.cf.escape)
    }

    fn env(&self) -> Vec<String> {
        self.settings
            .get("Env")
            .and_then(|e| serde_json::from_value(e.clone()).ok())
            .unwrap_or_default()
    }

    /// Runs one step; whether its image came from the cache.
    pub(crate) fn step(
        &mut self,
        step: &Step,
        built: &BTreeMap<usize, String>,
        progress: &mut Progress<'_>,
    ) -> Result<bool> {
        match &step.instruction {
            Instruction::Run {
                command,
                network,
                mounts,
            } => self.run(step, command, network.as_deref(), mounts, progress),
            Instruction::Copy(c) => self.copy(step, c, built, progress),
            other => {
                let created_by = self.apply(step, other)?;
                self.commit_settings(created_by, progress)
            }
        }
    }

    /// An error about `step` naming the file and line.
    pub(crate) fn bad(&self, step: &Step, reason: impl Into<String>) -> BuildError {
        BuildError::Instruction {
            file: self.cf.file.clone(),
            line: step.line,
            instruction: step
                .text
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase(),
            reason: reason.into(),
        }
    }

    /// Applies a settings instruction; returns its history entry's `created_by`.
    fn apply(&mut self, step: &Step, ins: &Instruction) -> Result<String> {
        let esc = self.cf.escape;
        let nop = |text: &str| format!("/bin/sh -c #(nop) {text}");
        Ok(match ins {
            Instruction::Env(raw) => {
                let mut env = self.env();
                let mut shown = Vec::new();
                for (k, v) in pairs(&self.expanded(raw), esc, true) {
                    let v = v.ok_or_else(|| self.bad(step, format!("{k} has no value")))?;
                    env.retain(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k) != k);
                    shown.push(format!("{k}={v}"));
                    env.push(format!("{k}={v}"));
                }
                self.settings.insert("Env".into(), json!(env));
                nop(&format!("ENV {}", shown.join(" ")))
            }
            Instruction::Arg(raw) => {
                let mut names = Vec::new();
                for (k, v) in pairs(raw, esc, false) {
                    let v = given(self.opts, &k)
                        .or_else(|| v.map(|v| self.expanded(&v)))
                        .unwrap_or_default();
                    names.push(k.clone());
                    self.args.insert(k, v);
                }
                nop(&format!("ARG {}", names.join(" ")))
            }
            Instruction::Label(raw) => {
                let mut shown = Vec::new();
                let mut set = Vec::new();
                for (k, v) in pairs(&self.expanded(raw), esc, false) {
                    let v = v.ok_or_else(|| self.bad(step, format!("label {k} has no value")))?;
                    shown.push(format!("{k}={v}"));
                    set.push((k, v));
                }
                let labels = self.object("Labels");
                for (k, v) in set {
                    labels.insert(k, json!(v));
                }
                nop(&format!("LABEL {}", shown.join(" ")))
            }
            Instruction::Workdir(w) => {
                let w = self.expanded(w);
                let cur = self
                    .settings
                    .get("WorkingDir")
                    .and_then(Value::as_str)
                    .unwrap_or("/");
                let dir = if w.starts_with('/') {
                    w.clone()
                } else {
                    format!("{}/{w}", cur.trim_end_matches('/'))
                };
                self.settings.insert("WorkingDir".into(), json!(dir));
                nop(&format!("WORKDIR {w}"))
            }
            Instruction::User(u) => {
                let u = self.expanded(u);
                self.settings.insert("User".into(), json!(u));
                nop(&format!("USER {u}"))
            }
            Instruction::Cmd(c) => {
                let argv = self.argv(c);
                self.settings.insert("Cmd".into(), json!(argv));
                nop(&format!("CMD {}", json!(argv)))
            }
            Instruction::Entrypoint(c) => {
                let argv = self.argv(c);
                self.settings.insert("Entrypoint".into(), json!(argv));
                nop(&format!("ENTRYPOINT {}", json!(argv)))
            }
            Instruction::Expose(ports) => {
                let mut shown = Vec::new();
                for p in ports.iter().map(|p| self.expanded(p)) {
                    let (num, proto) = p.split_once('/').unwrap_or((&p, "tcp"));
                    let proto = proto.to_ascii_lowercase();
                    if num.split('-').any(|n| n.parse::<u16>().is_err())
                        || !matches!(proto.as_str(), "tcp" | "udp" | "sctp")
                    {
                        return Err(
                            self.bad(step, format!("invalid port {p:?}: PORT[/tcp|udp|sctp]"))
                        );
                    }
                    shown.push(format!("{num}/{proto}"));
                }
                let map = self.object("ExposedPorts");
                for p in &shown {
                    map.insert(p.clone(), json!({}));
                }
                nop(&format!("EXPOSE {}", ports.join(" ")))
            }
            Instruction::Volume(vols) => {
                let vols: Vec<String> = vols.iter().map(|v| self.expanded(v)).collect();
                let map = self.object("Volumes");
                for v in &vols {
                    map.insert(v.clone(), json!({}));
                }
                nop(&format!("VOLUME {}", json!(vols)))
            }
            Instruction::StopSignal(s) => {
                let s = self.expanded(s);
                libpod::parse_signal(&s)
                    .map_err(|_| self.bad(step, format!("invalid signal {s:?}")))?;
                self.settings.insert("StopSignal".into(), json!(s));
                nop(&format!("STOPSIGNAL {s}"))
            }
            Instruction::Healthcheck(h) => {
                let value = self.healthcheck(step, h)?;
                self.settings.insert("Healthcheck".into(), value);
                nop(&step.text)
            }
            Instruction::Shell(sh) => {
                if sh.is_empty() {
                    return Err(self.bad(step, "SHELL needs a JSON array of at least one string"));
                }
                self.shell = sh.clone();
                self.settings.insert("Shell".into(), json!(sh));
                nop(&format!("SHELL {}", json!(sh)))
            }
            Instruction::Onbuild(trigger) => {
                let list = self.settings.entry("OnBuild").or_insert_with(|| json!([]));
                if let Some(l) = list.as_array_mut() {
                    l.push(json!(trigger));
                }
                nop(&format!("ONBUILD {trigger}"))
            }
            Instruction::Maintainer(m) => nop(&format!("MAINTAINER {}", self.expanded(m))),
            Instruction::Run { .. } | Instruction::Copy(_) => {
                return Err(self.bad(step, "not a settings instruction"));
            }
        })
    }

    /// A map in the settings, made when missing.
    fn object(&mut self, key: &str) -> &mut Map<String, Value> {
        let v = self.settings.entry(key).or_insert_with(|| json!({}));
        if !v.is_object() {
            *v = json!({});
        }
        match v {
            Value::Object(m) => m,
            // Made an object just above.
            _ => unreachable!("an object was just put here"),
        }
    }

    /// A command's argv: exec form as written, shell form through `SHELL`.
    pub(crate) fn argv(&self, c: &CommandForm) -> Vec<String> {
        match c {
            CommandForm::Exec(v) => v.clone(),
            CommandForm::Shell(s) => self.shell.iter().cloned().chain([s.clone()]).collect(),
        }
    }

    fn healthcheck(&self, step: &Step, h: &Healthcheck) -> Result<Value> {
        let Healthcheck::Check { command, options } = h else {
            return Ok(json!({"Test": ["NONE"]}));
        };
        let test: Vec<String> = match command {
            CommandForm::Exec(v) => std::iter::once("CMD".to_string())
                .chain(v.iter().cloned())
                .collect(),
            CommandForm::Shell(s) => vec!["CMD-SHELL".into(), s.clone()],
        };
        let mut v = json!({"Test": test});
        for (k, val) in options {
            let key = match k.as_str() {
                "interval" => "Interval",
                "timeout" => "Timeout",
                "start-period" => "StartPeriod",
                "start-interval" => "StartInterval",
                "retries" => {
                    let n: u32 = val
                        .parse()
                        .map_err(|_| self.bad(step, format!("--retries={val}: not a number")))?;
                    v["Retries"] = json!(n);
                    continue;
                }
                other => return Err(self.bad(step, format!("unknown flag --{other}"))),
            };
            let ns = libpod::parse_go_duration(val).ok_or_else(|| {
                self.bad(step, format!("--{k}={val}: not a duration (30s, 1m30s)"))
            })?;
            v[key] = json!(ns);
        }
        Ok(v)
    }

    /// The image step for what the stage has now.
    pub(crate) fn image_step(&self, created_by: String) -> ImageStep {
        let comment = match &self.image {
            Some(id) if self.base_name.is_empty() => {
                Some(format!("FROM {}", &id[..12.min(id.len())]))
            }
            Some(_) => Some(format!("FROM {}", self.base_name)),
            None => None,
        };
        ImageStep {
            parent: self.image.clone(),
            settings: self.settings.clone(),
            created_by,
            comment,
            format: self.opts.format,
            created: self.opts.timestamp.map(|t| t * 1_000_000_000),
            ..Default::default()
        }
    }

    /// Whether the cache may answer.
    fn use_cache(&self) -> bool {
        self.opts.layers && !self.opts.no_cache
    }

    /// Takes a cache hit as this step's image; whether there was one.
    pub(crate) fn cached(
        &mut self,
        created_by: &str,
        layer: bool,
        progress: &mut Progress<'_>,
    ) -> Result<bool> {
        if !self.use_cache() {
            return Ok(false);
        }
        match self
            .rt
            .cached_step(self.image.as_deref(), created_by, layer)?
        {
            Some(img) => {
                progress.line(&format!("--> Using cache {}", img.id));
                self.done(img.id, progress);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// This step's image is `id`.
    pub(crate) fn done(&mut self, id: String, progress: &mut Progress<'_>) {
        progress.line(&format!("--> {}", &id[..11.min(id.len())]));
        self.image = Some(id);
        self.base_name.clear();
    }

    /// A settings step: from the cache, or a new image with no new layer.
    fn commit_settings(&mut self, created_by: String, progress: &mut Progress<'_>) -> Result<bool> {
        if self.cached(&created_by, false, progress)? {
            return Ok(true);
        }
        let id = self.rt.commit_step(None, &self.image_step(created_by))?.id;
        self.done(id, progress);
        Ok(false)
    }

    /// `RUN`: the command in a container of the step's image, its output shown, its
    /// changes committed; a failure ends the build with the command's status.
    fn run(
        &mut self,
        step: &Step,
        command: &CommandForm,
        network: Option<&str>,
        mounts: &[String],
        progress: &mut Progress<'_>,
    ) -> Result<bool> {
        let argv = self.argv(command);
        let args: Vec<String> = self.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let created_by = if args.is_empty() {
            argv.join(" ")
        } else {
            format!("|{} {} {}", args.len(), args.join(" "), argv.join(" "))
        };
        if self.cached(&created_by, true, progress)? {
            return Ok(true);
        }
        let Some(image) = self.image.clone() else {
            return Err(self.bad(step, "a RUN step needs an image with a shell or a command to run (this stage is FROM scratch)"));
        };
        let mut env = self.env();
        for a in &args {
            let k = a.split_once('=').map_or(a.as_str(), |(k, _)| k);
            if !env.iter().any(|e| e.starts_with(&format!("{k}="))) {
                env.push(a.clone());
            }
        }
        let network_mode = match network {
            Some(n) => {
                libpod::parse_network(&[n.to_string()])
                    .map_err(|e| self.bad(step, format!("--network={n}: {e}")))?
                    .0
            }
            None => self.opts.network.clone().unwrap_or_default(),
        };
        let opts = ContainerOptions {
            image,
            command: argv,
            entrypoint: Some(Vec::new()),
            env,
            workdir: self
                .settings
                .get("WorkingDir")
                .and_then(Value::as_str)
                .map(str::to_string),
            user: self
                .settings
                .get("User")
                .and_then(Value::as_str)
                .filter(|u| !u.is_empty())
                .map(str::to_string),
            network: network_mode,
            mounts: {
                let mut m = self.opts.volumes.clone();
                m.extend(
                    crate::mounts::run_mounts(mounts, &|v| self.expanded(v), &self.opts.secrets)
                        .map_err(|reason| self.bad(step, reason))?,
                );
                m
            },
            cap_add: self.opts.cap_add.clone(),
            cap_drop: self.opts.cap_drop.clone(),
            security: self.opts.security.clone(),
            ..Default::default()
        };
        let c = self.rt.create_container(opts)?;
        let result = self.run_in(step, &c, progress);
        self.commit_and_remove(&c, result, created_by, progress)
    }

    /// Commits `c` as this step's image when `made` is fine, and removes `c` either way.
    pub(crate) fn commit_and_remove(
        &mut self,
        c: &Container,
        made: Result<()>,
        created_by: String,
        progress: &mut Progress<'_>,
    ) -> Result<bool> {
        let committed =
            made.and_then(|()| Ok(self.rt.commit_step(Some(c), &self.image_step(created_by))?));
        let removed = c.remove(true);
        let id = committed?.id;
        removed?;
        self.done(id, progress);
        Ok(false)
    }

    /// Starts `c` with its output going to the build's, and waits for its exit.
    fn run_in(&self, step: &Step, c: &Container, progress: &mut Progress<'_>) -> Result<()> {
        c.init()?;
        let conn = c.connect_attach()?;
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let reader = std::thread::spawn(move || {
            let mut out = ChannelWriter(tx.clone());
            let mut err = ChannelWriter(tx);
            conn.run(None, &mut out, &mut err)
        });
        let started = c.start();
        for chunk in rx {
            if !progress.quiet {
                let _ = progress.out.write_all(&chunk);
            }
        }
        let attached = reader
            .join()
            .map_err(|_| BuildError::Invalid("the output thread panicked".into()))?;
        started?;
        attached?;
        let _ = progress.out.flush();
        let code = c.wait()?;
        if code != 0 {
            return Err(BuildError::StepFailed {
                step: step.text.clone(),
                code,
            });
        }
        Ok(())
    }
}

/// A writer that sends what it is given down a channel (the step's output to the build's).
struct ChannelWriter(std::sync::mpsc::Sender<Vec<u8>>);

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .send(buf.to_vec())
            .map_err(|_| std::io::Error::other("the build stopped reading"))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The base image `name`, pulled as the policy says.
fn base_image(rt: &Runtime, opts: &BuildOptions, name: &str) -> Result<libpod::storage::Image> {
    let present = rt.image(name).ok();
    match opts.pull.decide(present.is_some()) {
        libpod::PullDecision::Pull { fall_back } => {
            let req = libpod::PullRequest::default();
            match rt.pull_image(name, &req) {
                Ok(img) => Ok(img),
                Err(e) => match present {
                    Some(img) if fall_back => Ok(img),
                    _ => Err(e.into()),
                },
            }
        }
        libpod::PullDecision::UseLocal => present.ok_or_else(|| {
            BuildError::Invalid(format!(
                "{name}: image not known, and --pull=never forbids pulling it"
            ))
        }),
    }
}
