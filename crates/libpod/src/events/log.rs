//! The event log: JSON lines in one file, as podman's `file` events backend, written by every
//! process that acts (conmon's exit command included).
//!
//! Writers take an exclusive `flock` on `<log>.lock`, open the log with `O_APPEND`, write one
//! line with one `write` and close it: lines never interleave and no event is lost, whatever
//! the number of writers. A writer that finds the log over its size limit first rotates it
//! under the same lock: the newer half (from a line boundary) goes to a new file whose first
//! line is a `log-rotation` event naming where the kept part starts in the stream of every
//! event ever written (an offset that only grows), renamed over the log. A follower counts
//! its place in that stream: holding the old file, it reads it to its end, then continues in
//! the new one at the same event, nothing skipped or shown twice, as long as it is no more
//! than half a log behind the writers (beyond that the oldest events it missed are gone, and
//! it says so in the log).

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

use super::types::{Event, EventStatus, EventType};
use crate::error::{LibpodError, Result, io};

/// The attribute of a `log-rotation` event that names the stream offset its file's events
/// start at.
const ROTATED_FROM: &str = "offset";

/// Where a file's events start: the length of its rotation line (0 without one) and the
/// stream offset of the byte after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Header {
    len: u64,
    base: u64,
}

impl Header {
    /// Reads the header from a file's first line.
    fn of(first_line: &[u8]) -> Header {
        if !first_line.ends_with(b"\n") {
            return Header::default();
        }
        parse(first_line)
            .filter(|e| e.status == EventStatus::LogRotation)
            .and_then(|e| e.attributes)
            .and_then(|a| a.get(ROTATED_FROM).and_then(|v| v.parse::<u64>().ok()))
            .map_or(Header::default(), |base| Header {
                len: first_line.len() as u64,
                base,
            })
    }

    /// The stream offset of file offset `pos` (at or after the header).
    fn stream(self, pos: u64) -> u64 {
        self.base + pos.saturating_sub(self.len)
    }
}

/// One event log file and its lock.
#[derive(Clone, Debug)]
pub struct EventLog {
    path: PathBuf,
    max_size: Option<u64>,
}

impl EventLog {
    /// The log at `path`, rotated when a write would take it past `max_size` bytes.
    pub fn new(path: impl Into<PathBuf>, max_size: Option<u64>) -> EventLog {
        EventLog {
            path: path.into(),
            max_size,
        }
    }

    /// The log file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> Result<Flock<File>> {
        let lock_path = self.path.with_extension("log.lock");
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        Flock::lock(f, FlockArg::LockExclusive).map_err(|(_, e)| LibpodError::Io {
            path: lock_path,
            source: e.into(),
        })
    }

    /// Appends one event (one line, one `write`).
    pub fn append(&self, e: &Event) -> Result<()> {
        let mut line = serde_json::to_vec(e)
            .map_err(|err| LibpodError::Invalid(format!("encoding an event: {err}")))?;
        line.push(b'\n');
        let _held = self.lock()?;
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(io(&self.path))?;
        if let Some(max) = self.max_size {
            let size = f.metadata().map_err(io(&self.path))?.len();
            if size > 0 && size + line.len() as u64 > max {
                self.rotate(size)?;
                f = OpenOptions::new()
                    .append(true)
                    .open(&self.path)
                    .map_err(io(&self.path))?;
            }
        }
        f.write_all(&line).map_err(io(&self.path))
    }

    /// Keeps the newer half of the log (under the lock): a new file, its first line a
    /// `log-rotation` event naming the offset the kept part had, renamed over the log.
    fn rotate(&self, size: u64) -> Result<()> {
        let mut old = File::open(&self.path).map_err(io(&self.path))?;
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        old.read_to_end(&mut data).map_err(io(&self.path))?;
        let first_end = data.iter().position(|b| *b == b'\n').map_or(0, |p| p + 1);
        let header = Header::of(&data[..first_end]);
        let half = data.len() / 2;
        let from = data[half..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(data.len(), |p| half + p + 1);
        let base = header.stream(from as u64);
        let mut first = Event::new(EventType::System, EventStatus::LogRotation);
        first.name = self.path.display().to_string();
        first.attributes = Some([(ROTATED_FROM.to_string(), base.to_string())].into());
        let mut out = serde_json::to_vec(&first)
            .map_err(|err| LibpodError::Invalid(format!("encoding an event: {err}")))?;
        out.push(b'\n');
        out.extend_from_slice(&data[from..]);
        let tmp = self.path.with_extension("log.rotating");
        std::fs::write(&tmp, &out).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &self.path).map_err(io(&self.path))?;
        Ok(())
    }

    /// Every event in the log, oldest first; a line that does not parse is skipped (and
    /// logged), as a torn line from a crashed writer must not hide the rest.
    pub fn read_all(&self) -> Result<Vec<Event>> {
        let f = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&self.path)(e)),
        };
        let mut out = Vec::new();
        for line in BufReader::new(f).split(b'\n') {
            if let Some(e) = parse(&line.map_err(io(&self.path))?) {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Follows the log from its current end (or its start with `from_start`): new events as
    /// they are written, across rotations. See [`Follower`].
    pub fn follow(&self, from_start: bool) -> Result<Follower> {
        let mut f = Follower {
            path: self.path.clone(),
            file: None,
            header: Header::default(),
            pos: 0,
            partial: Vec::new(),
            pending: std::collections::VecDeque::new(),
        };
        f.open_current(if from_start { Some(0) } else { None })?;
        Ok(f)
    }
}

fn parse(line: &[u8]) -> Option<Event> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    match serde_json::from_slice(line) {
        Ok(e) => Some(e),
        Err(err) => {
            tracing::warn!(error = %err, "skipping an event line that does not parse");
            None
        }
    }
}

