//! Exec through the Docker API: `POST /containers/{id}/exec` makes an exec instance, `POST
//! /exec/{id}/start` runs it (hijacking the connection for its streams, or detached),
//! `GET /exec/{id}/json` reports it, `POST /exec/{id}/resize` sizes its terminal. Instances
//! live in the service's memory while it runs; an ended one is forgotten five minutes later.

use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::process::Stdio;
use std::sync::Arc;

use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::json;

use super::attach::{Hijack, hijack, upgrade_of};
use crate::body::{Reply, empty, json, read_json};
use crate::ctx::{Call, Ctx, Exec, blocking};
use crate::error::{ApiError, Result};

/// The body of an exec create.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct CreateBody {
    attach_stdin: bool,
    attach_stdout: bool,
    attach_stderr: bool,
    tty: bool,
    cmd: Option<Vec<String>>,
    env: Option<Vec<String>>,
    user: String,
    working_dir: String,
    privileged: bool,
}

/// How long an ended exec instance can still be inspected.
const KEEP_ENDED: std::time::Duration = std::time::Duration::from_secs(300);

fn new_id() -> Result<String> {
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| ApiError::io("read /dev/urandom", e))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

fn get(ctx: &Ctx, id: &str) -> Result<Exec> {
    ctx.execs
        .lock()
        .map_err(|_| ApiError::Internal("exec table poisoned".into()))?
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("No such exec instance: {id}")))
}

fn update(ctx: &Ctx, id: &str, f: impl FnOnce(&mut Exec)) {
    if let Ok(mut t) = ctx.execs.lock()
        && let Some(e) = t.get_mut(id)
    {
        f(e);
    }
}

/// `POST /containers/{id}/exec`: 201 `{"Id"}`; 409 when the container is not running.
pub(crate) async fn create(ctx: &Arc<Ctx>, ctr: &str, body: Incoming) -> Result<Reply> {
    let b: CreateBody = read_json(body).await?;
    let command = b.cmd.unwrap_or_default();
    if command.is_empty() {
        return Err(ApiError::BadRequest("exec: Cmd is required".into()));
    }
    let (rt, name) = (ctx.rt.clone(), ctr.to_string());
    let container = blocking(move || {
        let c = rt.container(&name)?;
        if c.state()?.status != libpod::state::ContainerStatus::Running {
            return Err(ApiError::Conflict(format!(
                "Container {name} is not running"
            )));
        }
        Ok(c.id().to_string())
    })
    .await?;
    let e = Exec {
        container,
        command,
        opts: libpod::ExecOptions {
            env: b.env.unwrap_or_default(),
            user: Some(b.user).filter(|u| !u.is_empty()),
            workdir: Some(b.working_dir).filter(|w| !w.is_empty()),
            tty: b.tty,
            privileged: b.privileged,
            ..Default::default()
        },
        stdin: b.attach_stdin,
        stdout: b.attach_stdout,
        stderr: b.attach_stderr,
        ..Default::default()
    };
    let id = new_id()?;
    let mut table = ctx
        .execs
        .lock()
        .map_err(|_| ApiError::Internal("exec table poisoned".into()))?;
    // Instances that ended a while ago are forgotten (clients inspect one right after).
    table.retain(|_, x| x.ended.is_none_or(|t| t.elapsed() < KEEP_ENDED));
    table.insert(id.clone(), e);
    Ok(json(201, &json!({ "Id": id })))
}

/// `GET /exec/{id}/json`.
pub(crate) async fn inspect(ctx: &Arc<Ctx>, id: &str) -> Result<Reply> {
    let e = get(ctx, id)?;
    let (entry, args) = e
        .command
        .split_first()
        .map_or(("", &[][..]), |(a, b)| (a.as_str(), b));
    Ok(json(
        200,
        &json!({
            "ID": id,
            "Running": e.running,
            "ExitCode": e.exit_code,
            "ProcessConfig": {
                "tty": e.opts.tty,
                "entrypoint": entry,
                "arguments": args,
                "user": e.opts.user.clone().unwrap_or_default(),
                "privileged": e.opts.privileged,
            },
            "OpenStdin": e.stdin,
            "OpenStdout": e.stdout,
            "OpenStderr": e.stderr,
            "ContainerID": e.container,
            "Pid": 0,
            "CanRemove": false,
            "DetachKeys": "",
        }),
    ))
}

/// `POST /exec/{id}/resize?h=&w=`.
pub(crate) async fn resize(ctx: &Arc<Ctx>, id: &str, call: &Call) -> Result<Reply> {
    let (h, w) = (call.query.num::<u16>("h")?, call.query.num::<u16>("w")?);
    let (Some(rows), Some(cols)) = (h, w) else {
        return Ok(empty(201));
    };
    let e = get(ctx, id)?;
    match e.pty {
        Some(pty) => set_size(&pty, rows, cols),
        // Not started yet: its terminal gets this size when it is made.
        None => update(ctx, id, |e| e.opts.console_size = Some((rows, cols))),
    }
    Ok(empty(201))
}

fn set_size(fd: &OwnedFd, rows: u16, cols: u16) {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    use std::os::fd::AsRawFd;
    // SAFETY: TIOCSWINSZ reads a winsize from the pointer, which outlives the call.
    unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
}

/// The body of an exec start.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "PascalCase")]
struct StartBody {
    detach: bool,
}

/// Marks an exec instance started, unless it was already (one lock: two starts never both
/// run it); the instance as it was.
fn claim(ctx: &Ctx, id: &str) -> Result<Exec> {
    let mut t = ctx
        .execs
        .lock()
        .map_err(|_| ApiError::Internal("exec table poisoned".into()))?;
    let e = t
        .get_mut(id)
        .ok_or_else(|| ApiError::NotFound(format!("No such exec instance: {id}")))?;
    if e.running || e.exit_code.is_some() {
        return Err(ApiError::Conflict(format!(
            "exec session {id} has already run"
        )));
    }
    e.running = true;
    Ok(e.clone())
}

