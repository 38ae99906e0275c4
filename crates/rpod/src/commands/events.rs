//! `rpod events`: options to the library's event reader, each event through `views`.

use std::io::Write;

use libpod::EventsOptions;
use libpod::events::Event;

use super::*;
use crate::cli::EventsArgs;

pub(super) fn events(rt: &Runtime, a: &EventsArgs) -> Result<i32> {
    let now = libpod::now_ns();
    let opts = EventsOptions {
        since: a
            .since
            .as_deref()
            .map(|s| libpod::parse_time_filter(s, now))
            .transpose()?,
        until: a
            .until
            .as_deref()
            .map(|s| libpod::parse_time_filter(s, now))
            .transpose()?,
        filters: a
            .filter
            .iter()
            .map(|f| f.parse())
            .collect::<libpod::Result<_>>()?,
    };
    let mut out = std::io::stdout().lock();
    if !a.stream {
        for e in rt.events(&opts)? {
            show(&mut out, &e, a.format.as_deref())?;
        }
        return Ok(0);
    }
    for e in rt.subscribe(opts)? {
        show(&mut out, &e?, a.format.as_deref())?;
        out.flush()?;
    }
    Ok(0)
}

fn show(out: &mut impl Write, e: &Event, format: Option<&str>) -> Result<()> {
    match format {
        None => writeln!(out, "{}", views::event_line(e))?,
        // podman prints each event as one compact JSON line.
        Some("json") | Some("{{json .}}") => writeln!(out, "{}", serde_json::to_string(e)?)?,
        Some(f) => write!(
            out,
            "{}",
            crate::format::output_one(&views::event_item(e), f)?
        )?,
    }
    Ok(())
}
