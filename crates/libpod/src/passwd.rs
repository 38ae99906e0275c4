//! The entries podman adds to a container's /etc/passwd and /etc/group: the user it runs as
//! when the image lacks it (`--passwd-entry` shapes the line, `--passwd=false` adds none) and
//! host users (`--hostuser`). Written inside the root filesystem through `libpod_fs::Root`,
//! never through a path that could lead out of it.

use std::path::Path;

use crate::error::{LibpodError, Result};

/// Whether `text` (an /etc/passwd or /etc/group) has an entry with id `id` (third field).
fn has_id(text: &str, id: &str) -> bool {
    text.lines().any(|l| l.split(':').nth(2) == Some(id))
}

/// Whether `text` has an entry named `name` (first field).
fn has_name(text: &str, name: &str) -> bool {
    text.lines().any(|l| l.split(':').next() == Some(name))
}

/// Reads `rel` in the root (missing: empty).
fn read(root: &libpod_fs::Root, rel: &str) -> Result<String> {
    match root.read_bounded(Path::new(rel), 4 << 20) {
        Ok(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
        Err(e) if e.is_not_found() => Ok(String::new()),
        Err(e) => Err(e.into()),
    }
}

/// Appends `line` to `rel`, whose current text is `text`.
fn append(
    root: &libpod_fs::Root,
    rel: &str,
    mut text: String,
    line: &str,
    owner: Option<(u32, u32)>,
) -> Result<()> {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(line);
    text.push('\n');
    root.mkdir_all(
        Path::new("etc"),
        nix::sys::stat::Mode::from_bits_truncate(0o755),
    )?;
    let mode = nix::sys::stat::Mode::from_bits_truncate(0o644);
    root.write_file(Path::new(rel), text.as_bytes(), mode)?;
    if let Some((uid, gid)) = owner {
        let f = root.open_file(Path::new(rel))?;
        nix::unistd::fchown(&f, Some(uid.into()), Some(gid.into())).map_err(|e| {
            LibpodError::Invalid(format!("chown {}: {e}", root.display(Path::new(rel))))
        })?;
    }
    Ok(())
}

/// The passwd line for uid `u`, group `g`: podman's, or `template` with `$USERNAME`, `$UID`,
/// `$GID`, `$NAME` and `$HOME` filled in.
fn passwd_line(u: &str, g: &str, template: Option<&str>) -> String {
    match template {
        Some(t) => t
            .replace("$USERNAME", u)
            .replace("$UID", u)
            .replace("$GID", g)
            .replace("$NAME", "container user")
            .replace("$HOME", "/"),
        None => format!("{u}:*:{u}:{g}:container user:/:/bin/sh"),
    }
}

/// The host's /etc/passwd line for a user, by name or uid.
pub(crate) fn host_passwd_line(user: &str) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines()
        .find(|l| {
            let f: Vec<&str> = l.split(':').collect();
            f.len() >= 7 && (f[0] == user || f[2] == user)
        })
        .map(str::to_string)
}

/// For a numeric `-u UID[:GID]` unknown to the image, adds the passwd (and group) entries
/// podman adds, so `id` and `whoami` work.
///
/// As podman: a numeric user the image lacks gets a passwd line (group 0 unless one is
/// given). Files written are given to `owner` (the host IDs of the container's root in a
/// user namespace), as podman makes them.
pub(crate) fn ensure_user_entries(
    rootfs: &Path,
    user: &str,
    template: Option<&str>,
    owner: Option<(u32, u32)>,
) -> Result<()> {
    let (u, g) = split_user(user);
    if numeric(u) {
        let root = libpod_fs::Root::open(rootfs)?;
        let passwd = read(&root, "etc/passwd")?;
        if !has_id(&passwd, u) {
            let line = passwd_line(u, g.filter(|g| numeric(g)).unwrap_or("0"), template);
            append(&root, "etc/passwd", passwd, &line, owner)?;
        }
    }
    Ok(())
}

fn numeric(s: &str) -> bool {
    s.parse::<u32>().is_ok()
}