/// `POST /exec/{id}/start`: detached, 200 at once; else the connection is hijacked (or the
/// output streamed) until the command ends.
pub(crate) async fn start(ctx: &Arc<Ctx>, id: &str, mut call: Call) -> Result<Reply> {
    let upgrade = upgrade_of(&mut call);
    let b: StartBody = read_json(call.req.into_body()).await?;
    let e = claim(ctx, id)?;
    let (ctx2, id2) = (ctx.clone(), id.to_string());
    let busy = ctx.tracker.busy();
    let run = move |io: Option<Hijack>| {
        let _busy = busy;
        let code = run(&ctx2, &id2, e, io.as_ref()).unwrap_or_else(|err| {
            // Docker writes why it failed to the stream; the client shows it.
            if let Some(io) = &io {
                let _ = io
                    .writer(2, true, false)
                    .write_all(format!("{err}\n").as_bytes());
            }
            match err {
                ApiError::Libpod(e) => e.exit_code(),
                _ => 126,
            }
        });
        // Recorded before the stream ends: clients inspect the exit code right after.
        update(&ctx2, &id2, |e| {
            e.running = false;
            e.exit_code = Some(code);
            e.ended = Some(std::time::Instant::now());
        });
        if let Some(io) = io {
            io.close();
        }
    };
    if b.detach {
        tokio::task::spawn_blocking(move || run(None));
        return Ok(empty(200));
    }
    Ok(hijack(ctx, upgrade, run))
}

/// The stdio of an exec: pipes (or a terminal) whose other ends we copy.
struct Ends {
    stdio: [Stdio; 3],
    out: Option<OwnedFd>,
    err: Option<OwnedFd>,
    input: Option<OwnedFd>,
}

fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| ApiError::io("make a pipe", e.into()))
}

fn ends(e: &mut Exec, attached: bool) -> Result<Ends> {
    if !attached {
        // Detached: nobody reads its output or writes its input.
        return Ok(Ends {
            stdio: [Stdio::null(), Stdio::null(), Stdio::null()],
            out: None,
            err: None,
            input: None,
        });
    }
    if e.opts.tty {
        let pty = nix::pty::openpty(None, None).map_err(|e| ApiError::io("openpty", e.into()))?;
        let slave = |fd: &OwnedFd| {
            fd.try_clone()
                .map(Stdio::from)
                .map_err(|e| ApiError::io("dup the terminal", e))
        };
        let stdio = [slave(&pty.slave)?, slave(&pty.slave)?, slave(&pty.slave)?];
        let master = pty.master;
        if let Some((rows, cols)) = e.opts.console_size {
            set_size(&master, rows, cols);
        }
        let input = master
            .try_clone()
            .map_err(|e| ApiError::io("dup the terminal", e))?;
        let sizer = master
            .try_clone()
            .map_err(|e| ApiError::io("dup the terminal", e))?;
        e.pty = Some(Arc::new(sizer));
        return Ok(Ends {
            stdio,
            out: Some(master),
            err: None,
            input: Some(input),
        });
    }
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    let (stdin, input) = if e.stdin {
        let (r, w) = pipe()?;
        (Stdio::from(r), Some(w))
    } else {
        (Stdio::null(), None)
    };
    Ok(Ends {
        stdio: [stdin, Stdio::from(out_w), Stdio::from(err_w)],
        out: Some(out_r),
        err: Some(err_r),
        input,
    })
}

/// Copies a pipe to the client until its writers are gone (EIO ends a terminal's).
fn copy_out(fd: OwnedFd, mut to: impl Write) {
    let mut f = std::fs::File::from(fd);
    let mut buf = [0u8; 32 * 1024];
    loop {
        match f.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
}

/// Runs the exec with its streams on `io`; its exit code.
fn run(ctx: &Ctx, id: &str, mut e: Exec, io: Option<&Hijack>) -> Result<i32> {
    let c = ctx.rt.container(&e.container)?;
    if let Ok(t) = ctx.execs.lock()
        && let Some(size) = t.get(id).and_then(|x| x.opts.console_size)
    {
        e.opts.console_size = Some(size);
    }
    let ends = ends(&mut e, io.is_some())?;
    let pty = e.pty.clone();
    update(ctx, id, |x| x.pty = pty);
    let Ends {
        stdio,
        out,
        err,
        input,
    } = ends;
    let mut threads = Vec::new();
    if let Some(io) = io {
        let (tty, s_out, s_err) = (e.opts.tty, e.stdout, e.stderr);
        if let Some(fd) = out {
            let w = io.writer(1, s_out || tty, tty);
            threads.push(std::thread::spawn(move || copy_out(fd, w)));
        }
        if let Some(fd) = err {
            let w = io.writer(2, s_err, tty);
            threads.push(std::thread::spawn(move || copy_out(fd, w)));
        }
        if let Some(fd) = input.filter(|_| e.stdin) {
            let mut r = io.reader();
            // Ends with the client's input or the connection; not joined (it may block on
            // a client that never closes its side).
            std::thread::spawn(move || {
                let mut f = std::fs::File::from(fd);
                let _ = std::io::copy(&mut r, &mut f);
            });
        }
    }
    let code = c.exec(&e.command, &e.opts, stdio);
    // A terminal's other end is ours: close it so its reader sees the end.
    drop(e.pty.take());
    update(ctx, id, |x| x.pty = None);
    for t in threads {
        let _ = t.join();
    }
    Ok(code?)
}
