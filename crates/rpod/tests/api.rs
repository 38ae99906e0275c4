//! `rpod system service` against real clients: the docker CLI, the Docker SDK for Python,
//! and raw HTTP for what clients never send (garbage, oversize, unknown paths).

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::R;

/// A service on a socket of the test's own; SIGTERM'd and waited for when dropped.
struct Service {
    child: Child,
    sock: PathBuf,
    home: tempfile::TempDir,
}

impl Service {
    fn start(r: &R, time: &str) -> Service {
        Self::start_with(r, time, &[])
    }

    /// With more environment for the service (a registries.conf, say).
    fn start_with(r: &R, time: &str, env: &[(&str, &Path)]) -> Service {
        let sock = r.dir.path().join("api.sock");
        let child = common::rpod(r.dir.path())
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .args(["system", "service", "--time", time])
            .arg(format!("unix://{}", sock.display()))
            .stdout(Stdio::null())
            .spawn()
            .expect("start rpod system service");
        let deadline = Instant::now() + Duration::from_secs(20);
        while UnixStream::connect(&sock).is_err() {
            assert!(
                Instant::now() < deadline,
                "the service did not listen on {sock:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        Service {
            child,
            sock,
            home: tempfile::tempdir().expect("tmp"),
        }
    }

    fn host(&self) -> String {
        format!("unix://{}", self.sock.display())
    }

    /// The docker CLI against this service, with a config dir of its own.
    fn docker(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .env("DOCKER_HOST", self.host())
            .env("DOCKER_CONFIG", self.home.path())
            // The classic builder's `POST /build` (BuildKit's gRPC session is not served).
            .env("DOCKER_BUILDKIT", "0")
            .args(args)
            .output()
            .expect("run docker")
    }

    fn docker_ok(&self, args: &[&str]) -> String {
        let o = self.docker(args);
        assert!(
            o.status.success(),
            "docker {args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Waits (with a deadline) for the service to exit; its exit status.
    fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                return Some(st);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        self.wait_exit(Duration::from_secs(20))
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if self.terminate().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn have_docker() -> bool {
    common::require(
        "the docker CLI",
        Command::new("docker")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
    )
}

/// One raw HTTP/1.1 request (the connection closed after it); the status and body.
fn raw(sock: &Path, request: &[u8]) -> (u16, String) {
    let mut s = UnixStream::connect(sock).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(request).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

#[test]
fn docker_cli_runs_lists_logs_stops_and_removes() {
    if !common::ready() || !have_docker() {
        return;
    }
    let r = R::new();
    let svc = Service::start(&r, "0");
    let v = svc.docker_ok(&["version", "--format", "{{.Server.APIVersion}}"]);
    assert_eq!(v.trim(), "1.41");
    let images = svc.docker_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(images.contains("localhost/busybox:latest"), "{images}");

    // run --rm: output on the right streams, the exit code, nothing left.
    let o = svc.docker(&[
        "run",
        "--rm",
        "busybox",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 3",
    ]);
    assert_eq!(o.status.code(), Some(3), "{o:?}");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "out\n");
    assert!(String::from_utf8_lossy(&o.stderr).contains("err"), "{o:?}");
    assert_eq!(svc.docker_ok(&["ps", "-aq"]).trim(), "");

    // run -d, logs, ps --format, inspect, stop, rm.
    let name = format!("apiweb{}", r.k);
    let script = "echo started; while true; do sleep 0.1; done";
    let id = svc.docker_ok(&[
        "run", "-d", "--name", &name, "-l", "app=web", "busybox", "sh", "-c", script,
    ]);
    assert_eq!(id.trim().len(), 64, "{id}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !svc.docker_ok(&["logs", &name]).contains("started") {
        assert!(Instant::now() < deadline, "no log line");
        std::thread::sleep(Duration::from_millis(20));
    }
    let ps = svc.docker_ok(&[
        "ps",
        "--filter",
        "label=app=web",
        "--format",
        "{{.Names}} {{.Image}} {{.Status}}",
    ]);
    assert!(
        ps.starts_with(&format!("{name} localhost/busybox:latest Up")),
        "{ps}"
    );
    let state = svc.docker_ok(&[
        "inspect",
        "-f",
        "{{.State.Status}} {{.Name}} {{.State.Running}}",
        &name,
    ]);
    assert_eq!(state.trim(), format!("running /{name} true"));
    // logs -f follows until the container stops.
    let follower = Command::new("docker")
        .env("DOCKER_HOST", svc.host())
        .env("DOCKER_CONFIG", svc.home.path())
        .args(["logs", "-f", &name])
        .stdout(Stdio::piped())
        .spawn()
        .expect("docker logs -f");
    svc.docker_ok(&["stop", "-t", "1", &name]);
    let followed = follower
        .wait_with_output()
        .expect("logs -f ends with the container");
    assert!(followed.status.success(), "{followed:?}");
    assert_eq!(String::from_utf8_lossy(&followed.stdout), "started\n");
    let code = svc.docker_ok(&["inspect", "-f", "{{.State.ExitCode}}", &name]);
    assert_eq!(
        code.trim(),
        "137",
        "sh ignores SIGTERM as PID 1: killed after the timeout"
    );
    svc.docker_ok(&["rm", &name]);
    let gone = svc.docker(&["rm", &name]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains(&name),
        "{gone:?}"
    );
    assert_eq!(r.ok(&["ps", "-aq"]).trim(), "", "rpod sees what docker did");
}

#[test]
fn docker_sdk_for_python_creates_starts_waits_reads_logs_removes() {
    if !common::ready() {
        return;
    }
    let sdk = Command::new("/usr/bin/python3")
        .args(["-c", "import docker"])
        .status();
    if !common::require("python3-docker", sdk.is_ok_and(|s| s.success())) {
        return;
    }
    let r = R::new();
    let svc = Service::start(&r, "0");
    let script = r#"
import docker, sys
c = docker.DockerClient(base_url=sys.argv[1], version="auto")
ctr = c.containers.create("busybox", ["sh", "-c", "echo from-sdk; exit 4"], name=sys.argv[2],
                          labels={"t": sys.argv[2]}, network_mode="none")
ctr.start()
print("exit", ctr.wait(timeout=60)["StatusCode"])
print("logs", ctr.logs().decode().strip())
print("listed", [x.name for x in c.containers.list(all=True, filters={"label": "t=" + sys.argv[2]})])
ctr.remove()
print("after", len(c.containers.list(all=True)))
print("images", [i.tags for i in c.images.list()])
r = c.containers.run("busybox", ["sleep", "60"], detach=True, network_mode="none")
s = r.stats(stream=False)
print("stats", s["pids_stats"]["current"], "memory_stats" in s)
r.remove(force=True)
"#;
    let name = format!("sdk{}", r.k);
    let o = Command::new("/usr/bin/python3")
        .args(["-c", script, &svc.host(), &name])
        .output()
        .expect("python3");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        out,
        format!(
            "exit 4\nlogs from-sdk\nlisted ['{name}']\nafter 0\nimages [['localhost/busybox:latest']]\nstats 1 True\n"
        )
    );
}

#[test]
fn the_socket_is_private_bad_requests_get_clear_errors_and_idle_ends_it() {
    if !common::ready() {
        return;
    }
    let r = R::new();
    let mut svc = Service::start(&r, "2");
    let mode = std::fs::metadata(&svc.sock)
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o660, "never world-writable");

    let (st, body) = raw(
        &svc.sock,
        b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n",
    );
    assert_eq!((st, body.as_str()), (200, "OK"));
    let (st, body) = raw(
        &svc.sock,
        b"GET /v1.41/nothing/here HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(st, 404);
    assert!(body.contains("\"message\""), "{body}");
    let bad = b"POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Length: 9\r\n\r\n{\"Image\":";
    let (st, body) = raw(&svc.sock, bad);
    assert_eq!(st, 400);
    assert!(body.contains("invalid JSON in the request body"), "{body}");
    let (st, body) = raw(
        &svc.sock,
        b"GET /v1.41/containers/nosuch/json HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(st, 404);
    assert!(body.contains("nosuch"), "{body}");
    let huge = format!(
        "POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        8 << 20
    );
    let mut s = UnixStream::connect(&svc.sock).expect("connect");
    s.write_all(huge.as_bytes()).expect("write");
    let _ = s.write_all(&vec![b' '; 5 << 20]);
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 413"), "{out}");
    let (st, _) = raw(&svc.sock, b"this is not HTTP\r\n\r\n");
    assert_eq!(st, 400, "hyper answers garbage with 400");
    let (st, _) = raw(
        &svc.sock,
        b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(st, 200, "and serves on");

    // Idle for --time 2: it ends on its own, and removes its socket.
    let st = svc
        .wait_exit(Duration::from_secs(30))
        .expect("the idle service ended");
    assert!(st.success(), "{st}");
    assert!(!svc.sock.exists(), "its socket is removed");
}

#[test]
fn docker_exec_with_streams_stdin_exit_codes_and_a_terminal() {
    if !common::ready() || !have_docker() {
        return;
    }
    let r = R::new();
    let svc = Service::start(&r, "0");
    let name = format!("apiexec{}", r.k);
    svc.docker_ok(&[
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        "none",
        "busybox",
        "sleep",
        "1000",
    ]);
    let o = svc.docker(&["exec", &name, "sh", "-c", "echo o; echo e >&2; exit 5"]);
    assert_eq!(o.status.code(), Some(5), "{o:?}");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "o\n");
    assert_eq!(String::from_utf8_lossy(&o.stderr), "e\n");
    // -i: stdin reaches the command, and its end ends it.
    let mut child = Command::new("docker")
        .env("DOCKER_HOST", svc.host())
        .env("DOCKER_CONFIG", svc.home.path())
        .args(["exec", "-i", &name, "sh", "-c", "cat; echo done"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("docker exec -i");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"line 1\nline 2\n")
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "line 1\nline 2\ndone\n");
    // -it under a terminal `script` makes: the command sees a terminal.
    if common::require("script (bsdutils)", Path::new("/usr/bin/script").exists()) {
        let cmd = format!(
            "DOCKER_HOST={} DOCKER_CONFIG={} docker exec -it {name} sh -c 'tty; exit 3'",
            svc.host(),
            svc.home.path().display()
        );
        let o = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .output()
            .expect("script");
        assert_eq!(o.status.code(), Some(3), "{o:?}");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("/dev/pts/"),
            "{o:?}"
        );
    }
    let gone = svc.docker(&["exec", "nosuch", "true"]);
    assert_ne!(gone.status.code(), Some(0));
    svc.docker_ok(&["rm", "-f", &name]);
}

#[test]
fn docker_compose_up_ps_logs_exec_down() {
    if !common::ready() || !have_docker() {
        return;
    }
    if !common::require(
        "docker-compose",
        Path::new("/usr/bin/docker-compose").exists(),
    ) {
        return;
    }
    let r = R::new();
    let svc = Service::start(&r, "0");
    let proj = tempfile::tempdir().expect("project dir");
    let port = 18000 + u16::from(r.k) * 10 + (std::process::id() % 10) as u16;
    let file = format!(
        r#"version: "3.8"
services:
  web:
    image: busybox
    command: sh -c 'echo hello-compose > /www/index.html && exec httpd -f -p 8080 -h /www'
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "-", "http://127.0.0.1:8080/"]
      interval: 1s
      retries: 30
    volumes: [data:/www]
    ports: ["127.0.0.1:{port}:8080"]
    networks: [app]
  client:
    image: busybox
    command: sh -c 'wget -q -O - http://web:8080/ && exec sleep 1000'
    stop_grace_period: 1s
    depends_on:
      web: {{condition: service_healthy}}
    networks: [app]
volumes: {{data: {{}}}}
networks: {{app: {{}}}}
"#
    );
    std::fs::write(proj.path().join("docker-compose.yml"), file).expect("compose file");
    let project = format!("cp{}x{}", r.k, std::process::id());
    let compose = |args: &[&str]| {
        let o = Command::new("docker-compose")
            .current_dir(proj.path())
            .env("DOCKER_HOST", svc.host())
            .env("DOCKER_CONFIG", svc.home.path())
            .args(["-p", &project])
            .args(args)
            .output()
            .expect("docker-compose");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(o.status.success(), "docker-compose {args:?}: {text}");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    compose(&["up", "-d"]);
    let ps = compose(&["ps"]);
    assert!(ps.contains("Up (healthy)"), "{ps}");
    assert!(ps.contains(&format!("127.0.0.1:{port}->8080/tcp")), "{ps}");
    let page = {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("published port");
        s.write_all(b"GET / HTTP/1.0\r\n\r\n").expect("request");
        let mut page = String::new();
        let _ = s.read_to_string(&mut page);
        page
    };
    assert!(page.ends_with("hello-compose\n"), "{page}");
    // The client reached the web server by its service name on the project's network.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let logs = compose(&["logs", "client"]);
        if logs.contains("hello-compose") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the client never reached web: {logs}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let got = compose(&[
        "exec",
        "-T",
        "client",
        "wget",
        "-q",
        "-O",
        "-",
        "http://web:8080/",
    ]);
    assert_eq!(got.trim(), "hello-compose");
    compose(&["down", "-v"]);
    assert_eq!(r.ok(&["ps", "-aq"]).trim(), "", "containers left");
    assert_eq!(r.ok(&["volume", "ls", "-q"]).trim(), "", "volumes left");
    let nets = r.ok(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(!nets.contains(&project), "networks left: {nets}");
}

#[test]
fn docker_run_start_attach_events_and_cp() {
    if !common::ready() || !have_docker() {
        return;
    }
    let r = R::new();
    let svc = Service::start(&r, "0");
    let name = format!("apiev{}", r.k);
    let t0 = libpod::now_ns() / 1_000_000_000 - 1;
    // A container that exits at once, without --rm: the wait must not miss its exit.
    for i in 0..3 {
        let n = format!("{name}q{i}");
        let o = svc.docker(&[
            "run",
            "--name",
            &n,
            "--network",
            "none",
            "busybox",
            "sh",
            "-c",
            "exit 7",
        ]);
        assert_eq!(o.status.code(), Some(7), "{o:?}");
        let o = svc.docker(&["start", "-a", &n]);
        assert_eq!(
            o.status.code(),
            Some(7),
            "start -a of an exited container: {o:?}"
        );
        svc.docker_ok(&["rm", &n]);
    }
    // docker cp both ways, a file and a directory, and `-` (a tar stream).
    svc.docker_ok(&[
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        "none",
        "busybox",
        "sh",
        "-c",
        "mkdir -p /tmp && exec sleep 1000",
    ]);
    let host = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(host.path().join("dir/sub")).expect("dirs");
    std::fs::write(host.path().join("f.txt"), "filedata\n").expect("file");
    std::fs::write(host.path().join("dir/sub/n.txt"), "nested\n").expect("file");
    let hp = |p: &str| host.path().join(p).display().to_string();
    let deadline = Instant::now() + Duration::from_secs(20);
    while svc
        .docker(&["exec", &name, "test", "-d", "/tmp"])
        .status
        .code()
        != Some(0)
    {
        assert!(Instant::now() < deadline, "no /tmp in the container");
        std::thread::sleep(Duration::from_millis(20));
    }
    svc.docker_ok(&["cp", &hp("f.txt"), &format!("{name}:/tmp/")]);
    svc.docker_ok(&["cp", &hp("dir"), &format!("{name}:/tmp/dir2")]);
    let got = svc.docker_ok(&["exec", &name, "cat", "/tmp/f.txt", "/tmp/dir2/sub/n.txt"]);
    assert_eq!(got, "filedata\nnested\n");
    svc.docker_ok(&["cp", &format!("{name}:/tmp/dir2"), &hp("back")]);
    assert_eq!(
        std::fs::read_to_string(host.path().join("back/sub/n.txt")).expect("copied out"),
        "nested\n"
    );
    let missing = svc.docker(&["cp", &format!("{name}:/nonexistent"), &hp("x")]);
    assert_ne!(missing.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("/nonexistent"),
        "{missing:?}"
    );
    svc.docker_ok(&["rm", "-f", &name]);
    // The events of all that, by Docker's names.
    let until = (libpod::now_ns() / 1_000_000_000 + 1).to_string();
    let ev = svc.docker_ok(&[
        "events",
        "--since",
        &t0.to_string(),
        "--until",
        &until,
        "--filter",
        &format!("container={name}q0"),
        "--format",
        "{{.Type}} {{.Action}}",
    ]);
    let actions: Vec<&str> = ev.lines().collect();
    for want in [
        "container create",
        "container start",
        "container die",
        "container destroy",
    ] {
        assert!(actions.contains(&want), "{want} missing from {actions:?}");
    }
}

#[test]
fn a_client_gone_mid_stream_never_holds_the_service() {
    if !common::ready() || !have_docker() {
        return;
    }
    let r = R::new();
    let mut svc = Service::start(&r, "0");
    let name = format!("apigone{}", r.k);
    svc.docker_ok(&[
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        "none",
        "busybox",
        "sleep",
        "1000",
    ]);
    // Clients that follow a silent container's log, wait for it, and watch events, then
    // go away without a word.
    let socket = |req: &str| {
        let mut s = UnixStream::connect(&svc.sock).expect("connect");
        s.write_all(req.as_bytes()).expect("request");
        let mut head = [0u8; 12];
        s.read_exact(&mut head).expect("response");
        assert_eq!(&head[9..12], b"200", "{req}");
        s
    };
    let held = [
        socket(&format!(
            "GET /v1.41/containers/{name}/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: d\r\n\r\n"
        )),
        socket(&format!(
            "POST /v1.41/containers/{name}/wait HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n"
        )),
        socket("GET /v1.41/events HTTP/1.1\r\nHost: d\r\n\r\n"),
    ];

    drop(held);
    // SIGTERM: the service ends promptly, though the container is still running.
    let started = Instant::now();
    let st = svc.terminate().expect("the service ended after SIGTERM");
    assert!(st.success(), "{st}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        r.ok(&["inspect", "--format", "{{.State.Status}}", &name])
            .trim(),
        "running"
    );
    r.ok(&["rm", "-f", "-t", "0", &name]);
}

#[test]
fn docker_images_pull_tag_save_load_remove_and_container_ops() {
    if !common::ready() || !have_docker() {
        return;
    }
    let have_registry =
        Path::new("/usr/bin/docker-registry").exists() && Path::new("/usr/bin/skopeo").exists();
    if !common::require("docker-registry and skopeo", have_registry) {
        return;
    }
    let r = R::new();
    let reg = common::registry::Registry::start();
    let archive = r.dir.path().join("bb-oci.tar");
    r.ok(&[
        "save",
        "--format",
        "oci-archive",
        "-o",
        archive.to_str().expect("utf8"),
        "busybox",
    ]);
    reg.seed(
        &format!("oci-archive:{}", archive.display()),
        "busybox:api",
        "oci",
    );
    let conf = r.dir.path().join("registries.conf");
    std::fs::write(
        &conf,
        format!(
            "[[registry]]\nlocation = \"{}\"\ninsecure = true\n",
            reg.addr
        ),
    )
    .expect("registries.conf");
    let svc = Service::start_with(&r, "0", &[("LIBPOD_RS_REGISTRIES_CONF", &conf)]);
    let remote = format!("{}/busybox:api", reg.addr);
    let out = svc.docker_ok(&["pull", &remote]);
    assert!(out.contains("Downloaded newer image"), "{out}");
    let o = svc.docker(&["pull", &format!("{}/nosuch:v1", reg.addr)]);
    assert_ne!(o.status.code(), Some(0), "{o:?}");
    svc.docker_ok(&["tag", &remote, "apitag/bb:v1"]);
    let tags = svc.docker_ok(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(
        tags.contains("apitag/bb:v1") && tags.contains(&remote),
        "{tags}"
    );
    let saved = r.dir.path().join("saved.tar");
    svc.docker_ok(&["save", "-o", saved.to_str().expect("utf8"), "apitag/bb:v1"]);
    let rmi = svc.docker_ok(&["rmi", "apitag/bb:v1", &remote]);
    assert!(rmi.contains("Untagged"), "{rmi}");
    let loaded = svc.docker_ok(&["load", "-i", saved.to_str().expect("utf8")]);
    assert!(loaded.contains("Loaded image"), "{loaded}");
    let gone = svc.docker(&["rmi", "nosuch:v9"]);
    assert_ne!(gone.status.code(), Some(0));
    // push to the registry, pull it back, and its history.
    let pushed = format!("{}/pushed/bb:v2", reg.addr);
    svc.docker_ok(&["tag", "apitag/bb:v1", &pushed]);
    svc.docker_ok(&["push", &pushed]);
    svc.docker_ok(&["rmi", &pushed]);
    let out = svc.docker_ok(&["pull", &pushed]);
    assert!(
        out.contains(&format!("Downloaded newer image for {pushed}")),
        "{out}"
    );
    let history = svc.docker_ok(&["history", "--format", "{{.CreatedBy}}", &pushed]);
    assert!(!history.trim().is_empty(), "{history}");
    // docker search: the registry's catalog.
    let found = svc.docker_ok(&[
        "search",
        "--format",
        "{{.Name}}",
        &format!("{}/push", reg.addr),
    ]);
    assert_eq!(found.trim(), format!("{}/pushed/bb", reg.addr));

    // top, diff, export, stats, rename, update, container prune.
    let name = format!("apiops{}", r.k);
    svc.docker_ok(&[
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        "none",
        "busybox",
        "sh",
        "-c",
        "echo x > /newfile; exec sleep 1000",
    ]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !svc.docker_ok(&["diff", &name]).contains("A /newfile") {
        assert!(Instant::now() < deadline, "no /newfile in docker diff");
        std::thread::sleep(Duration::from_millis(20));
    }
    let top = svc.docker_ok(&["top", &name]);
    assert!(top.contains("sleep 1000"), "{top}");
    let stats = svc.docker_ok(&[
        "stats",
        "--no-stream",
        "--format",
        "{{.Name}} {{.PIDs}}",
        &name,
    ]);
    assert_eq!(stats.trim(), format!("{name} 1"));
    let export = svc.docker(&["export", &name]);
    assert!(
        export.status.success() && export.stdout.len() > 100_000,
        "{}",
        export.stdout.len()
    );
    // docker commit: the running container's new file and a changed command, paused.
    let committed = format!("apicommit{}:v1", r.k);
    svc.docker_ok(&[
        "commit",
        "-c",
        "CMD [\"cat\", \"/newfile\"]",
        "-m",
        "by docker",
        &name,
        &committed,
    ]);
    let shown = svc.docker_ok(&["run", "--rm", "--network", "none", &committed]);
    assert_eq!(shown.trim(), "x");
    let comment = r.ok(&["image", "inspect", "--format", "{{.Comment}}", &committed]);
    assert_eq!(comment.trim(), "by docker");
    svc.docker_ok(&["update", "--memory", "64m", &name]);
    let mem = r.ok(&["inspect", "--format", "{{.HostConfig.Memory}}", &name]);
    assert_eq!(mem.trim(), "67108864");
    let renamed = format!("{name}b");
    svc.docker_ok(&["rename", &name, &renamed]);
    svc.docker_ok(&["rm", "-f", &renamed]);
    svc.docker_ok(&[
        "run",
        "--name",
        &name,
        "--network",
        "none",
        "busybox",
        "true",
    ]);
    let pruned = svc.docker_ok(&["container", "prune", "-f"]);
    assert!(pruned.contains("Deleted Containers"), "{pruned}");
    assert_eq!(r.ok(&["ps", "-aq"]).trim(), "");
}

#[test]
fn podman_remote_runs_lists_and_removes_through_the_libpod_api() {
    if !common::ready() {
        return;
    }
    if !common::require("podman", Path::new("/usr/bin/podman").exists()) {
        return;
    }
    let r = R::new();
    let svc = Service::start(&r, "0");
    let home = tempfile::tempdir().expect("home");
    let podman = |args: &[&str]| {
        let o = Command::new("podman")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .arg("--url")
            .arg(svc.host())
            .args(args)
            .output()
            .expect("podman --remote");
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(!err.contains("level=error"), "podman {args:?}: {err}");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            err,
        )
    };
    let name = format!("remote{}", r.k);
    let (code, out, err) = podman(&[
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "echo",
        "hi-remote",
    ]);
    assert_eq!((code, out.as_str()), (Some(0), "hi-remote\n"), "{err}");
    let (code, _, err) = podman(&[
        "run",
        "--network",
        "none",
        "--name",
        &name,
        "busybox",
        "sh",
        "-c",
        "exit 3",
    ]);
    assert_eq!(code, Some(3), "{err}");
    let (_, ps, _) = podman(&["ps", "-a", "--format", "{{.Names}} {{.Image}}"]);
    assert_eq!(ps.trim(), format!("{name} localhost/busybox:latest"));
    // A running one: its log, exec (the stream and the exit code), top.
    let busy = format!("{name}run");
    podman(&[
        "run",
        "-d",
        "--name",
        &busy,
        "--network",
        "none",
        "busybox",
        "sh",
        "-c",
        "echo log1; exec sleep 1000",
    ]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while podman(&["logs", &busy]).1 != "log1\n" {
        assert!(
            Instant::now() < deadline,
            "no log line through podman --remote logs"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let (code, out, err) = podman(&["exec", &busy, "sh", "-c", "echo exec-ok; exit 4"]);
    assert_eq!((code, out.as_str()), (Some(4), "exec-ok\n"), "{err}");
    let (_, top, _) = podman(&["top", &busy]);
    assert!(top.contains("sleep 1000"), "{top}");
    podman(&["rm", "-f", "-t", "0", &busy]);
    let (_, nets, _) = podman(&["network", "ls", "--format", "{{.Name}}"]);
    assert!(!nets.trim().is_empty(), "the default network is listed");
    let (_, images, _) = podman(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(images.contains("localhost/busybox:latest"), "{images}");
    let pod = format!("{name}pod");
    let (code, _, err) = podman(&["pod", "create", "--name", &pod]);
    assert_eq!(code, Some(0), "{err}");
    podman(&["pod", "start", &pod]);
    let (_, pods, _) = podman(&["pod", "ps", "--format", "{{.Name}} {{.Status}}"]);
    assert_eq!(pods.trim(), format!("{pod} Running"));
    let (_, inspect, _) = podman(&["pod", "inspect", &pod]);
    assert!(
        inspect.contains(&format!("\"Name\": \"{pod}\"")),
        "{inspect}"
    );
    podman(&["pod", "stop", &pod]);
    let (code, _, err) = podman(&["pod", "rm", &pod]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(r.ok(&["pod", "ps", "-q"]).trim(), "");
    let (code, _, err) = podman(&["rm", &name]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        r.ok(&["ps", "-aq"]).trim(),
        "",
        "only the pod's infra may be left"
    );
}

#[test]
fn docker_networks_volumes_pause_and_df() {
    if !common::ready() || !have_docker() {
        return;
    }
    let r = R::on(Some("netavark"));
    let svc = Service::start(&r, "0");
    let net = format!("apinet{}", r.k);
    let subnet = format!("10.233.{}.0/24", r.k);
    svc.docker_ok(&["network", "create", "--subnet", &subnet, &net]);
    let vol = format!("apivol{}", r.k);
    svc.docker_ok(&["volume", "create", &vol]);
    let web = format!("apiweb{}", r.k);
    svc.docker_ok(&[
        "run",
        "-d",
        "--name",
        &web,
        "--network",
        &net,
        "-v",
        &format!("{vol}:/www"),
        "busybox",
        "sh",
        "-c",
        "echo from-volume > /www/index.html && exec httpd -f -p 80 -h /www",
    ]);
    // A second container finds the first by name on the user network.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let o = svc.docker(&[
            "run",
            "--rm",
            "--network",
            &net,
            "busybox",
            "wget",
            "-q",
            "-O",
            "-",
            &format!("http://{web}/"),
        ]);
        if String::from_utf8_lossy(&o.stdout) == "from-volume\n" {
            break;
        }
        assert!(Instant::now() < deadline, "{o:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let inspect = svc.docker_ok(&[
        "network",
        "inspect",
        "-f",
        "{{range .IPAM.Config}}{{.Subnet}}{{end}}",
        &net,
    ]);
    assert_eq!(inspect.trim(), subnet);
    let vols = svc.docker_ok(&["volume", "ls", "--format", "{{.Name}}"]);
    assert!(vols.lines().any(|v| v == vol), "{vols}");
    svc.docker_ok(&["pause", &web]);
    let st = svc.docker_ok(&[
        "ps",
        "--filter",
        &format!("name={web}"),
        "--format",
        "{{.Status}}",
    ]);
    assert!(st.contains("Paused"), "{st}");
    svc.docker_ok(&["unpause", &web]);
    let df = svc.docker_ok(&["system", "df", "--format", "{{.Type}} {{.TotalCount}}"]);
    assert!(
        df.contains("Images 1") && df.contains("Containers 1"),
        "{df}"
    );
    let busy = svc.docker(&["volume", "rm", &vol]);
    assert_ne!(busy.status.code(), Some(0), "a volume in use stays");
    svc.docker_ok(&["rm", "-f", &web]);
    svc.docker_ok(&["volume", "rm", &vol]);
    svc.docker_ok(&["network", "rm", &net]);
    let left = r.leaks(&[subnet], &[]);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_socket_from_systemd_is_served_and_a_killed_service_loses_nothing() {
    if !common::ready() || !have_docker() {
        return;
    }
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;
    let r = R::new();
    let sock = r.dir.path().join("activated.sock");
    let listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
    let fd = listener.as_raw_fd();
    // As systemd passes a socket: fd 3, LISTEN_FDS=1 and LISTEN_PID the service's own (the
    // shell's, which `exec` keeps).
    let rpod = common::rpod(r.dir.path());
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$@\"", "sh"])
        .arg(rpod.get_program())
        .args(rpod.get_args())
        .args(["system", "service", "--time", "0"])
        // Never bound: the socket systemd passed wins over the URI.
        .arg(format!(
            "unix://{}",
            r.dir.path().join("unused.sock").display()
        ))
        .env("CONTAINERS_CONF", r.dir.path().join("containers.conf"))
        .stdout(Stdio::null());
    // SAFETY: dup2 and fcntl are async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            // dup2 onto itself keeps close-on-exec: it is cleared by hand.
            if nix::libc::dup2(fd, 3) < 0 || nix::libc::fcntl(3, nix::libc::F_SETFD, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("service");
    drop(listener);
    let docker = |args: &[&str]| {
        Command::new("docker")
            .env("DOCKER_HOST", format!("unix://{}", sock.display()))
            .env("DOCKER_CONFIG", r.dir.path())
            .args(args)
            .output()
            .expect("docker")
    };
    let name = format!("apikill{}", r.k);
    let o = docker(&[
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        "none",
        "busybox",
        "sleep",
        "1000",
    ]);
    assert!(o.status.success(), "{o:?}");
    // Creates in flight when the service is killed: each is whole or not there at all.
    let creators: Vec<_> = (0..4)
        .map(|i| {
            let host = format!("unix://{}", sock.display());
            let cfg = r.dir.path().to_path_buf();
            std::thread::spawn(move || {
                Command::new("docker")
                    .env("DOCKER_HOST", host)
                    .env("DOCKER_CONFIG", cfg)
                    .args(["create", "--network", "none", "busybox", "true"])
                    .arg(format!("{i}"))
                    .output()
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(30));
    child.kill().expect("SIGKILL the service");
    let _ = child.wait();
    for c in creators {
        let _ = c.join();
    }
    // The running container is untouched, every container listed is whole and removable.
    assert_eq!(
        r.ok(&["inspect", "--format", "{{.State.Status}}", &name])
            .trim(),
        "running"
    );
    let all = r.ok(&["ps", "-aq"]);
    for id in all.lines() {
        r.ok(&["inspect", id]);
    }
    r.ok(&["rm", "-af", "-t", "0"]);
    assert_eq!(r.ok(&["ps", "-aq"]).trim(), "");
    assert!(!r.dir.path().join("unused.sock").exists());
}

/// The sockets a process holds open.
fn sockets_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    std::fs::read_link(e.path())
                        .is_ok_and(|l| l.to_string_lossy().starts_with("socket:"))
                })
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn an_attached_client_that_hangs_up_frees_its_attach() {
    if !common::ready() || !have_docker() {
        return;
    }
    let r = R::new();
    let svc = Service::start(&r, "0");
    let name = format!("apihup{}", r.k);
    svc.docker_ok(&[
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        "none",
        "busybox",
        "sleep",
        "1000",
    ]);
    let mut attached = UnixStream::connect(&svc.sock).expect("connect");
    let req = format!(
        "POST /v1.41/containers/{name}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: d\r\n\
         Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n"
    );
    attached.write_all(req.as_bytes()).expect("attach request");
    let mut head = [0u8; 12];
    attached.read_exact(&mut head).expect("attach response");
    assert_eq!(&head[9..12], b"101");
    // (A half-close, what docker's CLI does without stdin, is not a hang-up: the docker CLI
    // tests would lose all their output if it were.)
    let with_client = sockets_of(svc.child.id());
    drop(attached);
    // Hung up: the service lets go of the client's connection and of conmon's attach socket
    // though the container never writes again.
    let deadline = Instant::now() + Duration::from_secs(20);
    while sockets_of(svc.child.id()) + 2 > with_client {
        assert!(
            Instant::now() < deadline,
            "the attach outlived its client: {} sockets, {with_client} with it",
            sockets_of(svc.child.id())
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    r.ok(&["rm", "-f", "-t", "0", &name]);
}

#[test]
fn docker_build_sends_its_context_and_gets_the_image() {
    if !common::ready() || !have_docker() {
        return;
    }
    let r = R::new();
    let svc = Service::start(&r, "0");
    let ctx = tempfile::tempdir().expect("ctx");
    std::fs::write(
        ctx.path().join("Dockerfile"),
        "FROM busybox\nARG WHO=nobody\nCOPY greeting /g\nRUN echo \"$(cat /g) $WHO\" > /out\nCMD [\"cat\", \"/out\"]\n",
    )
    .expect("Dockerfile");
    std::fs::write(ctx.path().join("greeting"), "hello").expect("greeting");
    std::fs::write(ctx.path().join("Failing"), "FROM busybox\nRUN exit 4\n").expect("Failing");
    let dir = ctx.path().to_str().expect("utf8");
    let iid = ctx.path().join("iid");
    let out = svc.docker_ok(&[
        "build",
        "-t",
        "apibuilt:1",
        "--build-arg",
        "WHO=docker",
        "--iidfile",
        iid.to_str().expect("utf8"),
        dir,
    ]);
    assert!(out.contains("STEP 4/5: RUN"), "{out}");
    let id = std::fs::read_to_string(&iid).expect("iidfile");
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id}");
    assert_eq!(
        svc.docker_ok(&["run", "--rm", "apibuilt:1"]).trim(),
        "hello docker"
    );
    // Built again: from the cache, the same image.
    let again = svc.docker_ok(&[
        "build",
        "-q",
        "-t",
        "apibuilt:1",
        "--build-arg",
        "WHO=docker",
        dir,
    ]);
    assert_eq!(again.trim(), id.trim());
    let failing = ctx.path().join("Failing");
    let failed = svc.docker(&["build", "-f", failing.to_str().expect("utf8"), dir]);
    assert_ne!(failed.status.code(), Some(0));
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(err.contains("exit status 4"), "{err}");
}
