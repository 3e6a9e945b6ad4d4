//! `ecs-doctor report <REPORT.json>`: a saved report rendered again, in any format.

use crate::cli::ReportArgs;
use crate::exit::{ExitStatus, Failure};
use crate::options::{Env, color, use_color};
use crate::report::{self, text::TextOptions};
use std::io::IsTerminal;

pub fn run(args: &ReportArgs, env: &Env) -> Result<ExitStatus, Failure> {
    let lang = super::chosen_lang(args.lang, env);
    let report = report::read(&args.file).map_err(|e| Failure::Usage(e.said().render(lang)))?;
    let text_opts = TextOptions {
        color: use_color(color(args.color, env), std::io::stdout().is_terminal()),
        lang,
        quiet: args.quiet,
        verbose: args.verbose,
        ..Default::default()
    };
    super::print(&report::render(&report, args.format, &text_opts));
    if let Some(path) = &args.output {
        let plain = report::render(&report, args.format, &TextOptions { color: false, ..text_opts });
        super::write_output(path, &plain, lang)?;
    }
    Ok(ExitStatus::Ok)
}
