//! `--format` templates beyond plain field paths: Go's `text/template` (`range`, `if`, `with`,
//! `index`, `len`, `printf`, pipes) through the `gotmpl` crate, with podman's helpers (`json`,
//! `upper`, `lower`, `title`, `join`, `truncate`). Field names are Go's: a view's `camelCase`
//! or `snake_case` key is also reachable as `PascalCase` (`.Host.Arch`, `.Store.GraphRoot`).

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{Result, anyhow};
use gotmpl::{FuncMap, Template, Value as Go};
use serde_json::Value;

/// Go's spelling of initialisms in field names (`OS`, `OCIRuntime`, `BootID`).
const INITIALISMS: &[(&str, &str)] = &[
    ("api", "API"),
    ("cpu", "CPU"),
    ("cpus", "CPUs"),
    ("dns", "DNS"),
    ("gid", "GID"),
    ("id", "ID"),
    ("ip", "IP"),
    ("ipv6", "IPv6"),
    ("mac", "MAC"),
    ("oci", "OCI"),
    ("os", "OS"),
    ("pid", "PID"),
    ("tls", "TLS"),
    ("uid", "UID"),
    ("url", "URL"),
];

/// The words of a camelCase or snake_case key.
fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in key.split('_').filter(|p| !p.is_empty()) {
        let mut cur = String::new();
        for c in part.chars() {
            if c.is_uppercase() && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
        out.push(cur);
    }
    out
}

/// The Go field names a JSON key may be written as in a template: `graphRoot` and
/// `graph_root` as `GraphRoot`, `os` as `OS` (and `Os`), `ociRuntime` as `OCIRuntime`.
fn go_names(key: &str) -> Vec<String> {
    let ws = words(key);
    let cap = |w: &str| {
        let mut c = w.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect::<String>())
            .unwrap_or_default()
    };
    let plain: String = ws.iter().map(|w| cap(w)).collect();
    let go: String = ws
        .iter()
        .map(|w| {
            INITIALISMS
                .iter()
                .find(|(k, _)| w.eq_ignore_ascii_case(k))
                .map_or_else(|| cap(w), |(_, v)| v.to_string())
        })
        .collect();
    if go == plain {
        vec![plain]
    } else {
        vec![go, plain]
    }
}

/// Objects that are data maps (user keys), not structs: their keys get no Go-name alias.
const DATA_MAPS: &[&str] = &[
    "Labels",
    "labels",
    "Annotations",
    "annotations",
    "Options",
    "options",
    "Networks",
];

/// A view as template data; keys starting with `__` (kept-aside JSON forms) are left out.
pub fn to_go(v: &Value) -> Go {
    convert(v, true)
}

fn convert(v: &Value, aliases: bool) -> Go {
    match v {
        Value::Null => Go::Nil,
        Value::Bool(b) => Go::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Go::Int(i),
            (None, Some(u)) => Go::Uint(u),
            _ => Go::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Go::String(Arc::from(s.as_str())),
        Value::Array(a) => Go::List(a.iter().map(to_go).collect::<Vec<_>>().into()),
        Value::Object(m) => {
            let mut out: BTreeMap<Arc<str>, Go> = BTreeMap::new();
            for (k, x) in m.iter().filter(|(k, _)| !k.starts_with("__")) {
                let child = convert(x, !DATA_MAPS.contains(&k.as_str()));
                if aliases {
                    for alias in go_names(k) {
                        if alias != *k && !m.contains_key(&alias) {
                            out.insert(Arc::from(alias.as_str()), child.clone());
                        }
                    }
                }
                out.insert(Arc::from(k.as_str()), child);
            }
            Go::Map(Arc::new(out))
        }
    }
}

/// A Go value back as JSON (for the `json` helper).
fn to_json(v: &Go) -> Value {
    match v {
        Go::Nil | Go::Function(_) => Value::Null,
        Go::Bool(b) => Value::Bool(*b),
        Go::Int(i) => Value::from(*i),
        Go::Uint(u) => Value::from(*u),
        Go::Float(f) => Value::from(*f),
        Go::String(s) => Value::String(s.to_string()),
        Go::List(l) => Value::Array(l.iter().map(to_json).collect()),
        Go::Map(m) => Value::Object(m.iter().map(|(k, x)| (k.to_string(), to_json(x))).collect()),
    }
}

