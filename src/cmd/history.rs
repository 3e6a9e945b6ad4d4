//! `ecs-doctor history`: the saved reports, one line per run (time, status, score, counts).

use crate::cli::{HistoryArgs, HistoryDirArgs, ListFormat};
use crate::config::Config;
use crate::exit::{ExitStatus, Failure};
use crate::i18n::{Lang, Msg, tr, trf};
use crate::options::Env;
use std::path::PathBuf;

/// The report directory (`--dir`, else the report-directory rule) and the language of `history`
/// and `diff`.
pub fn context(args: &HistoryDirArgs, env: &Env) -> Result<(PathBuf, Lang), Failure> {
    let lang = super::chosen_lang(args.lang, env);
    let config = Config::load(crate::options::config_path(args.config.as_deref(), env).as_deref())?;
    Ok((crate::options::report_dir(args.dir.as_deref(), &config, env), lang))
}

pub fn run(args: &HistoryArgs, env: &Env) -> Result<ExitStatus, Failure> {
    let args = &args.dir;
    let (dir, lang) = context(args, env)?;
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
            eprintln!("ecs-doctor: {}", trf(lang, Msg::HistoryEmpty, &[("dir", &dir.display().to_string())]));
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
    super::print(&out);
    // The runs of systems examined with --root are not this host's history, but they are not lost.
    let examined = dir.join(crate::options::EXAMINED_DIR);
    let kept_apart = crate::history::report_files(&examined).len();
    if args.format == ListFormat::Text && kept_apart > 0 {
        let (count, dir) = (kept_apart.to_string(), examined.display().to_string());
        eprintln!("ecs-doctor: {}", trf(lang, Msg::HistoryExamined, &[("count", &count), ("dir", &dir)]));
    }
    Ok(ExitStatus::Ok)
}
