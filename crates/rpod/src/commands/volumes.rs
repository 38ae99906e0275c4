//! `rpod volume ...`: flags to library calls, results through `views`.

use super::*;

pub(super) const VOL_HEADERS: &[(&str, &str)] = &[("Name", "VOLUME NAME")];

/// `KEY=VALUE` flags as a map (`KEY` alone is an empty value).
fn pairs(list: &[String]) -> std::collections::BTreeMap<String, String> {
    list.iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (s.clone(), String::new()),
        })
        .collect()
}

fn filters(list: &[String]) -> Result<Vec<libpod::VolumeFilter>> {
    Ok(list
        .iter()
        .map(|f| f.parse())
        .collect::<libpod::Result<_>>()?)
}

pub(super) fn volume(rt: &Runtime, vc: VolumeCommand) -> Result<i32> {
    match vc {
        VolumeCommand::Create {
            driver,
            label,
            opt,
            ignore,
            name,
        } => {
            let v = rt.create_volume(libpod::VolumeOptions {
                name,
                driver,
                labels: pairs(&label),
                options: pairs(&opt),
                ignore_existing: ignore,
            })?;
            println!("{}", v.name());
            Ok(0)
        }
        VolumeCommand::Ls {
            quiet,
            format,
            filter,
        } => {
            let list = rt.list_volumes(&filters(&filter)?)?;
            if quiet {
                for (v, _) in &list {
                    println!("{}", v.name);
                }
                return Ok(0);
            }
            let items: Vec<Value> = list.iter().map(|(c, s)| views::volume_item(c, s)).collect();
            let f = format.as_deref().unwrap_or("table {{.Driver}}\t{{.Name}}");
            print!("{}", output(&items, f, VOL_HEADERS)?);
            Ok(0)
        }
        VolumeCommand::Inspect { all, format, names } => {
            let names = if all {
                rt.volumes()?.into_iter().map(|(c, _)| c.name).collect()
            } else if names.is_empty() {
                bail!("give at least one volume name, or --all");
            } else {
                names
            };
            let mut items = Vec::new();
            for n in &names {
                let v = rt.volume(n)?;
                items.push(views::volume_item(&v.config()?, &v.state()?));
            }
            print!(
                "{}",
                output(&items, format.as_deref().unwrap_or("json"), &[])?
            );
            Ok(0)
        }
        VolumeCommand::Rm { force, all, names } => {
            let names = if all {
                rt.volumes()?.into_iter().map(|(c, _)| c.name).collect()
            } else if names.is_empty() {
                bail!("give at least one volume name, or --all");
            } else {
                names
            };
            let opts = libpod::RemoveOptions {
                force,
                ..Default::default()
            };
            Ok(report(rt.remove_volumes(&names, &opts)))
        }
        VolumeCommand::Prune { force, filter } => {
            let f = filters(&filter)?;
            confirm(force, "this removes every volume no container uses")?;
            for n in rt.prune_volumes(&f)? {
                println!("{n}");
            }
            Ok(0)
        }
        VolumeCommand::Exists { name } => Ok(if rt.volume_exists(&name)? { 0 } else { 1 }),
    }
}
