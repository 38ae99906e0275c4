//! `rpod stats` and `rpod pod stats`.

use clap::Args;

/// Options of `stats`.
#[derive(Args, Debug, Clone)]
pub struct StatsArgs {
    /// Stopped containers too.
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Print one reading and exit.
    #[arg(long)]
    pub no_stream: bool,
    /// json, a Go template, or `table ...` ({{.Name}} {{.CPUPerc}} {{.MemUsage}} ...).
    #[arg(long)]
    pub format: Option<String>,
    /// Seconds between readings when streaming.
    #[arg(short = 'i', long, default_value_t = 5)]
    pub interval: u64,
    /// Do not truncate IDs.
    #[arg(long)]
    pub no_trunc: bool,
    /// Only the latest container.
    #[arg(short = 'l', long)]
    pub latest: bool,
    /// Containers (default: the running ones); pods for `pod stats`.
    pub names: Vec<String>,
}
