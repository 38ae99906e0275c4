//! Images: list, remove, tag, import, load, save.

use super::*;

pub(super) const IMAGE_HEADERS: &[(&str, &str)] = &[
    ("ID", "IMAGE ID"),
    ("Id", "IMAGE ID"),
    ("CreatedSince", "CREATED"),
    ("SizeHuman", "SIZE"),
];

pub(super) fn images(rt: &Runtime, a: &ImagesArgs) -> Result<i32> {
    let ImagesArgs {
        quiet,
        ref format,
        all,
        digests,
        no_trunc,
        noheading,
        ref filter,
        ref image,
    } = *a;
    let (format, only) = (format.as_deref(), image.as_deref());
    let filters = filter
        .iter()
        .map(|f| f.parse())
        .collect::<libpod::Result<Vec<libpod::ImageFilter>>>()?;
    let mut imgs = rt.list_images(&filters)?;
    let references: Vec<&str> = filters
        .iter()
        .filter_map(|f| match f {
            libpod::ImageFilter::Reference(p) => Some(p.as_str()),
            _ => None,
        })
        .collect();
    // Untagged images are what dangling=true asks for.
    let all = all || filter.iter().any(|f| f == "dangling=true");
    // Asked by name, only that name's row is listed, as podman does.
    let mut only_name = None;
    if let Some(name) = only {
        let id = rt.image(name).ok().map(|i| i.id);
        imgs.retain(|i| Some(&i.id) == id.as_ref());
        only_name = rt.image_name(name).ok().flatten();
    }
    imgs.sort_by_key(|i| std::cmp::Reverse(i.created));
    let ctrs = rt.containers()?;
    if quiet {
        for i in imgs.iter().filter(|i| all || !i.names.is_empty()) {
            if no_trunc {
                println!("sha256:{}", i.id);
            } else {
                println!("{}", &i.id[..12]);
            }
        }
        return Ok(0);
    }
    let default = format!(
        "table {{{{.Repository}}}}\t{{{{.Tag}}}}\t{}{}\t{{{{.CreatedSince}}}}\t{{{{.SizeHuman}}}}",
        if digests { "{{.Digest}}\t" } else { "" },
        "{{.ID}}",
    );
    let f = format.unwrap_or(&default);
    let mut items: Vec<Value> = if f == "json" {
        imgs.iter()
            .map(|i| {
                views::image_items(i, ctrs.iter().filter(|(c, _)| c.image_id == i.id).count())
                    .swap_remove(0)
            })
            .collect()
    } else {
        imgs.iter()
            .filter(|i| all || !i.names.is_empty())
            .flat_map(|i| {
                views::image_items(i, ctrs.iter().filter(|(c, _)| c.image_id == i.id).count())
            })
            .filter(|v| {
                // A row is one name: the name asked for, and names the reference filters
                // match, as docker lists them.
                let row = format!(
                    "{}:{}",
                    v["Repository"].as_str().unwrap_or(""),
                    v["Tag"].as_str().unwrap_or("")
                );
                only_name.as_ref().is_none_or(|n| row == *n)
                    && (references.is_empty()
                        || references
                            .iter()
                            .any(|p| libpod::reference_matches(p, &row)))
            })
            .collect()
    };
    if no_trunc {
        // As podman: the whole ID, with its algorithm.
        for v in &mut items {
            let full = format!("sha256:{}", v["Id"].as_str().unwrap_or(""));
            v["ID"] = Value::String(full);
        }
    }
    let text = output(&items, f, IMAGE_HEADERS)?;
    if noheading && f.starts_with("table") {
        print!("{}", text.split_once('\n').map_or("", |(_, rest)| rest));
    } else {
        print!("{text}");
    }
    Ok(0)
}

/// `untag`: drops `names` from `image` (all of its names when none are given).
pub(super) fn untag(rt: &Runtime, image: &str, names: Vec<String>) -> Result<i32> {
    let names = if names.is_empty() {
        rt.image(image)?.names
    } else {
        names
    };
    for n in names {
        rt.untag_image(image, &n)?;
    }
    Ok(0)
}

/// `rmi` and `image rm`.
pub(super) fn remove_images(rt: &Runtime, a: &RmiArgs) -> Result<i32> {
    let all_ids: Vec<String>;
    let names = if a.all {
        all_ids = rt.images()?.into_iter().map(|i| i.id).collect();
        &all_ids[..]
    } else {
        &a.images[..]
    };
    if names.is_empty() && !a.all {
        bail!("give at least one image, or --all");
    }
    let opts = libpod::RemoveOptions {
        force: a.force,
        timeout: None,
        ignore_missing: a.force || a.ignore,
        ..Default::default()
    };
    Ok(report(rt.remove_images(names, &opts)))
}

