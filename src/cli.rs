//! The command line as typed: a thin clap layer that mirrors shared/contract/cli.md. `options`
//! turns it, with the environment and the settings file, into validated options; nothing past
//! `options` and `cmd` sees clap. Environment variables are read by `options::Env`, not here;
//! a flag's help says which variable stands in for it.

use crate::i18n::Lang;
use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ecs-doctor",
    version,
    // `--version` (long) also says what the binary was built for, so support can tell at once
    // whether a customer has the portable build; build.rs sets both values. `-V` and the man
    // page keep the plain version.
    long_version = concat!(
        env!("CARGO_PKG_VERSION"),
        "\ntarget: ",
        env!("ECS_DOCTOR_BUILD_TARGET"),
        "\nminimum glibc: ",
        env!("ECS_DOCTOR_BUILD_GLIBC")
    ),
    about = "Diagnose a cloud Linux server in one command: network, disk, security and system checks, with fixes and a shareable report.",
    long_about = None,
    after_help = "Exit status: 0 ok, 1 warning, 2 critical, 3 unknown (a check could not finish, or the tool failed), 64 usage error.\nRunning `ecs-doctor` alone is the same as `ecs-doctor run`."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the selected checks, print the report, save the JSON report and print where it was saved.
    Run(RunArgs),
    /// List the checks: id, category, title, where defined.
    List(ListArgs),
    /// What a check looks at, why it matters, how to fix what it finds.
    Explain(ExplainArgs),
    /// Render a saved report again.
    Report(ReportArgs),
    /// Work with the reports of many servers.
    Fleet(FleetArgs),
    /// List the saved reports: time, status, score and counts of each run.
    History(HistoryArgs),
    /// What changed between two saved reports (default: the latest run against the last run
    /// whose status was ok): checks whose status changed, new and resolved findings, metrics.
    Diff(DiffArgs),
    /// Build a support ticket from the latest (or --from) report, ask only for what is missing,
    /// and file it.
    Ticket(TicketArgs),
    /// Per-hop path, loss and latency over time (MTR-like), with a latency heatmap in HTML.
    Trace(TraceArgs),
    /// One complaint walked in order, the cause first: `why ssh`, `why port PORT`, `why dns`,
    /// `why network`. Same output options as `run`; the JSON is report v1 with `diagnosis`.
    Why(WhyArgs),
    /// The repair plan for the current findings (changes nothing): each file's diff, each
    /// command, and what is not repaired and why. `--apply [ID...]` repairs (with --yes or a
    /// terminal's confirmation), each backed up and verified; `--undo [ID]`; `--list`.
    Fix(FixArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Settings file helpers: `ecs-doctor config example` prints a commented example.
    Config(ConfigArgs),
}

#[derive(Debug, Args)]
pub struct WhyArgs {
    #[command(subcommand)]
    pub symptom: WhySymptom,
}

/// The complaints `why` walks (one file each under symptoms/ in the source).
#[derive(Debug, Subcommand)]
pub enum WhySymptom {
    /// I cannot connect over SSH: security group, NIC and route, host firewall, sshd.
    Ssh(WhySshArgs),
    /// A service port cannot be reached from outside: NIC and route, host firewall, listener.
    Port(WhyPortArgs),
    /// Names do not resolve: NIC and route, resolver configuration, nameservers.
    Dns(WhyRunArgs),
    /// The server has no network: NIC, address, routes, DNS, metadata, endpoints.
    Network(WhyRunArgs),
}

#[derive(Debug, Args)]
pub struct WhySshArgs {
    /// The user who cannot log in (asked on a terminal when left out).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// The address you connect from (default: anywhere), for the security group's rules.
    #[arg(long, value_name = "ADDR")]
    pub from: Option<std::net::IpAddr>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct WhyPortArgs {
    /// The TCP port that cannot be reached from outside (asked on a terminal when left out).
    #[arg(value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// The address clients connect from (default: anywhere), for the security group's rules.
    #[arg(long, value_name = "ADDR")]
    pub from: Option<std::net::IpAddr>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct WhyRunArgs {
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Clone, Default, Args)]
pub struct FixArgs {
    /// Plan from this saved report instead of a fresh diagnosis (the changes are still worked
    /// out from the files as they are now).
    #[arg(long, value_name = "REPORT", conflicts_with_all = ["undo", "list"])]
    pub from: Option<PathBuf>,
    /// Apply the plan's repairs: those named (ids from the plan), else the first repair of
    /// each finding. Each is backed up, validated and re-checked, and rolled back if it does
    /// not hold.
    #[arg(long, value_name = "ID", num_args = 0.., conflicts_with_all = ["undo", "list"])]
    pub apply: Option<Vec<String>>,
    /// Apply without asking (needed when not on a terminal).
    #[arg(short, long, requires = "apply")]
    pub yes: bool,
    /// Undo a repair (a record id from --list; default: the latest applied one): every file
    /// it touched restored byte for byte, with its mode, owner and attributes.
    #[arg(long, value_name = "ID", num_args = 0..=1, conflicts_with = "list")]
    pub undo: Option<Option<String>>,
    /// List the repairs made on this system, when, and their state.
    #[arg(long)]
    pub list: bool,
    /// The address you connect from: the security group is judged for it, and its repair
    /// admits this address only (SSH is never opened to everyone on a guess).
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["undo", "list"])]
    pub client: Option<std::net::IpAddr>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Default, Args)]
