//! Containers: run and create, the lifecycle, logs, exec and attach.

use super::*;

/// Copies the container's output to ours until it exits; stdin too with `-i`.
/// The detach keys of an attach: those asked for, else podman's ctrl-p,ctrl-q when typing
/// into a container terminal, else none.
fn detach_keys(asked: Option<&str>, tty_input: bool) -> Result<Vec<u8>> {
    match asked {
        Some(k) => Ok(libpod::parse_detach_keys(k)?),
        None if tty_input => Ok(libpod::parse_detach_keys("ctrl-p,ctrl-q")?),
        None => Ok(Vec::new()),
    }
}

/// Attaches (starting the container when `start`) until it exits (`Some(code)`) or the
/// detach keys are typed (`None`: it goes on running).
pub(super) fn attach_and_wait(
    rt: &Runtime,
    c: &Container,
    stdin: bool,
    start: bool,
    sig_proxy: bool,
    keys: Option<&str>,
) -> Result<Option<i32>> {
    // First, before any thread: the proxy's signal block is inherited by threads made later.
    if sig_proxy {
        crate::sigproxy::start(c.clone());
    }
    // A container that ran before gets a new conmon (and attach socket) before we connect,
    // so `start -a` shows the new run's output.
    if start && matches!(c.state()?.status, S::Configured | S::Exited | S::Stopped) {
        c.init()?;
    }
    // A container terminal gets the host terminal's size and, when it is typed into, raw
    // keys (restored when this returns).
    let tty = c.config()?.tty;
    if tty {
        term::forward_resizes(c.clone());
    }
    let _raw = (tty && stdin).then(term::RawMode::enter).flatten();
    let input: Option<Box<dyn Read + Send>> = if stdin {
        Some(Box::new(std::io::stdin()))
    } else {
        None
    };
    let keys = detach_keys(keys, tty && stdin)?;
    // Whichever comes first: the detach keys (from the attach thread) or the exit.
    let (tx, rx) = std::sync::mpsc::channel::<Option<Result<i32>>>();
    // Connected before start, so no output is missed.
    let conn = c.connect_attach().ok();
    let reader = conn.map(|conn| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let (mut o, mut e) = (std::io::stdout(), std::io::stderr());
            if let Ok(libpod::AttachEnd::Detached) =
                conn.run_detachable(input, &mut o, &mut e, &keys)
            {
                let _ = tx.send(None);
            }
        })
    });
    if start {
        c.start()?;
    }
    let waiter = c.clone();
    let rt2 = rt.clone();
    std::thread::spawn(move || {
        let code = match waiter.wait() {
            Ok(code) => Ok(code),
            // conmon's exit command may remove an auto-removed container before we look:
            // its exit code is kept.
            Err(e) if e.is_not_found() => {
                rt2.exit_code(waiter.id())
                    .map_err(Into::into)
                    .and_then(|c| {
                        c.ok_or_else(|| {
                            anyhow!("container {} is gone and left no exit code", waiter.id())
                        })
                    })
            }
            Err(e) => Err(e.into()),
        };
        let _ = tx.send(Some(code));
    });
    match rx.recv() {
        Ok(Some(code)) => {
            if let Some(r) = reader {
                let _ = r.join();
            }
            code.map(Some)
        }
        Ok(None) => Ok(None),
        Err(_) => bail!("the attach ended without an exit or a detach"),
    }
}

