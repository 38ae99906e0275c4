//! Tidy checks: the workspace's shape and house rules, enforced as ordinary tests.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn manifest(dir: &Path) -> toml::Table {
    let text = fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
    toml::from_str(&text).expect("valid Cargo.toml")
}

fn crate_dirs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(root().join("crates"))
        .expect("crates/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("Cargo.toml").exists())
        .collect();
    v.sort();
    v
}

/// Which of our crates each crate may depend on: the layering of docs/ARCHITECTURE.md.
fn allowed() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let lower = ["libpod-config", "libpod-fs"];
    let layers = [
        "libpod-fs",
        "libpod-config",
        "libpod-lock",
        "libpod-state",
        "libpod-storage",
        "libpod-oci",
        "libpod-network",
    ];
    BTreeMap::from([
        ("libpod-fs", BTreeSet::new()),
        ("libpod-config", BTreeSet::new()),
        ("libpod-lock", BTreeSet::new()),
        ("libpod-state", BTreeSet::from(lower)),
        ("libpod-storage", BTreeSet::from(lower)),
        ("libpod-oci", BTreeSet::from(lower)),
        ("libpod-network", BTreeSet::from(lower)),
        ("libpod", BTreeSet::from(layers)),
        ("libpod-build", BTreeSet::from(["libpod"])),
        ("libpod-api", BTreeSet::from(["libpod", "libpod-build"])),
        (
            "rpod",
            BTreeSet::from(["libpod", "libpod-api", "libpod-build"]),
        ),
    ])
}

#[test]
fn the_async_stack_stays_in_the_api_crate() {
    // The workspace is synchronous; only the API service runs tokio and hyper.
    for dir in crate_dirs() {
        let m = manifest(&dir);
        let name = m["package"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if name == "libpod-api" {
            continue;
        }
        for section in ["dependencies", "dev-dependencies"] {
            for (dep, _) in deps(&m, section) {
                assert!(
                    !["tokio", "hyper", "hyper-util", "http-body-util"].contains(&dep.as_str()),
                    "{name} depends on {dep}: the async stack belongs to libpod-api only"
                );
            }
        }
    }
}

fn deps(m: &toml::Table, section: &str) -> Vec<(String, toml::Value)> {
    m.get(section)
        .and_then(|d| d.as_table())
        .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

#[test]
fn folder_names_equal_crate_names_and_every_crate_is_known() {
    for dir in crate_dirs() {
        let m = manifest(&dir);
        let name = m["package"]["name"].as_str().expect("name");
        assert_eq!(
            Some(name),
            dir.file_name().and_then(|n| n.to_str()),
            "folder name of {name}"
        );
        assert!(
            allowed().contains_key(name),
            "{name} is not in the layering table of tidy.rs and ARCHITECTURE.md"
        );
    }
    assert_eq!(
        crate_dirs().len(),
        allowed().len(),
        "a crate of the layering table is missing"
    );
}

#[test]
fn layering_lower_crates_never_depend_on_higher_ones() {
    let ours: BTreeSet<&str> = allowed().keys().copied().collect();
    for dir in crate_dirs() {
        let m = manifest(&dir);
        let name = m["package"]["name"].as_str().expect("name").to_string();
        for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
            for (dep, _) in deps(&m, section) {
                if ours.contains(dep.as_str()) {
                    assert!(
                        allowed()[name.as_str()].contains(dep.as_str()),
                        "{name} must not depend on {dep} ({section}); see docs/ARCHITECTURE.md"
                    );
                }
            }
        }
    }
}

#[test]
fn every_version_is_stated_once_in_the_workspace() {
    let mut dirs = crate_dirs();
    dirs.push(root().join("xtask"));
    dirs.push(root().join("benches"));
    for dir in dirs {
        let m = manifest(&dir);
        for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
            for (dep, v) in deps(&m, section) {
                let inherits = v.get("workspace").and_then(|w| w.as_bool()) == Some(true);
                assert!(
                    inherits,
                    "{}: {dep} in [{section}] must be `{dep}.workspace = true`",
                    dir.display()
                );
            }
        }
    }
}

#[test]
fn anyhow_only_in_rpod_and_xtask() {
    for dir in crate_dirs() {
        let m = manifest(&dir);
        let name = m["package"]["name"].as_str().expect("name");
        if name == "rpod" {
            continue;
        }
        let has = deps(&m, "dependencies").iter().any(|(d, _)| d == "anyhow");
        assert!(
            !has,
            "{name} is a library: use a thiserror enum, not anyhow"
        );
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Library and binary source (not tests), cut at the first `#[cfg(test)]`.
fn shipped_sources() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for dir in crate_dirs() {
        rust_files(&dir.join("src"), &mut files);
    }
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).expect("read");
            let cut = text.find("#[cfg(test)]").unwrap_or(text.len());
            (p, text[..cut].to_string())
        })
        .collect()
}

#[test]
fn no_placeholders_or_unwrap_in_shipped_code() {
    for (path, text) in shipped_sources() {
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for bad in ["todo!(", "unimplemented!(", "dbg!(", ".unwrap()"] {
                assert!(
                    !code.contains(bad),
                    "{}:{}: `{bad}` in shipped code",
                    path.display(),
                    i + 1
                );
            }
        }
    }
}

#[test]
fn xtask_finds_binaries_under_the_target_dir_cargo_uses() {
    // `CARGO_TARGET_DIR` moves every binary: xtask must not hard-code target/.
    let mut files = Vec::new();
    rust_files(&root().join("xtask/src"), &mut files);
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        assert!(
            !text.contains("\"target/"),
            "{}: use util::target_dir(), not a literal target/",
            f.display()
        );
    }
}

