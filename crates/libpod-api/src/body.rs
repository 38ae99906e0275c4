//! Response bodies (whole, or streamed from a channel while a facade call runs) and request
//! helpers: the query string, a JSON body read under a size limit.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::{Response, StatusCode};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::error::{ApiError, Result};
use crate::tracker::Busy;

/// The largest request body read (a container create is a few KiB; an archive upload streams).
pub(crate) const MAX_BODY: usize = 4 << 20;

/// A response body: whole bytes, or chunks from a channel (kept open while a stream runs).
pub(crate) enum Body {
    /// All of it at once.
    Full(Option<Bytes>),
    /// Chunks as they come; the activity guard lives as long as the stream.
    Stream {
        /// The chunks.
        rx: mpsc::Receiver<Bytes>,
        /// Held only to count the stream as activity.
        _busy: Busy,
    },
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            Body::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Body::Stream { rx, .. } => rx.poll_recv(cx).map(|c| c.map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Body::Full(None) => SizeHint::with_exact(0),
            Body::Stream { .. } => SizeHint::default(),
        }
    }
}

/// A response of the service.
pub(crate) type Reply = Response<Body>;

/// A response with this status and no body.
pub(crate) fn empty(status: u16) -> Reply {
    let mut r = Response::new(Body::Full(None));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r
}

/// A JSON response.
pub(crate) fn json(status: u16, value: &impl serde::Serialize) -> Reply {
    let mut bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.push(b'\n');
    let mut r = Response::new(Body::Full(Some(Bytes::from(bytes))));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

/// A streamed response of this content type: returns it and the sender of its chunks.
pub(crate) fn stream(content_type: &'static str, busy: Busy) -> (Reply, mpsc::Sender<Bytes>) {
    let (tx, rx) = mpsc::channel(64);
    let mut r = Response::new(Body::Stream { rx, _busy: busy });
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    (r, tx)
}

/// An error as the Docker API answers it: `{"message": ...}` with its status (libpod's
/// endpoints add `cause` and `response`).
pub(crate) fn error(e: &ApiError, libpod: bool) -> Reply {
    let status = e.status();
    let message = e.to_string();
    if libpod {
        let cause = e.cause();
        // podman's messages end with their cause (Go's wrapped errors), and its clients look
        // for the cause in the message.
        let message = if message.ends_with(&cause) {
            message
        } else {
            format!("{message}: {cause}")
        };
        json(
            status,
            &serde_json::json!({"cause": cause, "message": message, "response": status}),
        )
    } else {
        json(status, &serde_json::json!({ "message": message }))
    }
}

/// A request's query parameters (`get`: the first of a repeated key, as Go's `Get`).
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    /// Parses `a=1&b=x%20y`.
    pub(crate) fn parse(q: Option<&str>) -> Self {
        Query(
            form_urlencoded::parse(q.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// A parameter's text.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated parameter, in order.
    pub(crate) fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A boolean parameter as Docker reads them (`1`, `true`, `True`; absent: false).
    pub(crate) fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "true" | "True" | "TRUE"))
    }

    /// A numeric parameter; malformed is a 400 naming it.
    pub(crate) fn num<T: std::str::FromStr>(&self, key: &str) -> Result<Option<T>> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ApiError::BadRequest(format!("query parameter {key}={v:?} is not a number"))
            }),
        }
    }

    /// A time as Docker sends `since`/`until`: Unix seconds with an optional fraction (`0`
    /// or empty: none), or what `rpod logs --since` takes; nanoseconds since the epoch.
    pub(crate) fn time(&self, key: &str) -> Result<Option<i64>> {
        // Empty, 0 and Go's zero time (what podman's client sends unset) mean none.
        let unset = |v: &str| v.is_empty() || v == "0" || v.starts_with("0001-01-01T00:00:00");
        let Some(v) = self.get(key).filter(|v| !unset(v)) else {
            return Ok(None);
        };
        if let Ok(secs) = v.parse::<f64>() {
            return Ok(Some((secs * 1e9) as i64));
        }
        libpod::parse_time_filter(v, libpod::now_ns())
            .map(Some)
            .map_err(|e| ApiError::BadRequest(format!("{key}={v:?}: {e}")))
    }

    /// The `filters` parameter: JSON `{"key": ["v1", "v2"]}` (or Docker's older
    /// `{"key": {"v1": true}}`), flattened to `key=value` pairs.
    pub(crate) fn filters(&self) -> Result<Vec<(String, String)>> {
        let Some(raw) = self.get("filters").filter(|s| !s.is_empty()) else {
            return Ok(Vec::new());
        };
        let bad = |why: &str| ApiError::BadRequest(format!("invalid filters {raw:?}: {why}"));
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(raw).map_err(|e| bad(&e.to_string()))?;
        let mut out = Vec::new();
        for (k, v) in map {
            match v {
                serde_json::Value::Array(vals) => {
                    for v in vals {
                        let s = v.as_str().ok_or_else(|| bad("values must be strings"))?;
                        out.push((k.clone(), s.to_string()));
                    }
                }
                serde_json::Value::Object(vals) => {
                    out.extend(vals.into_iter().map(|(v, _)| (k.clone(), v)));
                }
                _ => return Err(bad("each key takes a list of strings")),
            }
        }
        Ok(out)
    }
}

