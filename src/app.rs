//! From the parsed command line to a finished command: validates what the user asked for into
//! options the core uses, runs it, and maps the outcome to the exit status.

use crate::catalog::{self, Catalog, LoadError};
use crate::cli::{CatalogArgs, Cli, Color, Command, ListFormat, RunArgs};
use crate::config::Config;
use crate::engine;
use crate::exit::ExitStatus;
use crate::host::{Host, facts};
use crate::i18n::{Lang, Msg, Said, say, tr, trf};
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
        Some(Command::Fleet(f)) => match f.command {
            crate::cli::FleetCommand::Summarize(a) => fleet_summarize(a),
        },
        Some(Command::History(h)) => history(&h.dir),
        Some(Command::Diff(d)) => diff(d),
        Some(Command::Config(c)) => match c.action {
            crate::cli::ConfigAction::Example => {
                let _ = std::io::stdout().write_all(crate::config::EXAMPLE.as_bytes());
                Ok(ExitStatus::Ok)
            }
        },
        Some(Command::Ticket(t)) => crate::ticket::command::run(t),
        Some(Command::Trace(t)) => crate::trace::command::trace(t),
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
    chosen_lang(args.lang)
}

/// The language asked for (`--lang`, else the environment), which is also the language of the
/// messages built while loading the catalog.
fn chosen_lang(flag: Option<Lang>) -> Lang {
    let lang = flag.unwrap_or_else(Lang::from_env);
    crate::i18n::set_message_lang(lang);
    lang
}

