//! One file per subcommand: each takes its clap arguments and the [`Env`], resolves them into
//! validated options (`crate::options`), does its work through the library modules, and returns
//! the exit status or a [`Failure`]. `app` only dispatches to these.
//!
//! `run` is the core: [`run::diagnose`] turns [`RunOptions`](crate::options::RunOptions) and a
//! catalog into a report, and is what `ticket` (and the coming `why` and `fix`) call when they
//! need a fresh diagnosis. A new subcommand is `cmd/<name>.rs` with a
//! `pub fn run(args: <Name>Args, env: &Env) -> Result<ExitStatus, Failure>`, its options in
//! `options/<name>.rs`, its `<Name>Args` in `cli.rs` and one dispatch line in `app.rs`.

pub mod completions;
pub mod config;
pub mod diff;
pub mod explain;
pub mod fix;
pub mod fleet;
pub mod history;
pub mod list;
pub mod report;
pub mod run;
pub mod ticket;
pub mod trace;
pub mod why;

use crate::catalog::Catalog;
use crate::config::Config;
use crate::exit::Failure;
use crate::i18n::{Lang, Msg, trf};
use crate::options::{CatalogOptions, Env};
use std::io::Write;
use std::path::Path;

/// The settings file, then the catalog ([`load_checks`]).
pub fn load_catalog(o: &CatalogOptions) -> Result<(Config, Catalog), Failure> {
    let config = Config::load(o.config.as_deref())?;
    let catalog = load_checks(o, &config)?;
    Ok((config, catalog))
}

/// The built-in checks, the examined system's checks.d, the config's and the flags' check
/// directories, with the config's timeouts and thresholds applied.
pub fn load_checks(o: &CatalogOptions, config: &Config) -> Result<Catalog, Failure> {
    let mut dirs = vec![o.host.path("/etc/ecs-doctor/checks.d")];
    dirs.extend(config.checks_dirs.iter().cloned());
    dirs.extend(o.checks_dirs.iter().cloned());
    let mut catalog = Catalog::load(&dirs)?;
    config.apply(&mut catalog)?;
    Ok(catalog)
}

/// The catalog options of a command, with the process's message language set to theirs (the
/// language of errors met while loading the config and the checks).
pub fn catalog_options(args: &crate::cli::CatalogArgs, env: &Env) -> Result<CatalogOptions, Failure> {
    let lang = crate::options::lang(args.lang, env);
    crate::i18n::set_message_lang(lang);
    CatalogOptions::resolve(args, env).map_err(|e| e.failure(lang))
}

/// The language of a command without a catalog (`--lang`, else the locale), also made the
/// process's message language.
pub fn chosen_lang(flag: Option<Lang>, env: &Env) -> Lang {
    let lang = crate::options::lang(flag, env);
    crate::i18n::set_message_lang(lang);
    lang
}

/// Writes `body` to stdout; a closed pipe is not an error.
pub fn print(body: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(body.as_bytes());
    let _ = out.flush();
}

/// `-o FILE`: the rendered output, written; failing is the tool's failure (exit 3).
pub fn write_output(path: &Path, body: &str, lang: Lang) -> Result<(), Failure> {
    std::fs::write(path, body).map_err(|e| {
        Failure::Tool(trf(lang, Msg::CannotWrite, &[("path", &path.display().to_string()), ("error", &e.to_string())]))
    })
}