fn arg_str(args: &[Go], i: usize) -> String {
    args.get(i)
        .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
        .unwrap_or_default()
}

/// podman's template helpers.
fn helpers() -> FuncMap {
    let mut f = FuncMap::new();
    f.insert(
        "json".into(),
        Arc::new(|a: &[Go]| {
            let v = a.first().map(to_json).unwrap_or(Value::Null);
            Ok(Go::String(
                serde_json::to_string(&v).unwrap_or_default().into(),
            ))
        }),
    );
    f.insert(
        "upper".into(),
        Arc::new(|a: &[Go]| Ok(Go::String(arg_str(a, 0).to_uppercase().into()))),
    );
    f.insert(
        "lower".into(),
        Arc::new(|a: &[Go]| Ok(Go::String(arg_str(a, 0).to_lowercase().into()))),
    );
    f.insert(
        "title".into(),
        Arc::new(|a: &[Go]| {
            let s = arg_str(a, 0);
            let t: Vec<String> = s
                .split(' ')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>())
                        .unwrap_or_default()
                })
                .collect();
            Ok(Go::String(t.join(" ").into()))
        }),
    );
    f.insert(
        "join".into(),
        Arc::new(|a: &[Go]| {
            let sep = arg_str(a, 1);
            let parts: Vec<String> = match a.first() {
                Some(Go::List(l)) => l
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                    .collect(),
                Some(other) => vec![other.to_string()],
                None => Vec::new(),
            };
            Ok(Go::String(parts.join(&sep).into()))
        }),
    );
    f.insert(
        "truncate".into(),
        Arc::new(|a: &[Go]| {
            let n = a.get(1).and_then(Go::as_int).unwrap_or(0).max(0) as usize;
            Ok(Go::String(
                arg_str(a, 0).chars().take(n).collect::<String>().into(),
            ))
        }),
    );
    f
}

/// Parses `tpl` as a Go template with podman's helpers.
pub fn parse(tpl: &str) -> Result<Template> {
    Template::new("format")
        .funcs(helpers())
        .parse(tpl)
        .map_err(|e| anyhow!("template {tpl:?}: {e}"))
}

/// Renders one item.
pub fn render(t: &Template, item: &Value) -> Result<String> {
    t.execute_to_string(&to_go(item))
        .map_err(|e| anyhow!("template: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(tpl: &str, v: Value) -> String {
        render(&parse(tpl).expect("parse"), &v).expect("render")
    }

    #[test]
    fn go_templates_with_podmans_helpers() {
        let v = json!({"Mounts": [{"Source": "/a"}, {"Source": "/b"}], "IsInfra": false, "Names": ["x", "y"], "host": {"graphRoot": "/g"}, "network_interface": "br0"});
        assert_eq!(
            run("{{range .Mounts}}{{.Source}};{{end}}", v.clone()),
            "/a;/b;"
        );
        assert_eq!(
            run("{{if .IsInfra}}infra{{else}}app{{end}}", v.clone()),
            "app"
        );
        assert_eq!(run("{{len .Names}} {{index .Names 1}}", v.clone()), "2 y");
        assert_eq!(
            run("{{join .Names \",\"}} {{upper \"ab\"}}", v.clone()),
            "x,y AB"
        );
        assert_eq!(
            run("{{.Host.GraphRoot}} {{.NetworkInterface}}", v.clone()),
            "/g br0"
        );
        assert_eq!(run("{{json .Names}}", v.clone()), "[\"x\",\"y\"]");
        assert_eq!(run("{{printf \"%s-%d\" \"a\" 3}}", v), "a-3");
        let broken = parse("{{nosuchfunc .X}}").and_then(|t| render(&t, &json!({"X": 1})));
        assert!(broken.is_err());
    }
}
