//! The content-addressed blob store: `blobs/sha256/<hex>`, verified when written and read.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

use crate::digest::{Hashing, hex_of};
use crate::error::{Result, StorageError, io};
use crate::types::{Progress, ProgressFn};

/// Blobs under one directory.
#[derive(Debug, Clone)]
pub(crate) struct Blobs {
    dir: PathBuf,
    tmp: PathBuf,
    /// Held shared while temporary files are being written (see [`TmpHold`]).
    tmp_lock: PathBuf,
}

/// A hold on the store's temporary files (an `flock`): shared while a command writes some, so
/// that another command's `Store::open` leaves them alone; exclusive to clear leftovers.
pub(crate) struct TmpHold {
    _lock: Flock<File>,
}

/// Reports progress every this many bytes.
const REPORT_EVERY: u64 = 1 << 20;

/// Lends an optional progress callback for one step of a longer job.
pub fn lend<'a>(p: &'a mut Option<ProgressFn<'_>>) -> Option<ProgressFn<'a>> {
    match p {
        Some(f) => Some(&mut **f),
        None => None,
    }
}

/// A reader that reports progress as bytes pass.
pub(crate) struct Reporting<'a, R> {
    inner: R,
    progress: Option<ProgressFn<'a>>,
    state: Progress,
    last: u64,
}

impl<'a, R: Read> Reporting<'a, R> {
    pub(crate) fn new(
        inner: R,
        item: &str,
        total: Option<u64>,
        progress: Option<ProgressFn<'a>>,
    ) -> Self {
        Reporting {
            inner,
            progress,
            state: Progress {
                item: item.to_string(),
                done: 0,
                total,
            },
            last: 0,
        }
    }
}

impl<R: Read> Read for Reporting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.state.done += n as u64;
        if let Some(p) = self.progress.as_mut()
            && (n == 0 || self.state.done - self.last >= REPORT_EVERY)
        {
            self.last = self.state.done;
            p(&self.state);
        }
        Ok(n)
    }
}

impl Blobs {
    pub(crate) fn new(root: &Path) -> Result<Self> {
        let dir = root.join("blobs/sha256");
        let tmp = root.join("blobs/tmp");
        for d in [&dir, &tmp] {
            fs::create_dir_all(d).map_err(io(d))?;
        }
        Ok(Blobs {
            dir,
            tmp,
            tmp_lock: root.join("blobs/tmp.lock"),
        })
    }