fn host_of(args: &CatalogArgs) -> Result<Host, Failure> {
    match &args.root {
        Some(root) if !root.is_dir() => {
            Err(Failure::Usage(say(Msg::RootNotDir, &[("path", &root.display().to_string())])))
        }
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

/// Where reports are saved and history is read: ECS_DOCTOR_REPORT_DIR, else report_dir in the
/// config, else the standard place.
fn report_dir(config: &Config) -> PathBuf {
    std::env::var_os("ECS_DOCTOR_REPORT_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| config.report_dir.clone())
        .unwrap_or_else(report::save::default_dir)
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
    std::fs::write(path, body).map_err(|e| {
        Failure::Tool(say(Msg::CannotWrite, &[("path", &path.display().to_string()), ("error", &e.to_string())]))
    })
}

/// The network settings: `--metadata-url` (or its environment variable) beats the config's.
fn net_options(args: &RunArgs, config: &Config) -> Result<crate::probe::NetOptions, Failure> {
    let metadata_url = match &args.metadata_url {
        Some(u) => {
            crate::host::metadata::parse_url(u)
                .map_err(|why| Failure::Usage(Said::new(Msg::FlagMetadataUrl).nest("error", why).to_string()))?;
            Some(u.clone())
        }
        None => config.net.metadata_url.as_ref().map(|u| u.get_ref().clone()),
    };
    let dns_name = config.net.dns_name.as_ref().map(|n| n.get_ref().clone());
    let ecs_endpoint =
        args.ecs_endpoint.clone().or_else(|| config.net.ecs_endpoint.as_ref().map(|e| e.get_ref().clone()));
    if let Some(e) = &ecs_endpoint {
        let url = crate::cloud::ecs::normalize_endpoint(e);
        if reqwest::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_string)).is_none() {
            return Err(Failure::Usage(say(Msg::FlagEcsEndpoint, &[("url", &format!("{e:?}"))])));
        }
    }
    let t = &config.ticket;
    Ok(crate::probe::NetOptions {
        metadata_url,
        dns_name,
        offline: args.offline || config.net.offline,
        ecs_endpoint,
        ports: Vec::new(),
        from: None,
        cloud_credentials: crate::probe::CloudCredentials {
            key_id: t.access_key_id.clone(),
            key_secret: t.access_key_secret.clone(),
            token: t.security_token.clone(),
        },
    })
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
        return Err(Failure::Usage(say(Msg::BadDeadline, &[("value", &deadline_s.to_string())])));
    }
    if let Some(url) = &args.upload_url {
        crate::fleet::upload::validate(url)
            .map_err(|e| Failure::Usage(trf(lang, Msg::FlagUploadUrl, &[("error", &e.to_string())])))?;
    }
    let format = args.format.unwrap_or_default();
    let started_at = now_rfc3339();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(deadline_s);
    let privileged = facts::privileged(&host);
    let targets = crate::host::endpoint::parse_all(
        config.net.targets.iter().map(|t| t.get_ref().as_str()).chain(args.targets.iter().map(String::as_str)),
    )
    .map_err(|m| Failure::Usage(Said::new(Msg::FlagTarget).nest("error", m).to_string()))?;
    let net = net_options(&args, &config)?;
    let ctx = Arc::new(ProbeContext::new(host.clone(), deadline, privileged).with_targets(targets).with_net(net));

    let progress = (format == Format::Text && !args.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(selected.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(80));
        bar
    });
    let checks = engine::run(selected, ctx.clone(), lang, engine::DEFAULT_WORKERS, |r| {
        if let Some(bar) = &progress {
            bar.inc(1);
            bar.set_message(r.id.clone());
        }
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }

    // Fill forecasts from the saved history of this host (read only; --no-save runs see them too).
    let mut checks = checks;
    report::mark_consequences(&mut checks);
    let history_settings = config.history();
    let hostname = facts::hostname(&host);
    let root = host.root().display().to_string();
    let dir = report_dir(&config);
    if checks.iter().any(|c| c.id == "disk.usage.space" || c.id == "disk.usage.inodes") {
        let current = crate::history::trend::Current {
            started_at_s: started_at.parse::<jiff::Timestamp>().map(|t| t.as_second()).unwrap_or(0),
            hostname: &hostname,
            root: Some(&root),
            lang,
        };
        let past = crate::history::trend::load(&dir, &current, &history_settings);
        let fix = |id: &str| catalog.get(id).map(|c| c.fix.get(lang).to_string());
        crate::history::trend::apply(&mut checks, &past, &current, &history_settings, &fix);
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
            root: Some(root),
            argv: {
                let mut argv: Vec<String> = argv.iter().map(|a| crate::redact::redact(a)).collect();
                crate::fleet::upload::redact_argv(&mut argv);
                argv
            },
        },
        host: HostInfo {
            hostname,
            os: facts::os_info(&host),
            kernel: facts::kernel(&host),
            arch: facts::arch(&host),
            uptime_s: facts::uptime_s(&host),
            cloud: Cloud {
                provider: facts::cloud_provider(&host),
                identity: ctx.metadata_if_fetched().map(|m| m.identity()).unwrap_or_default(),
            },
        },
        summary: Summary::of(&checks),
        checks,
    };

    let mut saved_to = None;
    if !args.no_save {
        match report::save::save(&report, &dir) {
            Ok(path) => {
                let now = jiff::Timestamp::now().as_second();
                let pruned = crate::history::retention::prune(&dir, &history_settings, &path, now);
                if !pruned.is_empty() && args.verbose {
                    eprintln!(
                        "ecs-doctor: {}",
                        crate::i18n::trf(
                            lang,
                            Msg::Pruned,
                            &[
                                ("count", &pruned.len().to_string()),
                                ("keep", &history_settings.keep.to_string()),
                                ("days", &crate::fmt::format_num(history_settings.max_age_days)),
                            ]
                        )
                    );
                }
                saved_to = Some(path.display().to_string());
            }
            Err(e) => eprintln!(
                "ecs-doctor: {}",
                crate::i18n::trf(
                    lang,
                    Msg::SaveFailed,
                    &[("dir", &dir.display().to_string()), ("error", &e.to_string())]
                )
            ),
        }
    }
    let delivery = deliver(&report, &args, saved_to.clone(), lang);
    let text_opts = report::text::TextOptions {
        color: use_color(args.color, std::io::stdout().is_terminal()),
        lang,
        quiet: args.quiet,
        verbose: args.verbose,
        saved_to: saved_to.clone(),
    };
    let body = match format {
        Format::SummaryJson => report::summary_json::render(&report, &delivery),
        _ => report::render(&report, format, &text_opts),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(body.as_bytes());
    let _ = stdout.flush();
    if format != Format::Text
        && let Some(path) = &saved_to
    {
        eprintln!("{} {path}", tr(lang, Msg::ReportSaved));
    }
    if let Some(path) = &args.output {
        let plain = match format {
            Format::SummaryJson => body,
            _ => report::render(&report, format, &report::text::TextOptions { color: false, ..text_opts }),
        };
        write_output(path, &plain)?;
    }
    // Tickets spooled while the network was down go out with the next run (nothing happens,
    // and no packet is sent, when the spool is empty).
    crate::ticket::command::flush_after_run(&config);
    Ok(report.summary.status.exit_status())
}