pub struct CatalogArgs {
    /// Load extra check files (plugins) from DIR, besides the built-in ones and /etc/ecs-doctor/checks.d.
    #[arg(long = "checks-dir", value_name = "DIR", global = true)]
    pub checks_dirs: Vec<PathBuf>,
    /// Examine the system whose root filesystem is DIR (a fixture, or a rescued disk mounted elsewhere).
    #[arg(long, value_name = "DIR", global = true)]
    pub root: Option<PathBuf>,
    /// Settings file (TOML); also ECS_DOCTOR_CONFIG.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Language of the human output (default from LANG).
    #[arg(long, value_enum, global = true)]
    pub lang: Option<Lang>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Run only these checks: an id or id prefix (net, disk.usage, sec.ssh.root-login), or a
    /// benchmark the checks reference (cis, mlps3, lynis). Repeatable.
    #[arg(long, value_name = "SEL")]
    pub only: Vec<String>,
    /// Skip these checks: an id, id prefix or benchmark reference. Repeatable.
    #[arg(long, value_name = "SEL")]
    pub skip: Vec<String>,
    /// What goes to stdout (json is exactly report v1).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Also write the rendered report to FILE.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The whole run ends within this time; unfinished checks become `error` with "timed out".
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<f64>,
    /// Also write the full JSON report into DIR as <host>_<run id>.json (atomically, mode 0600),
    /// for a fleet engine to collect (Ansible fetch).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Also PUT the full JSON report to URL (a pre-signed object-storage URL), retrying transient
    /// failures; the local copy is written first and kept. Also ECS_DOCTOR_UPLOAD_URL, which
    /// keeps the URL out of the process list.
    #[arg(long, value_name = "URL")]
    pub upload_url: Option<String>,
    /// Extra endpoint for the reachability and path checks: HOST[:PORT] (TCP connect; port 443
    /// when left out) or an http:// or https:// URL (HTTP request). Repeatable.
    #[arg(long = "target", value_name = "HOST[:PORT]")]
    pub targets: Vec<String>,
    /// A TCP port that must be reachable from outside (a web server's 80/443, an API's 8080):
    /// listening, not only on loopback, admitted by the host firewall and the security group.
    /// Repeatable; adds to `ports` under `[access]` in the config.
    #[arg(long = "port", value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,
    /// Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud's; on Alibaba
    /// Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud.
    /// Also ECS_DOCTOR_METADATA_URL.
    #[arg(long, value_name = "URL")]
    pub metadata_url: Option<String>,
    /// The ECS API endpoint, `https://HOST` or `http://HOST:PORT` (default: the instance's region,
    /// ecs-vpc.<region>.aliyuncs.com then ecs.<region>.aliyuncs.com). Also ECS_DOCTOR_ECS_ENDPOINT.
    #[arg(long, value_name = "URL")]
    pub ecs_endpoint: Option<String>,
    /// Ask nothing of the cloud's API (the security group is not read); also `offline = true`
    /// under [net] in the config.
    #[arg(long)]
    pub offline: bool,
    /// Do not save the JSON report.
    #[arg(long)]
    pub no_save: bool,
    /// Less output: only checks that are not ok.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More output: every finding with all its evidence, and passing checks' details.
    #[arg(short, long)]
    pub verbose: bool,
    /// Colour in the terminal output (honours NO_COLOR).
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The check id (or an alias).
    pub id: String,
    /// text, or json: the same content as one document, for tools.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A saved report (JSON, report v1).
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write the rendered report to FILE.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    /// Less output: only checks that are not ok.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More output: every finding with all its evidence, and passing checks' details.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct FleetArgs {
    #[command(subcommand)]
    pub command: FleetCommand,
}

