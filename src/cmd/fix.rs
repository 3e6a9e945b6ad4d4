//! `ecs-doctor fix`: the repair plan for the current findings (a fresh diagnosis, or `--from` a
//! saved report), `--apply [ID...]`, `--undo [ID]` and `--list`. The plan and the records are
//! `repair::plan` and `repair::store`; applying and undoing are `repair::apply`; this file asks,
//! prints and saves.
//!
//! Exit status: the plan exits like `run` (the diagnosis's status). `--apply` exits 0 when every
//! chosen repair was applied and verified (or there was nothing to apply, or nothing left to change
//! because an earlier repair of the run fixed its finding too), 2 when one was rolled
//! back or failed, 64 without `--yes` off a terminal or for an id not in the plan. `--undo` and
//! `--list` exit 0, 3 when a record cannot be restored, 64 for an unknown record.

use crate::cli::FixArgs;
use crate::exit::{ExitStatus, Failure};
use crate::i18n::{Lang, Msg, R, rt, rtf, tr};
use crate::options::Env;
use crate::options::fix::{FixOptions, FixTask};
use crate::repair::apply::{self, Context, Outcome};
use crate::repair::plan::{self, Plan, Planned};
use crate::repair::store::{self, Record, State, Store};
use crate::report::{self, Format, RepairState, Report};
use std::cell::RefCell;
use std::io::IsTerminal;

pub fn run(args: &FixArgs, argv: Vec<String>, env: &Env) -> Result<ExitStatus, Failure> {
    let catalog_options = super::catalog_options(&args.run.catalog, env)?;
    let lang = catalog_options.lang;
    let (config, catalog) = super::load_catalog(&catalog_options)?;
    let o = FixOptions::resolve(args, &config, env).map_err(|e| e.failure(lang))?;
    let host = o.run.catalog.host.clone();
    let store = store::store_for(&host, &o.repair_dir);
    let told = crate::repair::Told {
        asked: crate::repair::asked::Asked { client: o.client, user: o.user.clone() },
        metadata_url: o.run.net.metadata_url.clone(),
        dns_name: o.run.net.dns_name.clone(),
        // How a step that is an ECS API call (the security group) reaches it: as the check does.
        ecs: crate::repair::net::security_group::Access {
            metadata: crate::host::metadata::source(&host, o.run.net.metadata_url.as_deref()).endpoint().cloned(),
            ecs_endpoint: o.run.net.ecs_endpoint.clone(),
            credentials: o.run.net.cloud_credentials.clone(),
            offline: o.run.net.offline,
        },
    };
    let cx = Context {
        host: &host,
        store: &store,
        lang,
        crash_at: o.crash_at.as_deref(),
        spawn_log: o.spawn_log.as_deref(),
        told: &told,
    };
    match &o.task {
        FixTask::List => return list(&store, &o, lang),
        FixTask::Undo(id) => return undo(&cx, id.as_deref()),
        FixTask::Plan | FixTask::Apply { .. } => {}
    }
    let run_opts = o.run.clone().with_argv(argv);
    let mut report = match &o.from {
        Some(path) => report::read(path).map_err(|e| Failure::Usage(e.to_string()))?,
        None => super::run::diagnose(&run_opts, &catalog, |_| {})?,
    };
    let plan =
        plan::make(&report, |id| catalog.get(id).map(|c| c.repairs.as_slice()).unwrap_or(&[]), &host, lang, &told);
    match &o.task {
        FixTask::Apply { ids, yes } => apply_plan(&cx, &o, &catalog, &mut report, &plan, ids, *yes),
        _ => {
            report.repairs =
                plan.repairs.iter().map(|p| p.to_report(lang, RepairState::Planned, &p.id, None)).collect();
            match o.run.format {
                Format::Text => super::print(&plan_text(&plan, &report, &o, lang)),
                format => super::print(&report::render(&report, format, &text_options(&o, lang))),
            }
            if let Some(path) = &o.run.output {
                super::write_output(path, &report::render(&report, o.run.format, &text_options(&o, lang)), lang)?;
            }
            Ok(report.summary.status.exit_status())
        }
    }
}