/// `--output-dir` and `--upload-url`, after the local save: neither failing changes the
/// diagnosis's exit status; both say on stderr what happened. Returns what the summary line shows.
fn deliver(report: &Report, args: &RunArgs, saved_to: Option<String>, lang: Lang) -> report::summary_json::Delivery {
    use crate::fleet::words::{W, w};
    let mut delivery = report::summary_json::Delivery { report: saved_to, upload: None };
    if let Some(dir) = &args.output_dir {
        match crate::fleet::deliver::write(report, dir) {
            Ok(path) => {
                eprintln!("{} {}", w(lang, W::ReportWritten), path.display());
                delivery.report = Some(path.display().to_string());
            }
            Err(e) => eprintln!("ecs-doctor: {} ({}): {e}", w(lang, W::OutputDirFailed), dir.display()),
        }
    }
    if let Some(url) = &args.upload_url {
        let body = report::json::render(report);
        let policy = crate::fleet::upload::Policy::default();
        let result = crate::fleet::upload::put(url, body.as_bytes(), &policy, |n, why| {
            eprintln!("ecs-doctor: {} ({n}/{}): {why}", w(lang, W::UploadRetry), policy.attempts);
        });
        delivery.upload = Some(result.is_ok());
        match result {
            Ok(_) => eprintln!("{} {}", w(lang, W::Uploaded), crate::fleet::upload::display(url)),
            Err(e) => {
                let kept =
                    if delivery.report.is_some() { format!("; {}", w(lang, W::UploadKept)) } else { String::new() };
                eprintln!("ecs-doctor: {}: {e}{kept}", w(lang, W::UploadFailed));
            }
        }
    }
    delivery
}

