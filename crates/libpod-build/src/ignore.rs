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
    wildcard(pat, path, |p| p == "**", |p, c| component_matches(p, c))
}

/// Whether one path component `s` matches the pattern component `p`.
pub(crate) fn component_matches(p: &str, s: &str) -> bool {
    let tokens = tokens(p.as_bytes());
    wildcard(&tokens, s.as_bytes(), |t| *t == Token::Star, Token::matches)
}

/// One piece of a component pattern (Go's `filepath.Match`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    /// `*`: any run of bytes.
    Star,
    /// `?`: any one byte.
    Any,
    /// `[...]`: ranges and bytes, negated with `^` or `!`.
    Class(Vec<(u8, u8)>, bool),
    /// A byte (`\x` escapes it).
    Byte(u8),
}

impl Token {
    fn matches(&self, c: &u8) -> bool {
        match self {
            Token::Star | Token::Any => true,
            Token::Class(ranges, neg) => ranges.iter().any(|(a, b)| a <= c && c <= b) != *neg,
            Token::Byte(b) => b == c,
        }
    }
}

fn tokens(p: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            // Runs of stars are one star.
            b'*' if out.last() == Some(&Token::Star) => {}
            b'*' => out.push(Token::Star),
            b'?' => out.push(Token::Any),
            b'\\' if i + 1 < p.len() => {
                i += 1;
                out.push(Token::Byte(p[i]));
            }
            b'[' if p[i + 1..].contains(&b']') => {
                let close = i + 1 + p[i + 1..].iter().position(|&b| b == b']').unwrap_or(0);
                let (neg, set) = match p[i + 1..close].split_first() {
                    Some((b'^' | b'!', set)) => (true, set),
                    _ => (false, &p[i + 1..close]),
                };
                let mut ranges = Vec::new();
                let mut j = 0;
                while j < set.len() {
                    if j + 2 < set.len() && set[j + 1] == b'-' {
                        ranges.push((set[j], set[j + 2]));
                        j += 3;
                    } else {
                        ranges.push((set[j], set[j]));
                        j += 1;
                    }
                }
                out.push(Token::Class(ranges, neg));
                i = close;
            }
            b => out.push(Token::Byte(b)),
        }
        i += 1;
    }
    out
}

/// Wildcard matching in O(pattern x text): a star matches any run, and on a mismatch only
/// the last star is moved on (earlier ones never need to be), so no input can make it
/// backtrack exponentially.
fn wildcard<P, T>(
    pat: &[P],
    s: &[T],
    is_star: impl Fn(&P) -> bool,
    one: impl Fn(&P, &T) -> bool,
) -> bool {
    let (mut p, mut i) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while i < s.len() {
        if p < pat.len() && is_star(&pat[p]) {
            star = Some((p, i));
            p += 1;
        } else if p < pat.len() && one(&pat[p], &s[i]) {
            p += 1;
            i += 1;
        } else if let Some((sp, mark)) = star {
            p = sp + 1;
            i = mark + 1;
            star = Some((sp, mark + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(is_star)
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
        // Stars that once backtracked exponentially (found by the fuzzer).
        let long = "x".repeat(200);
        assert!(!Ignore::parse("********y\n**/**/**/**/**/**/y").excludes(&long));
        assert!(Ignore::parse("*x*x*x*x*x*x*x*x").excludes(&long));
    }

    proptest::proptest! {
        #[test]
        fn matching_never_panics(p in "[a-z*?\\[\\]!^\\\\/-]{0,12}", s in "[a-z/.-]{0,12}") {
            let _ = Ignore::parse(&p).excludes(&s);
        }
    }
}