fn text_options(o: &FixOptions, lang: Lang) -> report::text::TextOptions {
    report::text::TextOptions { color: false, lang, quiet: o.run.quiet, verbose: o.run.verbose, saved_to: None }
}

/// `ecs-doctor fix` with the root flag, as the user types it again.
fn command(o: &FixOptions, rest: &str) -> String {
    match &o.run.catalog.root {
        Some(root) if !o.run.catalog.host.is_live() => {
            format!("ecs-doctor fix --root {} {rest}", crate::fmt::shell_word(&root.to_string_lossy()))
        }
        _ => format!("ecs-doctor fix {rest}"),
    }
}

/// One repair as the plan shows it.
fn entry_text(n: usize, p: &Planned, lang: Lang) -> String {
    use crate::fmt::inert;
    let mut out =
        format!("{n:>2}. {}  ·  {}  ·  {}\n", p.id, p.check, inert(p.finding.subject.as_deref().unwrap_or("-")));
    let pad = "    ";
    if let Some(first) = &p.alternative_to {
        out.push_str(&format!("{pad}{}\n", rtf(lang, R::AlternativeOf, &[("id", first)])));
    }
    out.push_str(&format!("{pad}{}\n", inert(&p.change.summary)));
    out.push_str(&format!("{pad}{}: {}\n", rt(lang, R::Risk), p.decl.risk.said(lang)));
    if p.change.guards_login {
        out.push_str(&format!("{pad}{}\n", rt(lang, R::LoginGuard)));
    }
    for (_, diff) in &p.diffs {
        for line in diff.lines() {
            out.push_str(&format!("{pad}{}\n", inert(line)));
        }
    }
    for c in &p.change.validate {
        out.push_str(&format!("{pad}{}: {}\n", rt(lang, R::Validate), c.line()));
    }
    for l in &p.change.live {
        out.push_str(&format!("{pad}{}: {}\n", rt(lang, R::Runs), l.run.line()));
        match &l.undo {
            Some(u) => out.push_str(&format!("{pad}{}: {}\n", rt(lang, R::UndoRuns), u.line())),
            None => out.push_str(&format!("{pad}{}\n", rt(lang, R::Irreversible))),
        }
    }
    for c in &p.change.commands {
        out.push_str(&format!("{pad}{}: {}\n", rt(lang, R::Then), c.line()));
    }
    out
}

/// The plan as text: each repair with its diff and commands, then what is not repaired.
fn plan_text(plan: &Plan, report: &Report, o: &FixOptions, lang: Lang) -> String {
    use crate::fmt::inert;
    let mut out = format!("{}\n\n", rtf(lang, R::PlanHeader, &[("host", &inert(&report.host.hostname))]));
    if plan.repairs.is_empty() {
        out.push_str(&format!("{}\n", rt(lang, R::PlanNone)));
    }
    for (i, p) in plan.repairs.iter().enumerate() {
        out.push_str(&entry_text(i + 1, p, lang));
        out.push('\n');
    }
    if !plan.unrepaired.is_empty() {
        out.push_str(&format!("{}\n", rt(lang, R::NotRepairedHeader)));
        for u in &plan.unrepaired {
            let subject = u.subject.as_deref().map(|s| format!(" [{}]", inert(s))).unwrap_or_default();
            out.push_str(&format!("  - {}{subject}: {}\n", u.check, inert(&u.message)));
            out.push_str(&format!("    → {}\n", inert(&u.reason)));
        }
        out.push('\n');
    }
    if !plan.repairs.is_empty() {
        out.push_str(&format!("{}\n", rtf(lang, R::ApplyHint, &[("command", &command(o, "--apply"))])));
    }
    out
}

