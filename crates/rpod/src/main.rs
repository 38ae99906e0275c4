//! `rpod`: the podman-compatible command line of libpod-rs.
//!
//! Only this crate knows about terminals and output formats. Errors print as one line on
//! stderr and exit with podman's codes: the container's own code from `run`, `start -a` and
//! `wait`; 125 for an error of rpod itself; 126 and 127 for a command that cannot be run or
//! is not found in the container.

mod bars;
mod cli;
mod commands;
mod format;
mod parse;
mod sigproxy;
mod template;
mod term;
mod views;

use std::process::ExitCode;

use clap::Parser;

/// Exit code for an error of rpod itself (podman's).
const EXIT_RPOD_ERROR: u8 = 125;

fn main() -> ExitCode {
    // Output piped into `head` ends rpod quietly, as it ends podman, not with a panic.
    // SAFETY: setting a signal's disposition to the default before any thread exists.
    unsafe {
        let _ = nix::sys::signal::signal(
            nix::sys::signal::Signal::SIGPIPE,
            nix::sys::signal::SigHandler::SigDfl,
        );
    }
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_RPOD_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match commands::run(cli) {
        Ok(code) => ExitCode::from(u8::try_from(code.clamp(0, 255)).unwrap_or(EXIT_RPOD_ERROR)),
        Err(e) => {
            let code = exit_code_of(&e);
            eprintln!("Error: {}", one_line(&e));
            ExitCode::from(u8::try_from(code).unwrap_or(EXIT_RPOD_ERROR))
        }
    }
}

/// podman's exit code for an error: libpod's own, else 125.
fn exit_code_of(e: &anyhow::Error) -> i32 {
    e.downcast_ref::<libpod::LibpodError>()
        .map(|l| l.exit_code())
        .unwrap_or(125)
}

/// The error and its causes on one line, without repeating a cause the message already holds.
fn one_line(e: &anyhow::Error) -> String {
    let mut s = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !s.contains(&c) {
            s = format!("{s}: {c}");
        }
    }
    s.replace('\n', " ")
}