/// Reads a request body of at most [`MAX_BODY`] bytes.
pub(crate) async fn read(body: Incoming) -> Result<Bytes> {
    let limited = http_body_util::Limited::new(body, MAX_BODY);
    match limited.collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::TooLarge(MAX_BODY)),
        Err(e) => Err(ApiError::BadRequest(format!(
            "reading the request body: {e}"
        ))),
    }
}

/// Reads a JSON request body into `T`; an empty body is `T::default()`.
pub(crate) async fn read_json<T: DeserializeOwned + Default>(body: Incoming) -> Result<T> {
    let bytes = read(body).await?;
    decode_json(&bytes)
}

/// Decodes a JSON request body; an empty body is `T::default()`. The error names the field.
pub(crate) fn decode_json<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let bad = |e: serde_json::Error| {
        ApiError::BadRequest(format!("invalid JSON in the request body: {e}"))
    };
    let mut value: serde_json::Value = serde_json::from_slice(bytes).map_err(bad)?;
    drop_nulls(&mut value);
    serde_json::from_value(value).map_err(bad)
}

/// Removes `"key": null` members at any depth: clients send null for "not set", which the
/// APIs read as the field's default.
fn drop_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_and_filters() {
        let q = Query::parse(Some(
            "all=1&limit=3&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D&force=false",
        ));
        assert!(q.flag("all") && !q.flag("force") && !q.flag("missing"));
        assert_eq!(q.num::<u32>("limit").expect("n"), Some(3));
        assert_eq!(
            q.filters().expect("filters"),
            vec![("label".to_string(), "a=b".to_string())]
        );
        let old = Query::parse(Some(
            "filters=%7B%22status%22%3A%7B%22exited%22%3Atrue%7D%7D",
        ));
        assert_eq!(
            old.filters().expect("old"),
            vec![("status".into(), "exited".into())]
        );
        assert!(Query::parse(Some("limit=x")).num::<u32>("limit").is_err());
        let t = Query::parse(Some("since=1700000000.5&until=0"));
        assert_eq!(
            t.time("since").expect("since"),
            Some(1_700_000_000_500_000_000)
        );
        assert_eq!(t.time("until").expect("until"), None);
        assert!(Query::parse(Some("since=bogus")).time("since").is_err());
        let go_zero = Query::parse(Some("until=0001-01-01T00%3A00%3A00Z"));
        assert_eq!(go_zero.time("until").expect("zero"), None);
        assert!(Query::parse(Some("filters=%5B1%5D")).filters().is_err());
    }

    #[test]
    fn libpod_errors_carry_their_cause_in_the_message() {
        let gone = ApiError::from(libpod::LibpodError::State(
            libpod::state::StateError::NoSuchContainer("c1".into()),
        ));
        let reply = error(&gone, true);
        assert_eq!(reply.status(), 404);
        let Body::Full(Some(bytes)) = reply.into_body() else {
            panic!("a whole body");
        };
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(v["cause"], "no such container");
        assert!(
            v["message"]
                .as_str()
                .is_some_and(|m| m.ends_with(": no such container")),
            "{v}"
        );
        assert_eq!(v["response"], 404);
    }

    #[test]
    fn json_bodies() {
        let v: serde_json::Value = decode_json(b"  ").expect("empty");
        assert!(v.is_null());
        #[derive(serde::Deserialize, Default, Debug)]
        #[serde(default)]
        struct T {
            n: i64,
        }
        assert_eq!(decode_json::<T>(br#"{"n": null}"#).expect("null").n, 0);
        let e = decode_json::<serde_json::Value>(b"{").expect_err("bad");
        assert_eq!(e.status(), 400);
    }
}
