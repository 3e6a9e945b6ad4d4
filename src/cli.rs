//! The command line as typed: a thin clap layer that mirrors shared/contract/cli.md. `app` turns
//! it into validated options; nothing below `app` sees clap.

use crate::i18n::Lang;
use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ecs-doctor",
    version,
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
    /// Build a support ticket from the latest (or --from) report, ask only for what is missing,
    /// and file it.
    Ticket(TicketArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
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
    /// Settings file (TOML).
    #[arg(long, value_name = "FILE", env = "ECS_DOCTOR_CONFIG", global = true)]
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
    /// Do not save the JSON report.
    #[arg(long)]
    pub no_save: bool,
    /// Less output: only checks that are not ok.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More output: evidence for every finding, and passing checks' details.
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
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
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
