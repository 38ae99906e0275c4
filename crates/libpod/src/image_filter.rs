//! Image selection as podman's `images --filter` does it: typed filters, several `reference=`
//! patterns matching any, every other filter applying. A pure function over the images.
//!
//! ```no_run
//! use libpod::{ImageFilter, Runtime};
//! let rt = Runtime::builder().build()?;
//! let filters: Vec<ImageFilter> = vec!["reference=busy*".parse()?, "dangling=false".parse()?];
//! for img in rt.list_images(&filters)? {
//!     println!("{} {:?}", &img.id[..12], img.names);
//! }
//! # Ok::<(), libpod::LibpodError>(())
//! ```

use std::str::FromStr;

use libpod_storage::Image;

use crate::error::{LibpodError, Result};
use crate::runtime::Runtime;

/// One `images --filter KEY=VALUE`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageFilter {
    /// A name pattern (`*`, `?`), against the whole name, its path or its last part.
    Reference(String),
    /// Untagged (`true`) or tagged (`false`) images.
    Dangling(bool),
    /// A label, with or without a value.
    Label(String, Option<String>),
    /// Created before the image with this name or ID.
    Before(String),
    /// Created after the image with this name or ID.
    Since(String),
    /// ID prefix (with or without `sha256:`).
    Id(String),
    /// One of its manifests' digests.
    Digest(String),
    /// Created before this time, ns since the epoch (`until=24h`, `until=2026-01-01`).
    Until(i64),
}

impl FromStr for ImageFilter {
    type Err = LibpodError;
    fn from_str(s: &str) -> Result<Self> {
        let bad = |why: &str| crate::list::bad_filter(s, why);
        let (k, v) = crate::list::filter_parts(s)?;
        Ok(match k {
            "reference" => ImageFilter::Reference(v),
            "dangling" => ImageFilter::Dangling(match v.as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(bad("dangling is true or false")),
            }),
            "label" => {
                let (k, v) = crate::list::label_parts(v);
                ImageFilter::Label(k, v)
            }
            "before" => ImageFilter::Before(v),
            "since" => ImageFilter::Since(v),
            "id" => ImageFilter::Id(v.trim_start_matches("sha256:").to_string()),
            "digest" => ImageFilter::Digest(v),
            "until" => ImageFilter::Until(crate::parse_time_filter(&v, crate::now_ns())?),
            other => {
                return Err(bad(&format!(
                    "unsupported key {other:?}; use reference, dangling, label, before, since, until, id or digest"
                )));
            }
        })
    }
}

/// Whether `text` matches a shell-style `pattern` (`*` and `?` never cross a `/`).
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // m[j]: whether the pattern so far matches the first j characters of the text.
    let mut m = vec![false; t.len() + 1];
    m[0] = true;
    for &pc in &p {
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            next[j] = match pc {
                '*' => m[j] || (j > 0 && next[j - 1] && t[j - 1] != '/'),
                '?' => j > 0 && m[j - 1] && t[j - 1] != '/',
                c => j > 0 && m[j - 1] && t[j - 1] == c,
            };
        }
        m = next;
    }
    m[t.len()]
}

/// Whether image name `name` (`host/path/repo:tag`) matches a `reference=` pattern, as
/// podman's: against the whole name, its path after the host, or its last part; without a
/// tag in the pattern, against the name without its tag.
pub fn reference_matches(pattern: &str, name: &str) -> bool {
    let with_tag = pattern
        .rsplit_once(':')
        .is_some_and(|(_, t)| !t.contains('/'));
    let name = if with_tag {
        name
    } else {
        name.rsplit_once(':')
            .filter(|(_, t)| !t.contains('/'))
            .map_or(name, |(r, _)| r)
    };
    let after_host = name.split_once('/').map_or(name, |(_, rest)| rest);
    let last = name.rsplit('/').next().unwrap_or(name);
    [name, after_host, last].iter().any(|c| glob(pattern, c))
}

/// The images `filters` keep; `created_of` gives the creation time of an image named in
/// `before=`/`since=`.
pub fn select_images(
    images: Vec<Image>,
    filters: &[ImageFilter],
    created_of: impl Fn(&str) -> Result<i64>,
) -> Result<Vec<Image>> {
    let mut out = images;
    let mut patterns = Vec::new();
    for f in filters {
        match f {
            ImageFilter::Reference(p) => patterns.push(p.as_str()),
            ImageFilter::Dangling(want) => out.retain(|i| i.names.is_empty() == *want),
            ImageFilter::Label(k, v) => out.retain(|i| match v {
                Some(v) => i.config.labels.get(k).is_some_and(|x| x == v),
                None => i.config.labels.contains_key(k),
            }),
            ImageFilter::Before(n) => {
                let t = created_of(n)?;
                out.retain(|i| i.created < t);
            }
            ImageFilter::Since(n) => {
                let t = created_of(n)?;
                out.retain(|i| i.created > t);
            }
            ImageFilter::Id(p) => out.retain(|i| i.id.starts_with(p.as_str())),
            ImageFilter::Digest(d) => out.retain(|i| i.manifest_digests().any(|x| x == d)),
            ImageFilter::Until(t) => out.retain(|i| i.created < *t),
        }
    }
    // Several reference= filters: any of them, as docker and podman.
    if !patterns.is_empty() {
        out.retain(|i| {
            i.names
                .iter()
                .any(|n| patterns.iter().any(|p| reference_matches(p, n)))
        });
    }
    Ok(out)
}

impl Runtime {
    /// The images `filters` keep (`images --filter`).
    pub fn list_images(&self, filters: &[ImageFilter]) -> Result<Vec<Image>> {
        select_images(self.images()?, filters, |n| Ok(self.image(n)?.created))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_references() {
        assert!(glob("busy*", "busybox"));
        assert!(!glob("localhost/*", "localhost/a/b"), "* stops at /");
        assert!(reference_matches("busybox", "localhost/busybox:latest"));
        assert!(reference_matches(
            "*/busy*:latest",
            "localhost/busybox:latest"
        ));
        assert!(!reference_matches("busybox:1", "localhost/busybox:latest"));
        assert!(glob("b?sy*x", "busybox") && glob("*", "") && !glob("*x?", "busybox"));
        let n = "registry.example:5000/tools/busybox:1.36";
        assert!(reference_matches("tools/busybox", n));
        assert!(reference_matches("busy*:1.*", n));
        assert!(reference_matches("registry.example:5000/tools/*", n));
        assert!(!reference_matches("box", n));
    }

    #[test]
    fn filters_parse_or_say_why_not() {
        assert_eq!(
            "dangling=true".parse::<ImageFilter>().expect("f"),
            ImageFilter::Dangling(true)
        );
        assert_eq!(
            "id=sha256:abc".parse::<ImageFilter>().expect("f"),
            ImageFilter::Id("abc".into())
        );
        for bad in ["dangling=maybe", "color=red", "nokey"] {
            assert!(bad.parse::<ImageFilter>().is_err(), "{bad}");
        }
    }
}
