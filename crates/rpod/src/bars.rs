//! Progress bars, one line per layer, redrawn in place on a terminal (several layers move at
//! once during a pull). Off the terminal nothing is drawn; the command prints its one-line
//! summary instead.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use libpod::storage::Progress;

/// Bars for the items (blobs) of one transfer.
pub struct Bars {
    verb: &'static str,
    items: Vec<(String, u64, Option<u64>)>,
    drawn: usize,
    last: Option<Instant>,
}

impl Bars {
    /// Bars that say `verb` (`Copying blob`), on stderr if it is a terminal.
    pub fn new(verb: &'static str) -> Option<Bars> {
        std::io::stderr().is_terminal().then_some(Bars {
            verb,
            items: Vec::new(),
            drawn: 0,
            last: None,
        })
    }

    /// Takes one report; redraws at most ten times a second, and whenever an item ends.
    pub fn update(&mut self, p: &Progress) {
        let ended = p.total.is_some_and(|t| p.done >= t);
        match self.items.iter_mut().find(|(i, _, _)| *i == p.item) {
            Some(it) => {
                it.1 = p.done;
                it.2 = p.total;
            }
            None => self.items.push((p.item.clone(), p.done, p.total)),
        }
        if ended
            || self
                .last
                .is_none_or(|l| l.elapsed() >= Duration::from_millis(100))
        {
            self.draw();
        }
    }

    fn draw(&mut self) {
        let mut out = String::new();
        if self.drawn > 0 {
            // Back to the first bar's line.
            out.push_str(&format!("\x1b[{}A", self.drawn));
        }
        for (item, done, total) in &self.items {
            out.push_str(&line(self.verb, item, *done, *total));
        }
        self.drawn = self.items.len();
        self.last = Some(Instant::now());
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(out.as_bytes());
        let _ = e.flush();
    }
}

/// One bar's line, cleared first and ended with a newline.
fn line(verb: &str, item: &str, done: u64, total: Option<u64>) -> String {
    let short: String = item
        .strip_prefix("sha256:")
        .unwrap_or(item)
        .chars()
        .take(12)
        .collect();
    let size = crate::format::size;
    match total {
        Some(t) if t > 0 => {
            let filled = (done.min(t) * 30 / t) as usize;
            let state = if done >= t { " done" } else { "" };
            format!(
                "\r\x1b[2K{verb} {short} [{}{}] {:>9} / {:<9}{state}\n",
                "=".repeat(filled),
                " ".repeat(30 - filled),
                size(done),
                size(t)
            )
        }
        _ => format!("\r\x1b[2K{verb} {short} {:>9}\n", size(done)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_shows_the_share_done() {
        let l = line("Copying blob", "sha256:0123456789abcdef", 50, Some(100));
        assert!(l.contains("Copying blob 0123456789ab"), "{l:?}");
        assert!(
            l.contains(&format!("[{}{}]", "=".repeat(15), " ".repeat(15))),
            "{l:?}"
        );
        assert!(line("x", "y", 100, Some(100)).contains(" done"));
        assert!(line("x", "y", 7, None).ends_with('\n'));
    }
}