#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Summarise many reports or summary lines: the most common problems by check and by subject,
    /// and the worst hosts. Unreadable or truncated files are reported and skipped.
    Summarize(SummarizeArgs),
}

#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// Reports (report v1), files of summary lines (`run --format summary-json`), or directories
    /// searched recursively for *.json, *.jsonl, *.ndjson, *.txt, *.out and *.log files.
    #[arg(required = true, value_name = "REPORTS|DIR")]
    pub inputs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = crate::fleet::render::FleetFormat::Text)]
    pub format: crate::fleet::render::FleetFormat,
    /// Also write the summary to FILE.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// How many problems and subjects to list (most hosts first).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub top: usize,
    /// How many of the worst hosts to list (lowest score first).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub worst: usize,
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
}

/// Where the saved reports are, and the settings and language for commands that read them.
#[derive(Debug, Clone, Default, Args)]
pub struct HistoryDirArgs {
    /// The report directory (default: ECS_DOCTOR_REPORT_DIR, else report_dir in the config, else
    /// the standard place).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Settings file (TOML); also ECS_DOCTOR_CONFIG.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub dir: HistoryDirArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older report (a path, or a file name in the report directory); default: the last run
    /// before B whose status was ok.
    pub a: Option<PathBuf>,
    /// The newer report; default: the latest run.
    pub b: Option<PathBuf>,
    #[command(flatten)]
    pub dir: HistoryDirArgs,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print a commented example that sets every key (for /etc/ecs-doctor/config.toml).
    Example,
}

#[derive(Debug, Clone, Default, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TicketArgs {
    #[command(subcommand)]
    pub action: Option<TicketAction>,
    /// Build the ticket from this report instead of the latest saved one.
    #[arg(long, value_name = "REPORT")]
    pub from: Option<PathBuf>,
    /// Where to file it: write files (default), Alibaba Cloud's ticket API, or a webhook.
    #[arg(long, value_enum)]
    pub backend: Option<crate::ticket::config::BackendKind>,
    /// Directory for the file backend's ticket and bundle.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Send without asking for confirmation.
    #[arg(short, long)]
    pub yes: bool,
    /// Print exactly what would be sent; send, write and save nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The ticket's title (default: from the worst finding).
    #[arg(long, value_name = "T")]
    pub title: Option<String>,
    /// When the problem started: 2026-11-20T09:30:00+08:00, "2026-11-20 09:30", "09:30", "3h ago".
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// How it affects the service.
    #[arg(long, value_enum)]
    pub impact: Option<crate::ticket::model::Impact>,
    /// What was already tried (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub tried: Vec<String>,
    /// Anything else support should know.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Contact e-mail.
    #[arg(long, value_name = "ADDR")]
    pub email: Option<String>,
    /// Workorder CategoryId (aliyun backend).
    #[arg(long, value_name = "ID")]
    pub category_id: Option<String>,
    /// API or webhook URL (regional endpoints, tests).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Replace IP addresses with stable pseudonyms.
    #[arg(long)]
    pub mask_ips: bool,
    /// Replace host names with stable pseudonyms.
    #[arg(long)]
    pub mask_hostnames: bool,
    /// Send the tickets saved while the network was down.
    #[arg(long)]
    pub flush: bool,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TicketAction {
    /// Status and last update of a filed ticket (the latest one without ID).
    Status {
        /// Ticket id (as the service gave it) or ecs-doctor key.
        id: Option<String>,
        /// Ask this backend (an id not in the local ledger is an Alibaba Cloud ticket id).
        #[arg(long, value_enum)]
        backend: Option<crate::ticket::config::BackendKind>,
        /// The API URL (regional endpoints, tests).
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
    },
}
pub use crate::trace::TraceFormat;

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The host to trace: a name or an IP address (a HOST:PORT or URL target is accepted too;
    /// its host is traced).
    pub host: String,
    /// How long to trace, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, conflicts_with = "rounds")]
    pub duration: f64,
    /// Trace this many rounds instead of for a duration.
    #[arg(long, value_name = "N")]
    pub rounds: Option<usize>,
    /// Length of a round in seconds (at least 1: routers rate-limit their replies to about one
    /// a second, so shorter rounds show loss that is not there).
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub interval: f64,
    /// The farthest hop to try.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub max_ttl: u8,
    /// text: a per-hop table (redrawn each round on a terminal); json: hops with per-round
    /// samples; html: a self-contained page with a latency heatmap.
    #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
    pub format: TraceFormat,
    /// Also write the output to FILE.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not look up reverse DNS names of the hops.
    #[arg(short = 'n', long)]
    pub no_dns: bool,
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,
}
