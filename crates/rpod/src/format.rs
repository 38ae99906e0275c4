//! Output formats as podman users write them: `--format json`, and Go-template field paths
//! (`{{.ID}}`, `{{.State.ExitCode}}`, `{{json .Config}}`), with `table` for aligned columns
//! under headers. Templates run over JSON views of the objects.

use anyhow::{Result, bail};
use serde_json::Value;

enum Piece {
    Text(String),
    Field {
        path: Vec<String>,
        json: bool,
        header: String,
    },
}

fn unescape(s: &str) -> String {
    s.replace("\\t", "\t").replace("\\n", "\n")
}

fn parse(tpl: &str) -> Result<Vec<Piece>> {
    let mut out = Vec::new();
    let mut rest = tpl;
    while let Some(i) = rest.find("{{") {
        if i > 0 {
            out.push(Piece::Text(unescape(&rest[..i])));
        }
        let end = rest[i..]
            .find("}}")
            .map(|e| e + i)
            .ok_or_else(|| anyhow::anyhow!("template {tpl:?}: unclosed {{{{"))?;
        let action = rest[i + 2..end].trim();
        let (json, path) = match action.strip_prefix("json") {
            Some(p) if p.is_empty() || p.starts_with(' ') => (true, p.trim()),
            _ => (false, action),
        };
        let plain = path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !path.starts_with('.') || !plain {
            bail!(
                "template {tpl:?}: unsupported action {action:?}; use {{{{.Field}}}} or {{{{json .Field}}}}"
            );
        }
        let parts: Vec<String> = path
            .trim_start_matches('.')
            .split('.')
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        let header = parts.last().cloned().unwrap_or_default();
        out.push(Piece::Field {
            path: parts,
            json,
            header,
        });
        rest = &rest[end + 2..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(unescape(rest)));
    }
    Ok(out)
}

/// A field by its name; templates spell podman's Go field names (`.Host.Arch`,
/// `.Store.GraphRoot`, `.IPv6Enabled`) where the JSON has camelCase or snake_case keys, so
/// case and underscores are ignored as a fallback.
fn lookup<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, p| {
        cur.get(p.as_str()).or_else(|| {
            let o = cur.as_object()?;
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(p))
                .or_else(|| {
                    o.iter().find(|(k, _)| {
                        k.contains('_') && k.replace('_', "").eq_ignore_ascii_case(p)
                    })
                })
                .map(|(_, v)| v)
        })
    })
}

/// How Go's templates print a value: strings bare, lists as `[a b]`, maps as `map[k:v]`.
pub fn render(v: &Value) -> String {
    match v {
        Value::Null => "<no value>".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(render).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", render(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        other => other.to_string(),
    }
}

fn apply(pieces: &[Piece], v: &Value) -> String {
    let mut s = String::new();
    for p in pieces {
        match p {
            Piece::Text(t) => s.push_str(t),
            Piece::Field { path, json, .. } => {
                let x = lookup(v, path).unwrap_or(&Value::Null);
                if *json {
                    s.push_str(&serde_json::to_string(x).unwrap_or_default());
                } else {
                    s.push_str(&render(x));
                }
            }
        }
    }
    s
}

/// `items` through a full Go template; a table's header names the first field of each action.
fn go_template(
    items: &[Value],
    tpl: &str,
    table: bool,
    headers: &[(&str, &str)],
) -> Result<String> {
    let t = crate::template::parse(&unescape(tpl))?;
    let mut rows = Vec::new();
    if table {
        let mut head = String::new();
        let mut rest = tpl;
        while let Some(i) = rest.find("{{") {
            head.push_str(&unescape(&rest[..i]));
            let end = rest[i..].find("}}").map_or(rest.len(), |e| e + i);
            let action = rest[i + 2..end].trim();
            // Control actions (if, range, with, else, end) have no column of their own.
            let control = ["if ", "range ", "with ", "else", "end"]
                .iter()
                .any(|k| action.starts_with(k));
            let field = if control { "" } else { action }
                .split(|c: char| c.is_whitespace() || c == '|' || c == '(' || c == ')')
                .find(|w| w.starts_with('.') && w.len() > 1)
                .and_then(|w| w.rsplit('.').next())
                .unwrap_or("");
            if !field.is_empty() {
                head.push_str(
                    &headers
                        .iter()
                        .find(|(k, _)| *k == field)
                        .map_or_else(|| field.to_uppercase(), |(_, h)| h.to_string()),
                );
            }
            rest = rest.get(end + 2..).unwrap_or("");
        }
        head.push_str(&unescape(rest));
        rows.push(head);
    }
    for v in items {
        rows.push(crate::template::render(&t, v)?);
    }
    Ok(if table {
        columns(&rows)
    } else {
        rows.iter().map(|r| format!("{r}\n")).collect()
    })
}

