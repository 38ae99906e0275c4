//! `cargo xtask flags [--check]`: README's table of `run`/`create` flags against podman's,
//! made from rpod's own command-line definition (its `--help`) and podman 4.3.1's list in
//! `docs/podman-4.3-run-flags.txt`, so it cannot go stale: CI runs the check.

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};

use crate::util::{cargo, root, run};

const START: &str = "<!-- run-flags:start (cargo xtask flags) -->";
const END: &str = "<!-- run-flags:end -->";

/// The long flags a `--help` text lists (`  -e, --env <ENV>` gives `env`).
fn help_flags(help: &str) -> BTreeSet<String> {
    help.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let t = match t.strip_prefix('-') {
                Some(rest) if !rest.starts_with('-') => rest.split_once(", ")?.1,
                _ => t,
            };
            let name = t.strip_prefix("--")?;
            let name: String = name
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

fn rpod_help(args: &[&str]) -> Result<String> {
    let bin = crate::util::target_dir().join("debug/rpod");
    let out = std::process::Command::new(&bin)
        .args(args)
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The README section: a table of podman's flags with rpod's support, then rpod's own.
fn table() -> Result<String> {
    run(cargo().args(["build", "-q", "-p", "rpod", "--bin", "rpod"]))?;
    let globals = help_flags(&rpod_help(&["--help"])?);
    let ours: BTreeSet<String> = help_flags(&rpod_help(&["run", "--help"])?)
        .into_iter()
        .filter(|f| !globals.contains(f) || f == "help")
        .collect();
    let list = std::fs::read_to_string(root().join("docs/podman-4.3-run-flags.txt"))?;
    let podman: BTreeSet<String> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let have = podman.iter().filter(|f| ours.contains(*f)).count();
    let mut s = format!(
        "{START}\n<details><summary>rpod run/create: {have} of podman 4.3's {} flags</summary>\n\n\
         | flag | rpod |\n|---|---|\n",
        podman.len()
    );
    for f in &podman {
        let yes = if ours.contains(f) { "yes" } else { "not yet" };
        s.push_str(&format!("| `--{f}` | {yes} |\n"));
    }
    let extra: Vec<String> = ours
        .iter()
        .filter(|f| !podman.contains(*f) && *f != "help")
        .map(|f| format!("`--{f}`"))
        .collect();
    if !extra.is_empty() {
        s.push_str(&format!(
            "\nrpod's own (or hidden in podman's help): {}\n",
            extra.join(", ")
        ));
    }
    s.push_str(&format!("</details>\n{END}"));
    Ok(s)
}

/// Writes the table into README.md, or with `check` fails if README's is not current.
pub fn flags(check: bool) -> Result<()> {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path)?;
    let (Some(a), Some(b)) = (readme.find(START), readme.find(END)) else {
        bail!("README.md has no `{START}` ... `{END}` section");
    };
    let new = format!("{}{}{}", &readme[..a], table()?, &readme[b + END.len()..]);
    if new == readme {
        return Ok(());
    }
    if check {
        bail!("README.md's flag table is out of date: run `cargo xtask flags` and commit it");
    }
    std::fs::write(&path, new)?;
    println!("README.md: flag table updated");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn flags_are_read_from_help_texts() {
        let help = "Options:\n  -e, --env <ENV>   Environment\n      --cap-add <CAP>\n  -h, --hostname\n      --a-b string  x\n  text --not-a-flag\n";
        let f = super::help_flags(help);
        let names: Vec<&str> = f.iter().map(String::as_str).collect();
        assert_eq!(names, ["a-b", "cap-add", "env", "hostname"]);
    }
}