/// A reader that follows the log: [`Follower::poll`] returns the events written since the
/// last call (none when nothing is new).
pub struct Follower {
    path: PathBuf,
    file: Option<(File, u64)>,
    header: Header,
    pos: u64,
    partial: Vec<u8>,
    pending: std::collections::VecDeque<Event>,
}

impl Follower {
    /// Opens the log as it is now, at stream offset `at` (its end when `None`, its first event
    /// when `at` is before it); a missing log is waited for.
    fn open_current(&mut self, at: Option<u64>) -> Result<()> {
        match File::open(&self.path) {
            Ok(mut f) => {
                let meta = f.metadata().map_err(io(&self.path))?;
                let mut first = Vec::new();
                BufReader::new(&mut f)
                    .read_until(b'\n', &mut first)
                    .map_err(io(&self.path))?;
                self.header = Header::of(&first);
                self.pos = match at {
                    None => meta.len(),
                    Some(at) if at < self.header.base => {
                        tracing::warn!(
                            missed = self.header.base - at,
                            "events were rotated away before they were read"
                        );
                        self.header.len
                    }
                    Some(at) => (self.header.len + (at - self.header.base)).min(meta.len()),
                };
                f.seek(SeekFrom::Start(self.pos)).map_err(io(&self.path))?;
                self.file = Some((f, meta.ino()));
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.file = None;
                self.header = Header::default();
                self.pos = 0;
                Ok(())
            }
            Err(e) => Err(io(&self.path)(e)),
        }
    }