/// `--apply`: the chosen repairs, each confirmed (or `--yes`), applied, verified; the report
/// with its repairs saved.
#[allow(clippy::too_many_arguments)]
fn apply_plan(
    cx: &Context,
    o: &FixOptions,
    catalog: &crate::catalog::Catalog,
    report: &mut Report,
    plan: &Plan,
    ids: &[String],
    yes: bool,
) -> Result<ExitStatus, Failure> {
    let lang = cx.lang;
    let chosen: Vec<&Planned> = if ids.is_empty() {
        plan.repairs.iter().filter(|p| p.alternative_to.is_none()).collect()
    } else {
        let mut v = Vec::new();
        for id in ids {
            match plan.repairs.iter().find(|p| &p.id == id) {
                Some(p) => v.push(p),
                None => {
                    let all: Vec<&str> = plan.repairs.iter().map(|p| p.id.as_str()).collect();
                    let all = if all.is_empty() { "-".to_string() } else { all.join(", ") };
                    return Err(Failure::Usage(rtf(lang, R::UnknownId, &[("id", id), ("ids", &all)])));
                }
            }
        }
        v
    };
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !chosen.is_empty() && !yes && !terminal {
        return Err(Failure::Usage(rt(lang, R::NeedYes).into()));
    }
    if o.from.is_some() {
        let here = crate::host::facts::hostname(cx.host);
        if here != report.host.hostname {
            return Err(Failure::Usage(rtf(
                lang,
                R::OtherHost,
                &[("report_host", &report.host.hostname), ("host", &here)],
            )));
        }
    }
    if chosen.is_empty() {
        eprintln!("{}", rt(lang, R::NothingToApply));
        return Ok(ExitStatus::Ok);
    }
    let rechecked: RefCell<Vec<report::CheckResult>> = RefCell::new(Vec::new());
    let recheck = |check: &str| -> Result<report::CheckResult, String> {
        let mut opts = o.run.clone();
        opts.only = vec![check.to_string()];
        opts.skip = Vec::new();
        opts.save = false;
        let r = super::run::diagnose(&opts, catalog, |_| {}).map_err(|f| f.message().to_string())?;
        let c = r.checks.into_iter().find(|c| c.id == check).ok_or_else(|| format!("{check}: not run"))?;
        rechecked.borrow_mut().push(c.clone());
        Ok(c)
    };
    let stdin = std::io::stdin();
    let mut prompter = crate::ticket::ask::Prompter::new(stdin.lock(), std::io::stderr(), lang);
    let mut all_held = true;
    for p in chosen {
        eprint!("{}", entry_text(0, p, lang).split_once(". ").map(|(_, e)| e).unwrap_or_default());
        if !yes && !prompter.confirm(&rtf(lang, R::AskApply, &[("id", &p.id)])) {
            eprintln!("{}", rtf(lang, R::NotApplied, &[("id", &p.id)]));
            continue;
        }
        let before = report.checks.iter().find(|c| c.id == p.check).cloned();
        let (record, line, state) = match apply::apply(cx, p, before.as_ref(), &recheck) {
            Outcome::Applied(r) => {
                let undo = command(o, &format!("--undo {}", r.id));
                let line = rtf(lang, R::Applied, &[("id", &r.id), ("check", &p.check), ("undo", &undo)]);
                (Some(r), line, RepairState::Applied)
            }
            Outcome::RolledBack(r) => {
                all_held = false;
                let reason = r.reason.clone().unwrap_or_default();
                let line = rtf(lang, R::RolledBack, &[("id", &r.id), ("reason", &reason)]);
                (Some(r), line, RepairState::RolledBack)
            }
            Outcome::Unneeded(line) => {
                eprintln!("{}\n", crate::fmt::inert_lines(&line));
                continue;
            }
            Outcome::Failed { record, reason } => {
                all_held = false;
                let id = record.as_ref().map(|r| r.id.clone()).unwrap_or_else(|| p.id.clone());
                (record, rtf(lang, R::Failed, &[("id", &id), ("reason", &reason)]), RepairState::Failed)
            }
        };
        eprintln!("{}\n", crate::fmt::inert_lines(&line));
        let mut entry = p.to_report(lang, state, &p.id, None);
        if let Some(r) = &record {
            entry.id = r.id.clone();
            entry.at = Some(r.updated_at.clone());
            entry.changes = r.changes.clone();
        }
        report.repairs.push(entry);
    }
    // The report shows the checks as they are after the repairs.
    for c in rechecked.into_inner() {
        if let Some(slot) = report.checks.iter_mut().find(|x| x.id == c.id) {
            *slot = c;
        }
    }
    report.summary = report::Summary::of(&report.checks);
    let saved_to = if o.run.save { super::run::save(report, &o.run) } else { None };
    if o.run.format != Format::Text {
        super::print(&report::render(report, o.run.format, &text_options(o, lang)));
    }
    if let Some(path) = &o.run.output {
        super::write_output(path, &report::render(report, o.run.format, &text_options(o, lang)), lang)?;
    }
    if let Some(path) = saved_to {
        eprintln!("{} {path}", tr(lang, Msg::ReportSaved));
    }
    Ok(if all_held { ExitStatus::Ok } else { ExitStatus::Critical })
}