/// `fleet summarize`: exit 0 when at least one run was read (skipped inputs are listed in the
/// summary and, unless the text summary goes to the terminal, on stderr); 3 when none was.
fn fleet_summarize(args: crate::cli::SummarizeArgs) -> Result<ExitStatus, Failure> {
    use crate::fleet::{aggregate, render, words};
    let lang = chosen_lang(args.lang);
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
    let limits = aggregate::Limits { top: args.top, worst: args.worst };
    let summary = aggregate::summarize(&args.inputs, limits, threads);
    if args.format != render::FleetFormat::Text || args.output.is_some() {
        for u in &summary.inputs.unreadable {
            eprintln!("ecs-doctor: {}: {u}", words::w(lang, words::W::Skipped));
        }
    }
    let body = render::render(&summary, args.format, lang);
    let _ = std::io::stdout().write_all(body.as_bytes());
    if let Some(path) = &args.output {
        write_output(path, &body)?;
    }
    if summary.hosts.total == 0 {
        return Err(Failure::Tool(words::w(lang, words::W::NoInput).to_string()));
    }
    Ok(ExitStatus::Ok)
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
    let c = catalog.get(id).ok_or_else(|| Failure::Usage(say(Msg::UnknownCheckId, &[("id", &format!("{id:?}"))])))?;
    let mut out = format!("{} — {}\n\n", c.id, c.title.get(lang));
    out.push_str(&format!("{}:\n  {}\n\n", tr(lang, Msg::Why), c.why.get(lang).trim().replace('\n', "\n  ")));
    out.push_str(&format!("{}:\n  {}\n\n", tr(lang, Msg::HowToFix), c.fix.get(lang).trim().replace('\n', "\n  ")));
    out.push_str(&format!(
        "{}:\n  {}\n",
        tr(lang, Msg::Probe),
        trf(
            lang,
            Msg::ExplainProbeLine,
            &[("kind", c.probe.kind()), ("seconds", &format!("{:.1}", c.timeout.as_secs_f64()))]
        )
    ));
    if !c.judges.is_empty() {
        out.push_str(&format!("\n{}:\n", tr(lang, Msg::Thresholds)));
        for j in &c.judges {
            let levels = j.levels();
            let filter = if j.filters.is_empty() {
                String::new()
            } else {
                let and = format!(" {} ", tr(lang, Msg::ExplainAnd));
                let conditions = j.filters.iter().map(|(f, c)| format!("{f} {c}")).collect::<Vec<_>>().join(&and);
                format!(" {}", trf(lang, Msg::ExplainWhere, &[("conditions", &conditions)]))
            };
            let config_at = |at: &str| trf(lang, Msg::ExplainConfigAt, &[("at", at)]);
            let from = j.overridden_at.as_ref().map(|at| format!("  ({})", config_at(at))).unwrap_or_default();
            out.push_str(&format!("  {}: {levels}{filter}{from}\n", j.field));
            for (subject, t) in &j.subjects {
                let (w, cr) = j.thresholds_for(subject);
                out.push_str(&format!("    {subject}: {}  ({})\n", catalog::Judge::describe(w, cr), config_at(&t.at)));
            }
        }
    }
    if !c.references.is_empty() {
        out.push_str(&format!("\n{}:\n", tr(lang, Msg::References)));
        for (k, v) in &c.references {
            out.push_str(&format!("  {k}: {v}\n"));
        }
    }
    if !c.aliases.is_empty() {
        out.push_str(&format!("\n{}: {}\n", tr(lang, Msg::Aliases), c.aliases.join(", ")));
    }
    out.push_str(&format!("\n{}: {}\n", tr(lang, Msg::DefinedIn), c.source));
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(ExitStatus::Ok)
}

