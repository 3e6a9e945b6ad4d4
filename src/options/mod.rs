//! Validated options: the layer between the command line as typed (`cli`, clap) and the commands
//! (`cmd`). As in ripgrep's low args → high args, `cli` mirrors the flags and nothing else;
//! this module turns flags, the environment and the settings file into the values a command
//! uses, checks them once, and says what is wrong in the command's language. Nothing after this
//! layer sees clap, reads the process environment or applies a default.
//!
//! Every setting is layered by [`layer`], in one order: **flag, else environment, else the
//! settings file, else the default** (trippy's `cfg_layer`). Lists that more than one source
//! gives (`--skip` and `skip`, `--target` and `[net] targets`) are joined, config first.
//! [`Env`] reads the environment once, so tests hand a command any environment they like.
//!
//! One file per command that has options: [`run`] (also what `ticket` diagnoses with), [`ticket`],
//! [`trace`]. A new subcommand (`why`, `fix`) adds `options/<name>.rs` with a
//! `<Name>Options::resolve(&<Name>Args, &Config, &Env) -> Result<_, OptionsError>` and its
//! precedence table test, and `cmd/<name>.rs` that runs it; a new flag of `run` is one field in
//! `cli::RunArgs`, one `layer` line in [`run::RunOptions::resolve`] and one row in its table.

pub mod fix;
pub mod run;
#[cfg(test)]
pub mod testing;
pub mod ticket;
pub mod trace;
pub mod why;

pub use run::RunOptions;
pub use ticket::TicketOptions;
pub use trace::TraceOptions;

use crate::cli::{CatalogArgs, Color};
use crate::config::Config;
use crate::exit::Failure;
use crate::host::Host;
use crate::i18n::{Lang, Msg, Said};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// One setting from its sources, the first that is there winning: the flag, the environment
/// variable, the settings file, the default. Pass `None` for a source the setting does not have.
pub fn layer<T>(flag: Option<T>, env: Option<T>, file: Option<T>, default: impl FnOnce() -> T) -> T {
    flag.or(env).or(file).unwrap_or_else(default)
}

/// The process environment that settings come from, read once ([`Env::read`]); a variable that
/// is set but empty counts as not set. Tests build one by hand (`Env::default()` is an empty
/// environment).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Env {
    /// ECS_DOCTOR_CONFIG: the settings file, like `--config`.
    pub config: Option<PathBuf>,
    /// ECS_DOCTOR_REPORT_DIR: where reports are saved and history is read.
    pub report_dir: Option<PathBuf>,
    /// ECS_DOCTOR_TICKET_DIR: the ticket spool and ledger.
    pub ticket_dir: Option<PathBuf>,
    /// ECS_DOCTOR_METADATA_URL: like `--metadata-url` (and the ticket credentials' metadata).
    pub metadata_url: Option<String>,
    /// ECS_DOCTOR_UPLOAD_URL: like `--upload-url` (keeps the URL out of the process list).
    pub upload_url: Option<String>,
    /// ECS_DOCTOR_ECS_ENDPOINT: like `--ecs-endpoint` (a stand-in API in tests).
    pub ecs_endpoint: Option<String>,
    /// NO_COLOR is set (and not empty): no colour unless `--color always`.
    pub no_color: bool,
    /// The language of LC_ALL, LC_MESSAGES or LANG, when one is set.
    pub lang: Option<Lang>,
    /// ECS_DOCTOR_REPAIR_DIR: where `fix` keeps its repair records, as a path of the examined
    /// system (default /var/lib/ecs-doctor/repairs).
    pub repair_dir: Option<PathBuf>,
    /// Test seams of `fix`, set only by tests: ECS_DOCTOR_TEST_CRASH_AT (kill the process at
    /// `after-backup`, `before-rename` or `after-rename`) and ECS_DOCTOR_TEST_SPAWN_LOG (log
    /// every process the repair layer starts to this file).
    pub test_crash_at: Option<String>,
    pub test_spawn_log: Option<PathBuf>,
}

impl Env {
    /// The environment of this process.
    pub fn read() -> Env {
        Env::from_vars(|name| std::env::var_os(name))
    }

    /// An environment read through `get` (a variable's value, `None` when it is not set).
    pub fn from_vars(get: impl Fn(&str) -> Option<OsString>) -> Env {
        let os = |name: &str| get(name).filter(|v| !v.is_empty());
        let text = |name: &str| os(name).and_then(|v| v.into_string().ok());
        Env {
            config: os("ECS_DOCTOR_CONFIG").map(PathBuf::from),
            report_dir: os("ECS_DOCTOR_REPORT_DIR").map(PathBuf::from),
            ticket_dir: os("ECS_DOCTOR_TICKET_DIR").map(PathBuf::from),
            metadata_url: text("ECS_DOCTOR_METADATA_URL"),
            upload_url: text("ECS_DOCTOR_UPLOAD_URL"),
            ecs_endpoint: text("ECS_DOCTOR_ECS_ENDPOINT"),
            no_color: os("NO_COLOR").is_some(),
            lang: Lang::from_locale(|name| get(name).and_then(|v| v.into_string().ok())),
            repair_dir: os("ECS_DOCTOR_REPAIR_DIR").map(PathBuf::from),
            test_crash_at: text("ECS_DOCTOR_TEST_CRASH_AT"),
            test_spawn_log: os("ECS_DOCTOR_TEST_SPAWN_LOG").map(PathBuf::from),
        }
    }
}

