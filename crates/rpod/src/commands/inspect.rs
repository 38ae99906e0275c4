//! Looking at containers: ps, inspect, port, top, and their files (cp, export, diff, mount).

use super::*;

pub(super) const PS_HEADERS: &[(&str, &str)] = &[
    ("ID", "CONTAINER ID"),
    ("CommandLine", "COMMAND"),
    ("CreatedHuman", "CREATED"),
    ("RunningFor", "CREATED"),
    ("Names", "NAMES"),
    ("PodName", "POD NAME"),
    ("Size", "SIZE"),
];

/// `ps`'s options.
pub(super) struct PsOpts<'a> {
    all: bool,
    quiet: bool,
    format: Option<&'a str>,
    filters: &'a [String],
    latest_only: bool,
    last: Option<usize>,
    sort: Option<&'a str>,
    no_trunc: bool,
    pod: bool,
    size: bool,
}

pub(super) fn ps(rt: &Runtime, o: PsOpts<'_>) -> Result<i32> {
    let PsOpts {
        all,
        quiet,
        format,
        filters,
        latest_only,
        last,
        sort,
        no_trunc,
        pod,
        size,
    } = o;
    let filters = filters
        .iter()
        .map(|f| f.parse())
        .collect::<libpod::Result<Vec<libpod::ContainerFilter>>>()?;
    let list = rt.list_containers(&libpod::ListOptions {
        all,
        filters,
        latest: latest_only,
        last,
        sort: sort.map(str::parse).transpose()?.unwrap_or_default(),
    })?;
    if quiet {
        for (c, _) in &list {
            println!(
                "{}",
                if no_trunc {
                    c.id.clone()
                } else {
                    c.id[..12].to_string()
                }
            );
        }
        return Ok(0);
    }
    let images = rt.images()?;
    // A pod's members share its network, so they show its published ports, as podman does.
    let pods: Vec<(String, String, String)> = rt
        .pods()?
        .iter()
        .filter_map(|p| {
            p.config()
                .ok()
                .map(|c| (c.id, c.name, views::ports_line(&c.ports)))
        })
        .collect();
    let items: Vec<Value> = list
        .iter()
        .map(|(c, s)| {
            let img = images.iter().find(|i| i.id == c.image_id);
            let pod = c
                .pod
                .as_ref()
                .and_then(|p| pods.iter().find(|(id, _, _)| id == p));
            let pn = pod.map(|(_, n, _)| n.clone()).unwrap_or_default();
            let mut v = views::ps_item(c, s, img, &pn, format == Some("json"));
            if let Some((_, _, ports)) = pod
                && c.ports.is_empty()
            {
                v["Ports"] = json!(ports);
            }
            if size {
                let cs = rt
                    .container(&c.id)
                    .and_then(|c| c.size())
                    .unwrap_or_default();
                v["Size"] = json!(views::size_line(&cs));
                if let Some(j) = v.get_mut("__json") {
                    j["Size"] = json!({"rootFsSize": cs.root_fs, "rwSize": cs.rw});
                }
            }
            if no_trunc {
                v["ID"] = json!(c.id);
                v["Command"] = v["CommandLine"].clone();
            }
            v
        })
        .collect();
    let mut default = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}".to_string();
    if pod {
        default.push_str("\t{{.PodName}}");
    }
    if size {
        default.push_str("\t{{.Size}}");
    }
    let f = format.unwrap_or(&default);
    print!("{}", output(&items, f, PS_HEADERS)?);
    Ok(0)
}

pub(super) fn inspect(
    rt: &Runtime,
    format: Option<&str>,
    kind: Option<&str>,
    t: &Targets,
) -> Result<i32> {
    let names = if t.latest {
        vec![latest(rt)?]
    } else {
        t.names.clone()
    };
    if names.is_empty() {
        bail!("give at least one name or ID");
    }
    let mut items = Vec::new();
    let mut missing = Vec::new();
    for n in &names {
        let want = |k: &str| kind.is_none_or(|x| x == k);
        if want("container")
            && let Ok(c) = rt.container(n)
        {
            items.push(container_json(rt, &c)?);
            continue;
        }
        if want("image")
            && let Ok(i) = rt.image_details(n)
        {
            items.push(views::inspect_image(&i));
            continue;
        }
        if want("pod")
            && let Ok(p) = rt.pod(n)
        {
            items.push(pod_inspect_json(&p)?);
            continue;
        }
        missing.push(n.clone());
    }
    // podman prints what it found, then an error for what it did not.
    if !items.is_empty() || missing.is_empty() {
        print!("{}", output(&items, format.unwrap_or("json"), &[])?);
    }
    match missing.last() {
        Some(n) => {
            for m in &missing[..missing.len() - 1] {
                eprintln!("Error: no such object: {m:?}");
            }
            bail!("no such object: {n:?}")
        }
        None => Ok(0),
    }
}

