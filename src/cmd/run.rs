//! `ecs-doctor run` (and `ecs-doctor` alone): resolve the options → [`diagnose`] → [`save`] →
//! [`deliver`] → [`print`], then send the tickets spooled while the network was down.
//!
//! [`diagnose`] is the whole diagnosis as a function of the options and the catalog, with no
//! output of its own: `ticket` calls it for a fresh report, and so can any command that needs
//! one (`why`, `fix`) or a test.

use crate::catalog::{self, Catalog};
use crate::cli::{RunArgs, TicketArgs};
use crate::engine;
use crate::exit::{ExitStatus, Failure};
use crate::host::facts;
use crate::i18n::{Msg, tr, trf};
use crate::options::{Env, RunOptions, TicketOptions};
use crate::probe::ProbeContext;
use crate::report::summary_json::Delivery;
use crate::report::{self, CheckResult, Cloud, Format, HostInfo, Report, Run, Summary, Tool};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn run(args: &RunArgs, argv: Vec<String>, env: &Env) -> Result<ExitStatus, Failure> {
    let catalog_options = super::catalog_options(&args.catalog, env)?;
    let lang = catalog_options.lang;
    let (config, catalog) = super::load_catalog(&catalog_options)?;
    let opts = RunOptions::resolve(args, &config, env).map_err(|e| e.failure(lang))?.with_argv(argv);

    let progress = (opts.format == Format::Text && !opts.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        bar
    });
    let report = diagnose(&opts, &catalog, |p| {
        if let Some(bar) = &progress {
            match p {
                Progress::Started { checks } => {
                    bar.set_length(checks as u64);
                    bar.enable_steady_tick(Duration::from_millis(80));
                }
                Progress::Done(r) => {
                    bar.inc(1);
                    bar.set_message(r.id.clone());
                }
            }
        }
    })?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }

    let saved_to = if opts.save { save(&report, &opts) } else { None };
    let delivery = deliver(&report, &opts, saved_to.clone());
    print(&report, &opts, saved_to, &delivery)?;
    // Tickets spooled while the network was down go out with the next run of the live system
    // (nothing happens, and no packet is sent, when the spool is empty). A run that examines
    // another root (a rescued disk, a fixture) leaves the live host's spool alone.
    if opts.catalog.host.is_live()
        && let Ok(t) = TicketOptions::resolve(&TicketArgs::default(), &config, env)
    {
        crate::ticket::filing::flush_if_pending(&t.settings);
    }
    Ok(report.summary.status.exit_status())
}

/// How far a diagnosis has got, for a progress bar.
pub enum Progress<'a> {
    /// The checks are selected; this many will run.
    Started { checks: usize },
    /// One check has finished.
    Done(&'a CheckResult),
}