/// Aligns tab-separated rows into columns as podman's tables (Go's tabwriter with a minimum
/// cell width of 12 and a padding of 2): each column is as wide as its widest cell plus two,
/// and at least 12.
pub fn columns(rows: &[String]) -> String {
    let cells: Vec<Vec<&str>> = rows.iter().map(|r| r.split('\t').collect()).collect();
    let n = cells.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            cells
                .iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in cells {
        let mut line = String::new();
        for (i, c) in r.iter().enumerate() {
            line.push_str(c);
            if i + 1 < r.len() {
                let width = (widths[i] + 2).max(12);
                line.push_str(&" ".repeat(width - c.chars().count()));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Renders `items` with `format` (`json`, a template, or `table ...`); `headers` maps field
/// names to podman's column titles.
/// The JSON podman prints for a view: the `__json` it keeps aside when its template fields
/// differ from its JSON (`ps`, `pod ps`, networks), else the view itself.
pub fn json_form(v: &Value) -> &Value {
    v.get("__json").unwrap_or(v)
}

/// One object: `json` prints it bare (not in a list), as podman's `info`, `version` and
/// single `pod inspect` do; a template is applied to it.
pub fn output_one(item: &Value, format: &str) -> Result<String> {
    if format == "json" || format == "{{json .}}" {
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(json_form(item))?
        ));
    }
    output(std::slice::from_ref(item), format, &[])
}

/// A YAML rendering of `v`, as podman prints `info` without `--format`.
pub fn yaml(v: &Value) -> String {
    fn scalar(v: &Value) -> String {
        match v {
            Value::Null => "null".into(),
            Value::String(s) if s.is_empty() => "\"\"".into(),
            Value::String(s)
                if s.contains(": ") || s.starts_with(['-', '[', '{', '*', '&', '!', '"', '\'']) =>
            {
                serde_json::to_string(s).unwrap_or_default()
            }
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
    fn walk(v: &Value, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    match x {
                        Value::Object(o) if !o.is_empty() => {
                            out.push_str(&format!("{pad}{k}:\n"));
                            walk(x, indent + 2, out);
                        }
                        Value::Array(a) if !a.is_empty() => {
                            out.push_str(&format!("{pad}{k}:\n"));
                            walk(x, indent, out);
                        }
                        Value::Object(_) => out.push_str(&format!("{pad}{k}: {{}}\n")),
                        Value::Array(_) => out.push_str(&format!("{pad}{k}: []\n")),
                        _ => out.push_str(&format!("{pad}{k}: {}\n", scalar(x))),
                    }
                }
            }
            Value::Array(a) => {
                for x in a {
                    match x {
                        Value::Object(_) | Value::Array(_) => {
                            let mut inner = String::new();
                            walk(x, indent + 2, &mut inner);
                            // The first line of a nested item goes behind its dash.
                            out.push_str(&format!("{pad}- {}", inner.trim_start()));
                        }
                        _ => out.push_str(&format!("{pad}- {}\n", scalar(x))),
                    }
                }
            }
            other => out.push_str(&format!("{pad}{}\n", scalar(other))),
        }
    }
    let mut out = String::new();
    walk(v, 0, &mut out);
    out
}

/// Many objects: `json` prints a list, a template is applied to each.
pub fn output(items: &[Value], format: &str, headers: &[(&str, &str)]) -> Result<String> {
    if format == "json" || format == "{{json .}}" {
        let shown: Vec<&Value> = items.iter().map(json_form).collect();
        return Ok(format!("{}\n", serde_json::to_string_pretty(&shown)?));
    }
    let (table, tpl) = match format.strip_prefix("table") {
        Some(rest) => (true, rest.trim_start()),
        None => (false, format),
    };
    // Plain field paths take the fast path; anything else is a Go template.
    let pieces = match parse(tpl) {
        Ok(p) => p,
        Err(_) => return go_template(items, tpl, table, headers),
    };
    let mut rows = Vec::new();
    if table {
        let head: String = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.clone(),
                Piece::Field { header, .. } => headers
                    .iter()
                    .find(|(k, _)| k == header)
                    .map(|(_, h)| h.to_string())
                    .unwrap_or_else(|| header.to_uppercase()),
            })
            .collect();
        rows.push(head);
    }
    for v in items {
        rows.push(apply(&pieces, v));
    }
    Ok(if table {
        columns(&rows)
    } else {
        rows.iter().map(|r| format!("{r}\n")).collect()
    })
}

