//! `ecs-doctor diff [A] [B]`: what changed between two saved reports (default: the latest run
//! against the last run before it whose status was ok, else against the run before it, saying so).

use crate::cli::{DiffArgs, ListFormat};
use crate::exit::{ExitStatus, Failure};
use crate::history::diff::Baseline;
use crate::i18n::{Msg, trf};
use crate::options::Env;
use crate::report::{OverallStatus, Report};
use std::path::Path;

/// A report named on the command line: a path, else a file name in the report directory.
fn named_report(dir: &Path, name: &Path) -> Result<(String, Report), Failure> {
    let path = if name.exists() || name.components().count() > 1 { name.to_path_buf() } else { dir.join(name) };
    let report = crate::report::read(&path).map_err(|e| Failure::Usage(e.to_string()))?;
    Ok((path.display().to_string(), report))
}

pub fn run(args: &DiffArgs, env: &Env) -> Result<ExitStatus, Failure> {
    let (dir, lang) = super::history::context(&args.dir, env)?;
    let dir_text = dir.display().to_string();
    let need_two = || Failure::Usage(trf(lang, Msg::DiffNeedTwo, &[("dir", &dir_text)]));
    let mut baseline = Baseline::Named;
    let (a, b) = match (&args.a, &args.b) {
        (Some(a), Some(b)) => (named_report(&dir, a)?, named_report(&dir, b)?),
        (a, _) => {
            let (runs, _) = crate::history::load_all(&dir);
            let Some((latest_path, latest)) = runs.last() else { return Err(need_two()) };
            let b = (latest_path.display().to_string(), latest.clone());
            let a = match a {
                Some(a) => named_report(&dir, a)?,
                None => {
                    // Only runs of the same system: reports of a root examined with `--root` (kept
                    // apart since, but saved here by earlier versions) never stand for this host.
                    let system = |r: &Report| r.run.root.clone().unwrap_or_else(|| "/".into());
                    let earlier: Vec<_> =
                        runs[..runs.len() - 1].iter().filter(|(_, r)| system(r) == system(latest)).collect();
                    if earlier.is_empty() {
                        return Err(need_two());
                    }
                    // A host that was never healthy: the run before the latest, and the text says so.
                    let (base, from) = match earlier.iter().rev().find(|(_, r)| r.summary.status == OverallStatus::Ok) {
                        Some(ok) => (Baseline::LastOk, *ok),
                        None => (Baseline::Previous, earlier[earlier.len() - 1]),
                    };
                    baseline = base;
                    (from.0.display().to_string(), from.1.clone())
                }
            };
            (a, b)
        }
    };
    let name = |p: &str| Path::new(p).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let mut d = crate::history::diff::compare((&name(&a.0), &a.1), (&name(&b.0), &b.1));
    d.baseline = baseline;
    let out = match args.dir.format {
        ListFormat::Json => crate::fmt::json_inert(crate::history::diff::render_json(&d)),
        // Finding messages and subjects are the examined system's text.
        ListFormat::Text => crate::fmt::inert_lines(&crate::history::diff::render_text(&d, lang, &dir_text)),
    };
    super::print(&out);
    Ok(ExitStatus::Ok)
}