pub(super) fn container_json(rt: &Runtime, c: &Container) -> Result<Value> {
    let (cfg, st) = (c.config()?, c.state()?);
    let img = rt.image(&cfg.image_id).ok();
    let userdata = rt.config()?.static_dir.join("containers").join(&cfg.id);
    let mounts = views::mount_items(&cfg, |name| {
        rt.volume(name)
            .and_then(|v| v.config())
            .ok()
            .map(|c| c.mount_point)
    });
    let mut v = views::inspect_container(
        &cfg,
        &st,
        img.as_ref(),
        &rt.log_path(&cfg.id).display().to_string(),
        &userdata,
        mounts,
    );
    let execs: Vec<String> = rt
        .container(&cfg.id)?
        .exec_sessions()?
        .into_iter()
        .map(|s| s.id)
        .collect();
    v["ExecIDs"] = json!(execs);
    Ok(v)
}

/// `pod inspect`'s view: `pod_json` without the `pod ps` JSON kept aside.
pub(super) fn pod_inspect_json(p: &libpod::Pod) -> Result<Value> {
    let mut v = pod_json(p)?;
    if let Some(m) = v.as_object_mut() {
        m.remove("__json");
    }
    Ok(v)
}

pub(super) fn pod_json(p: &libpod::Pod) -> Result<Value> {
    let cfg = p.config()?;
    let st = p.pod_state()?;
    let ctrs = p.containers()?;
    Ok(json!({
        "Id": cfg.id,
        "ID": &cfg.id[..12],
        "Name": cfg.name,
        "Created": crate::format::rfc3339(cfg.created),
        "CreatedHuman": ago(cfg.created),
        "State": p.status()?.to_string(),
        "Status": p.status()?.to_string(),
        "Hostname": cfg.hostname.clone().unwrap_or_default(),
        "Labels": cfg.labels,
        "InfraContainerID": st.infra_container.clone().unwrap_or_default(),
        "InfraID": st.infra_container.as_deref().map(|i| &i[..12]).unwrap_or(""),
        "SharedNamespaces": cfg.shared_namespaces,
        "NumContainers": ctrs.len(),
        "NumberOfContainers": ctrs.len(),
        "Containers": ctrs.iter().map(|(c, s)| json!({"Id": c.id, "Name": c.name, "State": s.status.as_str()})).collect::<Vec<_>>(),
        "Ports": views::ports_line(&cfg.ports),
        "InfraConfig": {
            "PortBindings": views::published(&cfg.ports),
            "HostNetwork": cfg.network == libpod::state::NetworkMode::Host,
            "Networks": match &cfg.network {
                libpod::state::NetworkMode::Networks(n) => n.clone(),
                _ => Vec::new(),
            },
        },
        // What `pod ps --format json` prints, as podman 4.3.
        "__json": {
            "Cgroup": "",
            "Containers": ctrs.iter().map(|(c, s)| json!({"Id": c.id, "Names": c.name, "Status": s.status.as_str()})).collect::<Vec<_>>(),
            "Created": libpod::rfc3339_nano(cfg.created),
            "Id": cfg.id,
            "InfraId": st.infra_container.clone().unwrap_or_default(),
            "Name": cfg.name,
            "Namespace": "",
            "Networks": Vec::<String>::new(),
            "Status": p.status()?.to_string(),
            "Labels": cfg.labels,
        },
    }))
}

/// `top`'s rows as tab-separated lines for `format::columns`.
pub(super) fn top_rows(rows: &[Vec<String>]) -> Vec<String> {
    rows.iter().map(|r| r.join("\t")).collect()
}

/// `cp`: podman's spelling over `Container::copy_in`/`copy_out` and their tar forms.
pub(super) fn cp(rt: &Runtime, src: &str, dest: &str, opts: &libpod::CopyOptions) -> Result<i32> {
    let split = |s: &str| -> Option<(String, String)> {
        s.split_once(':')
            .filter(|(c, _)| !c.is_empty() && !c.contains('/'))
            .map(|(c, p)| (c.to_string(), p.to_string()))
    };
    match (split(src), split(dest)) {
        (None, Some((c, p))) if src == "-" => {
            rt.container(&c)?
                .copy_in_tar(std::io::stdin().lock(), &p, opts)?
        }
        (None, Some((c, p))) => rt.container(&c)?.copy_in(Path::new(src), &p, opts)?,
        (Some((c, p)), None) if dest == "-" => {
            let mut out = std::io::stdout().lock();
            rt.container(&c)?.copy_out_tar(&p, &mut out)?;
            std::io::Write::flush(&mut out)?;
        }
        (Some((c, p)), None) => rt.container(&c)?.copy_out(&p, Path::new(dest), opts)?,
        (Some(_), Some(_)) => {
            bail!("copying between containers is not supported: copy to the host first")
        }
        (None, None) => bail!("one of SRC and DEST must be CONTAINER:PATH"),
    }
    Ok(0)
}