/// "5 seconds ago" and friends, from nanoseconds since the epoch.
pub fn ago(ns: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let s = (now - ns / 1_000_000_000).max(0);
    match s {
        0 => "Less than a second ago".into(),
        1..=59 => format!("{s} second{} ago", if s == 1 { "" } else { "s" }),
        60..=119 => "About a minute ago".into(),
        120..=3599 => format!("{} minutes ago", s / 60),
        3600..=7199 => "About an hour ago".into(),
        7200..=172_799 => format!("{} hours ago", s / 3600),
        _ => format!("{} days ago", s / 86400),
    }
}

/// A duration in podman's words ("5 seconds", "About a minute").
pub fn duration(ns: i64) -> String {
    ago(ns).trim_end_matches(" ago").to_string()
}

/// Go's `units.HumanSizeWithPrecision(b, digits)` as podman prints it: no space (`5.15kB`).
pub fn size_digits(b: u64, digits: usize) -> String {
    let units = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < units.len() {
        v /= 1000.0;
        i += 1;
    }
    let whole = (v.abs().log10().floor() as i32 + 1).max(1);
    let decimals = usize::try_from(digits as i32 - whole).unwrap_or(0);
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{s}{}", units[i])
}

/// Bytes as podman prints image sizes (`1.98 MB`): three digits, a space before the unit.
pub fn size(b: u64) -> String {
    let s = size_digits(b, 3);
    let at = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    format!("{} {}", &s[..at], &s[at..])
}

/// RFC 3339 to the second, in UTC (`2026-12-06T13:20:45Z`), as podman's image JSON has it.
pub fn rfc3339_secs(ns: i64) -> String {
    libpod::rfc3339_nano(ns - ns.rem_euclid(1_000_000_000))
}

/// A time as Go's `time.Time.String()` prints it in UTC (`2026-12-06 13:29:45.56 +0000 UTC`),
/// which podman's templates show for `.CreatedAt`.
pub fn go_time(ns: i64) -> String {
    let t = libpod::rfc3339_nano(ns);
    format!(
        "{} +0000 UTC",
        t.trim_end_matches('Z').replacen('T', " ", 1)
    )
}

/// RFC 3339 from nanoseconds since the epoch.
pub fn rfc3339(ns: i64) -> String {
    libpod::format_rfc3339(ns)
}