    /// Takes the hold on temporary files, shared (`wait`: block until free), or exclusive
    /// only if no one holds it (none when someone does).
    fn tmp_hold(&self, arg: FlockArg) -> Result<Option<TmpHold>> {
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.tmp_lock)
            .map_err(io(&self.tmp_lock))?;
        loop {
            match Flock::lock(f.try_clone().map_err(io(&self.tmp_lock))?, arg) {
                Ok(l) => return Ok(Some(TmpHold { _lock: l })),
                Err((_, nix::errno::Errno::EINTR)) => continue,
                Err((_, nix::errno::Errno::EWOULDBLOCK)) => return Ok(None),
                Err((_, e)) => {
                    return Err(StorageError::Io {
                        path: self.tmp_lock.clone(),
                        source: e.into(),
                    });
                }
            }
        }
    }

    /// A shared hold, for as long as temporary files of this command exist.
    pub(crate) fn hold_tmp(&self) -> Result<TmpHold> {
        self.tmp_hold(FlockArg::LockShared)?
            .ok_or_else(|| StorageError::Io {
                path: self.tmp_lock.clone(),
                source: io::Error::other("a shared flock would block"),
            })
    }

    /// The exclusive hold, when no command is writing temporary files.
    pub(crate) fn quiet_tmp(&self) -> Result<Option<TmpHold>> {
        self.tmp_hold(FlockArg::LockExclusiveNonblock)
    }

    /// Where a blob lives.
    pub(crate) fn path(&self, digest: &str) -> Result<PathBuf> {
        Ok(self.dir.join(hex_of(digest)?))
    }

    /// Stores what `r` yields; with `expected`, a mismatch stores nothing. Returns (digest, size).
    pub(crate) fn put(
        &self,
        r: impl Read,
        expected: Option<&str>,
        what: &str,
    ) -> Result<(String, u64)> {
        let mut w = self.writer(expected, what)?;
        let mut r = r;
        io::copy(&mut r, &mut w).map_err(|e| StorageError::Io {
            path: PathBuf::from(what),
            source: e,
        })?;
        w.finish()
    }

    /// A blob to be written piece by piece; nothing is stored until [`BlobWriter::finish`].
    pub(crate) fn writer(&self, expected: Option<&str>, what: &str) -> Result<BlobWriter<'_>> {
        if let Some(e) = expected {
            hex_of(e)?;
        }
        let hold = self.hold_tmp()?;
        let tmp = tempfile::NamedTempFile::new_in(&self.tmp).map_err(io(&self.tmp))?;
        Ok(BlobWriter {
            blobs: self,
            _hold: hold,
            w: Hashing::new(io::BufWriter::with_capacity(1 << 20, tmp)),
            expected: expected.map(str::to_string),
            what: what.to_string(),
            synced: false,
        })
    }

    /// Stores bytes.
    pub(crate) fn put_bytes(&self, bytes: &[u8], what: &str) -> Result<String> {
        Ok(self.put(bytes, None, what)?.0)
    }

    /// Opens a blob for reading; the reader fails at its end if the content does not match.
    pub(crate) fn open(&self, digest: &str) -> Result<Verified> {
        let path = self.path(digest)?;
        let f = File::open(&path).map_err(io(&path))?;
        Ok(Verified {
            inner: Hashing::new(io::BufReader::with_capacity(1 << 20, f)),
            expected: digest.to_string(),
            done: false,
        })
    }

    /// Reads a whole blob, verified.
    pub(crate) fn read(&self, digest: &str) -> Result<Vec<u8>> {
        let mut v = Vec::new();
        self.open(digest)?
            .read_to_end(&mut v)
            .map_err(|e| verify_error(digest, e))?;
        Ok(v)
    }

    /// Every stored digest.
    pub(crate) fn list(&self) -> Result<Vec<String>> {
        let mut v = Vec::new();
        for e in fs::read_dir(&self.dir).map_err(io(&self.dir))? {
            let e = e.map_err(io(&self.dir))?;
            v.push(format!("sha256:{}", e.file_name().to_string_lossy()));
        }
        Ok(v)
    }

    /// Removes leftovers of writes that never finished.
    pub(crate) fn clean_tmp(&self) -> Result<()> {
        // A broken-off download is kept a day for the next pull to carry on from.
        let day = std::time::Duration::from_secs(24 * 3600);
        for e in fs::read_dir(&self.tmp).map_err(io(&self.tmp))?.flatten() {
            let fresh = e.file_name().to_string_lossy().starts_with(PARTIAL)
                && e.metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t.elapsed().is_ok_and(|age| age < day));
            if !fresh {
                let _ = fs::remove_file(e.path());
            }
        }
        Ok(())
    }

    /// Where the bytes of a download of `digest` that broke off wait for the next try.
    #[cfg(feature = "pull")]
    fn partial_path(&self, digest: &str) -> Result<PathBuf> {
        Ok(self.tmp.join(format!("{PARTIAL}{}", hex_of(digest)?)))
    }

    /// Carries on from a download of `expected` that broke off, if its bytes were kept: a
    /// writer that appends to them, a reader of them from the start (for the caller to hash
    /// with [`BlobWriter::absorb`] and pass on), and how many there are. The kept file is
    /// taken over by rename, so two pulls never append to the same one.
    #[cfg(feature = "pull")]
    pub(crate) fn resume(
        &self,
        expected: &str,
        what: &str,
    ) -> Result<Option<(BlobWriter<'_>, File, u64)>> {
        let partial = self.partial_path(expected)?;
        if !partial.exists() {
            return Ok(None);
        }
        let hold = self.hold_tmp()?;
        // A name no one else holds (a placeholder made with O_EXCL), which the kept file then
        // replaces by rename: whoever renames first owns it.
        let path = tempfile::Builder::new()
            .prefix(".tmp-resume-")
            .tempfile_in(&self.tmp)
            .map_err(io(&self.tmp))?
            .into_temp_path();
        if fs::rename(&partial, &path).is_err() {
            return Ok(None);
        }
        let mine = path.to_path_buf();
        let file = fs::OpenOptions::new()
            .append(true)
            .open(&mine)
            .map_err(io(&mine))?;
        let reader = File::open(&mine).map_err(io(&mine))?;
        let len = file.metadata().map_err(io(&mine))?.len();
        let tmp = tempfile::NamedTempFile::from_parts(file, path);
        Ok(Some((
            BlobWriter {
                blobs: self,
                _hold: hold,
                w: Hashing::new(io::BufWriter::with_capacity(1 << 20, tmp)),
                expected: Some(expected.to_string()),
                what: what.to_string(),
                synced: false,
            },
            reader,
            len,
        )))
    }
}

/// The name prefix of kept partial downloads in the blob store's tmp directory.
const PARTIAL: &str = "partial-";

/// Turns a read error from a [`Verified`] reader back into the digest error it carries.
pub(crate) fn verify_error(digest: &str, e: io::Error) -> StorageError {
    match e.get_ref().and_then(|i| i.downcast_ref::<Mismatch>()) {
        Some(m) => StorageError::DigestMismatch {
            what: format!("blob {digest}"),
            expected: digest.to_string(),
            actual: m.0.clone(),
        },
        None => StorageError::Io {
            path: PathBuf::from(format!("blob {digest}")),
            source: e,
        },
    }
}

