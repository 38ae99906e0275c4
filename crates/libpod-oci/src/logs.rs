//! conmon's `k8s-file` log format: `<RFC 3339 time> <stdout|stderr> <F|P> <text>` per line,
//! `P` marking a partial line whose rest follows.

use std::path::Path;

use crate::error::{Result, io};
use crate::types::LogLine;

/// Parses a log file; a missing file is an empty log.
pub fn read_log(path: &Path) -> Result<Vec<LogLine>> {
    let text = match std::fs::read(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(path)(e)),
    };
    Ok(parse_log(&text))
}

/// Parses log text, joining partial lines per stream.
pub fn parse_log(text: &str) -> Vec<LogLine> {
    let mut out: Vec<LogLine> = Vec::new();
    let mut partial: Option<LogLine> = None;
    // Split on \n only: a terminal's \r belongs to the text, as podman keeps it.
    for line in text.split('\n').filter(|l| !l.is_empty()) {
        let mut parts = line.splitn(4, ' ');
        let (Some(time), Some(stream), Some(tag), rest) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let text = rest.unwrap_or("");
        match partial.take() {
            Some(mut p) if p.stream == stream => {
                p.text.push_str(text);
                if tag == "P" {
                    partial = Some(p);
                } else {
                    out.push(p);
                }
                continue;
            }
            Some(p) => out.push(p),
            None => {}
        }
        let l = LogLine {
            time: time.to_string(),
            stream: stream.to_string(),
            text: text.to_string(),
        };
        if tag == "P" {
            partial = Some(l);
        } else {
            out.push(l);
        }
    }
    out.extend(partial);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn full_and_partial_lines() {
        let t = "2024-01-01T00:00:00.000000001Z stdout F hello\n2024-01-01T00:00:00.1Z stderr P par\n2024-01-01T00:00:00.2Z stderr F tial\n2024-01-01T00:00:00.3Z stdout F \n";
        let v = super::parse_log(t);
        assert_eq!(v.len(), 3);
        assert_eq!(
            (v[0].stream.as_str(), v[0].text.as_str()),
            ("stdout", "hello")
        );
        assert_eq!(
            (v[1].stream.as_str(), v[1].text.as_str()),
            ("stderr", "partial")
        );
        assert_eq!(v[2].text, "");
    }
}