fn split_user(user: &str) -> (&str, Option<&str>) {
    user.split_once(':')
        .map_or((user, None), |(u, g)| (u, Some(g)))
}

/// The /etc/group line podman adds for a numeric group the image lacks (the one given, else
/// the user's number), listing the user. Made after the process's groups are read from the
/// image, as podman does, so the line does not make it a supplementary group.
pub(crate) fn ensure_group_entry(
    rootfs: &Path,
    user: &str,
    owner: Option<(u32, u32)>,
) -> Result<()> {
    let (u, g) = split_user(user);
    let root = libpod_fs::Root::open(rootfs)?;
    if let Some(g) = g.or(Some(u).filter(|u| numeric(u))).filter(|g| numeric(g)) {
        let group = read(&root, "etc/group")?;
        if !has_id(&group, g) {
            append(&root, "etc/group", group, &format!("{g}:x:{g}:{u}"), owner)?;
        }
    }
    Ok(())
}

/// `--hostuser`: each host user's /etc/passwd line, unless the image has that name already.
pub(crate) fn add_host_users(
    rootfs: &Path,
    users: &[String],
    owner: Option<(u32, u32)>,
) -> Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    let root = libpod_fs::Root::open(rootfs)?;
    for u in users {
        let line = host_passwd_line(u).ok_or_else(|| {
            LibpodError::Invalid(format!(
                "--hostuser {u}: no such user in the host's /etc/passwd"
            ))
        })?;
        let f: Vec<&str> = line.split(':').collect();
        let (name, uid, gid, gecos) = (f[0], f[2], f[3], f[4]);
        let passwd = read(&root, "etc/passwd")?;
        if !has_name(&passwd, name) {
            // As podman writes it: home `/` and sh, whatever the host's say.
            let entry = format!("{name}:*:{uid}:{gid}:{gecos}:/:/bin/sh");
            append(&root, "etc/passwd", passwd, &entry, owner)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_added_once_with_templates() {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::create_dir(d.path().join("etc")).expect("etc");
        std::fs::write(d.path().join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh").expect("w");
        for _ in 0..2 {
            ensure_user_entries(d.path(), "4000:4000", None, None).expect("add");
            ensure_group_entry(d.path(), "4000:4000", None).expect("group");
        }
        let p = std::fs::read_to_string(d.path().join("etc/passwd")).expect("read");
        assert_eq!(
            p,
            "root:x:0:0:root:/root:/bin/sh\n4000:*:4000:4000:container user:/:/bin/sh\n"
        );
        let g = std::fs::read_to_string(d.path().join("etc/group")).expect("read");
        assert_eq!(g, "4000:x:4000:4000\n");
        ensure_user_entries(
            d.path(),
            "5000",
            Some("u$UID:x:$UID:$GID:$NAME:$HOME:/bin/false"),
            Some((100000, 100001)),
        )
        .expect("template");
        ensure_group_entry(d.path(), "5000", Some((100000, 100001))).expect("group");
        let p = std::fs::read_to_string(d.path().join("etc/passwd")).expect("read");
        assert!(
            p.ends_with("u5000:x:5000:0:container user:/:/bin/false\n"),
            "{p}"
        );
        // As podman: the user's number stands for its group, which lists it.
        let g = std::fs::read_to_string(d.path().join("etc/group")).expect("read");
        assert!(g.ends_with("5000:x:5000:5000\n"), "{g}");
        // A user namespace's root owns what was written for it.
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(d.path().join("etc/group")).expect("stat");
        assert_eq!((m.uid(), m.gid()), (100000, 100001));
        // A named user with a numeric group gets the group line only.
        ensure_user_entries(d.path(), "root:6000", None, None).expect("named");
        ensure_group_entry(d.path(), "root:6000", None).expect("named");
        let g = std::fs::read_to_string(d.path().join("etc/group")).expect("read");
        assert!(g.ends_with("6000:x:6000:root\n"), "{g}");
        add_host_users(d.path(), &["root".into()], None).expect("root is there already");
        assert!(add_host_users(d.path(), &["no-such-user-here".into()], None).is_err());
    }
}