#[test]
fn rpod_stays_split_by_command_group() {
    // A file per command group, each command a short function over the facade.
    let mut files = Vec::new();
    rust_files(&root().join("crates/rpod/src"), &mut files);
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines.len() <= 650,
            "{} has {} lines: split it by concern",
            f.display(),
            lines.len()
        );
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim_start();
            let indent = &l[..l.len() - t.len()];
            let is_fn = t.starts_with("fn ")
                || t.starts_with("pub fn ")
                || t.starts_with("pub(super) fn ")
                || t.starts_with("pub(crate) fn ");
            if !is_fn || t.ends_with(';') {
                continue;
            }
            let close = format!("{indent}}}");
            let len = lines[i..].iter().position(|x| *x == close).unwrap_or(0) + 1;
            assert!(
                len <= 115,
                "{}:{}: a function of {len} lines; split it",
                f.display(),
                i + 1
            );
        }
    }
}

#[test]
fn rpod_calls_only_the_facade() {
    // rpod may name the lower layers' types (re-exported by libpod), never call their
    // functions: what it needs is a facade method, under the runtime's shutdown guard.
    let mut files = Vec::new();
    rust_files(&root().join("crates/rpod/src"), &mut files);
    for f in files {
        let text = fs::read_to_string(&f).expect("read");
        for layer in ["oci", "storage", "network", "state", "config"] {
            let needle = format!("libpod::{layer}::");
            for (i, _) in text.match_indices(&needle) {
                let rest = &text[i + needle.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let last = name.rsplit("::").next().unwrap_or("");
                let is_call = rest[name.len()..].starts_with('(');
                let is_fn = last.chars().next().is_some_and(|c| c.is_lowercase());
                assert!(
                    !(is_call && is_fn),
                    "{}: calls libpod::{layer}::{name}; add a facade method instead",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn path_safety_has_one_home() {
    // Every resolution inside a container, archive or layer goes through libpod-fs.
    for (path, text) in shipped_sources() {
        if path.starts_with(root().join("crates/libpod-fs")) {
            continue;
        }
        for needle in ["openat2(", "RESOLVE_IN_ROOT"] {
            assert!(
                !text.contains(needle),
                "{}: {needle} belongs in libpod-fs (use libpod_fs::Root or open_in)",
                path.display()
            );
        }
    }
}

#[test]
fn every_crate_states_its_purpose() {
    for dir in crate_dirs() {
        let lib = dir.join("src/lib.rs");
        let main = dir.join("src/main.rs");
        let file = if lib.exists() { lib } else { main };
        let text = fs::read_to_string(&file).expect("crate root");
        assert!(
            text.starts_with("//!"),
            "{} must start with a //! statement of purpose",
            file.display()
        );
        let name = dir.file_name().and_then(|n| n.to_str()).expect("name");
        let arch =
            fs::read_to_string(root().join("docs/ARCHITECTURE.md")).expect("ARCHITECTURE.md");
        assert!(
            arch.contains(&format!("`{name}`")),
            "docs/ARCHITECTURE.md does not describe `{name}`"
        );
    }
}

#[test]
fn every_facade_feature_is_documented() {
    let m = manifest(&root().join("crates/libpod"));
    let lib = fs::read_to_string(root().join("crates/libpod/src/lib.rs")).expect("lib.rs");
    for (feature, _) in m
        .get("features")
        .and_then(|f| f.as_table())
        .cloned()
        .unwrap_or_default()
    {
        if feature != "default" {
            assert!(
                lib.contains(&format!("`{feature}`")),
                "feature `{feature}` is not documented in libpod's lib.rs"
            );
        }
    }
}

/// Module imports within each crate form no cycle (errors and plain types stay on the ground floor).
#[test]
fn no_module_import_cycles() {
    for dir in crate_dirs() {
        let src = dir.join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let module = |p: &Path| -> String {
            let rel = p.strip_prefix(&src).expect("under src").with_extension("");
            let first = rel.components().next().expect("component");
            first.as_os_str().to_string_lossy().to_string()
        };
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in &files {
            let from = module(f);
            if from == "lib" || from == "main" {
                continue;
            }
            let text = fs::read_to_string(f).expect("read");
            let text = &text[..text.find("#[cfg(test)]").unwrap_or(text.len())];
            for part in text.split("crate::").skip(1) {
                let to: String = part
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !to.is_empty()
                    && to != from
                    && to.chars().next().is_some_and(|c| c.is_lowercase())
                {
                    edges.entry(from.clone()).or_default().insert(to);
                }
            }
        }
        // Depth-first search for a back edge.
        fn visit(
            n: &str,
            edges: &BTreeMap<String, BTreeSet<String>>,
            stack: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) {
            if done.contains(n) {
                return;
            }
            if let Some(i) = stack.iter().position(|s| s == n) {
                panic!("module import cycle: {} -> {n}", stack[i..].join(" -> "));
            }
            stack.push(n.to_string());
            for m in edges.get(n).into_iter().flatten() {
                visit(m, edges, stack, done);
            }
            stack.pop();
            done.insert(n.to_string());
        }
        let mut done = BTreeSet::new();
        for n in edges.keys() {
            visit(n, &edges, &mut Vec::new(), &mut done);
        }
    }
}

#[test]
fn readme_has_exactly_the_two_commands_and_ci_runs_the_second() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md");
    assert!(readme.contains("cargo xtask demo") && readme.contains("cargo xtask ci"));
    let ci = fs::read_to_string(root().join(".ci/run")).expect(".ci/run");
    assert!(
        ci.contains("cargo xtask ci"),
        ".ci/run must run the README's test command"
    );
}