#[derive(Debug)]
struct Mismatch(String);

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "content digest is {}", self.0)
    }
}

impl std::error::Error for Mismatch {}

/// A blob reader that checks the digest when it reaches the end.
pub(crate) struct Verified {
    inner: Hashing<io::BufReader<File>>,
    expected: String,
    done: bool,
}

impl Read for Verified {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && !self.done {
            self.done = true;
            let actual = self.inner.current();
            if actual != self.expected {
                return Err(io::Error::new(io::ErrorKind::InvalidData, Mismatch(actual)));
            }
        }
        Ok(n)
    }
}

/// Writes `bytes` to `path` atomically (temporary file, fsync, rename).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
    tmp.write_all(bytes).map_err(io(tmp.path()))?;
    tmp.as_file().sync_all().map_err(io(tmp.path()))?;
    tmp.persist(path).map_err(|e| StorageError::Io {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

/// A blob being written: hashed as it goes, moved into the store by `finish` only if its
/// digest is the expected one (dropped unfinished, it leaves nothing).
pub(crate) struct BlobWriter<'a> {
    blobs: &'a Blobs,
    _hold: TmpHold,
    w: Hashing<io::BufWriter<tempfile::NamedTempFile>>,
    expected: Option<String>,
    what: String,
    synced: bool,
}

impl Write for BlobWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.w.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

impl BlobWriter<'_> {
    #[cfg(feature = "pull")]
    /// Makes what was written durable now (the caller has other work to overlap it with);
    /// `finish` then only checks and renames.
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        self.w.flush()?;
        self.w.get_ref().get_ref().as_file().sync_all()?;
        self.synced = true;
        Ok(())
    }

    #[cfg(feature = "pull")]
    /// Hashes bytes the file already holds (those of a resumed download).
    pub(crate) fn absorb(&mut self, bytes: &[u8]) {
        self.w.absorb(bytes);
    }

    #[cfg(feature = "pull")]
    /// Keeps what was written for a later try at the same blob (best effort: a download that
    /// cannot be kept is simply started over).
    pub(crate) fn keep_partial(self) {
        let Some(expected) = self.expected.clone() else {
            return;
        };
        let (_, size, buf) = self.w.finish();
        if size == 0 {
            return;
        }
        // Durable first, so a crash cannot leave a kept file with holes in it.
        if let (Ok(tmp), Ok(dest)) = (buf.into_inner(), self.blobs.partial_path(&expected))
            && tmp.as_file().sync_all().is_ok()
        {
            let _ = tmp.persist(dest);
        }
    }

    /// Verifies and stores the blob; returns (digest, size).
    pub(crate) fn finish(self) -> Result<(String, u64)> {
        let (digest, size, buf) = self.w.finish();
        let tmp = buf.into_inner().map_err(|e| StorageError::Io {
            path: self.blobs.tmp.clone(),
            source: e.into_error(),
        })?;
        if let Some(e) = self.expected
            && e != digest
        {
            return Err(StorageError::DigestMismatch {
                what: self.what,
                expected: e,
                actual: digest,
            });
        }
        let dest = self.blobs.path(&digest)?;
        if !dest.exists() {
            if !self.synced {
                tmp.as_file().sync_all().map_err(io(tmp.path()))?;
            }
            tmp.persist(&dest).map_err(|e| StorageError::Io {
                path: dest.clone(),
                source: e.error,
            })?;
        }
        Ok((digest, size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_cleared_only_when_no_one_is_writing() {
        let root = tempfile::tempdir().expect("tmp");
        let blobs = Blobs::new(root.path()).expect("blobs");
        let w = blobs.writer(None, "test").expect("writer");
        assert!(
            blobs.quiet_tmp().expect("try").is_none(),
            "a writer is at work"
        );
        drop(w);
        assert!(blobs.quiet_tmp().expect("try").is_some());
    }

    #[test]
    fn cleaning_keeps_a_fresh_partial_download_only() {
        let root = tempfile::tempdir().expect("tmp");
        let blobs = Blobs::new(root.path()).expect("blobs");
        let fresh = blobs.tmp.join(format!("{PARTIAL}aa"));
        let old = blobs.tmp.join(format!("{PARTIAL}bb"));
        let other = blobs.tmp.join(".tmpXYZ");
        for p in [&fresh, &old, &other] {
            fs::write(p, b"x").expect("write");
        }
        let two_days = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
        File::options()
            .write(true)
            .open(&old)
            .and_then(|f| f.set_modified(two_days))
            .expect("age");
        blobs.clean_tmp().expect("clean");
        assert!(fresh.exists());
        assert!(!old.exists() && !other.exists());
    }
}
