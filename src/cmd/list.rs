//! `ecs-doctor list`: the checks (id, category, title, where defined), as text or JSON.

use crate::cli::{ListArgs, ListFormat};
use crate::exit::{ExitStatus, Failure};
use crate::options::Env;

pub fn run(args: &ListArgs, env: &Env) -> Result<ExitStatus, Failure> {
    let o = super::catalog_options(&args.catalog, env)?;
    let lang = o.lang;
    let (_, catalog) = super::load_catalog(&o)?;
    let mut out = String::new();
    match args.format {
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
    super::print(&out);
    Ok(ExitStatus::Ok)
}
