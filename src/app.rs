//! From the parsed command line to a finished command: validates what the user asked for into
//! options the core uses, runs it, and maps the outcome to the exit status.

use crate::catalog::{self, Catalog, LoadError};
use crate::cli::{CatalogArgs, Cli, Color, Command, ListFormat, RunArgs};
use crate::config::Config;
use crate::engine;
use crate::exit::ExitStatus;
use crate::host::{Host, facts};
use crate::i18n::{Lang, Msg, tr};
use crate::probe::ProbeContext;
use crate::report::{self, Cloud, Format, HostInfo, Report, Run, Summary, Tool};
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The run's deadline unless `--deadline` or the config says otherwise.
pub const DEFAULT_DEADLINE_S: f64 = 30.0;

/// What went wrong, with the exit status it maps to.
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Tool(String),
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Failure {
        Failure::Usage(e.to_string())
    }
}

pub fn main() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == crate::host::statfs::HELPER_ARG) {
        return crate::host::statfs::serve(&args[2..]);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitStatus::Usage.code() } else { ExitStatus::Ok.code() };
        }
    };
    let argv: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let outcome = match cli.command {
        None => run(cli.run, argv),
        Some(Command::Run(r)) => run(r, argv),
        Some(Command::List(l)) => list(&l.catalog, l.format),
        Some(Command::Explain(e)) => explain(&e.catalog, &e.id),
        Some(Command::Report(r)) => rerender(r),
        Some(Command::Completions(c)) => {
            let _ = std::io::stdout().write_all(&crate::completions::completion(c.shell));
            Ok(ExitStatus::Ok)
        }
    };
    match outcome {
        Ok(s) => s.code(),
        Err(Failure::Usage(m)) => {
            eprintln!("ecs-doctor: {m}");
            ExitStatus::Usage.code()
        }
        Err(Failure::Tool(m)) => {
            eprintln!("ecs-doctor: {m}");
            ExitStatus::Unknown.code()
        }
    }
}

fn lang_of(args: &CatalogArgs) -> Lang {
    args.lang.unwrap_or_else(Lang::from_env)
}

fn host_of(args: &CatalogArgs) -> Result<Host, Failure> {
    match &args.root {
        Some(root) if !root.is_dir() => Err(Failure::Usage(format!("--root {}: not a directory", root.display()))),
        Some(root) => Ok(Host::new(root.clone())),
        None => Ok(Host::live()),
    }
}

/// Config, then the catalog (built-in, the examined system's checks.d, config and flag dirs).
fn load_catalog(args: &CatalogArgs, host: &Host) -> Result<(Config, Catalog), Failure> {
    let config = Config::load(args.config.as_deref())?;
    let mut dirs = vec![host.path("/etc/ecs-doctor/checks.d")];
    dirs.extend(config.checks_dirs.iter().cloned());
    dirs.extend(args.checks_dirs.iter().cloned());
    let mut catalog = Catalog::load(&dirs)?;
    config.apply(&mut catalog)?;
    Ok((config, catalog))
}

fn use_color(choice: Color, stream_is_terminal: bool) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => stream_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn run_id() -> String {
    if let Ok(s) = std::fs::read_to_string("/proc/sys/kernel/random/uuid") {
        let id = s.trim().to_string();
        if id.len() >= 8 {
            return id;
        }
    }
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{nanos:x}-{:x}", std::process::id())
}

fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Millisecond)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| jiff::Timestamp::now().to_string())
}

fn write_output(path: &PathBuf, body: &str) -> Result<(), Failure> {
    std::fs::write(path, body).map_err(|e| Failure::Tool(format!("cannot write {}: {e}", path.display())))
}

