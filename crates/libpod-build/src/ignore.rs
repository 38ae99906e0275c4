//! `.containerignore` and `.dockerignore`: which context paths a build never sees. Patterns
//! are matched component by component (`*`, `?`, `[a-z]` within one, `**` across any
//! number); a pattern also excludes everything under a directory it matches; the last
//! matching pattern wins, and `!` makes it an exception.

use std::path::Path;

use crate::error::{Result, io};

/// The ignore rules of a build context.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ignore {
    rules: Vec<(Vec<String>, bool)>,
}

impl Ignore {
    /// Rules from a file's text: one pattern a line, `#` comments, `!` exceptions.
    ///
    /// ```
    /// let ig = libpod_build::Ignore::parse("*.log\n!keep.log\nbuild/\n");
    /// assert!(ig.excludes("debug.log") && !ig.excludes("keep.log"));
    /// assert!(ig.excludes("build/out/x.o"));
    /// ```
    pub fn parse(text: &str) -> Ignore {
        let rules = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let (negated, pat) = match l.strip_prefix('!') {
                    Some(p) => (true, p.trim()),
                    None => (false, l),
                };
                let comps: Vec<String> = pat
                    .split('/')
                    .filter(|c| !c.is_empty() && *c != ".")
                    .map(str::to_string)
                    .collect();
                (!comps.is_empty()).then_some((comps, negated))
            })
            .collect();
        Ignore { rules }
    }

    /// The rules of `context`: its `.containerignore`, else its `.dockerignore`, else none.
    pub fn load(context: &Path) -> Result<Ignore> {
        for name in [".containerignore", ".dockerignore"] {
            let p = context.join(name);
            match std::fs::read_to_string(&p) {
                Ok(text) => return Ok(Ignore::parse(&text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(p)(e)),
            }
        }
        Ok(Ignore::default())
    }

    /// Whether `rel` (a path relative to the context, `/`-separated) is left out.
    pub fn excludes(&self, rel: &str) -> bool {
        let path: Vec<&str> = rel
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .collect();
        let mut excluded = false;
        for (pat, negated) in &self.rules {
            // The path itself or a directory above it.
            if (1..=path.len()).any(|n| matches(pat, &path[..n])) {
                excluded = !negated;
            }
        }
        excluded
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// Whether the pattern's components match the path's, `**` standing for any number.
fn matches(pat: &[String], path: &[&str]) -> bool {
    match pat.split_first() {
        None => path.is_empty(),
        Some((p, rest)) if p == "**" => (0..=path.len()).any(|skip| matches(rest, &path[skip..])),
        Some((p, rest)) => match path.split_first() {
            Some((c, tail)) => component(p.as_bytes(), c.as_bytes()) && matches(rest, tail),
            None => false,
        },
    }
}

/// Whether one path component `s` matches the pattern component `p`.
pub(crate) fn component_matches(p: &str, s: &str) -> bool {
    component(p.as_bytes(), s.as_bytes())
}

/// Go's `filepath.Match` within one component: `*`, `?`, `[...]` (with `^`/`!` and
/// ranges), `\` escapes.
fn component(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| component(rest, &s[i..])),
        Some((b'?', rest)) => !s.is_empty() && component(rest, &s[1..]),
        Some((b'[', rest)) => {
            let Some(close) = rest.iter().position(|&b| b == b']') else {
                return s.first() == Some(&b'[') && component(rest, &s[1..]);
            };
            let Some(&c) = s.first() else { return false };
            let (neg, set) = match rest[..close].split_first() {
                Some((b'^' | b'!', set)) => (true, set),
                _ => (false, &rest[..close]),
            };
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == b'-' {
                    hit |= set[i] <= c && c <= set[i + 2];
                    i += 3;
                } else {
                    hit |= set[i] == c;
                    i += 1;
                }
            }
            hit != neg && component(&rest[close + 1..], &s[1..])
        }
        Some((b'\\', rest)) if !rest.is_empty() => {
            s.first() == Some(&rest[0]) && component(&rest[1..], &s[1..])
        }
        Some((&b, rest)) => s.first() == Some(&b) && component(rest, &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_as_docker_reads_them() {
        let ig =
            Ignore::parse("# comment\n*.md\n!README.md\nsecret/\n**/*.tmp\n/abs/x\nd?t[0-9]\n");
        assert!(ig.excludes("notes.md") && !ig.excludes("README.md"));
        assert!(
            !ig.excludes("docs/notes.md"),
            "a * stays within its component"
        );
        assert!(ig.excludes("secret") && ig.excludes("secret/key"));
        assert!(ig.excludes("a/b/c.tmp") && ig.excludes("c.tmp"));
        assert!(ig.excludes("abs/x") && ig.excludes("dat5") && !ig.excludes("data"));
        assert!(!ig.excludes("src/main.rs"));
        assert!(Ignore::parse("").is_empty());
    }

    proptest::proptest! {
        #[test]
        fn matching_never_panics(p in "[a-z*?\\[\\]!^\\\\/-]{0,12}", s in "[a-z/.-]{0,12}") {
            let _ = Ignore::parse(&p).excludes(&s);
        }
    }
}
