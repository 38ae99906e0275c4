//! Resolving a user spec (`name`, `uid`, `name:group`, `uid:gid`) against the container's own
//! /etc/passwd and /etc/group, read inside the root filesystem (never following a symlink out).

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{OciError, Result};

/// A resolved user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUser {
    /// uid.
    pub uid: u32,
    /// Primary gid.
    pub gid: u32,
    /// Supplementary groups (those listing the user by name).
    pub additional_gids: Vec<u32>,
    /// Home directory (`/` when unknown).
    pub home: String,
    /// User name, when known.
    pub name: Option<String>,
}

/// Reads `rel` (like `etc/passwd`) inside `rootfs`; a missing file, or one that is not a
/// regular file (a FIFO would block), reads as empty. Bounded: an image could ship a huge one.
fn read_in_root(rootfs: &Path, rel: &str) -> String {
    libpod_fs::Root::open(rootfs)
        .and_then(|r| r.read_bounded(Path::new(rel), 4 << 20))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

struct Entry<'a> {
    name: &'a str,
    id: u32,
    gid: u32,
    home: &'a str,
    members: Vec<&'a str>,
}

fn passwd(text: &str) -> Vec<Entry<'_>> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 7).then_some(())?;
            Some(Entry {
                name: f[0],
                id: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f[5],
                members: vec![],
            })
        })
        .collect()
}

fn group(text: &str) -> Vec<Entry<'_>> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 4).then_some(())?;
            let id = f[2].parse().ok()?;
            Some(Entry {
                name: f[0],
                id,
                gid: id,
                home: "",
                members: f[3].split(',').filter(|m| !m.is_empty()).collect(),
            })
        })
        .collect()
}

/// Resolves `spec` (empty means root) inside `rootfs`.
pub fn resolve_user(rootfs: &Path, spec: &str) -> Result<ResolvedUser> {
    let (u, g) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let pw_text = read_in_root(rootfs, "etc/passwd");
    let gr_text = read_in_root(rootfs, "etc/group");
    let pw = passwd(&pw_text);
    let gr = group(&gr_text);
    let no = |reason: &str| OciError::NoSuchUser {
        user: spec.to_string(),
        reason: reason.to_string(),
    };
    let (uid, mut gid, home, name) = if u.is_empty() {
        (0, 0, "/root".to_string(), Some("root".to_string()))
    } else if let Ok(n) = u.parse::<u32>() {
        match pw.iter().find(|e| e.id == n) {
            Some(e) => (n, e.gid, e.home.to_string(), Some(e.name.to_string())),
            None => (n, 0, "/".to_string(), None),
        }
    } else {
        let e = pw
            .iter()
            .find(|e| e.name == u)
            .ok_or_else(|| no("no matching entries in passwd file"))?;
        (e.id, e.gid, e.home.to_string(), Some(e.name.to_string()))
    };
    if let Some(g) = g {
        gid = match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => gr
                .iter()
                .find(|e| e.name == g)
                .map(|e| e.id)
                .ok_or_else(|| no("no matching entries in group file"))?,
        };
    }
    let mut additional_gids: Vec<u32> = match &name {
        Some(n) if g.is_none() => gr
            .iter()
            .filter(|e| e.members.contains(&n.as_str()) && e.id != gid)
            .map(|e| e.id)
            .collect(),
        _ => Vec::new(),
    };
    // As podman: a user named explicitly keeps its primary group among its groups too.
    if !u.is_empty() {
        additional_gids.insert(0, gid);
    }
    let home = if home.is_empty() {
        "/".to_string()
    } else {
        home
    };
    Ok(ResolvedUser {
        uid,
        gid,
        additional_gids,
        home,
        name,
    })
}

/// Supplementary groups (`--group-add`) as gids: numbers as they are, names looked up in the
/// container's /etc/group; `keep-groups` (the caller's groups, for rootless runs) adds none.
pub fn resolve_groups(rootfs: &Path, names: &[String]) -> Result<Vec<u32>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let text = read_in_root(rootfs, "etc/group");
    let gr = group(&text);
    let mut out = Vec::new();
    for n in names.iter().filter(|n| *n != "keep-groups") {
        let gid = match n.parse::<u32>() {
            Ok(g) => g,
            Err(_) => gr
                .iter()
                .find(|e| e.name == n)
                .map(|e| e.id)
                .ok_or_else(|| OciError::NoSuchUser {
                    user: n.clone(),
                    reason: "no matching entries in group file (--group-add)".into(),
                })?,
        };
        out.push(gid);
    }
    Ok(out)
}

/// The user and group names of the container's own /etc/passwd and /etc/group, by id (read
/// inside `rootfs`, as `resolve_user` does).
pub fn id_names(rootfs: &Path) -> (BTreeMap<u32, String>, BTreeMap<u32, String>) {
    let names = |text: &str, f: fn(&str) -> Vec<Entry<'_>>| -> BTreeMap<u32, String> {
        let mut m = BTreeMap::new();
        for e in f(text) {
            // The first entry for an id names it, as getpwuid does.
            m.entry(e.id).or_insert_with(|| e.name.to_string());
        }
        m
    };
    (
        names(&read_in_root(rootfs, "etc/passwd"), passwd),
        names(&read_in_root(rootfs, "etc/group"), group),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::create_dir(d.path().join("etc")).expect("etc");
        std::fs::write(
            d.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\ntester:x:1000:1000::/home/tester:/bin/sh\n",
        )
        .expect("passwd");
        std::fs::write(
            d.path().join("etc/group"),
            "root:x:0:\ntester:x:1000:\nwheel:x:10:tester,other\nweb:x:33:\n",
        )
        .expect("group");
        d
    }

    #[test]
    fn names_ids_and_groups() {
        let d = root();
        let r = resolve_user(d.path(), "tester").expect("tester");
        assert_eq!(
            (r.uid, r.gid, r.additional_gids.as_slice(), r.home.as_str()),
            (1000, 1000, &[1000, 10][..], "/home/tester")
        );
        assert_eq!(resolve_user(d.path(), "").expect("root").uid, 0);
        let r = resolve_user(d.path(), "4242").expect("numeric");
        assert_eq!((r.uid, r.gid, r.home.as_str()), (4242, 0, "/"));
        let r = resolve_user(d.path(), "tester:web").expect("name:group");
        assert_eq!((r.uid, r.gid), (1000, 33));
        assert_eq!(
            r.additional_gids,
            [33],
            "an explicit group replaces the supplementary ones"
        );
        assert_eq!(resolve_user(d.path(), "1000:5").expect("uid:gid").gid, 5);
        let e = resolve_user(d.path(), "nobody").expect_err("unknown");
        assert!(
            e.to_string().contains("no matching entries in passwd file"),
            "{e}"
        );
        assert!(resolve_user(d.path(), "tester:nogroup").is_err());
    }

    #[test]
    fn a_passwd_symlink_out_of_the_root_is_not_followed() {
        let d = root();
        let outside = tempfile::NamedTempFile::new().expect("tmp");
        std::fs::write(outside.path(), "evil:x:0:0::/:/bin/sh\n").expect("write");
        std::fs::remove_file(d.path().join("etc/passwd")).expect("rm");
        std::os::unix::fs::symlink(outside.path(), d.path().join("etc/passwd")).expect("symlink");
        assert!(
            resolve_user(d.path(), "evil").is_err(),
            "the host file must not be read"
        );
    }
}