/// Why options cannot be used as given. Each says what is wrong in any language ([`Self::said`]);
/// all of them are usage errors (exit 64).
#[derive(Debug, Clone, PartialEq)]
pub enum OptionsError {
    /// `--root` names something that is not a directory.
    RootNotDir(PathBuf),
    /// `--deadline` (or `deadline` in the config) out of range.
    Deadline(f64),
    /// `--upload-url` is not an http(s) URL.
    UploadUrl(String),
    /// A `--target` that does not parse.
    Target(Said),
    /// `--metadata-url` that does not parse.
    MetadataUrl(Said),
    /// `--ecs-endpoint` (or its variable, or `[net] ecs_endpoint`) without a host.
    EcsEndpoint(String),
    /// `[ticket] timeout`, `max_report_age` or `attempts` out of range.
    TicketTimeout,
    TicketMaxAge,
    TicketAttempts,
    /// `ticket --since` that does not parse, with the parser's reason.
    TicketSince(String),
    /// A flag of `trace` out of range (the message names it).
    Trace(Said),
}

impl OptionsError {
    pub fn said(&self) -> Said {
        match self {
            OptionsError::RootNotDir(p) => Said::new(Msg::RootNotDir).arg("path", p.display()),
            OptionsError::Deadline(v) => Said::new(Msg::BadDeadline).arg("value", v),
            OptionsError::UploadUrl(e) => Said::new(Msg::FlagUploadUrl).arg("error", e),
            OptionsError::Target(e) => Said::new(Msg::FlagTarget).nest("error", e.clone()),
            OptionsError::MetadataUrl(e) => Said::new(Msg::FlagMetadataUrl).nest("error", e.clone()),
            OptionsError::EcsEndpoint(e) => Said::new(Msg::FlagEcsEndpoint).arg("url", format!("{e:?}")),
            OptionsError::TicketTimeout => Said::new(Msg::TicketTimeout),
            OptionsError::TicketMaxAge => Said::new(Msg::TicketMaxAge),
            OptionsError::TicketAttempts => Said::new(Msg::TicketAttempts),
            OptionsError::TicketSince(e) => Said::new(Msg::TicketSince).arg("error", e),
            OptionsError::Trace(s) => s.clone(),
        }
    }

    /// The usage failure, said in `lang`.
    pub fn failure(&self, lang: Lang) -> Failure {
        Failure::Usage(self.said().render(lang))
    }
}

impl std::fmt::Display for OptionsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.said())
    }
}

impl std::error::Error for OptionsError {}

/// The language of the human output: `--lang`, else the locale, else English. (`ticket` puts its
/// config's `lang` between the locale and the default.)
pub fn lang(flag: Option<Lang>, env: &Env) -> Lang {
    layer(flag, env.lang, None, || Lang::En)
}

/// The settings file: `--config`, else ECS_DOCTOR_CONFIG; `None` leaves the choice to
/// [`Config::load`] (the system file when it exists).
pub fn config_path(flag: Option<&Path>, env: &Env) -> Option<PathBuf> {
    flag.map(Path::to_path_buf).or_else(|| env.config.clone())
}

/// Where reports are saved and history is read: the flag (`history --dir`), else
/// ECS_DOCTOR_REPORT_DIR, else `report_dir` in the config, else the standard place.
pub fn report_dir(flag: Option<&Path>, config: &Config, env: &Env) -> PathBuf {
    layer(
        flag.map(Path::to_path_buf),
        env.report_dir.clone(),
        config.report_dir.clone(),
        crate::report::save::default_dir,
    )
}

/// The subdirectory of the report directory that keeps the reports of systems examined with
/// `--root`.
pub const EXAMINED_DIR: &str = "examined";

/// Where the reports of the examined system go: the report directory for the live system; for a
/// system examined with `--root` (a rescued disk, a fixture), its [`EXAMINED_DIR`] subdirectory.
/// Such a run then never joins the live host's history: `history`, `diff`, the fill forecasts
/// and retention read the report directory itself, and see only the live host's runs.
pub fn system_report_dir(dir: PathBuf, host: &Host) -> PathBuf {
    if host.is_live() { dir } else { dir.join(EXAMINED_DIR) }
}

/// `--color`, with NO_COLOR turning `auto` into `never`.
pub fn color(flag: Color, env: &Env) -> Color {
    match flag {
        Color::Auto if env.no_color => Color::Never,
        c => c,
    }
}

/// Colour or not on a stream: `always`, `never`, or `auto` on a terminal (after [`color`]).
pub fn use_color(choice: Color, terminal: bool) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => terminal,
    }
}

