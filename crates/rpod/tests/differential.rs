//! rpod beside podman 4.3.1: the same commands on the same image give the same observable
//! result (exit status, files on the host, tar entries). podman runs with roots of its own.

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod common;

use common::podman::Podman;
use common::{R, ready};

/// How a tool is run: its arguments in, its output back.
type Runner = Box<dyn Fn(&[&str]) -> Output>;

/// One tool under comparison: how to run it, and a host directory of its own.
struct Tool {
    name: &'static str,
    run: Runner,
    host: tempfile::TempDir,
}

impl Tool {
    /// Runs `args` with `H` replaced by this tool's host directory; returns success.
    fn go(&self, args: &[&str]) -> bool {
        let h = self.host.path().display().to_string();
        let args: Vec<String> = args
            .iter()
            .map(|a| a.replace("H/", &format!("{h}/")))
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        (self.run)(&args).status.success()
    }
}

/// Every path under `dir` with what it is: file contents, link target, or a directory.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).expect("under").display().to_string();
            let m = fs::symlink_metadata(&p).expect("lstat");
            if m.is_symlink() {
                out.push(format!(
                    "{rel} -> {}",
                    fs::read_link(&p).expect("link").display()
                ));
            } else if m.is_dir() {
                out.push(format!("{rel}/"));
                todo.push(p);
            } else {
                out.push(format!(
                    "{rel}: {}",
                    fs::read_to_string(&p).unwrap_or_default()
                ));
            }
        }
    }
    out.sort();
    out
}

fn tar_names(bytes: &[u8]) -> Vec<String> {
    let mut a = tar::Archive::new(bytes);
    let mut v: Vec<String> = a
        .entries()
        .expect("tar")
        .map(|e| {
            e.expect("entry")
                .path()
                .expect("path")
                .display()
                .to_string()
        })
        .map(|p| p.trim_end_matches('/').to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn cp_matches_podman() {
    if !ready() {
        return;
    }
    let Some(pm) = Podman::new() else { return };
    let r = R::new();
    let tar = r.dir.path().join("busybox.tar");
    pm.import(&tar);
    let pm = std::rc::Rc::new(pm);
    let rp = std::rc::Rc::new(r);
    let (pm2, rp2) = (pm.clone(), rp.clone());
    let tools = [
        Tool {
            name: "podman",
            run: Box::new(move |a| pm2.cmd(a)),
            host: tempfile::tempdir().expect("tmp"),
        },
        Tool {
            name: "rpod",
            run: Box::new(move |a| rp2.cmd(a)),
            host: tempfile::tempdir().expect("tmp"),
        },
    ];
    let setup = "mkdir -p /d/sub && echo a > /d/a && echo b > /d/sub/b && ln -s a /d/l";
    let mut results: Vec<Vec<String>> = Vec::new();
    for t in &tools {
        let h = t.host.path();
        assert!(t.go(&[
            "run",
            "--name",
            "c",
            "--network",
            "none",
            "busybox",
            "sh",
            "-c",
            setup
        ]));
        for d in ["e3", "e4", "e8", "ind/x"] {
            fs::create_dir_all(h.join(d)).expect("mkdir");
        }
        fs::write(h.join("f9"), "old").expect("write");
        fs::write(h.join("in.txt"), "in").expect("write");
        fs::write(h.join("ind/x/y"), "y").expect("write");
        let steps: &[&[&str]] = &[
            &["cp", "c:/d/a", "H/f1"],
            &["cp", "c:/d/l", "H/f7"],
            &["cp", "c:/d", "H/d1"],
            &["cp", "c:/d", "H/e3"],
            &["cp", "c:/d/.", "H/e4"],
            &["cp", "c:/d/a", "H/missing/"],
            &["cp", "c:/nonexistent", "H/f6"],
            &["cp", "c:/d/sub/", "H/e8"],
            &["cp", "c:/d/a", "H/f9"],
            &["cp", "c:/d", "H/f9"],
            &["cp", "H/in.txt", "c:/tmp/"],
            &["cp", "c:/tmp/in.txt", "H/back11"],
            &["cp", "H/ind", "c:/tmp/ind2"],
            &["cp", "c:/tmp/ind2", "H/back12"],
            &["cp", "H/in.txt", "c:/nodir/"],
            &["cp", "H/ind/.", "c:/tmp/"],
            &["cp", "c:/tmp/x", "H/back14"],
        ];
        let mut out: Vec<String> = steps
            .iter()
            .map(|s| format!("{s:?}: {}", t.go(s)))
            .collect();
        // Tar streams out, and back in.
        let o = (t.run)(&["cp", "c:/d", "-"]);
        out.push(format!("tar out: {:?}", tar_names(&o.stdout)));
        let h_s = h.display().to_string();
        let cmd = if t.name == "podman" {
            pm.command()
        } else {
            let mut c = Command::new(env!("CARGO_BIN_EXE_rpod"));
            c.args(common::roots(rp.dir.path()));
            c
        };
        let mut cmd = cmd;
        let mut child = cmd
            .args(["cp", "-", "c:/"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("cp -");
        std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &o.stdout)
            .expect("feed");
        out.push(format!("cp - : {}", child.wait().expect("wait").success()));
        let back = (t.run)(&["cp", "c:/d", &format!("{h_s}/back15")]);
        assert!(
            back.status.success(),
            "{} cp c:/d back15: {}",
            t.name,
            String::from_utf8_lossy(&back.stderr)
        );
        out.extend(tree(h));
        results.push(out);
    }
    assert_eq!(
        results[0], results[1],
        "podman (left) and rpod (right) differ"
    );
}
