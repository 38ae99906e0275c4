//! podman's `cp` rules as a pure function: where a copy lands and under which name.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::{FsError, Result};
use crate::root::{Kind, clean};

/// The source of a copy, as the rules need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The source's last name (empty for `/`).
    pub name: OsString,
    /// Whether it is a directory (after following a final symlink).
    pub is_dir: bool,
    /// Whether only its contents are copied (the path ends in `/.`, or it is `/`).
    pub contents_only: bool,
}

impl Source {
    /// Describes the source path `path` of kind `kind`.
    pub fn new(path: &str, kind: Kind) -> Source {
        let comps = clean(Path::new(path));
        let name = comps.last().cloned().unwrap_or_default();
        let is_dir = kind == Kind::Dir;
        let contents_only = is_dir && (path.ends_with("/.") || path == "." || name.is_empty());
        Source {
            name,
            is_dir,
            contents_only,
        }
    }
}

/// Where a copy is unpacked: into directory `dir`, the top entry named `name` (`None`:
/// the source directory's contents go straight into `dir`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The directory the archive is unpacked into.
    pub dir: PathBuf,
    /// The name of the copied file or directory there; `None` for contents only.
    pub name: Option<PathBuf>,
}

/// podman's rules: into an existing directory under the source's name (or its contents
/// for `SRC/.`); over an existing file (not with a directory); else as the new name `dest`,
/// unless `dest` ends in `/` (a directory that must exist). `dest_kind` is what `dest`
/// names after following symlinks, `None` when nothing is there.
pub fn plan_copy(src: &Source, dest: &str, dest_kind: Option<Kind>) -> Result<Plan> {
    let comps = clean(Path::new(dest));
    let parent_and_name = || -> Result<Plan> {
        let (last, dir) = comps.split_last().ok_or_else(|| FsError::NoName {
            path: PathBuf::from(dest),
        })?;
        Ok(Plan {
            dir: dir.iter().collect(),
            name: Some(PathBuf::from(last)),
        })
    };
    match dest_kind {
        Some(Kind::Dir) => Ok(Plan {
            dir: comps.iter().collect(),
            name: (!src.contents_only).then(|| PathBuf::from(&src.name)),
        }),
        Some(_) if src.is_dir => Err(FsError::Copy(format!(
            "cannot copy a directory to \"{dest}\": it is a file, not a directory"
        ))),
        Some(_) => parent_and_name(),
        None if dest.ends_with('/') => Err(FsError::Copy(format!(
            "\"{dest}\" could not be found: the destination directory does not exist"
        ))),
        None => parent_and_name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str) -> Source {
        Source::new(p, Kind::File)
    }
    fn dir(p: &str) -> Source {
        Source::new(p, Kind::Dir)
    }
    fn plan(d: &str, n: Option<&str>) -> Plan {
        Plan {
            dir: d.into(),
            name: n.map(PathBuf::from),
        }
    }

    #[test]
    fn into_an_existing_directory_under_the_source_name() {
        let p = plan_copy(&file("/a/f"), "/tmp", Some(Kind::Dir)).expect("plan");
        assert_eq!(p, plan("tmp", Some("f")));
        let p = plan_copy(&dir("/a/d"), "/tmp/", Some(Kind::Dir)).expect("plan");
        assert_eq!(p, plan("tmp", Some("d")));
    }

    #[test]
    fn contents_only_with_a_trailing_dot() {
        let p = plan_copy(&dir("/a/d/."), "/tmp", Some(Kind::Dir)).expect("plan");
        assert_eq!(p, plan("tmp", None));
        let p = plan_copy(&dir("/"), "/tmp", Some(Kind::Dir)).expect("plan");
        assert_eq!(p, plan("tmp", None));
    }

    #[test]
    fn a_new_name_or_an_existing_file() {
        let p = plan_copy(&file("f"), "/etc/new", None).expect("plan");
        assert_eq!(p, plan("etc", Some("new")));
        let p = plan_copy(&file("f"), "/etc/hosts", Some(Kind::File)).expect("plan");
        assert_eq!(p, plan("etc", Some("hosts")));
        let p = plan_copy(&dir("d/."), "/new", None).expect("plan");
        assert_eq!(p, plan("", Some("new")));
    }

    #[test]
    fn refusals() {
        assert!(plan_copy(&dir("d"), "/etc/hosts", Some(Kind::File)).is_err());
        assert!(plan_copy(&file("f"), "/nodir/", None).is_err());
        assert!(plan_copy(&file("f"), "/", None).is_err());
    }
}