fn run(args: RunArgs, argv: Vec<String>) -> Result<ExitStatus, Failure> {
    let lang = lang_of(&args.catalog);
    let host = host_of(&args.catalog)?;
    let (config, catalog) = load_catalog(&args.catalog, &host)?;
    let mut skip = args.skip.clone();
    skip.extend(config.skip.iter().cloned());
    let selected = catalog::select(&catalog, &args.only, &skip).map_err(Failure::Usage)?;
    let deadline_s = args.deadline.or(config.deadline.as_ref().map(|d| *d.get_ref())).unwrap_or(DEFAULT_DEADLINE_S);
    if !(deadline_s.is_finite() && deadline_s > 0.0 && deadline_s <= 86_400.0) {
        return Err(Failure::Usage(format!(
            "--deadline {deadline_s}: must be a number of seconds between 0 and 86400"
        )));
    }
    let format = args.format.unwrap_or_default();
    let started_at = now_rfc3339();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(deadline_s);
    let privileged = facts::privileged(&host);
    let ctx = Arc::new(ProbeContext::new(host.clone(), deadline, privileged));

    let progress = (format == Format::Text && !args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(selected.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(80));
        bar
    });
    let checks = engine::run(selected, ctx, lang, engine::DEFAULT_WORKERS, |r| {
        if let Some(bar) = &progress {
            bar.inc(1);
            bar.set_message(r.id.clone());
        }
    });
    crate::probe::exec::kill_all();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }

    let report = Report {
        schema: report::SCHEMA.into(),
        tool: Tool { name: "ecs-doctor".into(), version: env!("CARGO_PKG_VERSION").into() },
        run: Run {
            id: run_id(),
            started_at,
            finished_at: now_rfc3339(),
            duration_ms: start.elapsed().as_millis() as u64,
            deadline_ms: ((deadline_s * 1000.0).round() as u64).max(1),
            privileged,
            root: Some(host.root().display().to_string()),
            argv: argv.iter().map(|a| crate::redact::redact(a)).collect(),
        },
        host: HostInfo {
            hostname: facts::hostname(&host),
            os: facts::os_info(&host),
            kernel: facts::kernel(&host),
            arch: facts::arch(&host),
            uptime_s: facts::uptime_s(&host),
            cloud: Cloud { provider: facts::cloud_provider(&host), identity: Default::default() },
        },
        summary: Summary::of(&checks),
        checks,
    };

    let mut saved_to = None;
    if !args.no_save {
        let dir = std::env::var_os("ECS_DOCTOR_REPORT_DIR")
            .map(PathBuf::from)
            .or_else(|| config.report_dir.clone())
            .unwrap_or_else(report::save::default_dir);
        match report::save::save(&report, &dir) {
            Ok(path) => saved_to = Some(path.display().to_string()),
            Err(e) => eprintln!("ecs-doctor: could not save the report in {}: {e}", dir.display()),
        }
    }
    let text_opts = report::text::TextOptions {
        color: use_color(args.color, std::io::stdout().is_terminal()),
        lang,
        quiet: args.quiet,
        verbose: args.verbose,
        saved_to: saved_to.clone(),
    };
    let body = report::render(&report, format, &text_opts);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(body.as_bytes());
    let _ = stdout.flush();
    if format != Format::Text
        && let Some(path) = &saved_to
    {
        eprintln!("{} {path}", tr(lang, Msg::ReportSaved));
    }
    if let Some(path) = &args.output {
        let plain = report::render(&report, format, &report::text::TextOptions { color: false, ..text_opts });
        write_output(path, &plain)?;
    }
    Ok(report.summary.status.exit_status())
}

fn list(args: &CatalogArgs, format: ListFormat) -> Result<ExitStatus, Failure> {
    let lang = lang_of(args);
    let host = host_of(args)?;
    let (_, catalog) = load_catalog(args, &host)?;
    let mut out = String::new();
    match format {
        ListFormat::Json => {
            let items: Vec<serde_json::Value> = catalog
                .checks
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "id": c.id, "category": c.category, "title": c.title.get(lang), "source": c.source,
                        "probe": c.probe.kind(), "aliases": c.aliases, "timeout_ms": c.timeout.as_millis() as u64,
                    })
                })
                .collect();
            out = serde_json::to_string_pretty(&items).unwrap_or_default();
            out.push('\n');
        }
        ListFormat::Text => {
            let w = catalog.checks.iter().map(|c| c.id.len()).max().unwrap_or(2);
            for c in &catalog.checks {
                out.push_str(&format!("{:<w$}  {:<4}  {}  [{}]\n", c.id, c.category, c.title.get(lang), c.source));
            }
        }
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(ExitStatus::Ok)
}