/// ps, inspect, port and top.
pub(super) fn listing(rt: &Runtime, cmd: ContainerCmd, t: &mut Trace) -> Result<i32> {
    let _ = &t;
    match cmd {
        ContainerCmd::Ps {
            all,
            quiet,
            format,
            filter,
            latest,
            last,
            sort,
            no_trunc,
            pod,
            size,
        } => ps(
            rt,
            PsOpts {
                all,
                quiet,
                format: format.as_deref(),
                filters: &filter,
                latest_only: latest,
                last,
                sort: sort.as_deref(),
                no_trunc,
                pod,
                size,
            },
        ),
        ContainerCmd::Inspect {
            format,
            kind,
            targets: tg,
        } => inspect(rt, format.as_deref(), kind.as_deref(), &tg),
        ContainerCmd::Port { all, latest, args } => port(rt, all, latest, &args),
        ContainerCmd::Top { latest, args } => {
            // With --latest every word is a descriptor; otherwise the first names the container.
            let (names, descriptors) = if latest {
                (Vec::new(), args.as_slice())
            } else {
                match args.split_first() {
                    Some((c, rest)) => (vec![c.clone()], rest),
                    None => bail!("top needs a container (or --latest)"),
                }
            };
            let tg = Targets { latest, names };
            let c = targets(rt, &tg)?
                .into_iter()
                .next()
                .ok_or_else(|| anyhow!("no container"))?;
            print!(
                "{}",
                crate::format::columns(&top_rows(&c.top(descriptors)?))
            );
            Ok(0)
        }
        other => bail!("rpod: {other:?} reached the wrong handler"),
    }
}

/// cp, export, diff, mount and unmount.
pub(super) fn files(rt: &Runtime, cmd: ContainerCmd, t: &mut Trace) -> Result<i32> {
    let _ = &t;
    match cmd {
        ContainerCmd::Cp {
            archive,
            overwrite,
            src,
            dest,
        } => cp(
            rt,
            &src,
            &dest,
            &libpod::CopyOptions::new(archive, overwrite),
        ),
        ContainerCmd::Export {
            output: out,
            container,
        } => {
            let c = rt.container(&container)?;
            match out {
                Some(p) => c.export(
                    std::fs::File::create(&p)
                        .with_context(|| format!("creating {}", p.display()))?,
                )?,
                None => {
                    if std::io::stdout().is_terminal() {
                        bail!("refusing to write a tarball to a terminal; use -o FILE or redirect");
                    }
                    c.export(std::io::stdout().lock())?
                }
            }
            Ok(0)
        }
        ContainerCmd::Diff { container } => {
            super::image::print_changes(&rt.container(&container)?.changes()?, None)?;
            Ok(0)
        }
        ContainerCmd::Mount { container } => {
            match container {
                Some(c) => println!("{}", rt.container(&c)?.mount()?.display()),
                None => {
                    for (id, path) in rt.mounted_containers()? {
                        println!("{} {}", &id[..12], path.display());
                    }
                }
            }
            Ok(0)
        }
        ContainerCmd::Unmount { container } => {
            rt.container(&container)?.unmount()?;
            println!("{container}");
            Ok(0)
        }
        other => bail!("rpod: {other:?} reached the wrong handler"),
    }
}

/// `port`: a container's published ports (`8080/tcp -> 0.0.0.0:32768`), the host address
/// of one private port, or with `--all` every running container's, prefixed by its ID.
fn port(rt: &Runtime, all: bool, latest: bool, args: &[String]) -> Result<i32> {
    if all {
        for (cfg, st) in rt.containers()? {
            if st.status == libpod::state::ContainerStatus::Running {
                for (private, host) in libpod::published_ports(&cfg.ports) {
                    println!("{}\t{private} -> {host}", &cfg.id[..12]);
                }
            }
        }
        return Ok(0);
    }
    let (names, rest) = if latest {
        (Vec::new(), args)
    } else {
        match args.split_first() {
            Some((c, rest)) => (vec![c.clone()], rest),
            None => bail!("port needs a container (or --latest or --all)"),
        }
    };
    let tg = Targets { latest, names };
    for c in targets(rt, &tg)? {
        let ports = c.config()?.ports;
        match rest.first() {
            None => libpod::published_ports(&ports)
                .iter()
                .for_each(|(private, host)| println!("{private} -> {host}")),
            Some(want) => println!(
                "{}",
                libpod::published_port(&ports, want)
                    .ok_or_else(|| anyhow!("failed to find published port {want:?}"))?
            ),
        }
    }
    Ok(0)
}
