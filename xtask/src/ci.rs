//! `cargo xtask ci`: everything CI checks, one summary line per step.

use anyhow::{Context, Result, bail};

use crate::util::{Steps, cargo, root, run, run_capture};

/// Seconds each fuzz target runs in CI.
const FUZZ_SECONDS: u32 = 20;

/// Runs every step (later steps run even after a failure) and fails if any failed.
pub fn ci() -> Result<()> {
    let mut steps = Steps::new();
    let mut tests = (0u64, 0u64);
    let mut failed: Vec<String> = Vec::new();
    let mut failure_text = String::new();
    steps.step("setup", crate::setup::setup);
    steps.step("cargo fmt --check", || {
        run(cargo().args(["fmt", "--all", "--", "--check"]))
    });
    steps.step("cargo clippy --all-targets -D warnings", || {
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    });
    steps.step("cargo test --workspace", || {
        // Every test binary runs even after one fails, so the count and the names are whole.
        let (ok, out) = run_capture(cargo().args(["test", "--workspace", "--no-fail-fast"]))?;
        add_counts(&mut tests, &out);
        failed.extend(failed_names(&out));
        failure_text = failure_sections(&out);
        if !ok {
            bail!("tests failed");
        }
        Ok(())
    });
    for feature in facade_features()? {
        let name = format!("libpod with feature `{feature}` alone");
        steps.step(&name, || {
            // The state crate's own suites run too, with the backends this feature brings.
            let mut c = cargo();
            c.args([
                "test",
                "-p",
                "libpod",
                "-p",
                "libpod-state",
                "--no-default-features",
            ]);
            if feature != "(none)" {
                c.args(["--features", &format!("libpod/{feature}")]);
            }
            let (ok, out) = run_capture(&mut c)?;
            add_counts(&mut tests, &out);
            if !ok {
                bail!("libpod failed with feature {feature} alone");
            }
            Ok(())
        });
    }
    steps.step("README flag table current", || crate::flags::flags(true));
    steps.step("cargo bench --no-run", || {
        run(cargo().args(["bench", "--workspace", "--no-run"]))
    });
    for target in crate::fuzz::targets()? {
        steps.step(&format!("fuzz {target} ({FUZZ_SECONDS}s)"), || {
            crate::fuzz::run_target(&target, FUZZ_SECONDS)
        });
    }
    let ok = steps.summary();
    // Shown again at the end: CI keeps only the tail of this output.
    print!("{failure_text}");
    for name in &failed {
        println!("failed test: {name}");
    }
    // The plain closing line CI reads: every test counted across the cargo test runs.
    println!("tests: {} passed, {} failed", tests.0, tests.1);
    if !ok {
        bail!("ci failed");
    }
    Ok(())
}

/// The tests cargo test reports as failed (`test NAME ... FAILED`).
fn failed_names(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
        .map(str::to_string)
        .collect()
}

/// The `---- NAME stdout ----` sections of failed tests, each cut to its last 40 lines.
fn failure_sections(out: &str) -> String {
    let mut text = String::new();
    let mut section: Vec<&str> = Vec::new();
    let mut flush = |section: &mut Vec<&str>| {
        let skip = section.len().saturating_sub(40);
        if let Some(head) = section.first() {
            text.push_str(head);
            text.push('\n');
        }
        for line in section.iter().skip(skip.max(1)) {
            text.push_str(line);
            text.push('\n');
        }
        section.clear();
    };
    for line in out.lines() {
        let header = line.starts_with("---- ") && line.ends_with(" stdout ----");
        if header || line == "failures:" || line.starts_with("test result:") {
            flush(&mut section);
        }
        if header || !section.is_empty() {
            section.push(line);
        }
    }
    flush(&mut section);
    text
}

/// Sums the `test result:` lines of cargo test output.
fn add_counts(total: &mut (u64, u64), out: &str) {
    for line in out.lines().filter(|l| l.starts_with("test result:")) {
        let num = |word: &str| -> u64 {
            line.split(';')
                .find(|part| part.trim_end().ends_with(word))
                .and_then(|part| part.split_whitespace().rev().nth(1))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        total.0 += num("passed");
        total.1 += num("failed");
    }
}

/// The facade's features, each to be built and tested alone; "(none)" stands for no feature.
fn facade_features() -> Result<Vec<String>> {
    let out = cargo()
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .context("cargo metadata")?;
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("parse cargo metadata")?;
    let mut features = vec!["(none)".to_string()];
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    let libpod = packages
        .iter()
        .find(|p| p["name"] == "libpod")
        .with_context(|| format!("no libpod package in {}", root().display()))?;
    if let Some(map) = libpod["features"].as_object() {
        features.extend(map.keys().filter(|k| *k != "default").cloned());
    }
    Ok(features)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_summed() {
        let mut t = (0, 0);
        super::add_counts(
            &mut t,
            "test result: ok. 18 passed; 0 failed; 0 ignored\nnoise\ntest result: FAILED. 3 passed; 2 failed; 1 ignored\n",
        );
        assert_eq!(t, (21, 2));
    }

    #[test]
    fn failed_tests_are_named() {
        let out =
            "test a::b ... ok\ntest c::d ... FAILED\ntest result: FAILED. 1 passed; 1 failed\n";
        assert_eq!(super::failed_names(out), vec!["c::d".to_string()]);
    }

    #[test]
    fn failure_sections_are_kept() {
        let out = "failures:\n\n---- c::d stdout ----\npanicked at x\n\nfailures:\n    c::d\n";
        let text = super::failure_sections(out);
        assert!(
            text.starts_with("---- c::d stdout ----\npanicked at x\n"),
            "{text}"
        );
        assert!(!text.contains("    c::d"), "{text}");
    }
}