/// Runs the selected checks of `catalog` under the options' deadline and builds the report, with
/// the fill forecasts from the saved history of this host. Prints nothing and saves nothing.
/// The only failure is a selector that matches no check (a usage error).
pub fn diagnose(
    opts: &RunOptions,
    catalog: &Catalog,
    mut on_progress: impl FnMut(Progress),
) -> Result<Report, Failure> {
    let lang = opts.lang();
    let selected =
        catalog::select(catalog, &opts.only, &opts.skip).map_err(|e| Failure::Usage(e.said().render(lang)))?;
    let host = &opts.catalog.host;
    let started_at = now_rfc3339();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(opts.deadline_s);
    let privileged = facts::privileged(host);
    let ctx = Arc::new(
        ProbeContext::new(host.clone(), deadline, privileged)
            .with_targets(opts.targets.clone())
            .with_login(crate::probe::ssh::login::LoginOptions {
                // `why ssh --user U --from ADDR`: the login matrix judges that account, from there.
                user: opts.net.access.user.clone(),
                from: opts.net.access.from.map(|a| a.to_string()),
            })
            .with_net(opts.net.clone()),
    );
    on_progress(Progress::Started { checks: selected.len() });
    let mut checks =
        engine::run(selected, ctx.clone(), lang, engine::DEFAULT_WORKERS, |r| on_progress(Progress::Done(r)));
    // Failures another failing check explains are its consequences (`depends_on`).
    report::mark_consequences(&mut checks);

    // Fill forecasts from the saved history of this host (read only; --no-save runs see them too).
    let hostname = facts::hostname(host);
    let root = host.root().display().to_string();
    let kinds = crate::history::trend::kinds(catalog);
    if checks.iter().any(|c| kinds.iter().any(|k| k.check == c.id)) {
        let current = crate::history::trend::Current {
            started_at_s: started_at.parse::<jiff::Timestamp>().map(|t| t.as_second()).unwrap_or(0),
            hostname: &hostname,
            root: Some(&root),
            lang,
        };
        let past = crate::history::trend::load(&opts.report_dir, &current, &opts.history);
        let fix = |id: &str| catalog.get(id).map(|c| c.fix.get(lang).to_string());
        crate::history::trend::apply(&mut checks, &past, &current, &opts.history, &fix, &kinds);
    }

    Ok(Report {
        schema: report::SCHEMA.into(),
        tool: Tool { name: "ecs-doctor".into(), version: env!("CARGO_PKG_VERSION").into() },
        run: Run {
            id: run_id(),
            started_at,
            finished_at: now_rfc3339(),
            duration_ms: start.elapsed().as_millis() as u64,
            deadline_ms: ((opts.deadline_s * 1000.0).round() as u64).max(1),
            privileged,
            root: Some(root),
            argv: {
                let mut argv: Vec<String> = opts.argv.iter().map(|a| crate::redact::redact(a)).collect();
                crate::fleet::upload::redact_argv(&mut argv);
                argv
            },
        },
        host: HostInfo {
            hostname,
            os: facts::os_info(host),
            kernel: facts::kernel(host),
            arch: facts::arch(host),
            uptime_s: facts::uptime_s(host),
            cloud: Cloud {
                provider: facts::cloud_provider(host),
                identity: ctx.metadata_if_fetched().map(|m| m.identity()).unwrap_or_default(),
            },
        },
        summary: Summary::of(&checks),
        checks,
        diagnosis: None,
        repairs: Vec::new(),
    })
}

/// Saves the JSON report in the report directory and prunes the old ones; returns where it went.
/// Failing to save is said on stderr and does not change the diagnosis.
pub fn save(report: &Report, opts: &RunOptions) -> Option<String> {
    let lang = opts.lang();
    let dir = &opts.report_dir;
    match report::save::save(report, dir) {
        Ok(path) => {
            let now = jiff::Timestamp::now().as_second();
            let pruned = crate::history::retention::prune(dir, &opts.history, &path, now);
            if !pruned.is_empty() && opts.verbose {
                eprintln!(
                    "ecs-doctor: {}",
                    trf(
                        lang,
                        Msg::Pruned,
                        &[
                            ("count", &pruned.len().to_string()),
                            ("keep", &opts.history.keep.to_string()),
                            ("days", &crate::fmt::format_num(opts.history.max_age_days)),
                        ]
                    )
                );
            }
            Some(path.display().to_string())
        }
        Err(e) => {
            eprintln!(
                "ecs-doctor: {}",
                trf(lang, Msg::SaveFailed, &[("dir", &dir.display().to_string()), ("error", &e.to_string())])
            );
            None
        }
    }
}