/// What every command that loads the check catalog needs: the language, the examined system,
/// the settings file and the extra check directories.
#[derive(Debug, Clone)]
pub struct CatalogOptions {
    pub lang: Lang,
    pub host: Host,
    /// `--root` as given (`None`: the live system).
    pub root: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub checks_dirs: Vec<PathBuf>,
}

impl CatalogOptions {
    pub fn resolve(args: &CatalogArgs, env: &Env) -> Result<CatalogOptions, OptionsError> {
        let host = match &args.root {
            Some(root) if !root.is_dir() => return Err(OptionsError::RootNotDir(root.clone())),
            Some(root) => Host::new(root.clone()),
            None => Host::live(),
        };
        Ok(CatalogOptions {
            lang: lang(args.lang, env),
            host,
            root: args.root.clone(),
            config: config_path(args.config.as_deref(), env),
            checks_dirs: args.checks_dirs.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::testing::env;
    use super::*;

    #[test]
    fn layer_takes_the_first_source_that_is_there() {
        let d = || 4;
        for (flag, var, file, want) in [
            (Some(1), Some(2), Some(3), 1),
            (None, Some(2), Some(3), 2),
            (None, None, Some(3), 3),
            (None, None, None, 4),
            (Some(1), None, None, 1),
            (Some(1), None, Some(3), 1),
        ] {
            assert_eq!(layer(flag, var, file, d), want, "{flag:?} {var:?} {file:?}");
        }
    }

    #[test]
    fn the_environment_is_read_once_and_empty_means_unset() {
        let e = env(&[
            ("ECS_DOCTOR_CONFIG", "/c.toml"),
            ("ECS_DOCTOR_REPORT_DIR", ""),
            ("ECS_DOCTOR_TICKET_DIR", "/t"),
            ("ECS_DOCTOR_METADATA_URL", "http://10.0.0.1"),
            ("NO_COLOR", ""),
            ("LANG", "zh_CN.UTF-8"),
        ]);
        assert_eq!(e.config, Some(PathBuf::from("/c.toml")));
        assert_eq!(e.report_dir, None);
        assert_eq!(e.ticket_dir, Some(PathBuf::from("/t")));
        assert_eq!(e.metadata_url.as_deref(), Some("http://10.0.0.1"));
        assert_eq!(e.upload_url, None);
        assert!(!e.no_color);
        assert_eq!(e.lang, Some(Lang::ZhCn));
        assert!(env(&[("NO_COLOR", "1")]).no_color);
        assert_eq!(env(&[]), Env::default());
        // LC_ALL beats LANG; an empty LC_ALL does not count.
        assert_eq!(env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "zh_CN")]).lang, Some(Lang::En));
        assert_eq!(env(&[("LC_ALL", ""), ("LANG", "zh_CN")]).lang, Some(Lang::ZhCn));
    }

    #[test]
    fn lang_config_path_and_report_dir_follow_the_precedence() {
        let zh = env(&[("LANG", "zh_CN.UTF-8")]);
        assert_eq!(lang(Some(Lang::En), &zh), Lang::En, "flag over env");
        assert_eq!(lang(None, &zh), Lang::ZhCn, "env");
        assert_eq!(lang(None, &Env::default()), Lang::En, "default");

        let with_var = env(&[("ECS_DOCTOR_CONFIG", "/env.toml"), ("ECS_DOCTOR_REPORT_DIR", "/env-reports")]);
        assert_eq!(config_path(Some(Path::new("/flag.toml")), &with_var), Some(PathBuf::from("/flag.toml")));
        assert_eq!(config_path(None, &with_var), Some(PathBuf::from("/env.toml")));
        assert_eq!(config_path(None, &Env::default()), None);

        let mut file = Config::default();
        file.report_dir = Some(PathBuf::from("/file-reports"));
        let none = Config::default();
        for (flag, e, config, want) in [
            (Some("/flag"), &with_var, &file, PathBuf::from("/flag")),
            (None, &with_var, &file, PathBuf::from("/env-reports")),
            (None, &Env::default(), &file, PathBuf::from("/file-reports")),
            (None, &Env::default(), &none, crate::report::save::default_dir()),
        ] {
            assert_eq!(report_dir(flag.map(Path::new), config, e), want, "{flag:?}");
        }
    }

    #[test]
    fn a_root_that_is_not_a_directory_is_a_usage_error() {
        let args = CatalogArgs { root: Some(PathBuf::from("/nonexistent/ecs-doctor-root")), ..CatalogArgs::default() };
        let e = CatalogOptions::resolve(&args, &Env::default()).unwrap_err();
        assert_eq!(e, OptionsError::RootNotDir(PathBuf::from("/nonexistent/ecs-doctor-root")));
        assert!(matches!(e.failure(Lang::En), Failure::Usage(m) if m.contains("/nonexistent/ecs-doctor-root")));
        let dir = tempfile::tempdir().unwrap();
        let args = CatalogArgs { root: Some(dir.path().to_path_buf()), ..CatalogArgs::default() };
        let o = CatalogOptions::resolve(&args, &Env::default()).unwrap();
        assert_eq!(o.host.root(), dir.path());
    }
}
