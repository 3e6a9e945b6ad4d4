//! `ecs-doctor trace <HOST>`: an MTR-like trace for `--duration` or `--rounds`, with a live table
//! on a terminal, or a final table, JSON or HTML page otherwise.
//!
//! Exit status, as for `run`: 0 the destination answered without loss, 1 it answered with loss,
//! 2 it never answered, 3 the trace could not run (no CAP_NET_RAW, no route), 64 usage error.

use crate::cli::TraceArgs;
use crate::exit::{ExitStatus, Failure};
use crate::i18n::{Msg, trf};
use crate::options::{Env, TraceOptions};
use crate::trace::output::{error_text, render, status_of, with_names};
use crate::trace::rdns::Names;
use crate::trace::run::{self, TraceError};
use crate::trace::{TraceFormat, render_text};
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub fn run(args: &TraceArgs, env: &Env) -> Result<ExitStatus, Failure> {
    let lang = crate::options::lang(args.lang, env);
    let o = TraceOptions::resolve(args, env).map_err(|e| e.failure(lang))?;
    trace(&o)
}

/// Traces as the options say, drawing the table live on a terminal.
pub fn trace(o: &TraceOptions) -> Result<ExitStatus, Failure> {
    let lang = o.lang;
    let tool = |e: TraceError| Failure::Tool(error_text(&e, lang));
    // Refused before the name is looked up: a trace that cannot run sends nothing at all.
    if !run::can_trace() {
        return Err(tool(TraceError::NotPermitted));
    }
    let address = run::resolve_host(&o.host, Instant::now() + Duration::from_secs(5)).map_err(tool)?;
    let opts = run::TraceOptions { rounds: o.rounds, min_round: o.interval, max_round: o.interval, max_ttl: o.max_ttl };
    let mut running = run::start(&o.host, address, &opts).map_err(tool)?;
    let names = if o.dns { Names::start() } else { Names::disabled() };
    // trippy cannot be cancelled: stop waiting a little after the last round should have ended.
    let until = Instant::now() + o.interval * (o.rounds as u32).saturating_add(2) + Duration::from_secs(2);
    let live = o.format == TraceFormat::Text && std::io::stdout().is_terminal();
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
        let out = render(&data, o.format, lang);
        if !live {
            let _ = stdout.write_all(out.as_bytes());
        }
        let why = trf(lang, Msg::TraceNoHopAnswered, &[("rounds", &data.rounds.len().to_string())]);
        return Err(Failure::Tool(why));
    }
    let out = render(&data, o.format, lang);
    if live {
        // The final table, with the names that arrived last.
        if shown_lines > 0 {
            let _ = write!(stdout, "\x1b[{shown_lines}F\x1b[J");
        }
    }
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    if let Some(path) = &o.output {
        super::write_output(path, &out, lang)?;
    }
    Ok(status_of(&data))
}