/// `--output-dir` and `--upload-url`, after the local save: neither failing changes the
/// diagnosis's exit status; both say on stderr what happened. Returns what the summary line shows.
pub fn deliver(report: &Report, opts: &RunOptions, saved_to: Option<String>) -> Delivery {
    use crate::fleet::words::{W, w};
    let lang = opts.lang();
    let mut delivery = Delivery { report: saved_to, upload: None };
    if let Some(dir) = &opts.output_dir {
        match crate::fleet::deliver::write(report, dir) {
            Ok(path) => {
                eprintln!("{} {}", w(lang, W::ReportWritten), path.display());
                delivery.report = Some(path.display().to_string());
            }
            Err(e) => eprintln!("ecs-doctor: {} ({}): {e}", w(lang, W::OutputDirFailed), dir.display()),
        }
    }
    if let Some(url) = &opts.upload_url {
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

/// The report on stdout in the chosen format (and in `-o FILE`, without colour); where the JSON
/// report was saved (`saved_to`) on stderr, unless the text report already closes with it.
pub fn print(report: &Report, opts: &RunOptions, saved_to: Option<String>, delivery: &Delivery) -> Result<(), Failure> {
    let lang = opts.lang();
    let text_opts = report::text::TextOptions {
        color: opts.color_on(std::io::stdout().is_terminal()),
        lang,
        quiet: opts.quiet,
        verbose: opts.verbose,
        saved_to: saved_to.clone(),
    };
    let body = match opts.format {
        Format::SummaryJson => crate::fmt::json_inert(report::summary_json::render(report, delivery)),
        format => report::render(report, format, &text_opts),
    };
    super::print(&body);
    if opts.format != Format::Text
        && let Some(path) = &saved_to
    {
        eprintln!("{} {path}", tr(lang, Msg::ReportSaved));
    }
    if let Some(path) = &opts.output {
        let plain = match opts.format {
            Format::SummaryJson => body,
            format => report::render(report, format, &report::text::TextOptions { color: false, ..text_opts }),
        };
        super::write_output(path, &plain, lang)?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::CatalogArgs;
    use crate::config::Config;
    use std::path::PathBuf;

    fn options(root: &str, only: &[&str], report_dir: &std::path::Path) -> RunOptions {
        let args = RunArgs {
            only: only.iter().map(|s| s.to_string()).collect(),
            catalog: CatalogArgs {
                root: Some(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/roots")).join(root)),
                ..CatalogArgs::default()
            },
            ..RunArgs::default()
        };
        let env = Env { report_dir: Some(report_dir.to_path_buf()), ..Env::default() };
        RunOptions::resolve(&args, &Config::default(), &env).unwrap().with_argv(vec!["ecs-doctor".into()])
    }

    #[test]
    fn diagnose_is_a_function_of_the_options_and_saves_nothing() {
        let reports = tempfile::tempdir().unwrap();
        let catalog = Catalog::load(&[]).unwrap();
        let mut started = None;
        let mut done = Vec::new();
        let opts = options("degraded", &["sys.cpu.load"], reports.path());
        let r = diagnose(&opts, &catalog, |p| match p {
            Progress::Started { checks } => started = Some(checks),
            Progress::Done(c) => done.push(c.id.clone()),
        })
        .unwrap();
        assert_eq!(r.checks.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["sys.cpu.load"]);
        assert_eq!((started, done), (Some(1), vec!["sys.cpu.load".to_string()]));
        assert_eq!(r.summary.status.exit_status(), ExitStatus::Warning);
        assert_eq!(r.run.argv, ["ecs-doctor"]);
        assert!(r.run.root.as_deref().is_some_and(|root| root.ends_with("roots/degraded")));
        assert_eq!(std::fs::read_dir(reports.path()).unwrap().count(), 0, "diagnose saves nothing");

        let saved = save(&r, &opts).unwrap();
        assert_eq!(crate::report::read(std::path::Path::new(&saved)).unwrap().run.id, r.run.id);
    }

    #[test]
    fn an_unknown_selector_is_a_usage_error() {
        let reports = tempfile::tempdir().unwrap();
        let catalog = Catalog::load(&[]).unwrap();
        let e = diagnose(&options("healthy", &["no.such.check"], reports.path()), &catalog, |_| {}).unwrap_err();
        assert!(matches!(&e, Failure::Usage(m) if m.contains("no.such.check")), "{e:?}");
    }
}
