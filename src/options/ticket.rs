//! The options of `ticket`, `ticket --flush` and `ticket status [ID]`: the filing settings
//! (`ticket::filing::Settings`, from the flags and the `[ticket]` table) and the answers the
//! flags already give.

use super::{Env, OptionsError, RunOptions, layer};
use crate::cli::{CatalogArgs, RunArgs, TicketAction, TicketArgs};
use crate::config::Config;
use crate::i18n::Lang;
use crate::redact::MaskOptions;
use crate::report::Format;
use crate::ticket::bundle;
use crate::ticket::filing::{DEFAULT_ATTEMPTS, DEFAULT_MAX_REPORT_AGE_S, DEFAULT_TIMEOUT_S, Settings};
use crate::ticket::model::{Impact, Started};
use crate::ticket::store::Store;
use std::path::PathBuf;
use std::time::Duration;

/// What the user asked `ticket` to do.
#[derive(Debug, Clone, PartialEq)]
pub enum TicketTask {
    /// Build, preview and file a ticket.
    File,
    /// `--flush`: send the spooled tickets.
    Flush,
    /// `status [ID]`.
    Status(Option<String>),
}

/// Everything `cmd::ticket` needs, checked.
pub struct TicketOptions {
    pub task: TicketTask,
    pub settings: Settings,
    /// `--from`: build from this report instead of the latest.
    pub from: Option<PathBuf>,
    pub dry_run: bool,
    pub title: Option<String>,
    /// `--since`, parsed (when the problem started, as stated).
    pub since: Option<Started>,
    /// `--impact`, else `impact` in `[ticket]`.
    pub impact: Option<Impact>,
    pub tried: Vec<String>,
    pub description: Option<String>,
    /// The catalog flags, for the fresh diagnosis when the latest report is too old.
    catalog: CatalogArgs,
}

impl TicketOptions {
    pub fn resolve(args: &TicketArgs, config: &Config, env: &Env) -> Result<TicketOptions, OptionsError> {
        let (task, backend, endpoint) = match &args.action {
            Some(TicketAction::Status { id, backend, endpoint }) => (
                TicketTask::Status(id.clone()),
                backend.or(args.backend),
                endpoint.clone().or_else(|| args.endpoint.clone()),
            ),
            None if args.flush => (TicketTask::Flush, args.backend, args.endpoint.clone()),
            None => (TicketTask::File, args.backend, args.endpoint.clone()),
        };
        let settings = settings(args, backend, endpoint, config, env)?;
        let since = match &args.since {
            Some(t) => Some(Started {
                at: crate::ticket::when::parse(t, jiff::Timestamp::now())
                    .map_err(|e| OptionsError::TicketSince(e.to_string()))?,
                source: "stated".into(),
            }),
            None => None,
        };
        Ok(TicketOptions {
            task,
            from: args.from.clone(),
            dry_run: args.dry_run,
            title: args.title.clone(),
            since,
            impact: layer(args.impact.map(Some), None, config.ticket.impact.map(Some), || None),
            tried: args.tried.clone(),
            description: args.description.clone(),
            catalog: args.catalog.clone(),
            settings,
        })
    }

    pub fn lang(&self) -> Lang {
        self.settings.lang
    }

    /// The system the ticket is about (`--root`, else this one) and where its saved reports are:
    /// a saved report is reused only from there, and only when it examined that root.
    pub fn examined(&self) -> (crate::host::Host, PathBuf) {
        let host = match &self.catalog.root {
            Some(root) => crate::host::Host::new(root.clone()),
            None => crate::host::Host::live(),
        };
        let dir = super::system_report_dir(self.settings.report_dir.clone(), &host);
        (host, dir)
    }

