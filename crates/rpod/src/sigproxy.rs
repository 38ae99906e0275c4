//! The signal proxy of a foreground `run` and `start -a` (podman's `--sig-proxy`, on by
//! default): signals sent to rpod are sent on to the container, whose exit ends rpod.

use nix::sys::signal::{SigSet, Signal};

/// The signals passed on; SIGWINCH belongs to the terminal code, SIGKILL and SIGSTOP cannot
/// be caught.
const PROXIED: [Signal; 7] = [
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGTERM,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGALRM,
];

/// Blocks the proxied signals in this thread (so in every thread started after it) and starts
/// a thread that sends each one that arrives to `c`. Call it before starting other threads;
/// the OCI runtime and conmon are started with an empty mask of their own.
pub fn start(c: libpod::Container) {
    let mut set = SigSet::empty();
    for s in PROXIED {
        set.add(s);
    }
    // SIGWINCH is blocked too (not proxied): the terminal code waits for it in a thread of
    // its own, and this thread must not be the one the kernel hands it to.
    let mut block = set;
    block.add(Signal::SIGWINCH);
    if block.thread_block().is_err() {
        return;
    }
    std::thread::spawn(move || {
        while let Ok(sig) = set.wait() {
            // A container that is gone ends rpod's wait anyway.
            let _ = c.kill(sig as i32);
        }
    });
}
