//! The host terminal while attached to a container's terminal: raw mode, so keys reach the
//! container as typed, and the terminal's size passed on to the container's, at the start and
//! on every resize.

use std::io::IsTerminal;
use std::os::fd::AsRawFd;

use nix::sys::signal::{SigSet, Signal};

use nix::sys::termios::{self, SetArg, Termios};

nix::ioctl_read_bad!(tiocgwinsz, nix::libc::TIOCGWINSZ, nix::libc::winsize);

/// Stdin in raw mode; the saved settings are restored on drop.
pub struct RawMode(Termios);

impl RawMode {
    /// Puts stdin in raw mode when it is a terminal; `None` when it is not.
    pub fn enter() -> Option<RawMode> {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return None;
        }
        let saved = termios::tcgetattr(&stdin).ok()?;
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(&stdin, SetArg::TCSANOW, &raw).ok()?;
        Some(RawMode(saved))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(std::io::stdin(), SetArg::TCSANOW, &self.0);
    }
}

/// The size (rows, columns) of the terminal on stdout, if stdout is one.
pub fn size() -> Option<(u16, u16)> {
    let out = std::io::stdout();
    if !out.is_terminal() {
        return None;
    }
    let mut ws = nix::libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills the winsize it is given; stdout's fd stays open meanwhile.
    unsafe { tiocgwinsz(out.as_raw_fd(), &mut ws) }.ok()?;
    (ws.ws_row > 0 && ws.ws_col > 0).then_some((ws.ws_row, ws.ws_col))
}

/// True when stdin, stdout or stderr is a terminal.
pub fn any_terminal() -> bool {
    std::io::stdin().is_terminal()
        || std::io::stdout().is_terminal()
        || std::io::stderr().is_terminal()
}

/// Gives the container's terminal (conmon's, through `bundle`) our terminal's size now and
/// after every resize (SIGWINCH), for as long as the process lives. SIGWINCH is blocked in
/// this thread first, so threads started later inherit the block and one thread takes them
/// all with `sigwait`; blocking before the size is first read means no resize is missed in
/// between (one between the read and the block was lost under load).
pub fn forward_resizes(c: libpod::Container) {
    let mut set = SigSet::empty();
    set.add(Signal::SIGWINCH);
    let blocked = set.thread_block().is_ok();
    let Some((rows, cols)) = size() else { return };
    let _ = c.resize_terminal(rows, cols);
    if !blocked {
        return;
    }
    std::thread::spawn(move || {
        let mut last = (rows, cols);
        while set.wait().is_ok() {
            // conmon parses only the first message of each read of its control FIFO, so a
            // burst of resizes (`stty rows R cols C` is two) is sent as its final size alone.
            std::thread::sleep(std::time::Duration::from_millis(15));
            if let Some(now) = size().filter(|s| *s != last) {
                last = now;
                let _ = c.resize_terminal(now.0, now.1);
            }
        }
    });
}

/// Reads a line from the terminal on stdin without echoing it (a password).
pub fn read_hidden_line() -> std::io::Result<String> {
    let stdin = std::io::stdin();
    let saved = termios::tcgetattr(&stdin).ok();
    if let Some(s) = &saved {
        let mut quiet = s.clone();
        quiet.local_flags.remove(termios::LocalFlags::ECHO);
        let _ = termios::tcsetattr(&stdin, SetArg::TCSANOW, &quiet);
    }
    let mut line = String::new();
    let r = stdin.read_line(&mut line);
    if let Some(s) = &saved {
        let _ = termios::tcsetattr(&stdin, SetArg::TCSANOW, s);
    }
    r?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