    /// The options of the fresh diagnosis made when the latest report is too old: what
    /// `run --format json --quiet` would use with the ticket's catalog flags (`--root`,
    /// `--checks-dir`, `--config`, `--lang`), saved unless this is a dry run, which writes nothing.
    /// Resolved only when needed, so a ticket built `--from` a report never fails on them.
    pub fn fresh_diagnosis(&self, config: &Config, env: &Env) -> Result<RunOptions, OptionsError> {
        let args = RunArgs {
            catalog: self.catalog.clone(),
            format: Some(Format::Json),
            quiet: true,
            no_save: self.dry_run,
            ..RunArgs::default()
        };
        RunOptions::resolve(&args, config, env)
    }
}

/// The language of `ticket`: `--lang`, else `[ticket] lang`, else the locale. The locale is the
/// default here, not an override: a fleet's `[ticket] lang` beats each machine's LANG.
pub fn ticket_lang(flag: Option<Lang>, config: &Config, env: &Env) -> Lang {
    layer(flag, None, config.ticket.lang, || env.lang.unwrap_or_default())
}

/// The filing settings.
fn settings(
    args: &TicketArgs,
    backend: Option<crate::ticket::config::BackendKind>,
    endpoint: Option<String>,
    config: &Config,
    env: &Env,
) -> Result<Settings, OptionsError> {
    let c = &config.ticket;
    let lang = ticket_lang(args.catalog.lang, config, env);
    let report_dir = super::report_dir(None, config, env);
    let state = layer(None, env.ticket_dir.clone(), c.state_dir.clone(), || {
        report_dir.parent().map(|p| p.join("tickets")).unwrap_or_else(|| report_dir.join("tickets"))
    });
    let timeout = layer(None, None, c.timeout, || DEFAULT_TIMEOUT_S);
    if !(timeout.is_finite() && timeout > 0.0 && timeout <= 600.0) {
        return Err(OptionsError::TicketTimeout);
    }
    let max_age = layer(None, None, c.max_report_age, || DEFAULT_MAX_REPORT_AGE_S);
    if !(max_age.is_finite() && max_age >= 0.0) {
        return Err(OptionsError::TicketMaxAge);
    }
    let attempts = layer(None, None, c.attempts, || DEFAULT_ATTEMPTS);
    if !(1..=10).contains(&attempts) {
        return Err(OptionsError::TicketAttempts);
    }
    // A switch given on the command line turns a setting on; left out, the file decides.
    let switch = |flag: bool, file: Option<bool>| layer(flag.then_some(true), None, file, || false);
    Ok(Settings {
        lang,
        backend: layer(backend, None, c.backend, Default::default),
        out: layer(args.out.clone(), None, c.out.clone(), || state.join("filed")),
        report_dir,
        store: Store::new(state),
        max_report_age_s: max_age,
        mask: MaskOptions {
            ips: switch(args.mask_ips, c.mask_ips),
            hostnames: switch(args.mask_hostnames, c.mask_hostnames),
        },
        email: layer(args.email.clone().map(Some), None, c.email.clone().map(Some), || None),
        category_id: layer(args.category_id.clone().map(Some), None, c.category_id.clone().map(Some), || None),
        product_id: c.product_id.clone(),
        endpoint: layer(endpoint.map(Some), None, c.endpoint.clone().map(Some), || None),
        access_key_id: c.access_key_id.clone(),
        access_key_secret: c.access_key_secret.clone(),
        security_token: c.security_token.clone(),
        metadata_url: layer(None, env.metadata_url.clone().map(Some), c.metadata_url.clone().map(Some), || None),
        timeout: Duration::from_secs_f64(timeout),
        attempts,
        bundle_max_bytes: layer(None, None, c.bundle_max_bytes, || bundle::DEFAULT_MAX_BYTES).max(16 * 1024),
        yes: switch(args.yes, c.yes),
        webhook_headers: c.webhook_headers.clone(),
        root: args.catalog.root.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::testing::{command, config, env};
    use crate::ticket::config::BackendKind;

    fn args(flags: &[&str]) -> TicketArgs {
        match command("ticket", flags) {
            crate::cli::Command::Ticket(t) => t,
            other => panic!("{other:?}"),
        }
    }

    fn resolve(flags: &[&str], e: &Env, toml: &str) -> TicketOptions {
        TicketOptions::resolve(&args(flags), &config(toml), e).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A precedence row: name, flags, environment, config file, the setting's value, its getter.
    type Row = (&'static str, &'static [&'static str], Vars, &'static str, &'static str, fn(&TicketOptions) -> String);
    type Vars = &'static [(&'static str, &'static str)];

    /// Each setting with every source it has: flag over environment over config over default.
    #[test]
    fn every_setting_follows_flag_env_config_default() {
        let rows: &[Row] = &[
            ("lang: flag", &["--lang", "en"], &[("LANG", "zh_CN")], "[ticket]\nlang = \"zh-CN\"", "En", |o| {
                format!("{:?}", o.lang())
            }),
            ("lang: config beats the locale", &[], &[("LANG", "en_US")], "[ticket]\nlang = \"zh-CN\"", "ZhCn", |o| {
                format!("{:?}", o.lang())
            }),
            ("lang: locale", &[], &[("LANG", "zh_CN")], "", "ZhCn", |o| format!("{:?}", o.lang())),
            ("lang: default", &[], &[], "", "En", |o| format!("{:?}", o.lang())),
            ("backend: flag", &["--backend", "webhook"], &[], "[ticket]\nbackend = \"aliyun\"", "Webhook", |o| {
                format!("{:?}", o.settings.backend)
            }),
            ("backend: config", &[], &[], "[ticket]\nbackend = \"aliyun\"", "Aliyun", |o| {
                format!("{:?}", o.settings.backend)
            }),
            ("backend: default", &[], &[], "", "File", |o| format!("{:?}", o.settings.backend)),
            (
                "state: env",
                &[],
                &[("ECS_DOCTOR_TICKET_DIR", "/env-t"), ("ECS_DOCTOR_REPORT_DIR", "/r/reports")],
                "[ticket]\nstate_dir = \"/file-t\"",
                "/env-t",
                |o| o.settings.store.dir.display().to_string(),
            ),
            (
                "state: config",
                &[],
                &[("ECS_DOCTOR_REPORT_DIR", "/r/reports")],
                "[ticket]\nstate_dir = \"/file-t\"",
                "/file-t",
                |o| o.settings.store.dir.display().to_string(),
            ),
            ("state: beside the reports", &[], &[("ECS_DOCTOR_REPORT_DIR", "/r/reports")], "", "/r/tickets", |o| {
                o.settings.store.dir.display().to_string()
            }),
            (
                "report dir: env",
                &[],
                &[("ECS_DOCTOR_REPORT_DIR", "/env-r")],
                "report_dir = \"/file-r\"",
                "/env-r",
                |o| o.settings.report_dir.display().to_string(),
            ),
            ("report dir: config", &[], &[], "report_dir = \"/file-r\"", "/file-r", |o| {
                o.settings.report_dir.display().to_string()
            }),
            ("out: flag", &["--out", "/flag-out"], &[], "[ticket]\nout = \"/file-out\"", "/flag-out", |o| {
                o.settings.out.display().to_string()
            }),
            ("out: config", &[], &[], "[ticket]\nout = \"/file-out\"", "/file-out", |o| {
                o.settings.out.display().to_string()
            }),
            ("out: default", &[], &[("ECS_DOCTOR_TICKET_DIR", "/t")], "", "/t/filed", |o| {
                o.settings.out.display().to_string()
            }),
            ("email: flag", &["--email", "a@x"], &[], "[ticket]\nemail = \"b@x\"", "Some(\"a@x\")", |o| {
                format!("{:?}", o.settings.email)
            }),
            ("email: config", &[], &[], "[ticket]\nemail = \"b@x\"", "Some(\"b@x\")", |o| {
                format!("{:?}", o.settings.email)
            }),
            ("email: default", &[], &[], "", "None", |o| format!("{:?}", o.settings.email)),
            ("category: flag", &["--category-id", "1"], &[], "[ticket]\ncategory_id = \"2\"", "Some(\"1\")", |o| {
                format!("{:?}", o.settings.category_id)
            }),
            ("category: config", &[], &[], "[ticket]\ncategory_id = \"2\"", "Some(\"2\")", |o| {
                format!("{:?}", o.settings.category_id)
            }),
            (
                "endpoint: flag",
                &["--endpoint", "https://a"],
                &[],
                "[ticket]\nendpoint = \"https://b\"",
                "Some(\"https://a\")",
                |o| format!("{:?}", o.settings.endpoint),
            ),
            ("endpoint: config", &[], &[], "[ticket]\nendpoint = \"https://b\"", "Some(\"https://b\")", |o| {
                format!("{:?}", o.settings.endpoint)
            }),
            (
                "endpoint: status's own flag",
                &["status", "--endpoint", "https://s"],
                &[],
                "[ticket]\nendpoint = \"https://b\"",
                "Some(\"https://s\")",
                |o| format!("{:?}", o.settings.endpoint),
            ),
            (
                "metadata: env",
                &[],
                &[("ECS_DOCTOR_METADATA_URL", "http://10.0.0.2")],
                "[ticket]\nmetadata_url = \"http://10.0.0.3\"",
                "Some(\"http://10.0.0.2\")",
                |o| format!("{:?}", o.settings.metadata_url),
            ),
            (
                "metadata: config",
                &[],
                &[],
                "[ticket]\nmetadata_url = \"http://10.0.0.3\"",
                "Some(\"http://10.0.0.3\")",
                |o| format!("{:?}", o.settings.metadata_url),
            ),
            ("metadata: default", &[], &[], "", "None", |o| format!("{:?}", o.settings.metadata_url)),
            ("mask: flag", &["--mask-ips"], &[], "[ticket]\nmask_ips = false", "true", |o| {
                o.settings.mask.ips.to_string()
            }),
            ("mask: config", &[], &[], "[ticket]\nmask_ips = true", "true", |o| o.settings.mask.ips.to_string()),
            ("mask: default", &[], &[], "", "false", |o| o.settings.mask.ips.to_string()),
            ("yes: flag", &["--yes"], &[], "[ticket]\nyes = false", "true", |o| o.settings.yes.to_string()),
            ("yes: config", &[], &[], "[ticket]\nyes = true", "true", |o| o.settings.yes.to_string()),
            ("yes: default", &[], &[], "", "false", |o| o.settings.yes.to_string()),
            ("impact: flag", &["--impact", "down"], &[], "[ticket]\nimpact = \"degraded\"", "Some(Down)", |o| {
                format!("{:?}", o.impact)
            }),
            ("impact: config", &[], &[], "[ticket]\nimpact = \"degraded\"", "Some(Degraded)", |o| {
                format!("{:?}", o.impact)
            }),
            ("impact: default", &[], &[], "", "None", |o| format!("{:?}", o.impact)),
            ("timeout: config", &[], &[], "[ticket]\ntimeout = 5", "5s", |o| format!("{:?}", o.settings.timeout)),
            ("timeout: default", &[], &[], "", "20s", |o| format!("{:?}", o.settings.timeout)),
            ("attempts: config", &[], &[], "[ticket]\nattempts = 2", "2", |o| o.settings.attempts.to_string()),
            ("attempts: default", &[], &[], "", "4", |o| o.settings.attempts.to_string()),
            ("max age: config", &[], &[], "[ticket]\nmax_report_age = 60", "60", |o| {
                o.settings.max_report_age_s.to_string()
            }),
            ("max age: default", &[], &[], "", "1800", |o| o.settings.max_report_age_s.to_string()),
            ("bundle: config, at least 16 KiB", &[], &[], "[ticket]\nbundle_max_bytes = 10", "16384", |o| {
                o.settings.bundle_max_bytes.to_string()
            }),
        ];
        for (name, flags, vars, toml, want, get) in rows {
            assert_eq!(get(&resolve(flags, &env(vars), toml)), *want, "{name}");
        }
    }

    #[test]
    fn the_task_and_the_answers_given_as_flags() {
        let o = resolve(&["status", "K1", "--backend", "aliyun"], &Env::default(), "");
        assert_eq!(o.task, TicketTask::Status(Some("K1".into())));
        assert_eq!(o.settings.backend, BackendKind::Aliyun);
        assert_eq!(resolve(&["--flush"], &Env::default(), "").task, TicketTask::Flush);
        let o = resolve(&["--since", "2026-11-20T09:30:00+08:00", "--tried", "a", "--tried", "b"], &Env::default(), "");
        assert_eq!(o.task, TicketTask::File);
        assert_eq!(o.since.map(|s| s.source), Some("stated".to_string()));
        assert_eq!(o.tried, ["a", "b"]);
    }

    #[test]
    fn a_fresh_diagnosis_uses_the_tickets_catalog_flags_and_saves_unless_dry_run() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        let zh = env(&[("LANG", "zh_CN"), ("ECS_DOCTOR_REPORT_DIR", "/env-r")]);
        let cfg = config("deadline = 7");
        let o =
            TicketOptions::resolve(&args(&["--root", root, "--checks-dir", "/x", "--lang", "en"]), &cfg, &zh).unwrap();
        let run = o.fresh_diagnosis(&cfg, &zh).unwrap();
        assert_eq!((run.format, run.quiet, run.save, run.deadline_s), (Format::Json, true, true, 7.0));
        assert_eq!((run.catalog.root.as_deref(), run.lang()), (Some(dir.path()), Lang::En));
        assert_eq!(run.catalog.checks_dirs, [PathBuf::from("/x")]);
        // A root examined with --root: its reports are kept apart from the live host's, and the
        // ticket looks for its latest report where the fresh diagnosis saves it.
        assert_eq!(run.report_dir, PathBuf::from("/env-r/examined"), "where the fresh diagnosis is saved");
        assert_eq!(o.examined().1, run.report_dir, "where the ticket looks for the latest report");
        assert_eq!(o.examined().0.root(), dir.path());
        let live = TicketOptions::resolve(&args(&[]), &cfg, &zh).unwrap();
        assert_eq!(live.examined().1, PathBuf::from("/env-r"));
        let o = TicketOptions::resolve(&args(&["--dry-run"]), &cfg, &zh).unwrap();
        let run = o.fresh_diagnosis(&cfg, &zh).unwrap();
        assert!(!run.save, "a dry run writes nothing");
        assert_eq!(run.lang(), Lang::ZhCn, "the locale, not [ticket] lang, as run would");
    }

    #[test]
    fn out_of_range_settings_are_usage_errors() {
        let bad =
            |flags: &[&str], toml: &str| TicketOptions::resolve(&args(flags), &config(toml), &Env::default()).err();
        assert_eq!(bad(&[], "[ticket]\ntimeout = 0"), Some(OptionsError::TicketTimeout));
        assert_eq!(bad(&[], "[ticket]\ntimeout = 601"), Some(OptionsError::TicketTimeout));
        assert_eq!(bad(&[], "[ticket]\nmax_report_age = -1"), Some(OptionsError::TicketMaxAge));
        assert_eq!(bad(&[], "[ticket]\nattempts = 0"), Some(OptionsError::TicketAttempts));
        assert_eq!(bad(&[], "[ticket]\nattempts = 11"), Some(OptionsError::TicketAttempts));
        assert!(matches!(bad(&["--since", "last tuesday-ish"], ""), Some(OptionsError::TicketSince(_))));
    }
}