/// `rpod image ...`.
fn image_sub(rt: &Runtime, ic: ImageCommand) -> Result<i32> {
    match ic {
        ImageCommand::Inspect {
            format,
            images: names,
        } => {
            let items: Vec<Value> = names
                .iter()
                .map(|n| Ok(views::inspect_image(&rt.image_details(n)?)))
                .collect::<Result<_>>()?;
            print!(
                "{}",
                output(&items, format.as_deref().unwrap_or("json"), &[])?
            );
            Ok(0)
        }
        ImageCommand::Rm(a) => remove_images(rt, &a),
        ImageCommand::History(a) => history(rt, &a),
        ImageCommand::Build(a) => super::build::build(rt, &a),
        ImageCommand::Diff { format, image } => {
            print_changes(&rt.image_changes(&image)?, format.as_deref())?;
            Ok(0)
        }
        ImageCommand::Tree { image } => {
            print!("{}", tree(rt, &image)?);
            Ok(0)
        }
        ImageCommand::Sign { .. } => {
            bail!(
                "image signing is not supported: libpod-rs verifies signatures (policy.json) but does not make them; sign with skopeo or gpg"
            )
        }
        ImageCommand::Tag { image, names } => {
            for n in names {
                rt.tag_image(&image, &n)?;
            }
            Ok(0)
        }
        ImageCommand::Untag { image, names } => untag(rt, &image, names),
        ImageCommand::Prune { all, force, filter } => {
            confirm(force, "this removes every image no container uses")?;
            let filters = filter
                .iter()
                .map(|f| f.parse())
                .collect::<libpod::Result<Vec<libpod::ImageFilter>>>()?;
            for id in rt.prune_images_filtered(all, &filters)? {
                println!("{id}");
            }
            Ok(0)
        }
        ImageCommand::Exists { name } => match rt.image(&name) {
            Ok(_) => Ok(0),
            Err(e) if e.is_not_found() => Ok(1),
            Err(e) => Err(e.into()),
        },
        ImageCommand::Ls(a) => images(rt, &a),
        ImageCommand::Pull(a) => pull(rt, a),
        ImageCommand::Push(a) => push(rt, a),
    }
}

/// The image commands.
pub(super) fn image_cmd(rt: &Runtime, cmd: Command, t: &mut Trace) -> Result<i32> {
    let _ = &t;
    match cmd {
        Command::Images(a) => images(rt, &a),
        Command::Image(ic) => image_sub(rt, ic),
        Command::Rmi(a) => remove_images(rt, &a),
        Command::Tag { image, names } => {
            for n in names {
                rt.tag_image(&image, &n)?;
            }
            Ok(0)
        }
        Command::Untag { image, names } => untag(rt, &image, names),
        Command::History(a) => history(rt, &a),
        Command::Build(a) => super::build::build(rt, &a),
        Command::Import {
            file,
            reference,
            change,
            quiet,
        } => {
            let mut cb = progress();
            let img = if file.as_os_str() == "-" {
                rt.import_tarball(
                    std::io::stdin().lock(),
                    reference.as_deref(),
                    &change,
                    lend(&mut cb),
                )?
            } else {
                let f = std::fs::File::open(&file)
                    .with_context(|| format!("opening {}", file.display()))?;
                rt.import_tarball(f, reference.as_deref(), &change, lend(&mut cb))?
            };
            if quiet {
                println!("{}", img.id);
            } else {
                println!("sha256:{}", img.id);
            }
            Ok(0)
        }
        Command::Load(a) => load(rt, a.input, a.quiet),
        Command::Save(a) => save(
            rt,
            a.output,
            &a.format,
            a.multi_image_archive,
            a.quiet,
            a.images,
        ),
        Command::Search(a) => search(rt, a),
        Command::Pull(a) => pull(rt, a),
        Command::Push(a) => push(rt, a),
        other => bail!("rpod: {other:?} reached the wrong handler"),
    }
}