    /// Reads what is new in the open file into `pending`.
    fn drain(&mut self) -> Result<()> {
        let Some((f, _)) = self.file.as_mut() else {
            return Ok(());
        };
        let mut buf = Vec::new();
        let n = f.read_to_end(&mut buf).map_err(io(&self.path))?;
        self.pos += n as u64;
        self.partial.extend_from_slice(&buf);
        while let Some(i) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=i).collect();
            if let Some(e) = parse(&line) {
                self.pending.push_back(e);
            }
        }
        Ok(())
    }

    /// The events written since the last call, across rotations.
    pub fn poll(&mut self) -> Result<Vec<Event>> {
        self.drain()?;
        let now = std::fs::metadata(&self.path).ok().map(|m| m.ino());
        let current = self.file.as_ref().map(|(_, ino)| *ino);
        if now.is_some() && now != current {
            // Rotated (or made): the old file is read to its end above; the new one goes on
            // from the same place in the stream of events.
            // A line read only in part is read again whole from the new file.
            let at = self
                .header
                .stream(self.pos.saturating_sub(self.partial.len() as u64));
            self.partial.clear();
            self.open_current(Some(at))?;
            self.drain()?;
        }
        Ok(self.pending.drain(..).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(writer: usize, n: usize) -> Event {
        Event::named(
            EventType::Volume,
            EventStatus::Create,
            &format!("w{writer}-{n}"),
        )
    }

    /// Checks that `seen` holds each writer's events once each, in its order.
    fn each_once_in_order(seen: &[String], writers: usize, each: usize) {
        let mut sorted = seen.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            sorted.len(),
            writers * each,
            "lost or doubled: {}",
            seen.len()
        );
        for w in 0..writers {
            let mine: Vec<usize> = seen
                .iter()
                .filter_map(|n| n.strip_prefix(&format!("w{w}-")))
                .map(|n| n.parse().expect("number"))
                .collect();
            assert_eq!(mine, (0..each).collect::<Vec<_>>());
        }
    }

    #[test]
    fn concurrent_writers_lose_nothing_and_a_follower_sees_each_once() {
        let dir = tempfile::tempdir().expect("tmp");
        let log = EventLog::new(dir.path().join("events/events.log"), None);
        let (writers, each) = (4, 300);
        let mut follower = log.follow(true).expect("follow");
        let mut seen = Vec::new();
        std::thread::scope(|s| {
            for w in 0..writers {
                let log = log.clone();
                s.spawn(move || {
                    for n in 0..each {
                        log.append(&numbered(w, n)).expect("append");
                    }
                });
            }
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while seen.len() < writers * each {
                assert!(
                    std::time::Instant::now() < deadline,
                    "only {} seen",
                    seen.len()
                );
                seen.extend(follower.poll().expect("poll").into_iter().map(|e| e.name));
            }
        });
        each_once_in_order(&seen, writers, each);
        let all: Vec<String> = log
            .read_all()
            .expect("read")
            .into_iter()
            .map(|e| e.name)
            .collect();
        each_once_in_order(&all, writers, each);
    }

    #[test]
    fn a_follower_keeps_its_place_across_rotations() {
        let dir = tempfile::tempdir().expect("tmp");
        let limit = 8 << 10;
        let log = EventLog::new(dir.path().join("events.log"), Some(limit));
        let mut follower = log.follow(true).expect("follow");
        let mut seen = Vec::new();
        // About 100 bytes an event: polling every 20 events stays within half a log, and
        // sometimes two rotations fall between two polls.
        for n in 0..1000 {
            log.append(&numbered(0, n)).expect("append");
            if n % 20 == 19 {
                seen.extend(follower.poll().expect("poll").into_iter().map(|e| e.name));
            }
        }
        seen.extend(follower.poll().expect("poll").into_iter().map(|e| e.name));
        each_once_in_order(&seen, 1, 1000);
        let kept = log.read_all().expect("read");
        assert_eq!(kept[0].status, EventStatus::LogRotation);
        assert!(kept.len() < 1000);
        assert!(std::fs::metadata(log.path()).expect("log").len() <= limit);
        // A follower that falls more than a log behind loses the oldest, never repeats.
        let mut late = log.follow(true).expect("follow");
        let first = late.poll().expect("poll");
        for n in 1000..1400 {
            log.append(&numbered(0, n)).expect("append");
        }
        let rest: Vec<String> = late
            .poll()
            .expect("poll")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert!(rest.len() < 400, "{}", rest.len());
        assert_eq!(rest.last().map(String::as_str), Some("w0-1399"));
        let mut names: Vec<&String> = first.iter().map(|e| &e.name).chain(&rest).collect();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
    }

    #[test]
    fn a_torn_line_is_skipped_and_the_rest_read() {
        let dir = tempfile::tempdir().expect("tmp");
        let log = EventLog::new(dir.path().join("events.log"), None);
        log.append(&numbered(0, 0)).expect("append");
        let mut f = OpenOptions::new()
            .append(true)
            .open(log.path())
            .expect("open");
        f.write_all(b"{\"Status\":\"cre\n").expect("torn");
        log.append(&numbered(0, 1)).expect("append");
        let names: Vec<String> = log
            .read_all()
            .expect("read")
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["w0-0", "w0-1"]);
    }
}
