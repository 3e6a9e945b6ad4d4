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
    /// Instance metadata base URL, `http://IP[:PORT]` (default: the detected cloud's; on Alibaba
    /// Cloud http://100.100.100.200). Without it, no metadata service is asked off a cloud.
    #[arg(long, value_name = "URL", env = "ECS_DOCTOR_METADATA_URL")]
    pub metadata_url: Option<String>,
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