/// A duration as Go's `time.Duration.String()` prints it (`0s`, `1.5ms`, `2.056069824s`,
/// `1m2.5s`, `1h0m3s`).
pub fn go_duration(ns: u64) -> String {
    let frac = |v: u64, unit: u64| {
        let whole = v / unit;
        let rest = v % unit;
        if rest == 0 {
            whole.to_string()
        } else {
            let digits = unit.to_string().len() - 1;
            let s = format!("{whole}.{rest:0digits$}");
            s.trim_end_matches('0').to_string()
        }
    };
    match ns {
        0 => "0s".into(),
        n if n < 1_000 => format!("{n}ns"),
        n if n < 1_000_000 => format!("{}\u{b5}s", frac(n, 1_000)),
        n if n < 1_000_000_000 => format!("{}ms", frac(n, 1_000_000)),
        n => {
            let (h, rest) = (n / 3_600_000_000_000, n % 3_600_000_000_000);
            let (m, s) = (rest / 60_000_000_000, rest % 60_000_000_000);
            let secs = format!("{}s", frac(s, 1_000_000_000));
            match (h, m) {
                (0, 0) => secs,
                (0, m) => format!("{m}m{secs}"),
                (h, m) => format!("{h}h{m}m{secs}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn templates_json_and_tables() {
        let v = vec![
            json!({"ID": "abc", "Names": "web", "State": {"ExitCode": 3}, "Config": {"Env": ["A=b"]}}),
            json!({"ID": "de", "Names": "db", "State": {"ExitCode": 0}, "Config": {}}),
        ];
        assert_eq!(
            super::output(&v, "{{.ID}} {{.Names}}", &[]).expect("t"),
            "abc web\nde db\n"
        );
        assert_eq!(
            super::output(&v[..1], "{{.State.ExitCode}}", &[]).expect("t"),
            "3\n"
        );
        assert_eq!(
            super::output(&v[..1], "{{json .Config}}", &[]).expect("t"),
            "{\"Env\":[\"A=b\"]}\n"
        );
        assert_eq!(
            super::output(&v[..1], "{{.Config.Env}}|{{.Nope}}", &[]).expect("t"),
            "[A=b]|<no value>\n"
        );
        assert_eq!(
            super::output(&v, "table {{.ID}}\\t{{.Names}}", &[("ID", "CONTAINER ID")]).expect("t"),
            "CONTAINER ID  NAMES\nabc           web\nde            db\n"
        );
        // Go's tabwriter as podman sets it up: cells at least 12 wide, 2 spaces of padding.
        assert_eq!(
            super::columns(&[
                "REPOSITORY\tTAG\tIMAGE ID\tSIZE".into(),
                "localhost/busybox\tlatest\t9dbf4f444da4\t2.13 MB".into(),
            ]),
            "REPOSITORY         TAG         IMAGE ID      SIZE\n\
             localhost/busybox  latest      9dbf4f444da4  2.13 MB\n"
        );
        assert!(super::output(&v, "json", &[]).expect("j").starts_with('['));
        assert!(super::output(&v, "{{.ID", &[]).is_err());
        assert!(super::output(&v, "{{nosuchfunc .ID}}", &[]).is_err());
        assert_eq!(
            super::output(&v, "table {{.ID}}{{if .Names}} {{.Names}}{{end}}", &[]).expect("t"),
            "ID NAMES\nabc web\nde db\n"
        );
        // Three significant digits, as podman's (Go's %.3g).
        assert_eq!(super::size(1_982_256), "1.98 MB");
        assert_eq!(super::size(154_693), "155 kB");
        assert_eq!(super::size(2_100_000), "2.1 MB");
        assert_eq!(super::size(999), "999 B");
        assert_eq!(super::size_digits(6_548_000, 4), "6.548MB");
        assert_eq!(super::size_digits(5_150, 4), "5.15kB");
        assert_eq!(super::size_digits(0, 4), "0B");
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000000000Z");
    }

    #[test]
    fn durations_as_go_prints_them() {
        for (ns, want) in [
            (0, "0s"),
            (999, "999ns"),
            (1_500, "1.5\u{b5}s"),
            (1_500_000, "1.5ms"),
            (2_056_069_824, "2.056069824s"),
            (62_500_000_000, "1m2.5s"),
            (3_603_000_000_000, "1h0m3s"),
        ] {
            assert_eq!(super::go_duration(ns), want);
        }
    }
}
