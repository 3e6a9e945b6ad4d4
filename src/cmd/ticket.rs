//! `ecs-doctor ticket`, `ticket --flush` and `ticket status [ID]`: the report to build from (a
//! fresh diagnosis, in this process, when the latest is too old), the questions on a terminal,
//! redaction, the preview, the confirmation, and filing through `ticket::filing`.

use crate::cli::TicketArgs;
use crate::config::Config;
use crate::exit::{ExitStatus, Failure};
use crate::i18n::{Msg, T, tr, tt};
use crate::options::ticket::{TicketTask, ticket_lang};
use crate::options::{Env, TicketOptions};
use crate::redact::Redactor;
use crate::report::{self, Report};
use crate::ticket::ask::Prompter;
use crate::ticket::config::BackendKind;
use crate::ticket::filing::{self, Built, choose_category, flush, preview, say, status};
use crate::ticket::model::{self, Answers};
use crate::ticket::store::{bundle_name, new_key};
use crate::ticket::{bundle, render, when};
use std::io::IsTerminal;

pub fn run(args: &TicketArgs, argv: Vec<String>, env: &Env) -> Result<ExitStatus, Failure> {
    // The language of errors met while reading the settings, and of a fresh diagnosis's findings.
    super::chosen_lang(args.catalog.lang, env);
    let config = Config::load(crate::options::config_path(args.catalog.config.as_deref(), env).as_deref())?;
    let o = TicketOptions::resolve(args, &config, env)
        .map_err(|e| e.failure(ticket_lang(args.catalog.lang, &config, env)))?;
    let s = &o.settings;
    match &o.task {
        TicketTask::Status(id) => return status(s, id.as_deref()),
        TicketTask::Flush => return Ok(flush(s, true, true)),
        TicketTask::File => {}
    }
    if s.store.has_pending() && !o.dry_run {
        flush(s, false, true);
    }
    let report = load_report(&o, &config, argv, env)?;
    let l = s.lang;

    let mut answers = Answers {
        title: o.title.clone(),
        started: o.since.clone(),
        impact: o.impact,
        tried: o.tried.clone(),
        description: o.description.clone(),
        email: s.email.clone(),
    };
    let key = new_key();
    let now = when::now();
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let stdin = std::io::stdin();
    let mut prompter = Prompter::new(stdin.lock(), std::io::stderr(), l);
    if interactive {
        let draft = model::build(&report, &answers, &key, l, &now);
        prompter.ask_missing(&mut answers, &draft.title);
    } else {
        let empty: Vec<&str> = [
            (answers.impact.is_none(), "impact (--impact)"),
            (answers.started.is_none(), "started (--since)"),
            (answers.tried.is_empty(), "tried (--tried)"),
            (answers.description.is_none(), "description (--description)"),
            (answers.email.is_none(), "email (--email)"),
        ]
        .into_iter()
        .filter_map(|(missing, name)| missing.then_some(name))
        .collect();
        if !empty.is_empty() {
            say(format!("{} {}", tt(l, T::FieldsLeftEmpty), empty.join(", ")));
        }
    }

    // Redact (and mask) the whole ticket, then the bundle with the same redactor, so a masked
    // address has the same pseudonym everywhere.
    let mut red = Redactor::new(s.mask);
    if s.mask.hostnames {
        red.add_host(&report.host.hostname);
    }
    let draft = model::build(&report, &answers, &key, l, &now);
    let mut ticket = model::map_strings(&draft, &mut |t| red.apply(t));
    ticket.attachments = vec![bundle_name(&key)];
    let md = render::markdown(&ticket);
    let js = render::json(&ticket);
    let input = bundle::Input { report: &report, ticket_markdown: &md, ticket_json: &js, key: &key, created_at: &now };
    let bundle =
        bundle::build(&input, &s.host(), &mut red, s.bundle_max_bytes).map_err(|e| Failure::Tool(e.to_string()))?;

    let endpoint = s.endpoint_for(s.backend)?;
    let mut category = s.category_id.clone();
    if s.backend == BackendKind::Aliyun && category.is_none() && !o.dry_run {
        if !interactive {
            return Err(Failure::Usage(
                "the aliyun backend needs a CategoryId: --category-id ID or category_id in [ticket] \
                 (a terminal run offers the list from ListCategories)"
                    .into(),
            ));
        }
        category = choose_category(s, &endpoint, &mut prompter)?;
    }
    let built = Built { ticket: &ticket, markdown: &md, json: &js, bundle: &bundle };
    // The title and the JSON body carry the report's text as it is (JSON escapes C0 controls
    // only): the preview on a terminal is made inert like every report.
    super::print(&crate::fmt::inert_lines(&preview(s, &endpoint, &built, &red, category.as_deref())));
    if o.dry_run {
        say(tt(l, T::DryRunNothingSent));
        return Ok(ExitStatus::Ok);
    }
    if interactive && !s.yes {
        if !prompter.confirm(tt(l, T::AskSend)) {
            say(tt(l, T::Cancelled));
            return Ok(ExitStatus::Ok);
        }
    } else if !interactive && !s.yes && s.backend != BackendKind::File {
        return Err(Failure::Usage(tt(l, T::NeedYes).into()));
    }
    filing::submit(s, &key, &built, endpoint, category)
}

/// The report: `--from`, else the latest saved one when it is fresh enough, else a new diagnosis
/// (saved, except in a dry run).
fn load_report(o: &TicketOptions, config: &Config, argv: Vec<String>, env: &Env) -> Result<Report, Failure> {
    let s = &o.settings;
    if let Some(path) = &o.from {
        return report::read(path).map_err(|e| Failure::Usage(e.to_string()));
    }
    // The latest saved report of the same system: a ticket about a rescued disk never carries
    // the report of the machine it was examined from, nor the other way round.
    let (host, dir) = o.examined();
    let root = host.root().display().to_string();
    if let Ok(r) = report::read(&dir.join("latest.json"))
        && r.run.root.as_deref().unwrap_or("/") == root
    {
        let age = r
            .run
            .finished_at
            .parse::<jiff::Timestamp>()
            .ok()
            .map(|t| (jiff::Timestamp::now().as_millisecond() - t.as_millisecond()) as f64 / 1000.0);
        if age.is_some_and(|a| a <= s.max_report_age_s) {
            return Ok(r);
        }
    }
    say(tt(s.lang, T::StaleReport));
    // A usage error of the diagnosis (a bad --root, an unknown selector in the config) is said
    // as it is, then as "no report to build the ticket from".
    let no_report = |f: Failure| match f {
        Failure::Usage(m) => {
            eprintln!("ecs-doctor: {m}");
            Failure::Usage(tt(s.lang, T::NoReport).into())
        }
        tool => tool,
    };
    let opts =
        o.fresh_diagnosis(config, env).map_err(|e| no_report(e.failure(crate::i18n::message_lang())))?.with_argv(argv);
    let lang = opts.lang();
    let catalog = super::load_checks(&opts.catalog, config).map_err(no_report)?;
    let report = super::run::diagnose(&opts, &catalog, |_| {}).map_err(no_report)?;
    if opts.save
        && let Some(path) = super::run::save(&report, &opts)
    {
        eprintln!("{} {path}", tr(lang, Msg::ReportSaved));
    }
    Ok(report)
}
