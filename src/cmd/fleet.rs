//! `ecs-doctor fleet summarize`: the most common problems and the worst hosts of many reports.

use crate::cli::{FleetArgs, FleetCommand, SummarizeArgs};
use crate::exit::{ExitStatus, Failure};
use crate::fleet::{aggregate, render, words};
use crate::options::Env;

pub fn run(args: &FleetArgs, env: &Env) -> Result<ExitStatus, Failure> {
    match &args.command {
        FleetCommand::Summarize(a) => summarize(a, env),
    }
}

/// Exit 0 when at least one run was read (skipped inputs are listed in the summary and, unless
/// the text summary goes to the terminal, on stderr); 3 when none was.
fn summarize(args: &SummarizeArgs, env: &Env) -> Result<ExitStatus, Failure> {
    let lang = super::chosen_lang(args.lang, env);
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
    let limits = aggregate::Limits { top: args.top, worst: args.worst };
    let summary = aggregate::summarize(&args.inputs, limits, threads);
    if args.format != render::FleetFormat::Text || args.output.is_some() {
        for u in &summary.inputs.unreadable {
            eprintln!("ecs-doctor: {}: {u}", words::w(lang, words::W::Skipped));
        }
    }
    let body = render::render(&summary, args.format, lang);
    super::print(&body);
    if let Some(path) = &args.output {
        super::write_output(path, &body, lang)?;
    }
    if summary.hosts.total == 0 {
        return Err(Failure::Tool(words::w(lang, words::W::NoInput).to_string()));
    }
    Ok(ExitStatus::Ok)
}
