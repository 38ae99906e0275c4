//! `rpod events` (and `rpod system events`).

use clap::Args;

/// Options of `events`.
#[derive(Args, Debug, Clone)]
#[command(
    after_help = "Example:\n  rpod events --since 10m --stream=false --filter type=container"
)]
pub struct EventsArgs {
    /// Events since this time (a duration such as 10m, an RFC 3339 time, a date, Unix seconds).
    #[arg(long)]
    pub since: Option<String>,
    /// Events until this time; a stream ends then.
    #[arg(long)]
    pub until: Option<String>,
    /// KEY=VALUE: container, event, image, label, network, pod, type, volume.
    #[arg(short = 'f', long)]
    pub filter: Vec<String>,
    /// json, or a Go template ({{.Time}} {{.Type}} {{.Status}} {{.Name}} {{.ID}} ...).
    #[arg(long)]
    pub format: Option<String>,
    /// Keep printing new events (the default); `--stream=false` prints the recorded ones.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
    pub stream: bool,
    /// Accepted for podman compatibility (IDs are never truncated).
    #[arg(long)]
    pub no_trunc: bool,
}