/// `commit`: podman's copy lines on stderr, the new image's ID on stdout.
pub(super) fn commit(rt: &Runtime, a: &crate::cli::CommitArgs) -> Result<i32> {
    use std::io::Write as _;
    let opts = libpod::CommitOptions {
        reference: a.image.clone(),
        changes: a.change.clone(),
        message: a.message.clone(),
        author: a.author.clone(),
        pause: a.pause,
        squash: a.squash,
        format: a.format.parse()?,
        include_volumes: a.include_volumes,
    };
    let img = rt.container(&a.container)?.commit(&opts)?;
    if !a.quiet {
        let mut e = std::io::stderr().lock();
        let _ = writeln!(e, "Getting image source signatures");
        for l in &img.layers {
            let _ = writeln!(e, "Copying blob {}", l.diff_id);
        }
        let _ = writeln!(e, "Copying config sha256:{}", img.id);
        let _ = writeln!(e, "Writing manifest to image destination");
        let _ = writeln!(e, "Storing signatures");
    }
    if let Some(f) = &a.iidfile {
        std::fs::write(f, format!("sha256:{}", img.id))
            .with_context(|| format!("writing {}", f.display()))?;
    }
    println!("{}", img.id);
    Ok(0)
}

/// `history`: newest step first, as podman prints it.
fn history(rt: &Runtime, a: &crate::cli::HistoryArgs) -> Result<i32> {
    let steps = rt.image_history(&a.image)?;
    let short = |id: &str| {
        if a.no_trunc {
            id.to_string()
        } else {
            id.chars().take(12).collect()
        }
    };
    if a.quiet {
        for s in &steps {
            println!("{}", s.id.as_deref().map_or("<missing>".into(), short));
        }
        return Ok(0);
    }
    let items: Vec<Value> = steps.iter().map(|s| {
        let id = s.id.clone().unwrap_or_else(|| "<missing>".into());
        let by = if a.no_trunc || s.created_by.chars().count() <= 45 {
            s.created_by.clone()
        } else {
            format!("{}...", s.created_by.chars().take(42).collect::<String>())
        };
        json!({
            "__json": {
                "id": id, "created": libpod::rfc3339_nano(s.created), "CreatedBy": s.created_by,
                "size": s.size, "comment": s.comment, "Created": crate::format::rfc3339_secs(s.created),
            },
            "ID": if s.id.is_some() { short(&id) } else { id.clone() },
            "Created": if a.human { ago(s.created) } else { crate::format::rfc3339_secs(s.created) },
            "CreatedAt": crate::format::go_time(s.created / 1_000_000_000 * 1_000_000_000),
            "CreatedBy": by,
            "Size": crate::format::size(s.size),
            "Comment": s.comment,
        })
    }).collect();
    let default = "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    let headers = &[("CreatedBy", "CREATED BY")];
    print!(
        "{}",
        output(&items, a.format.as_deref().unwrap_or(default), headers)?
    );
    Ok(0)
}

/// Changes as `diff` prints them: `A /path` lines, or podman's JSON groups.
pub(super) fn print_changes(
    changes: &[libpod::storage::Change],
    format: Option<&str>,
) -> Result<()> {
    use libpod::storage::ChangeKind as K;
    match format {
        Some("json") => {
            let group = |k: K| -> Vec<&str> {
                changes
                    .iter()
                    .filter(|c| c.kind == k)
                    .map(|c| c.path.as_str())
                    .collect()
            };
            // podman leaves an empty group out.
            let mut v = json!({});
            for (key, kind) in [
                ("changed", K::Modified),
                ("added", K::Added),
                ("deleted", K::Deleted),
            ] {
                let g = group(kind);
                if !g.is_empty() {
                    v[key] = json!(g);
                }
            }
            print!("{}", crate::format::output_one(&v, "json")?);
        }
        Some(other) => bail!("unsupported format {other:?}: use json"),
        None => {
            for ch in changes {
                let k = match ch.kind {
                    K::Added => 'A',
                    K::Modified => 'C',
                    K::Deleted => 'D',
                };
                println!("{k} {}", ch.path);
            }
        }
    }
    Ok(())
}

/// `load [-i FILE]`: an archive from a file or stdin.
fn load(rt: &Runtime, input: Option<PathBuf>, quiet: bool) -> Result<i32> {
    let mut cb = progress();
    let images = match input {
        Some(path) => rt.load_images(&path, lend(&mut cb))?,
        None if std::io::stdin().is_terminal() => {
            bail!("cannot read from terminal, use command-line redirection or the --input flag")
        }
        None => rt.load_images_from(std::io::stdin().lock(), lend(&mut cb))?,
    };
    for img in images {
        let names = if img.names.is_empty() {
            format!("sha256:{}", img.id)
        } else {
            img.names.join(", ")
        };
        println!("{}{names}", if quiet { "" } else { "Loaded image: " });
    }
    Ok(0)
}

