//! `GET /events`: the event log as Docker's JSON messages, one per line, recorded ones from
//! `since` and then live ones until `until` or the client goes.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use libpod::events::{Event, EventFilter, EventStatus, EventType};
use serde_json::{Value, json};

use crate::body::{Query, Reply, stream};
use crate::ctx::{Ctx, blocking};
use crate::error::{ApiError, Result};

/// Docker's action names where podman's differ.
fn action(s: EventStatus) -> &'static str {
    match s {
        EventStatus::Died => "die",
        EventStatus::Remove => "destroy",
        other => other.as_str(),
    }
}

/// A Docker filter value as podman's (`event=die` is `died`).
fn filter(key: &str, value: &str) -> Result<EventFilter> {
    let value = match (key, value) {
        ("event", "die") => "died",
        ("event", "destroy") => "remove",
        _ => value,
    };
    format!("{key}={value}")
        .parse()
        .map_err(|e: libpod::LibpodError| ApiError::BadRequest(e.to_string()))
}

/// One event as Docker's `events` message.
pub(crate) fn message(e: &Event) -> Value {
    let mut attrs = serde_json::Map::new();
    for (k, v) in e.attributes.iter().flatten() {
        attrs.insert(k.clone(), json!(v));
    }
    if !e.name.is_empty() {
        attrs.insert("name".into(), json!(e.name));
    }
    if !e.image.is_empty() {
        attrs.insert("image".into(), json!(e.image));
    }
    if e.status == EventStatus::Died {
        attrs.insert("exitCode".into(), json!(e.exit_code.to_string()));
    }
    let id = if e.kind == EventType::Container {
        &e.id
    } else {
        &e.name
    };
    json!({
        "status": action(e.status),
        "id": id,
        "from": e.image,
        "Type": e.kind.as_str(),
        "Action": action(e.status),
        "Actor": {"ID": id, "Attributes": attrs},
        "scope": "local",
        "time": e.time / 1_000_000_000,
        "timeNano": e.time,
    })
}

/// `GET /events?since=&until=&filters=`: streams until `until` passes or the client goes.
pub(crate) async fn events(ctx: &Arc<Ctx>, q: &Query) -> Result<Reply> {
    let filters = q
        .filters()?
        .iter()
        .map(|(k, v)| filter(k, v))
        .collect::<Result<Vec<_>>>()?;
    let opts = libpod::EventsOptions {
        since: q.time("since")?,
        until: q.time("until")?,
        filters,
    };
    let rt = ctx.rt.clone();
    let mut events = blocking(move || Ok(rt.subscribe(opts)?)).await?;
    let (reply, tx) = stream("application/json", ctx.tracker.busy());
    tokio::task::spawn_blocking(move || {
        // Looks every half second whether the client is still there.
        while !tx.is_closed() && !events.ended() {
            match events.next_timeout(Duration::from_millis(500)) {
                Ok(Some(e)) => {
                    let mut line = message(&e).to_string().into_bytes();
                    line.push(b'\n');
                    if tx.blocking_send(Bytes::from(line)).is_err() {
                        break;
                    }
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::debug!(error = %err, "events stream ended");
                    break;
                }
            }
        }
    });
    Ok(reply)
}