fn rerender(args: crate::cli::ReportArgs) -> Result<ExitStatus, Failure> {
    let lang = chosen_lang(args.lang);
    let display = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).map_err(|e| {
        Failure::Usage(trf(lang, Msg::ReportUnreadable, &[("file", &display), ("error", &e.to_string())]))
    })?;
    let report: Report = serde_json::from_slice(&bytes).map_err(|e| {
        Failure::Usage(trf(
            lang,
            Msg::NotAReport,
            &[
                ("file", &display),
                ("line", &e.line().to_string()),
                ("column", &e.column().to_string()),
                ("error", &e.to_string()),
            ],
        ))
    })?;
    if report.schema != report::SCHEMA {
        return Err(Failure::Usage(trf(
            lang,
            Msg::WrongSchema,
            &[("file", &display), ("schema", &format!("{:?}", report.schema)), ("expected", report::SCHEMA)],
        )));
    }
    let text_opts = report::text::TextOptions {
        color: use_color(args.color, std::io::stdout().is_terminal()),
        lang,
        quiet: args.quiet,
        verbose: args.verbose,
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

/// The report directory and language of `history` and `diff`.
fn history_context(args: &crate::cli::HistoryDirArgs) -> Result<(PathBuf, Lang), Failure> {
    let lang = chosen_lang(args.lang);
    let config = Config::load(args.config.as_deref())?;
    let dir = args.dir.clone().unwrap_or_else(|| report_dir(&config));
    Ok((dir, lang))
}

fn history(args: &crate::cli::HistoryDirArgs) -> Result<ExitStatus, Failure> {
    let (dir, lang) = history_context(args)?;
    let (runs, bad) = crate::history::load_all(&dir);
    for b in &bad {
        eprintln!("ecs-doctor: {}: {b}", tr(lang, Msg::HistoryUnreadable));
    }
    let entries = crate::history::entries(&runs);
    let mut out = String::new();
    match args.format {
        ListFormat::Json => {
            out = serde_json::to_string_pretty(&entries).unwrap_or_default();
            out.push('\n');
        }
        ListFormat::Text if entries.is_empty() => {
            eprintln!(
                "ecs-doctor: {}",
                crate::i18n::trf(lang, Msg::HistoryEmpty, &[("dir", &dir.display().to_string())])
            );
        }
        ListFormat::Text => {
            out.push_str(&format!(
                "{:<24}  {:<7}  {:>5}  {:>3} {:>4} {:>4} {:>5} {:>7}  {}\n",
                tr(lang, Msg::ColTime),
                tr(lang, Msg::ColStatus),
                tr(lang, Msg::Score),
                "ok",
                "warn",
                "crit",
                "error",
                "skipped",
                tr(lang, Msg::ColFile)
            ));
            for e in &entries {
                let status = serde_json::to_value(e.status).ok().and_then(|v| v.as_str().map(str::to_string));
                out.push_str(&format!(
                    "{:<24}  {:<7}  {:>5}  {:>3} {:>4} {:>4} {:>5} {:>7}  {}\n",
                    e.started_at,
                    status.unwrap_or_default(),
                    crate::fmt::format_num(e.score),
                    e.counts.ok,
                    e.counts.warn,
                    e.counts.crit,
                    e.counts.error,
                    e.counts.skipped,
                    e.file
                ));
            }
        }
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(ExitStatus::Ok)
}

/// A report named on the command line: a path, else a file name in the report directory.
fn named_report(dir: &std::path::Path, name: &std::path::Path) -> Result<(String, Report), Failure> {
    let path = if name.exists() || name.components().count() > 1 { name.to_path_buf() } else { dir.join(name) };
    let report = crate::history::read_report(&path).map_err(Failure::Usage)?;
    Ok((path.display().to_string(), report))
}

fn diff(args: crate::cli::DiffArgs) -> Result<ExitStatus, Failure> {
    let (dir, lang) = history_context(&args.dir)?;
    let dir_text = dir.display().to_string();
    let (a, b) = match (&args.a, &args.b) {
        (Some(a), Some(b)) => (named_report(&dir, a)?, named_report(&dir, b)?),
        (a, _) => {
            let (runs, _) = crate::history::load_all(&dir);
            let Some((latest_path, latest)) = runs.last() else {
                return Err(Failure::Usage(crate::i18n::trf(lang, Msg::DiffNeedTwo, &[("dir", &dir_text)])));
            };
            let b = (latest_path.display().to_string(), latest.clone());
            let a = match a {
                Some(a) => named_report(&dir, a)?,
                None => {
                    if runs.len() < 2 {
                        return Err(Failure::Usage(crate::i18n::trf(lang, Msg::DiffNeedTwo, &[("dir", &dir_text)])));
                    }
                    let ok = runs[..runs.len() - 1]
                        .iter()
                        .rev()
                        .find(|(_, r)| r.summary.status == report::OverallStatus::Ok)
                        .ok_or_else(|| {
                            Failure::Usage(crate::i18n::trf(lang, Msg::DiffNoOkRun, &[("dir", &dir_text)]))
                        })?;
                    (ok.0.display().to_string(), ok.1.clone())
                }
            };
            (a, b)
        }
    };
    let name =
        |p: &str| std::path::Path::new(p).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let d = crate::history::diff::compare((&name(&a.0), &a.1), (&name(&b.0), &b.1));
    let out = match args.dir.format {
        ListFormat::Json => crate::history::diff::render_json(&d),
        ListFormat::Text => crate::history::diff::render_text(&d, lang),
    };
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(ExitStatus::Ok)
}
