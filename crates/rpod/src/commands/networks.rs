//! `rpod network ...`.

use super::*;

pub(super) const NET_HEADERS: &[(&str, &str)] = &[("ID", "NETWORK ID")];

pub(super) fn network(rt: &Runtime, nc: NetworkCommand) -> Result<i32> {
    match nc {
        NetworkCommand::Create {
            driver,
            opts,
            subnets,
            gateways,
            ip_ranges,
            ipv6,
            interface,
            internal,
            disable_dns,
            labels,
            name,
        } => {
            let n = rt.create_network(&libpod::network::NetworkCreate {
                name,
                subnets: libpod::subnet_requests(&subnets, &gateways, &ip_ranges)?,
                ipv6,
                bridge: interface,
                internal,
                disable_dns,
                labels: crate::parse::labels(&labels),
                driver,
                options: crate::parse::labels(&opts),
            })?;
            println!("{}", n.name);
            Ok(0)
        }
        NetworkCommand::Prune { .. } => {
            for n in rt.prune_networks()? {
                println!("{n}");
            }
            Ok(0)
        }
        NetworkCommand::Connect {
            addresses,
            aliases,
            network,
            container,
        } => {
            let o = addresses.options(&aliases)?;
            rt.container(&container)?
                .connect_network_with(&network, &o)?;
            Ok(0)
        }
        NetworkCommand::Disconnect {
            network, container, ..
        } => {
            rt.container(&container)?.disconnect_network(&network)?;
            Ok(0)
        }
        NetworkCommand::Reload { all, containers } => reload(rt, all, &containers),
        NetworkCommand::Exists { name } => match rt.network(&name) {
            Ok(_) => Ok(0),
            Err(e) if e.is_not_found() => Ok(1),
            Err(e) => Err(e.into()),
        },
        NetworkCommand::Ls {
            quiet,
            filters,
            format,
        } => ls(rt, quiet, &filters, format.as_deref()),
        NetworkCommand::Inspect { format, names } => {
            let items: Vec<Value> = names
                .iter()
                .map(|n| Ok(views::network_item(&rt.network(n)?)))
                .collect::<Result<_>>()?;
            print!(
                "{}",
                output(&items, format.as_deref().unwrap_or("json"), &[])?
            );
            Ok(0)
        }
        NetworkCommand::Rm { force, names } => {
            let opts = libpod::RemoveOptions {
                force,
                timeout: None,
                ignore_missing: false,
                ..Default::default()
            };
            Ok(report(rt.remove_networks(&names, &opts)))
        }
    }
}

/// `network reload`: each container's ID, or its error; the last error's exit code.
fn reload(rt: &Runtime, all: bool, containers: &[String]) -> Result<i32> {
    let outcomes = if all {
        rt.reload_all_networks()?
    } else {
        containers
            .iter()
            .map(|c| match rt.container(c) {
                Ok(ctr) => (ctr.id().to_string(), ctr.reload_network()),
                Err(e) => (c.clone(), Err(e)),
            })
            .collect()
    };
    let mut code = 0;
    for (id, r) in outcomes {
        match r {
            Ok(()) => println!("{id}"),
            Err(e) => {
                code = e.exit_code();
                eprintln!("Error: {}", crate::one_line(&e.into()));
            }
        }
    }
    Ok(code)
}

/// `network ls`: the networks that pass the filters, as names or formatted.
fn ls(rt: &Runtime, quiet: bool, filters: &[String], format: Option<&str>) -> Result<i32> {
    let filters: Vec<libpod::NetworkFilter> = filters
        .iter()
        .map(|f| f.parse())
        .collect::<libpod::Result<_>>()?;
    let (list, errs) = rt.filter_networks(&filters)?;
    for e in errs {
        eprintln!("WARN: {e}");
    }
    if quiet {
        for n in &list {
            println!("{}", n.name);
        }
        return Ok(0);
    }
    let items: Vec<Value> = list.iter().map(views::network_item).collect();
    print!(
        "{}",
        output(
            &items,
            format.unwrap_or("table {{.ID}}\t{{.Name}}\t{{.Driver}}"),
            NET_HEADERS
        )?
    );
    Ok(0)
}
