//! `ecs-doctor trace <HOST>`: an MTR-like trace for `--duration` or `--rounds`, with a live table
//! on a terminal, or a final table, JSON or HTML page otherwise.
//!
//! Exit status, as for `run`: 0 the destination answered without loss, 1 it answered with loss,
//! 2 it never answered, 3 the trace could not run (no CAP_NET_RAW, no route), 64 usage error.

use super::rdns::Names;
use super::run::{self, TraceError, TraceOptions};
use super::{TraceData, html, render_text};
use crate::app::Failure;
use crate::cli::{TraceArgs, TraceFormat};
use crate::exit::ExitStatus;
use crate::i18n::{Lang, Msg, Said, trf};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Validated options of one trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub host: String,
    pub rounds: usize,
    pub interval: Duration,
    pub max_ttl: u8,
}

/// Checks the flags: rounds of at least one second, a duration or a round count that ends.
pub fn plan(args: &TraceArgs) -> Result<Plan, Said> {
    let host = crate::host::endpoint::Target::parse(&args.host)
        .map_err(|m| Said::new(Msg::TraceFlagHost).nest("error", m))?
        .host;
    if !(args.interval.is_finite() && (1.0..=60.0).contains(&args.interval)) {
        return Err(Said::new(Msg::TraceFlagInterval).arg("value", args.interval));
    }
    if !(args.duration.is_finite() && args.duration > 0.0 && args.duration <= 86_400.0) {
        return Err(Said::new(Msg::TraceFlagDuration).arg("value", args.duration));
    }
    let rounds = match args.rounds {
        Some(n) if !(1..=100_000).contains(&n) => return Err(Said::new(Msg::TraceFlagRounds).arg("value", n)),
        Some(n) => n,
        None => ((args.duration / args.interval).ceil() as usize).max(1),
    };
    if !(1..=64).contains(&args.max_ttl) {
        return Err(Said::new(Msg::TraceFlagMaxTtl).arg("value", args.max_ttl));
    }
    Ok(Plan { host, rounds, interval: Duration::from_secs_f64(args.interval), max_ttl: args.max_ttl })
}

fn with_names(mut t: TraceData, names: &Names) -> TraceData {
    for h in &mut t.hops {
        h.name = h.address.and_then(|a| names.get(a));
    }
    t
}

fn render(t: &TraceData, format: TraceFormat, lang: Lang) -> String {
    match format {
        TraceFormat::Text => render_text::table(t, lang),
        TraceFormat::Json => {
            let mut s = serde_json::to_string_pretty(t).unwrap_or_default();
            s.push('\n');
            s
        }
        TraceFormat::Html => html::page(t, lang),
    }
}

/// The exit status a finished trace maps to.
pub fn status_of(t: &TraceData) -> ExitStatus {
    match t.destination() {
        None => ExitStatus::Critical,
        Some(d) if d.loss_percent > 0.0 => ExitStatus::Warning,
        Some(_) => ExitStatus::Ok,
    }
}

/// A trace error in the language of the command.
fn trace_error(e: &TraceError, lang: Lang) -> String {
    match e {
        TraceError::NotPermitted => trf(lang, Msg::SkipTraceNotPermitted, &[]),
        TraceError::Failed { message, .. } => message.render(lang),
    }
}

pub fn trace(args: TraceArgs) -> Result<ExitStatus, Failure> {
    let lang = args.lang.unwrap_or_else(Lang::from_env);
    let plan = plan(&args).map_err(|m| Failure::Usage(m.render(lang)))?;
    let tool = |e: TraceError| Failure::Tool(trace_error(&e, lang));
    let address = run::resolve_host(&plan.host, Instant::now() + Duration::from_secs(5)).map_err(tool)?;
    let opts =
        TraceOptions { rounds: plan.rounds, min_round: plan.interval, max_round: plan.interval, max_ttl: plan.max_ttl };
    let mut running = run::start(&plan.host, address, &opts).map_err(tool)?;
    let names = if args.no_dns { Names::disabled() } else { Names::start() };
    // trippy cannot be cancelled: stop waiting a little after the last round should have ended.
    let until = Instant::now() + plan.interval * (plan.rounds as u32).saturating_add(2) + Duration::from_secs(2);
    let live = args.format == TraceFormat::Text && std::io::stdout().is_terminal();
    let mut shown_rounds = usize::MAX;
    let mut shown_lines = 0;
    let mut stdout = std::io::stdout();
    loop {
        let finished = running.wait((Instant::now() + Duration::from_millis(200)).min(until)).map_err(tool)?;
        let done = running.rounds_done();
        if live && (done != shown_rounds || finished) {
            let table = render_text::table(&with_names(running.snapshot(), &names), lang);
            if shown_lines > 0 {
                // Back to the start of the previous table, and clear it.
                let _ = write!(stdout, "\x1b[{shown_lines}F\x1b[J");
            }
            let _ = stdout.write_all(table.as_bytes());
            let _ = stdout.flush();
            shown_lines = table.lines().count();
            shown_rounds = done;
        } else if !live {
            // Ask for names while the trace runs, so they are there at the end.
            let _ = with_names(running.snapshot(), &names);
        }
        if finished || Instant::now() >= until {
            break;
        }
    }
    names.settle(Instant::now() + Duration::from_millis(1500));
    let data = with_names(running.snapshot(), &names);
    if data.hops.is_empty() {
        let out = render(&data, args.format, lang);
        if !live {
            let _ = stdout.write_all(out.as_bytes());
        }
        let why = trf(lang, Msg::TraceNoHopAnswered, &[("rounds", &data.rounds.len().to_string())]);
        return Err(Failure::Tool(why));
    }
    let out = render(&data, args.format, lang);
    if live {
        // The final table, with the names that arrived last.
        if shown_lines > 0 {
            let _ = write!(stdout, "\x1b[{shown_lines}F\x1b[J");
        }
    }
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    if let Some(path) = &args.output {
        std::fs::write(path, &out).map_err(|e| {
            Failure::Tool(trf(
                lang,
                Msg::CannotWrite,
                &[("path", &path.display().to_string()), ("error", &e.to_string())],
            ))
        })?;
    }
    Ok(status_of(&data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(host: &str) -> TraceArgs {
        TraceArgs {
            host: host.into(),
            duration: 10.0,
            rounds: None,
            interval: 1.0,
            max_ttl: 30,
            format: TraceFormat::Text,
            output: None,
            no_dns: false,
            lang: None,
        }
    }

    #[test]
    fn plans() {
        let p = plan(&args("10.0.0.1")).unwrap();
        assert_eq!((p.rounds, p.interval), (10, Duration::from_secs(1)));
        assert_eq!(plan(&args("https://example.com/x")).unwrap().host, "example.com");
        assert_eq!(plan(&TraceArgs { rounds: Some(3), ..args("h") }).unwrap().rounds, 3);
        assert_eq!(plan(&TraceArgs { duration: 5.0, interval: 2.0, ..args("h") }).unwrap().rounds, 3);
        assert!(plan(&TraceArgs { interval: 0.5, ..args("h") }).is_err());
        assert!(plan(&TraceArgs { rounds: Some(0), ..args("h") }).is_err());
        assert!(plan(&TraceArgs { duration: f64::NAN, ..args("h") }).is_err());
        assert!(plan(&TraceArgs { max_ttl: 0, ..args("h") }).is_err());
        assert!(plan(&args("a b")).is_err());
    }
}
