//! `COPY` and `ADD`: sources from the context (never outside it: every path is resolved
//! inside the context's root, `.containerignore` applied), from another stage or image
//! (`--from`), or here-documents; placed with `--chown`/`--chmod`; local archives unpacked
//! by `ADD`. The step's cache key is a digest of what is copied, not of when it changed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use libpod::fs::Root;
use libpod::{ContainerOptions, PlaceOptions};

use crate::containerfile::{Copy, CopySource, Step};
use crate::error::{BuildError, Result, io};
use crate::options::Progress;
use crate::step::StageRun;

/// Where a step's sources are read: a root, and a container to release afterwards.
struct SourceRoot {
    root: Root,
    holder: Option<libpod::Container>,
}

impl Drop for SourceRoot {
    fn drop(&mut self) {
        if let Some(c) = self.holder.take() {
            let _ = c.unmount();
            let _ = c.remove(true);
        }
    }
}

/// A hasher the packed sources are written to.
struct Digest(sha2::Sha256);

impl Write for Digest {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(&mut self.0, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether a path component has glob characters.
fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The context paths `pattern` names (globs expanded, in order), none excluded.
fn expand_glob(root: &Root, pattern: &str, ignore: &crate::Ignore) -> Result<Vec<PathBuf>> {
    let comps: Vec<&str> = pattern
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if comps.is_empty() {
        // The context itself (`COPY . /dest`).
        return Ok(vec![PathBuf::from(".")]);
    }
    let mut found: Vec<PathBuf> = vec![PathBuf::new()];
    for c in comps {
        let mut next = Vec::new();
        for base in &found {
            if !is_glob(c) {
                next.push(base.join(c));
                continue;
            }
            let Ok(dir) = root.open_dir(base) else {
                continue;
            };
            for name in libpod::fs::walk::names(&dir, base).map_err(libpod::LibpodError::from)? {
                let n = name.to_string_lossy();
                if crate::ignore::component_matches(c, &n) {
                    next.push(base.join(&*n));
                }
            }
        }
        found = next;
    }
    found.retain(|p| !p.as_os_str().is_empty() && !ignore.excludes(&p.to_string_lossy()));
    Ok(found)
}

impl StageRun<'_> {
    /// The root `COPY` reads from: the context, or `--from`'s stage or image mounted.
    fn source_root(
        &self,
        from: Option<&str>,
        built: &BTreeMap<usize, String>,
    ) -> Result<SourceRoot> {
        let Some(from) = from else {
            let root = Root::open(&self.opts.context).map_err(libpod::LibpodError::from)?;
            return Ok(SourceRoot { root, holder: None });
        };
        let from = self.expanded(from);
        let image = match self.cf.stage(&from) {
            Some(s) => built
                .get(&s.index)
                .cloned()
                .ok_or_else(|| BuildError::Invalid(format!("stage {from} is not built yet")))?,
            None => {
                self.rt
                    .image(&from)
                    .or_else(|_| self.rt.pull_image(&from, &libpod::PullRequest::default()))?
                    .id
            }
        };
        let c = self.rt.create_container(ContainerOptions {
            image,
            command: vec!["true".into()],
            network: libpod::state::NetworkMode::None,
            ..Default::default()
        })?;
        let opened = c.mount().and_then(|path| Ok(Root::open(&path)?));
        match opened {
            Ok(root) => Ok(SourceRoot {
                root,
                holder: Some(c),
            }),
            Err(e) => {
                let _ = c.unmount();
                let _ = c.remove(true);
                Err(e.into())
            }
        }
    }

    /// `COPY`/`ADD`.
    pub(crate) fn copy(
        &mut self,
        step: &Step,
        c: &Copy,
        built: &BTreeMap<usize, String>,
        progress: &mut Progress<'_>,
    ) -> Result<bool> {
        let src_root = self.source_root(c.from.as_deref(), built)?;
        let inline_dir = tempfile::tempdir().map_err(io("a temporary directory"))?;
        let inline_root = Root::open(inline_dir.path()).map_err(libpod::LibpodError::from)?;
        let no_ignore = crate::Ignore::default();
        let ignore = if c.from.is_some() {
            &no_ignore
        } else {
            self.ignore
        };
        // (root, relative path) of each source.
        let mut sources: Vec<(bool, PathBuf)> = Vec::new();
        for (i, s) in c.sources.iter().enumerate() {
            match s {
                CopySource::Path(p) => {
                    let p = self.expanded(p);
                    if p.starts_with("http://")
                        || p.starts_with("https://")
                        || p.starts_with("git@")
                    {
                        return Err(self.bad(
                            step,
                            format!("{p}: remote sources are not supported here yet"),
                        ));
                    }
                    let found = expand_glob(&src_root.root, &p, ignore)?;
                    let missing = |f: &PathBuf| -> Result<bool> {
                        let root = &src_root.root;
                        let st = root.stat(f).map_err(libpod::LibpodError::from)?;
                        Ok(f.as_os_str() != "." && st.is_none())
                    };
                    if found.is_empty() || (!is_glob(&p) && missing(&found[0])?) {
                        return Err(self.bad(step, format!("{p}: no such file or directory in the build context (or excluded by .containerignore)")));
                    }
                    sources.extend(found.into_iter().map(|f| (false, f)));
                }
                CopySource::Inline { text, expand } => {
                    let text = if *expand {
                        self.expanded(text)
                    } else {
                        text.clone()
                    };
                    let name = PathBuf::from(format!("heredoc-{i}"));
                    std::fs::write(inline_dir.path().join(&name), text)
                        .map_err(io(inline_dir.path()))?;
                    sources.push((true, name));
                }
            }
        }
        let dest = self.dest(step, c, sources.len())?;
        let chmod = c
            .chmod
            .as_deref()
            .map(|m| {
                u32::from_str_radix(m, 8)
                    .map_err(|_| self.bad(step, format!("--chmod={m}: an octal mode was expected")))
            })
            .transpose()?;
        let mut hasher = Digest(<sha2::Sha256 as sha2::Digest>::new());
        for (inline, rel) in &sources {
            let root = if *inline {
                &inline_root
            } else {
                &src_root.root
            };
            let opts = libpod::fs::PackOptions {
                name: Some(rel.clone()),
                follow_final: true,
                mode: chmod,
                mtime: Some(0),
                ..Default::default()
            };
            libpod::fs::pack(root, rel, &opts, &mut hasher).map_err(libpod::LibpodError::from)?;
        }
        let digest: String = sha2::Digest::finalize(hasher.0)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let kind = if sources.len() == 1
            && src_root
                .root
                .stat(&sources[0].1)
                .ok()
                .flatten()
                .is_some_and(|st| libpod::fs::Kind::of(&st) == libpod::fs::Kind::Dir)
        {
            "dir"
        } else {
            "file"
        };
        let word = if c.add { "ADD" } else { "COPY" };
        let mut created_by = format!("/bin/sh -c #(nop) {word} {kind}:{digest} in {dest} ");
        if let Some(o) = &c.chown {
            created_by.push_str(&format!("--chown={o} "));
        }
        if self.cached(&created_by, true, progress)? {
            return Ok(true);
        }
        self.place_all(
            step,
            c,
            &src_root.root,
            &inline_root,
            &sources,
            &dest,
            chmod,
            ignore,
            created_by,
            progress,
        )
    }

    /// `dest` made absolute (relative to the working directory); several sources need a
    /// directory (`/` at the end).
    fn dest(&self, step: &Step, c: &Copy, n: usize) -> Result<String> {
        let d = self.expanded(&c.dest);
        if n > 1 && !d.ends_with('/') {
            return Err(self.bad(
                step,
                "with more than one source, the destination must be a directory and end with a /",
            ));
        }
        if d.starts_with('/') {
            return Ok(d);
        }
        let wd = self
            .settings
            .get("WorkingDir")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("/");
        Ok(format!("{}/{d}", wd.trim_end_matches('/')))
    }

    /// Places every source in a new container of the step's image and commits it.
    #[allow(clippy::too_many_arguments)]
    fn place_all(
        &mut self,
        step: &Step,
        c: &Copy,
        src_root: &Root,
        inline_root: &Root,
        sources: &[(bool, PathBuf)],
        dest: &str,
        chmod: Option<u32>,
        ignore: &crate::Ignore,
        created_by: String,
        progress: &mut Progress<'_>,
    ) -> Result<bool> {
        let image = match &self.image {
            Some(id) => id.clone(),
            None => {
                self.rt
                    .commit_step(
                        None,
                        &self.image_step("/bin/sh -c #(nop) FROM scratch".into()),
                    )?
                    .id
            }
        };
        let ctr = self.rt.create_container(ContainerOptions {
            image,
            command: vec!["true".into()],
            network: libpod::state::NetworkMode::None,
            ..Default::default()
        })?;
        let placed = (|| -> Result<()> {
            let owner = match &c.chown {
                Some(o) => Some(self.owner(&ctr, step, o)?),
                None => None,
            };
            for (inline, rel) in sources {
                let root = if *inline { inline_root } else { src_root };
                let prefix = rel.clone();
                let ig = ignore.clone();
                let exclude = (!ig.is_empty()).then(|| {
                    libpod::fs::Exclude(Arc::new(move |p: &Path| {
                        ig.excludes(&prefix.join(p).to_string_lossy())
                    }))
                });
                let extract = c.add && !*inline && is_archive(root, rel);
                let opts = PlaceOptions {
                    owner,
                    mode: chmod,
                    exclude,
                    extract,
                };
                ctr.place(root, rel, dest, &opts)?;
            }
            Ok(())
        })();
        self.commit_and_remove(&ctr, placed, created_by, progress)
    }

    /// `--chown=USER[:GROUP]`: numbers as they are, names from the image's files.
    fn owner(&self, ctr: &libpod::Container, step: &Step, spec: &str) -> Result<(u32, u32)> {
        let spec = self.expanded(spec);
        let (u, g) = spec
            .split_once(':')
            .map_or((spec.as_str(), None), |(u, g)| (u, Some(g)));
        if let (Ok(uid), Some(Ok(gid))) = (u.parse::<u32>(), g.map(str::parse::<u32>)) {
            return Ok((uid, gid));
        }
        if let (Ok(uid), None) = (u.parse::<u32>(), g) {
            return Ok((uid, uid));
        }
        ctr.user_ids(&spec)
            .map_err(|e| self.bad(step, format!("--chown={spec}: {e}")))
    }
}

/// Whether `rel` is a tar archive (plain, gzip or zstd) `ADD` unpacks.
fn is_archive(root: &Root, rel: &Path) -> bool {
    use std::io::Read;
    let Ok(mut f) = root.open_file(rel) else {
        return false;
    };
    let mut head = [0u8; 262];
    let n = f.read(&mut head).unwrap_or(0);
    let h = &head[..n];
    h.starts_with(&[0x1f, 0x8b])
        || h.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || (n >= 262 && &h[257..262] == b"ustar")
}
