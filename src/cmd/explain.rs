//! `ecs-doctor explain <ID>`: what a check looks at, why it matters, how to fix what it finds,
//! with the thresholds in force (`catalog::explain` writes it, as text or JSON).

use crate::cli::{ExplainArgs, ListFormat};
use crate::exit::{ExitStatus, Failure};
use crate::i18n::{Msg, say};
use crate::options::Env;

pub fn run(args: &ExplainArgs, env: &Env) -> Result<ExitStatus, Failure> {
    let o = super::catalog_options(&args.catalog, env)?;
    let (_, catalog) = super::load_catalog(&o)?;
    let id = &args.id;
    let c = catalog.get(id).ok_or_else(|| Failure::Usage(say(Msg::UnknownCheckId, &[("id", &format!("{id:?}"))])))?;
    let out = match args.format {
        ListFormat::Text => crate::catalog::explain::text(c, o.lang),
        ListFormat::Json => crate::catalog::explain::json(c, o.lang),
    };
    super::print(&out);
    Ok(ExitStatus::Ok)
}
