//! A real registry for tests: Debian's docker-registry on a free port of 127.0.0.1, seeded
//! with skopeo.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A registry of its own, killed and removed on drop.
pub struct Registry {
    child: Child,
    /// Its storage and config.
    pub dir: tempfile::TempDir,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl Registry {
    pub fn start() -> Registry {
        Registry::start_with("")
    }

    /// With `extra` appended to its config (an `auth:` section, say).
    pub fn start_with(extra: &str) -> Registry {
        Registry::start_full(extra, "")
    }

    /// With `extra` appended to its config and `http` added to its `http:` section.
    pub fn start_full(extra: &str, http: &str) -> Registry {
        let dir = tempfile::tempdir().expect("tmp");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let conf = dir.path().join("config.yml");
        std::fs::write(
            &conf,
            format!(
                "version: 0.1\nstorage: {{filesystem: {{rootdirectory: {}}}, delete: {{enabled: true}}}}\nhttp: {{addr: {addr}{http}}}\n{extra}",
                dir.path().join("data").display()
            ),
        )
        .expect("config");
        let child = Command::new("/usr/bin/docker-registry")
            .arg("serve")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen on {addr}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Registry { child, dir, addr }
    }

    /// Copies `src` (a skopeo source) to `name:tag` here; returns the manifest digest.
    pub fn seed(&self, src: &str, name: &str, format: &str) -> String {
        self.seed_as(src, name, format, None)
    }

    /// `seed` with `user:password` credentials for the registry.
    pub fn seed_as(&self, src: &str, name: &str, format: &str, creds: Option<&str>) -> String {
        let dest = format!("docker://{}/{name}", self.addr);
        let (copy_creds, inspect_creds) = match creds {
            Some(c) => (vec!["--dest-creds", c], vec!["--creds", c]),
            None => (vec![], vec![]),
        };
        let o = Command::new("skopeo")
            .args([
                "copy",
                "--quiet",
                "--dest-tls-verify=false",
                "--format",
                format,
            ])
            .args(&copy_creds)
            .args([src, &dest])
            .output()
            .expect("skopeo");
        assert!(
            o.status.success(),
            "skopeo copy: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let o = Command::new("skopeo")
            .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
            .args(&inspect_creds)
            .arg(&dest)
            .output()
            .expect("skopeo inspect");
        assert!(
            o.status.success(),
            "skopeo inspect: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    /// The file holding blob `digest` in the registry's storage.
    pub fn blob_file(&self, digest: &str) -> PathBuf {
        let hex = digest.trim_start_matches("sha256:");
        self.dir
            .path()
            .join("data/docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