/// `save`: to a file, a directory (oci-dir) or stdout.
fn save(
    rt: &Runtime,
    output: Option<PathBuf>,
    format: &str,
    multi: bool,
    quiet: bool,
    images: Vec<String>,
) -> Result<i32> {
    let format: libpod::ArchiveFormat = format.parse()?;
    let mut cb = progress();
    let bar = if quiet { None } else { lend(&mut cb) };
    let (first, rest) = images.split_first().context("an image to save")?;
    let (images, tags) = if multi {
        (images.clone(), Vec::new())
    } else {
        (vec![first.clone()], rest.to_vec())
    };
    if format == libpod::ArchiveFormat::OciDir {
        let dir = output.context("--format oci-dir needs -o DIR")?;
        rt.save_oci_dir(first, &dir, bar)?;
        return Ok(0);
    }
    match output {
        Some(path) => {
            let f = std::fs::File::create(&path)
                .with_context(|| format!("creating {}", path.display()))?;
            rt.save_images(&images, &tags, format, std::io::BufWriter::new(f), bar)?;
        }
        None if std::io::stdout().is_terminal() => {
            bail!("refusing to save to terminal. Use -o flag or redirect")
        }
        None => {
            let out = std::io::BufWriter::new(std::io::stdout().lock());
            rt.save_images(&images, &tags, format, out, bar)?;
        }
    }
    Ok(0)
}

/// `search`: podman's columns (a catalog has no descriptions, stars or official marks).
fn search(rt: &Runtime, a: crate::cli::SearchArgs) -> Result<i32> {
    for f in &a.filter {
        match f.split_once('=') {
            Some(("is-official" | "is-automated", "true")) => return Ok(0),
            Some(("stars", n)) if n.parse::<u32>().is_ok_and(|n| n > 0) => return Ok(0),
            Some(("is-official" | "is-automated", "false")) | Some(("stars", _)) => {}
            _ => bail!("invalid filter {f:?}: is-official=BOOL, is-automated=BOOL or stars=N"),
        }
    }
    let access = access(a.registry)?;
    let hits = rt.search_images(&a.term, &access, a.limit, a.list_tags)?;
    let mut items = Vec::new();
    for h in &hits {
        let row = |tag: &str| {
            let v = json!({"Index": h.index, "Name": h.name, "Description": "", "Stars": 0,
                "Official": "", "Automated": "", "Tag": tag});
            let mut shown = v.clone();
            shown["__json"] = v;
            shown
        };
        if a.list_tags {
            items.extend(h.tags.iter().map(|t| row(t)));
        } else {
            items.push(row(""));
        }
    }
    // With --list-tags podman 4.3 prints its table whatever --format says.
    let format = match (&a.format, a.list_tags) {
        (_, true) => "table {{.Name}}\t{{.Tag}}",
        (Some(f), false) => f.as_str(),
        (None, false) => "table {{.Name}}\t{{.Description}}",
    };
    print!("{}", output(&items, format, &[])?);
    Ok(0)
}

/// `image tree`: podman's layout (layer IDs are diff IDs here).
fn tree(rt: &Runtime, name: &str) -> Result<String> {
    let (img, layers) = rt.image_tree(name)?;
    let mut out = format!(
        "Image ID: {}\nTags:     [{}]\nSize:     {}\nImage Layers\n",
        &img.id[..12.min(img.id.len())],
        img.names.join(" "),
        crate::format::size_digits(img.size, 4)
    );
    for (i, l) in layers.iter().enumerate() {
        let branch = if i + 1 == layers.len() {
            "└──"
        } else {
            "├──"
        };
        let hex = l.diff_id.strip_prefix("sha256:").unwrap_or(&l.diff_id);
        out.push_str(&format!(
            "{branch} ID: {} Size: {:>7}",
            &hex[..12.min(hex.len())],
            crate::format::size_digits(l.size, 4)
        ));
        if !l.top_of.is_empty() {
            out.push_str(&format!(" Top Layer of: [{}]", l.top_of.join(" ")));
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_as_go_units_print_them() {
        let h = |n| crate::format::size_digits(n, 4);
        assert_eq!(h(0), "0B");
        assert_eq!(h(2_129_920), "2.13MB");
        assert_eq!(h(2_143_457), "2.143MB");
        assert_eq!(h(10_752), "10.75kB");
        assert_eq!(h(6_144), "6.144kB");
        assert_eq!(h(999), "999B");
    }
}