/// Applies `--pull` before create: the image is pulled when the policy says so.
pub(super) fn ensure_image(rt: &Runtime, a: &CreateArgs) -> Result<()> {
    if a.rootfs {
        return Ok(());
    }
    let present = rt.image(&a.image).is_ok();
    let fall_back = match a.pull.parse::<libpod::PullPolicy>()?.decide(present) {
        libpod::PullDecision::UseLocal => return Ok(()),
        libpod::PullDecision::Pull { fall_back } => fall_back,
    };
    // Only now: `--creds USER` may ask for a password.
    let mut req = pull_request(
        a.platform.clone(),
        a.registry.clone(),
        a.signature_policy.clone(),
    )?;
    // `newer` with a local copy falls back to it at once, as podman, unless told to retry.
    if fall_back && req.access.retries.is_none() {
        req.access.retries = Some(0);
    }
    match pull_with_bars(rt, &a.image, &req, a.quiet) {
        Ok(_) => Ok(()),
        // `newer` keeps using the local copy when the registry cannot be asked.
        Err(e) if fall_back => {
            eprintln!(
                "rpod: could not check {} for a newer image: {e}; using the local one",
                a.image
            );
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Pulls the image when the policy says so, creates the container, and writes `--cidfile`
/// (refused before anything is created when the file exists; the container is removed
/// again when the file cannot be written).
fn create(rt: &Runtime, a: &CreateArgs) -> Result<Container> {
    if let Some(f) = &a.cidfile
        && f.symlink_metadata().is_ok()
    {
        bail!(
            "container id file exists. Ensure another container is not using it or delete {}",
            f.display()
        );
    }
    ensure_image(rt, a)?;
    let c = rt.create_container(super::create_options::options(a)?)?;
    if let Some(f) = &a.cidfile {
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(f)
            .and_then(|mut fh| std::io::Write::write_all(&mut fh, c.id().as_bytes()));
        if let Err(e) = written {
            let _ = c.remove(true);
            bail!("writing the container ID to {}: {e}", f.display());
        }
    }
    Ok(c)
}

pub(super) fn run_container(
    rt: &Runtime,
    detach: bool,
    sig_proxy: bool,
    a: &CreateArgs,
    t: &mut Trace,
) -> Result<i32> {
    let c = create(rt, a)?;
    t.step("create (name check, lock, storage, state)");
    if detach {
        c.start()?;
        t.step("start (mount, network, spec, conmon, runtime)");
        println!("{}", c.id());
        return Ok(0);
    }
    let code = match attach_and_wait(
        rt,
        &c,
        a.interactive,
        true,
        sig_proxy,
        a.detach_keys.as_deref(),
    ) {
        // Detached: it runs on (and an auto-removed one goes when it exits).
        Ok(None) => return Ok(0),
        Ok(Some(code)) => code,
        Err(e) => {
            if a.rm {
                let _ = c.remove(true);
            }
            return Err(e);
        }
    };
    t.step("start, attach and wait");
    if a.rm {
        // conmon's exit command may have removed it already.
        match c.remove(false) {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        t.step("remove");
    }
    Ok(code)
}

/// Run, create, start, stop, restart, kill, pause, unpause, rm, wait.
pub(super) fn lifecycle(rt: &Runtime, cmd: ContainerCmd, t: &mut Trace) -> Result<i32> {
    let _ = &t;
    match cmd {
        ContainerCmd::Run {
            detach,
            sig_proxy,
            rmi,
            preserve_fds,
            mut args,
        } => {
            if rmi && detach {
                bail!("the --detach option conflicts with --rmi");
            }
            args.split_argv();
            args.rm |= rmi;
            args.preserve_fds = preserve_fds;
            let code = run_container(rt, detach, sig_proxy, &args, t)?;
            if rmi && !args.rootfs {
                // Another container using it keeps it, as podman.
                let _ = rt.remove_images(&[args.image.clone()], &Default::default());
            }
            Ok(code)
        }
        ContainerCmd::Create(mut a) => {
            a.split_argv();
            println!("{}", create(rt, &a)?.id());
            Ok(0)
        }
        ContainerCmd::Start {
            attach,
            interactive,
            sig_proxy,
            detach_keys,
            all,
            targets: tg,
        } => {
            let tg = with_all(rt, tg, all, false)?;
            if attach {
                let list = targets(rt, &tg)?;
                let c = list.first().ok_or_else(|| anyhow!("no container"))?;
                let end =
                    attach_and_wait(rt, c, interactive, true, sig_proxy, detach_keys.as_deref())?;
                return Ok(end.unwrap_or(0));
            }
            // A container already running is left as it is, and not named (as podman).
            let mut code = 0;
            for (i, c) in targets(rt, &tg)?.iter().enumerate() {
                match c.state().map(|s| s.status) {
                    Ok(S::Running) => continue,
                    _ => match c.start() {
                        Ok(()) => println!("{}", tg.names.get(i).map_or(c.id(), String::as_str)),
                        Err(e) => {
                            let e = anyhow::Error::from(e);
                            eprintln!("Error: {}", crate::one_line(&e));
                            code = crate::exit_code_of(&e);
                        }
                    },
                }
            }
            Ok(code)
        }
        ContainerCmd::Stop {
            time,
            all,
            ignore,
            cidfile,
            targets: tg,
        } => {
            let tg = with_cidfiles(tg, &cidfile, ignore)?;
            // Only missing cidfiles, ignored: nothing to do.
            if !cidfile.is_empty() && tg.names.is_empty() && !tg.latest && !all {
                return Ok(0);
            }
            let tg = with_all(rt, tg, all, true)?;
            let tg = if ignore { without_missing(rt, tg) } else { tg };
            each(rt, &tg, |c| c.stop(time).map(drop).map_err(Into::into))
        }
        ContainerCmd::Restart {
            time,
            all,
            running,
            targets: tg,
        } => {
            let tg = with_all(rt, tg, all, running)?;
            each(rt, &tg, |c| Ok(c.restart(time)?))
        }
        ContainerCmd::Kill {
            signal,
            all,
            targets: tg,
        } => {
            let sig = libpod::parse_signal(&signal)?;
            let tg = with_all(rt, tg, all, true)?;
            each(rt, &tg, |c| Ok(c.kill(sig)?))
        }
        ContainerCmd::Pause(tg) => each(rt, &tg, |c| Ok(c.pause()?)),
        ContainerCmd::Unpause(tg) => each(rt, &tg, |c| Ok(c.unpause()?)),
        rm @ ContainerCmd::Rm { .. } => remove(rt, rm),
        other => bail!("rpod: {other:?} reached the wrong handler"),
    }
}

/// `wait`, `container init` and `container prune`.
pub(super) fn states(rt: &Runtime, cmd: ContainerCmd) -> Result<i32> {
    match cmd {
        ContainerCmd::Wait {
            condition,
            interval,
            targets: tg,
        } => {
            let conditions = condition
                .iter()
                .map(|c| c.parse())
                .collect::<libpod::Result<Vec<libpod::WaitCondition>>>()?;
            let every = libpod::parse_go_duration(&interval)
                .filter(|n| *n > 0)
                .ok_or_else(|| anyhow!("--interval {interval:?}: not a duration such as 250ms"))?;
            let every = std::time::Duration::from_nanos(every.unsigned_abs());
            for c in targets(rt, &tg)? {
                println!("{}", c.wait_for(&conditions, every)?);
            }
            Ok(0)
        }
        ContainerCmd::Rename { container, name } => {
            rt.container(&container)?.rename(&name)?;
            Ok(0)
        }
        ContainerCmd::Update {
            resources,
            container,
        } => {
            let c = rt.container(&container)?;
            c.update(&limits::resources(&resources)?)?;
            println!("{}", c.id());
            Ok(0)
        }
        ContainerCmd::Init(tg) => {
            for (c, name) in targets(rt, &tg)?.into_iter().zip(tg.names.iter()) {
                c.init()?;
                println!("{name}");
            }
            Ok(0)
        }
        ContainerCmd::Prune { force, filter } => {
            let filters = filter
                .iter()
                .map(|f| f.parse())
                .collect::<libpod::Result<Vec<libpod::ContainerFilter>>>()?;
            confirm(force, "this removes every container that is not running")?;
            for id in rt.prune_containers(&filters)? {
                println!("{id}");
            }
            Ok(0)
        }
        other => bail!("rpod: {other:?} reached the wrong handler"),
    }
}

/// `exec`: the options to the library's exec (or detached exec).
fn exec(rt: &Runtime, cmd: ContainerCmd) -> Result<i32> {
    let ContainerCmd::Exec {
        interactive,
        tty,
        env,
        user,
        workdir,
        env_file,
        detach,
        privileged,
        container,
        command,
    } = cmd
    else {
        bail!("rpod: {cmd:?} reached the wrong handler");
    };
    let c = rt.container(&container)?;
    // Files first, then -e, as for create.
    let mut all = Vec::new();
    for f in &env_file {
        all.extend(parse::env_file(f)?);
    }
    all.extend(env);
    let env = all;
    // The runtime proxies a terminal only from one of ours; without one, `-t` is
    // dropped as podman does when output goes to a file or a pipe.
    let tty = tty && term::any_terminal();
    let stdin = if interactive {
        Stdio::inherit()
    } else {
        Stdio::null()
    };
    let o = libpod::ExecOptions {
        env,
        user,
        workdir,
        tty: tty && !detach,
        privileged,
        console_size: term::size(),
    };
    if detach {
        println!("{}", c.exec_detached(&command, &o)?);
        return Ok(0);
    }
    Ok(c.exec(&command, &o, [stdin, Stdio::inherit(), Stdio::inherit()])?)
}

/// `rm`: the targets (names, `--cidfile`s, `--all`, `--latest`) removed by the library.
fn remove(rt: &Runtime, cmd: ContainerCmd) -> Result<i32> {
    let ContainerCmd::Rm {
        force,
        all,
        ignore,
        time,
        depend,
        volumes,
        cidfile,
        targets: tg,
    } = cmd
    else {
        bail!("rpod: {cmd:?} reached the wrong handler");
    };
    let tg = with_cidfiles(tg, &cidfile, ignore || force)?;
    if !cidfile.is_empty() && tg.names.is_empty() && !tg.latest && !all {
        return Ok(0);
    }
    let names: Vec<String> = if all {
        rt.containers()?
            .into_iter()
            .filter(|(c, _)| !c.is_infra)
            .map(|(c, _)| c.id)
            .collect()
    } else if tg.latest {
        vec![latest(rt)?]
    } else if tg.names.is_empty() {
        bail!("give at least one container name or ID, --all or --latest");
    } else {
        tg.names.clone()
    };
    let opts = libpod::RemoveOptions {
        force,
        timeout: time,
        ignore_missing: force || ignore,
        depend,
        volumes,
    };
    Ok(report(rt.remove_containers(&names, &opts)))
}

/// Logs, exec and attach.
pub(super) fn io(rt: &Runtime, cmd: ContainerCmd, t: &mut Trace) -> Result<i32> {
    let _ = &t;
    match cmd {
        ContainerCmd::Logs {
            follow,
            tail,
            since,
            until,
            timestamps,
            show_names,
            targets: tg,
        } => {
            let now = libpod::now_ns();
            let time = |flag: &str, v: Option<String>| -> Result<Option<i64>> {
                v.map(|s| {
                    libpod::parse_time_filter(&s, now)
                        .with_context(|| format!("parsing {flag} {s:?}"))
                })
                .transpose()
            };
            let opts = LogOptions {
                since: time("--since", since)?,
                until: time("--until", until)?,
                tail,
            };
            let list = targets(rt, &tg)?;
            // Several containers: each line behind its container's short ID, as podman.
            let many = list.len() > 1;
            for c in &list {
                let prefix = if many && show_names {
                    format!("{} ", c.config()?.name)
                } else if many {
                    format!("{} ", &c.id()[..12])
                } else {
                    String::new()
                };
                let print = |l: &libpod::oci::LogLine| {
                    let mut text = prefix.clone();
                    if timestamps {
                        let t = libpod::parse_rfc3339(&l.time).map(libpod::rfc3339_nano);
                        text.push_str(&t.unwrap_or_else(|| l.time.clone()));
                        text.push(' ');
                    }
                    text.push_str(&l.text);
                    if l.stream == "stderr" {
                        eprintln!("{text}");
                    } else {
                        println!("{text}");
                    }
                };
                if follow && !many {
                    c.follow_logs(&opts, print)?;
                } else {
                    c.logs(&opts)?.iter().for_each(print);
                }
            }
            Ok(0)
        }
        c @ ContainerCmd::Exec { .. } => exec(rt, c),
        ContainerCmd::Attach {
            no_stdin,
            detach_keys,
            sig_proxy,
            targets: tg,
        } => {
            let c = targets(rt, &tg)?
                .into_iter()
                .next()
                .ok_or_else(|| anyhow!("no container"))?;
            if c.state()?.status != S::Running {
                bail!("container {} is not running: nothing to attach to", c.id());
            }
            let stdin = !no_stdin && c.config()?.stdin;
            let end = attach_and_wait(rt, &c, stdin, false, sig_proxy, detach_keys.as_deref())?;
            Ok(end.unwrap_or(0))
        }
        other => bail!("rpod: {other:?} reached the wrong handler"),
    }
}
