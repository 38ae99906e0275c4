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
            let names = names_or_all(rt, all, names)?;
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
            let names = names_or_all(rt, all, names)?;
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
        VolumeCommand::Export { output, name } => export(rt, &name, output.as_deref()),
        VolumeCommand::Import { name, source } => import(rt, &name, &source),
        VolumeCommand::Mount { names } => {
            for n in &names {
                println!("{}", rt.volume(n)?.mount()?.display());
            }
            Ok(0)
        }
        VolumeCommand::Unmount { names } => {
            for n in &names {
                rt.volume(n)?.unmount()?;
            }
            Ok(0)
        }
    }
}

/// The named volumes, or every volume with `--all`.
fn names_or_all(rt: &Runtime, all: bool, names: Vec<String>) -> Result<Vec<String>> {
    if all {
        Ok(rt.volumes()?.into_iter().map(|(c, _)| c.name).collect())
    } else if names.is_empty() {
        bail!("give at least one volume name, or --all");
    } else {
        Ok(names)
    }
}

/// `volume export`: a tar of the volume's contents to a file or a non-terminal stdout.
fn export(rt: &Runtime, name: &str, output: Option<&std::path::Path>) -> Result<i32> {
    let v = rt.volume(name)?;
    match output {
        Some(f) => {
            let file =
                std::fs::File::create(f).with_context(|| format!("creating {}", f.display()))?;
            v.export(std::io::BufWriter::new(file))?;
        }
        None => {
            if std::io::stdout().is_terminal() {
                bail!("refusing to write an archive to a terminal: redirect stdout or use -o");
            }
            v.export(std::io::stdout().lock())?;
        }
    }
    Ok(0)
}

/// `volume import`: a tar from a file or `-` (stdin) into the volume.
fn import(rt: &Runtime, name: &str, source: &str) -> Result<i32> {
    let v = rt.volume(name)?;
    if source == "-" {
        v.import(std::io::stdin().lock())?;
    } else {
        let f = std::fs::File::open(source).with_context(|| format!("opening {source}"))?;
        v.import(std::io::BufReader::new(f))?;
    }
    Ok(0)
}
