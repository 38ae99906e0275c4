//! Registries: pull, push, login and logout, and the flags they share.

use super::*;

pub(super) fn pull_request(
    platform: PlatformFlags,
    registry: RegistryFlags,
    signature_policy: Option<PathBuf>,
) -> Result<PullRequest> {
    Ok(PullRequest {
        platform: platform_of(platform)?,
        signature_policy,
        access: access(registry)?,
    })
}

/// `--platform`, or `--os`/`--arch`/`--variant` (each defaulting to this machine's), as one
/// `os/arch[/variant]`; none when nothing was asked.
pub(super) fn platform_of(f: PlatformFlags) -> Result<Option<String>> {
    if let Some(p) = f.platform {
        if f.os.is_some() || f.arch.is_some() {
            bail!("--platform cannot be given with --os or --arch");
        }
        // As podman: --variant may refine a --platform that names none.
        return Ok(Some(match f.variant {
            Some(v) if p.split('/').count() == 2 => format!("{p}/{v}"),
            _ => p,
        }));
    }
    if f.os.is_none() && f.arch.is_none() && f.variant.is_none() {
        return Ok(None);
    }
    let arch = f.arch.unwrap_or_else(|| libpod::go_arch().to_string());
    let mut p = format!("{}/{arch}", f.os.as_deref().unwrap_or("linux"));
    if let Some(v) = f.variant {
        p.push('/');
        p.push_str(&v);
    }
    Ok(Some(p))
}

/// The registry flags as libpod takes them.
pub(super) fn access(registry: RegistryFlags) -> Result<RegistryAccess> {
    Ok(RegistryAccess {
        auth_file: registry.authfile,
        tls_verify: registry.tls_verify,
        credentials: creds(registry.creds)?,
        cert_dir: registry.cert_dir,
        retries: registry.retry,
        retry_delay: registry.retry_delay,
        on_retry: Some(|n, of, delay, e| {
            eprintln!("rpod: {e}; trying again in {delay:?} ({n}/{of})");
        }),
        gzip_layers: false,
    })
}

/// `--creds USER[:PASSWORD]` split; a missing password is asked for on a terminal.
pub(super) fn creds(given: Option<String>) -> Result<Option<(String, String)>> {
    let Some(given) = given else {
        return Ok(None);
    };
    let (user, pass) = match given.split_once(':') {
        Some((u, p)) if !p.is_empty() => (u.to_string(), p.to_string()),
        // As podman: `USER` or `USER:` asks for the password.
        _ if std::io::stdin().is_terminal() => {
            let user = given.split_once(':').map_or(given.as_str(), |(u, _)| u);
            credentials_from_user(Some(user.to_string()), None, false)?
        }
        _ => bail!("--creds {given}: give USER:PASSWORD (no terminal to ask for the password)"),
    };
    if user.is_empty() {
        bail!("--creds: the user name must not be empty");
    }
    Ok(Some((user, pass)))
}

/// A progress callback drawing a bar per blob on a terminal (nothing when `quiet`).
pub(super) fn blob_bars(quiet: bool) -> impl FnMut(&libpod::storage::Progress) {
    let mut bars = if quiet {
        None
    } else {
        crate::bars::Bars::new("Copying blob")
    };
    move |p| {
        if let Some(b) = bars.as_mut() {
            b.update(p)
        }
    }
}

/// Pulls with a bar per layer on a terminal.
pub(super) fn pull_with_bars(
    rt: &Runtime,
    reference: &str,
    req: &PullRequest,
    quiet: bool,
) -> Result<libpod::storage::Image> {
    let mut report = blob_bars(quiet);
    Ok(rt.pull_image_with_progress(reference, req, Some(&mut report))?)
}