fn explain(args: &CatalogArgs, id: &str) -> Result<ExitStatus, Failure> {
    let lang = lang_of(args);
    let host = host_of(args)?;
    let (_, catalog) = load_catalog(args, &host)?;
    let c =
        catalog.get(id).ok_or_else(|| Failure::Usage(format!("unknown check id {id:?} (see `ecs-doctor list`)")))?;
    let mut out = format!("{} — {}\n\n", c.id, c.title.get(lang));
    out.push_str(&format!("{}:\n  {}\n\n", tr(lang, Msg::Why), c.why.get(lang).trim().replace('\n', "\n  ")));
    out.push_str(&format!("{}:\n  {}\n\n", tr(lang, Msg::HowToFix), c.fix.get(lang).trim().replace('\n', "\n  ")));
    out.push_str(&format!(
        "{}:\n  probe {} (timeout {:.1} s)\n",
        tr(lang, Msg::Probe),
        c.probe.kind(),
        c.timeout.as_secs_f64()
    ));
    if !c.judges.is_empty() {
        out.push_str(&format!("\n{}:\n", tr(lang, Msg::Thresholds)));
        for j in &c.judges {
            let levels = j.levels();
            let filter = if j.filters.is_empty() {
                String::new()
            } else {
                format!(
                    " where {}",
                    j.filters.iter().map(|(f, c)| format!("{f} {c}")).collect::<Vec<_>>().join(" and ")
                )
            };
            let from = j.overridden_at.as_ref().map(|at| format!("  (config {at})")).unwrap_or_default();
            out.push_str(&format!("  {}: {levels}{filter}{from}\n", j.field));
            for (subject, t) in &j.subjects {
                let (w, cr) = j.thresholds_for(subject);
                out.push_str(&format!("    {subject}: {}  (config {})\n", catalog::Judge::describe(w, cr), t.at));
            }
        }
    }
    if !c.references.is_empty() {
        out.push_str("\nReferences:\n");
        for (k, v) in &c.references {
            out.push_str(&format!("  {k}: {v}\n"));
        }
    }
    if !c.aliases.is_empty() {
        out.push_str(&format!("\nAliases: {}\n", c.aliases.join(", ")));
    }
    out.push_str(&format!("\n{}: {}\n", tr(lang, Msg::DefinedIn), c.source));
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(ExitStatus::Ok)
}

fn rerender(args: crate::cli::ReportArgs) -> Result<ExitStatus, Failure> {
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let display = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).map_err(|e| Failure::Usage(format!("{display}: cannot read: {e}")))?;
    let report: Report = serde_json::from_slice(&bytes)
        .map_err(|e| Failure::Usage(format!("{display}:{}:{}: not an ecs-doctor report: {e}", e.line(), e.column())))?;
    if report.schema != report::SCHEMA {
        return Err(Failure::Usage(format!("{display}: schema {:?} is not {}", report.schema, report::SCHEMA)));
    }
    let text_opts = report::text::TextOptions {
        color: use_color(args.color, std::io::stdout().is_terminal()),
        lang,
        ..Default::default()
    };
    let body = report::render(&report, args.format, &text_opts);
    let _ = std::io::stdout().write_all(body.as_bytes());
    if let Some(path) = &args.output {
        write_output(
            path,
            &report::render(&report, args.format, &report::text::TextOptions { color: false, ..text_opts }),
        )?;
    }
    Ok(ExitStatus::Ok)
}
