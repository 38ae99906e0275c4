//! A byte stream passed between threads as chunks: one thread reads (and hashes, or stores)
//! while another consumes the same bytes. Ground floor: std only.

use std::io::{self, Read};
use std::ops::Deref;
use std::sync::mpsc::Receiver;

/// Reads up to 256 KiB from `r` (less only at the end); empty at the end of the stream.
pub(crate) fn next_chunk(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut chunk = vec![0u8; 256 << 10];
    let mut n = 0;
    while n < chunk.len() {
        match r.read(&mut chunk[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    chunk.truncate(n);
    Ok(chunk)
}

/// The chunks sent over a channel, read as one stream that ends when the sender is gone.
/// A chunk is anything holding bytes: a `Vec`, or an `Arc` when another thread reads it too.
pub(crate) struct ChunkReader<C = Vec<u8>> {
    rx: Receiver<C>,
    cur: Option<C>,
    pos: usize,
}

impl<C> ChunkReader<C> {
    pub(crate) fn new(rx: Receiver<C>) -> Self {
        ChunkReader {
            rx,
            cur: None,
            pos: 0,
        }
    }
}

impl<C: Deref<Target: AsRef<[u8]>>> Read for ChunkReader<C> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(c) = &self.cur {
                let c = c.deref().as_ref();
                if self.pos < c.len() {
                    let n = buf.len().min(c.len() - self.pos);
                    buf[..n].copy_from_slice(&c[self.pos..self.pos + n]);
                    self.pos += n;
                    return Ok(n);
                }
            }
            match self.rx.recv() {
                Ok(c) => {
                    self.cur = Some(c);
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_through_a_channel_read_as_the_original_stream() {
        let data: Vec<u8> = (0..700_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        let mut src = std::io::Cursor::new(data.clone());
        let sender = std::thread::spawn(move || {
            let mut sizes = Vec::new();
            loop {
                let c = next_chunk(&mut src).expect("read");
                if c.is_empty() {
                    return sizes;
                }
                sizes.push(c.len());
                tx.send(c).expect("send");
            }
        });
        let mut out = Vec::new();
        ChunkReader::new(rx).read_to_end(&mut out).expect("read");
        assert_eq!(
            sender.join().expect("join"),
            vec![262_144, 262_144, 175_712]
        );
        assert_eq!(out, data);
    }
}