/// The user name and password for `login`: from the flags, standard input, or asked for on
/// the terminal (the password without echo).
pub(super) fn credentials_from_user(
    username: Option<String>,
    password: Option<String>,
    password_stdin: bool,
) -> Result<(String, String)> {
    let tty = std::io::stdin().is_terminal();
    let user = match username {
        Some(u) => u,
        None if tty && !password_stdin => {
            eprint!("Username: ");
            let mut u = String::new();
            std::io::stdin().read_line(&mut u)?;
            u.trim().to_string()
        }
        None => bail!("give the user name with --username"),
    };
    let pass = match password {
        Some(p) if !password_stdin => p,
        Some(_) => bail!("--password and --password-stdin are exclusive"),
        None if password_stdin => {
            let mut p = String::new();
            std::io::stdin().read_to_string(&mut p)?;
            p.trim_end_matches(['\n', '\r']).to_string()
        }
        None if tty => {
            eprint!("Password: ");
            let p = term::read_hidden_line()?;
            eprintln!();
            p
        }
        None => bail!("give the password with --password-stdin (or --password)"),
    };
    if user.is_empty() || pass.is_empty() {
        bail!("the user name and password must not be empty");
    }
    Ok((user, pass))
}

/// `pull`: the image ID on stdout, a summary (and bars on a terminal) on stderr.
pub(super) fn pull(rt: &Runtime, a: PullArgs) -> Result<i32> {
    let req = pull_request(a.platform, a.registry, a.signature_policy)?;
    if a.all_tags {
        let mut report = blob_bars(a.quiet);
        let imgs = rt.pull_all_tags_with_progress(&a.reference, &req, Some(&mut report))?;
        if !a.quiet {
            eprintln!("Pulled {} tags of {}", imgs.len(), a.reference);
        }
        for img in imgs {
            println!("{}", img.id);
        }
        return Ok(0);
    }
    let img = pull_with_bars(rt, &a.reference, &req, a.quiet)?;
    if !a.quiet {
        eprintln!(
            "Pulled {} ({} layers)",
            img.names.join(", "),
            img.layers.len()
        );
    }
    println!("{}", img.id);
    Ok(0)
}

/// `push`: to the image's own name unless a destination is given.
pub(super) fn push(rt: &Runtime, a: PushArgs) -> Result<i32> {
    let dest = a.destination.unwrap_or_else(|| a.image.clone());
    let mut report = blob_bars(a.quiet);
    let mut access = access(a.registry)?;
    access.gzip_layers = a.compression_format.is_some();
    let digest = rt.push_image(&a.image, &dest, &access, Some(&mut report))?;
    if let Some(f) = a.digestfile {
        std::fs::write(&f, &digest)
            .with_context(|| format!("writing the digest to {}", f.display()))?;
    }
    if !a.quiet {
        eprintln!("Pushed {dest} ({digest})");
    }
    Ok(0)
}

/// login and logout.
pub(super) fn login_cmd(rt: &Runtime, cmd: Command, t: &mut Trace) -> Result<i32> {
    let _ = &t;
    match cmd {
        Command::Login {
            registry,
            username,
            password,
            password_stdin,
            authfile,
            tls_verify,
            cert_dir,
        } => {
            let (user, pass) = credentials_from_user(username, password, password_stdin)?;
            let access = RegistryAccess {
                auth_file: authfile,
                tls_verify,
                cert_dir,
                ..Default::default()
            };
            rt.login(&registry, &user, &pass, &access)?;
            println!("Login Succeeded!");
            Ok(0)
        }
        Command::Logout {
            registry,
            all,
            authfile,
        } => {
            let file = authfile;
            match (registry, all) {
                (_, true) => {
                    libpod::logout(None, file)?;
                    println!("Removed login credentials for all registries");
                }
                (Some(r), false) => {
                    if !libpod::logout(Some(&r), file)? {
                        bail!("not logged into {r}");
                    }
                    println!("Removed login credentials for {r}");
                }
                (None, false) => bail!("give a registry, or --all"),
            }
            Ok(0)
        }
        other => bail!("rpod: {other:?} reached the wrong handler"),
    }
}
