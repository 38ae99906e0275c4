//! `rpod pod ...`.

use super::*;

pub(super) const POD_HEADERS: &[(&str, &str)] = &[
    ("ID", "POD ID"),
    ("CreatedHuman", "CREATED"),
    ("NumberOfContainers", "# OF CONTAINERS"),
    ("InfraID", "INFRA ID"),
];

pub(super) fn pod_targets(rt: &Runtime, t: &PodTargets) -> Result<Vec<libpod::Pod>> {
    if t.all {
        return Ok(rt.pods()?);
    }
    if t.latest {
        let mut pods = rt.pods()?;
        pods.sort_by_key(|p| p.config().map(|c| c.created).unwrap_or(0));
        return pods
            .pop()
            .map(|p| vec![p])
            .ok_or_else(|| anyhow!("no pods"));
    }
    if t.names.is_empty() {
        bail!("give at least one pod name or ID, --all or --latest");
    }
    t.names.iter().map(|n| Ok(rt.pod(n)?)).collect()
}

pub(super) fn each_pod(
    rt: &Runtime,
    t: &PodTargets,
    f: impl Fn(&libpod::Pod) -> Result<()>,
) -> Result<i32> {
    for p in pod_targets(rt, t)? {
        f(&p)?;
        println!("{}", p.id());
    }
    Ok(0)
}

pub(super) fn pod(rt: &Runtime, pc: PodCommand) -> Result<i32> {
    match pc {
        PodCommand::Create {
            name,
            publish,
            network,
            network_alias,
            addresses,
            hostname,
            label,
            infra,
            share,
        } => {
            let (network, network_options) = libpod::parse_network(&network)?;
            let statics = addresses.options(&[])?;
            let p = rt.create_pod(PodOptions {
                share: libpod::parse_pod_share(&share)?,
                name,
                labels: parse::labels(&label),
                hostname,
                network,
                network_options,
                network_aliases: network_alias,
                static_ips: statics.ips,
                static_mac: statics.mac,
                ports: publish
                    .iter()
                    .map(|p| libpod::parse_publish(p).map_err(anyhow::Error::from))
                    .collect::<Result<_>>()?,
                infra,
            })?;
            println!("{}", p.id());
            Ok(0)
        }
        PodCommand::Start(t) => each_pod(rt, &t, |p| Ok(p.start()?)),
        PodCommand::Stop { time, targets: t } => each_pod(rt, &t, |p| Ok(p.stop(time)?)),
        PodCommand::Kill { signal, targets: t } => {
            let s = libpod::parse_signal(&signal)?;
            each_pod(rt, &t, |p| Ok(p.kill(s)?))
        }
        PodCommand::Pause(t) => each_pod(rt, &t, |p| Ok(p.pause()?)),
        PodCommand::Unpause(t) => each_pod(rt, &t, |p| Ok(p.unpause()?)),
        PodCommand::Restart(t) => each_pod(rt, &t, |p| Ok(p.restart(None)?)),
        PodCommand::Rm {
            force,
            ignore,
            time,
            targets: t,
        } => {
            let names: Vec<String> = if t.all || t.latest {
                pod_targets(rt, &t)?
                    .iter()
                    .map(|p| p.id().to_string())
                    .collect()
            } else {
                t.names.clone()
            };
            if names.is_empty() && !t.all {
                bail!("give at least one pod name or ID, --all or --latest");
            }
            let opts = libpod::RemoveOptions {
                force,
                timeout: time,
                ignore_missing: force || ignore,
                ..Default::default()
            };
            Ok(report(rt.remove_pods(&names, &opts)))
        }
        PodCommand::Exists { name } => match rt.pod(&name) {
            Ok(_) => Ok(0),
            Err(e) if e.is_not_found() => Ok(1),
            Err(e) => Err(e.into()),
        },
        PodCommand::Stats(a) => super::stats::stats(rt, &a, true),
        PodCommand::Ps { quiet, format } => {
            let pods = rt.pods()?;
            if quiet {
                for p in &pods {
                    println!("{}", &p.id()[..12]);
                }
                return Ok(0);
            }
            let items: Vec<Value> = pods.iter().map(pod_json).collect::<Result<_>>()?;
            print!("{}", output(&items, format.as_deref().unwrap_or("table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.CreatedHuman}}\t{{.InfraID}}\t{{.NumberOfContainers}}"), POD_HEADERS)?);
            Ok(0)
        }
        PodCommand::Inspect { format, targets: t } => {
            let items: Vec<Value> = pod_targets(rt, &t)?
                .iter()
                .map(pod_inspect_json)
                .collect::<Result<_>>()?;
            let f = format.as_deref().unwrap_or("json");
            match items.as_slice() {
                [one] => print!("{}", crate::format::output_one(one, f)?),
                _ => print!("{}", output(&items, f, &[])?),
            }
            Ok(0)
        }
    }
}