/// `--list`: the records, oldest first.
fn list(store: &Store, o: &FixOptions, lang: Lang) -> Result<ExitStatus, Failure> {
    let records = store.list();
    if o.run.format == Format::Json {
        let body = serde_json::to_string_pretty(&records).map_err(|e| Failure::Tool(e.to_string()))?;
        super::print(&format!("{}\n", crate::fmt::json_inert(body)));
        return Ok(ExitStatus::Ok);
    }
    let dir = store.dir.display().to_string();
    if records.is_empty() {
        super::print(&format!("{}\n", rtf(lang, R::ListEmpty, &[("dir", &dir)])));
        return Ok(ExitStatus::Ok);
    }
    let mut out = format!("{}\n", rtf(lang, R::ListHeader, &[("dir", &dir)]));
    for r in &records {
        out.push_str(&format!(
            "  {}  {}  {}  {} {}\n",
            r.id,
            r.updated_at,
            r.state.said(lang),
            r.check,
            crate::fmt::inert(r.subject.as_deref().unwrap_or("-"))
        ));
        if let Some(summary) = r.changes.first() {
            out.push_str(&format!("      {}\n", crate::fmt::inert(summary)));
        }
        if let Some(reason) = &r.reason {
            out.push_str(&format!("      {}\n", crate::fmt::inert(reason)));
        }
    }
    super::print(&out);
    Ok(ExitStatus::Ok)
}

/// `--undo [ID]`.
fn undo(cx: &Context, id: Option<&str>) -> Result<ExitStatus, Failure> {
    let lang = cx.lang;
    let dir = cx.store.dir.display().to_string();
    let record: Record = match id {
        Some(id) => {
            cx.store.load(id).ok_or_else(|| Failure::Usage(rtf(lang, R::UndoUnknown, &[("id", id), ("dir", &dir)])))?
        }
        None => match cx.store.list().into_iter().rev().find(|r| matches!(r.state, State::Applied | State::Applying)) {
            Some(r) => r,
            None => {
                eprintln!("{}", rt(lang, R::UndoNothing));
                return Ok(ExitStatus::Ok);
            }
        },
    };
    let r = apply::undo(cx, record).map_err(Failure::Tool)?;
    let files: Vec<&str> = r.files.iter().map(|f| f.path.as_str()).collect();
    // A repair of commands only (an initramfs built, a firewall rule) names no file.
    let said = if files.is_empty() {
        rtf(lang, R::UndoneLive, &[("id", &r.id)])
    } else {
        rtf(lang, R::Undone, &[("id", &r.id), ("files", &files.join(", "))])
    };
    super::print(&format!("{said}\n"));
    Ok(ExitStatus::Ok)
}
