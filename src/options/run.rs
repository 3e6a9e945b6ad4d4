//! The options of `run` (and of the diagnosis `ticket` runs when the latest report is too old):
//! what to check, under which deadline, where the report goes and how it is printed.

use super::{CatalogOptions, Env, OptionsError, layer};
use crate::cli::{Color, RunArgs};
use crate::config::Config;
use crate::host::endpoint::Target;
use crate::i18n::Lang;
use crate::probe::{Access, NetOptions};
use crate::report::Format;
use std::path::PathBuf;

/// Everything `cmd::run` needs, checked.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub catalog: CatalogOptions,
    /// `--only` selectors.
    pub only: Vec<String>,
    /// `--skip` selectors, then the config's `skip`.
    pub skip: Vec<String>,
    pub format: Format,
    /// `-o`: also write the rendered report here.
    pub output: Option<PathBuf>,
    /// The whole run's deadline in seconds: `--deadline`, else `deadline`, else 30.
    pub deadline_s: f64,
    /// `--output-dir`: also write the JSON report here, for a fleet engine.
    pub output_dir: Option<PathBuf>,
    /// `--upload-url`, else ECS_DOCTOR_UPLOAD_URL.
    pub upload_url: Option<String>,
    /// `[net] targets`, then `--target`, without repeats.
    pub targets: Vec<Target>,
    /// The metadata URL (`--metadata-url`, else ECS_DOCTOR_METADATA_URL, else `[net]` on the live
    /// system) and the DNS name every nameserver must resolve.
    pub net: NetOptions,
    /// Save the JSON report (not `--no-save`).
    pub save: bool,
    pub quiet: bool,
    pub verbose: bool,
    /// `--color`, with NO_COLOR turning `auto` into `never`.
    pub color: Color,
    /// Where reports are saved and the history forecasts read: the report directory, or its
    /// `examined/` subdirectory under `--root` ([`super::system_report_dir`]).
    pub report_dir: PathBuf,
    /// `[history]`: retention and forecasts.
    pub history: crate::history::Settings,
    /// The command line the report records (redacted when the report is built).
    pub argv: Vec<String>,
}

/// The service ports: the config's `[access] ports`, then `--port`, without repeats.
pub fn access_ports(flags: &[u16], config: &Config) -> Vec<u16> {
    let mut ports: Vec<u16> = Vec::new();
    for p in config.access.ports.iter().map(|p| *p.get_ref()).chain(flags.iter().copied()) {
        if !ports.contains(&p) {
            ports.push(p);
        }
    }
    ports
}

impl RunOptions {
    pub fn resolve(args: &RunArgs, config: &Config, env: &Env) -> Result<RunOptions, OptionsError> {
        let catalog = CatalogOptions::resolve(&args.catalog, env)?;
        let deadline_s = layer(args.deadline, None, config.deadline.as_ref().map(|d| *d.get_ref()), || {
            crate::engine::DEFAULT_DEADLINE_S
        });
        if !crate::engine::deadline_ok(deadline_s) {
            return Err(OptionsError::Deadline(deadline_s));
        }
        let upload_url = layer(args.upload_url.clone().map(Some), env.upload_url.clone().map(Some), None, || None);
        if let Some(url) = &upload_url {
            crate::fleet::upload::validate(url).map_err(|e| OptionsError::UploadUrl(e.to_string()))?;
        }
        let targets = crate::host::endpoint::parse_all(
            config.net.targets.iter().map(|t| t.get_ref().as_str()).chain(args.targets.iter().map(String::as_str)),
        )
        .map_err(OptionsError::Target)?;
        let flag_url = layer(args.metadata_url.clone().map(Some), env.metadata_url.clone().map(Some), None, || None);
        if let Some(u) = &flag_url {
            crate::host::metadata::parse_url(u).map_err(OptionsError::MetadataUrl)?;
        }
        // The config's URL was checked where it is written (with its line and column). It is this
        // machine's setting: for a system examined with --root (a rescued disk) this machine's
        // metadata service would describe the wrong instance, so only a URL named for the run
        // (the flag, the environment) is asked then.
        let metadata_url = layer(
            flag_url.map(Some),
            None,
            config.net.metadata_url.as_ref().filter(|_| catalog.host.is_live()).map(|u| Some(u.get_ref().clone())),
            || None,
        );
        let ecs_endpoint = layer(
            args.ecs_endpoint.clone().map(Some),
            env.ecs_endpoint.clone().map(Some),
            config.net.ecs_endpoint.as_ref().map(|e| Some(e.get_ref().clone())),
            || None,
        );
        if let Some(e) = &ecs_endpoint {
            let url = crate::cloud::ecs::normalize_endpoint(e);
            if reqwest::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_string)).is_none() {
                return Err(OptionsError::EcsEndpoint(e.clone()));
            }
        }
        let t = &config.ticket;
        let net = NetOptions {
            metadata_url,
            dns_name: config.net.dns_name.as_ref().map(|n| n.get_ref().clone()),
            access: Access { ports: access_ports(&args.ports, config), from: None, user: None },
            offline: args.offline || config.net.offline,
            ecs_endpoint,
            cloud_credentials: crate::probe::CloudCredentials {
                key_id: t.access_key_id.clone(),
                key_secret: t.access_key_secret.clone(),
                token: t.security_token.clone(),
            },
        };
        let mut skip = args.skip.clone();
        skip.extend(config.skip.iter().cloned());
        Ok(RunOptions {
            only: args.only.clone(),
            skip,
            format: layer(args.format, None, None, Format::default),
            output: args.output.clone(),
            deadline_s,
            output_dir: args.output_dir.clone(),
            upload_url,
            targets,
            net,
            save: !args.no_save,
            quiet: args.quiet,
            verbose: args.verbose,
            color: super::color(args.color, env),
            report_dir: super::system_report_dir(super::report_dir(None, config, env), &catalog.host),
            history: config.history(),
            argv: Vec::new(),
            catalog,
        })
    }

    /// The same options, recording `argv` as the command line.
    pub fn with_argv(mut self, argv: Vec<String>) -> RunOptions {
        self.argv = argv;
        self
    }

    pub fn lang(&self) -> Lang {
        self.catalog.lang
    }

    /// Colour on a stream that is (or is not) a terminal.
    pub fn color_on(&self, terminal: bool) -> bool {
        super::use_color(self.color, terminal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::testing::{command, config, env};

    fn args(flags: &[&str]) -> RunArgs {
        match command("run", flags) {
            crate::cli::Command::Run(r) => r,
            other => panic!("{other:?}"),
        }
    }

    fn resolve(flags: &[&str], e: &Env, toml: &str) -> RunOptions {
        RunOptions::resolve(&args(flags), &config(toml), e).unwrap_or_else(|e| panic!("{e}"))
    }

    /// One row of a precedence table: the flags, the environment and the config file given, and
    /// what one setting comes out as.
    struct Row {
        name: &'static str,
        flags: &'static [&'static str],
        vars: &'static [(&'static str, &'static str)],
        toml: &'static str,
        want: String,
        get: fn(&RunOptions) -> String,
    }

    fn row(
        name: &'static str,
        flags: &'static [&'static str],
        vars: &'static [(&'static str, &'static str)],
        toml: &'static str,
        want: impl Into<String>,
        get: fn(&RunOptions) -> String,
    ) -> Row {
        Row { name, flags, vars, toml, want: want.into(), get }
    }

    /// Each setting with every source it has: flag over environment over config over default.
    #[test]
    fn every_setting_follows_flag_env_config_default() {
        let deadline: fn(&RunOptions) -> String = |o| o.deadline_s.to_string();
        let ports: fn(&RunOptions) -> String = |o| format!("{:?}", o.net.access.ports);
        let metadata: fn(&RunOptions) -> String = |o| format!("{:?}", o.net.metadata_url);
        let upload: fn(&RunOptions) -> String = |o| format!("{:?}", o.upload_url);
        let report_dir: fn(&RunOptions) -> String = |o| o.report_dir.display().to_string();
        let lang: fn(&RunOptions) -> String = |o| format!("{:?}", o.lang());
        let color: fn(&RunOptions) -> String = |o| format!("{:?}", o.color);
        let dns_name: fn(&RunOptions) -> String = |o| format!("{:?}", o.net.dns_name);
        let keep: fn(&RunOptions) -> String = |o| o.history.keep.to_string();
        let format: fn(&RunOptions) -> String = |o| format!("{:?}", o.format);
        const META_FILE: &str = "[net]\nmetadata_url = \"http://10.0.0.3\"";
        const META_ENV: &[(&str, &str)] = &[("ECS_DOCTOR_METADATA_URL", "http://10.0.0.2")];
        const UPLOAD_ENV: &[(&str, &str)] = &[("ECS_DOCTOR_UPLOAD_URL", "https://b.example/y")];
        let rows = [
            row("deadline: flag", &["--deadline", "5"], &[], "deadline = 20", "5", deadline),
            row("deadline: config", &[], &[], "deadline = 20", "20", deadline),
            row("deadline: default", &[], &[], "", "30", deadline),
            row(
                "ports: config, then flags, no repeats",
                &["--port", "8080", "--port", "80"],
                &[],
                "[access]\nports = [80, 443]",
                "[80, 443, 8080]",
                ports,
            ),
            row("ports: none", &[], &[], "", "[]", ports),
            row(
                "metadata: flag",
                &["--metadata-url", "http://10.0.0.1"],
                META_ENV,
                META_FILE,
                "Some(\"http://10.0.0.1\")",
                metadata,
            ),
            row("metadata: env", &[], META_ENV, META_FILE, "Some(\"http://10.0.0.2\")", metadata),
            row("metadata: config", &[], &[], META_FILE, "Some(\"http://10.0.0.3\")", metadata),
            row("metadata: default", &[], &[], "", "None", metadata),
            row(
                "metadata: env, --root",
                &["--root", "/tmp"],
                META_ENV,
                META_FILE,
                "Some(\"http://10.0.0.2\")",
                metadata,
            ),
            row(
                "metadata: not this machine's config for --root",
                &["--root", "/tmp"],
                &[],
                META_FILE,
                "None",
                metadata,
            ),
            row(
                "upload: flag",
                &["--upload-url", "https://a.example/x"],
                UPLOAD_ENV,
                "",
                "Some(\"https://a.example/x\")",
                upload,
            ),
            row("upload: env", &[], UPLOAD_ENV, "", "Some(\"https://b.example/y\")", upload),
            row("upload: default", &[], &[], "", "None", upload),
            row(
                "report dir: env",
                &[],
                &[("ECS_DOCTOR_REPORT_DIR", "/env")],
                "report_dir = \"/file\"",
                "/env",
                report_dir,
            ),
            row("report dir: config", &[], &[], "report_dir = \"/file\"", "/file", report_dir),
            row(
                "report dir: --root keeps its reports apart",
                &["--root", "/tmp"],
                &[("ECS_DOCTOR_REPORT_DIR", "/env")],
                "",
                "/env/examined",
                report_dir,
            ),
            row(
                "report dir: default",
                &[],
                &[],
                "",
                crate::report::save::default_dir().display().to_string(),
                report_dir,
            ),
            row("lang: flag", &["--lang", "en"], &[("LANG", "zh_CN.UTF-8")], "", "En", lang),
            row("lang: env", &[], &[("LANG", "zh_CN.UTF-8")], "", "ZhCn", lang),
            row("lang: default", &[], &[], "", "En", lang),
            row("color: flag beats NO_COLOR", &["--color", "always"], &[("NO_COLOR", "1")], "", "Always", color),
            row("color: NO_COLOR", &[], &[("NO_COLOR", "1")], "", "Never", color),
            row("color: default", &[], &[], "", "Auto", color),
            row("dns name: config", &[], &[], "[net]\ndns_name = \"example.com\"", "Some(\"example.com\")", dns_name),
            row("dns name: default", &[], &[], "", "None", dns_name),
            row("history: config", &[], &[], "[history]\nkeep = 5", "5", keep),
            row("history: default", &[], &[], "", "200", keep),
            row("format: flag", &["--format", "html"], &[], "", "Html", format),
            row("format: default", &[], &[], "", "Text", format),
        ];
        for r in rows {
            assert_eq!((r.get)(&resolve(r.flags, &env(r.vars), r.toml)), r.want, "{}", r.name);
        }
    }

    #[test]
    fn lists_join_config_then_flags() {
        let o = resolve(
            &["--skip", "sys.cpu", "--target", "10.0.0.9:22", "--target", "10.0.0.5:3306"],
            &Env::default(),
            "skip = [\"disk.io\"]\n[net]\ntargets = [\"10.0.0.5:3306\", \"10.0.0.6:80\"]",
        );
        assert_eq!(o.skip, ["sys.cpu", "disk.io"]);
        let raw: Vec<&str> = o.targets.iter().map(|t| t.raw.as_str()).collect();
        assert_eq!(raw, ["10.0.0.5:3306", "10.0.0.6:80", "10.0.0.9:22"], "config first, no repeats");
    }

    #[test]
    fn defaults_and_plain_flags() {
        let o = resolve(&[], &Env::default(), "");
        assert_eq!((o.format, o.save, o.quiet, o.verbose), (Format::Text, true, false, false));
        assert_eq!(o.history, crate::history::Settings::default());
        let o = resolve(&["--format", "json", "--no-save", "-q", "-o", "/tmp/x"], &Env::default(), "");
        assert_eq!((o.format, o.save, o.quiet), (Format::Json, false, true));
        assert_eq!(o.output, Some(PathBuf::from("/tmp/x")));
    }

    #[test]
    fn bad_values_are_usage_errors_from_any_source() {
        let bad = |flags: &[&str], vars: &[(&str, &str)]| {
            RunOptions::resolve(&args(flags), &Config::default(), &env(vars)).map(|_| ()).unwrap_err()
        };
        assert_eq!(bad(&["--deadline", "0"], &[]), OptionsError::Deadline(0.0));
        assert_eq!(bad(&["--deadline", "86401"], &[]), OptionsError::Deadline(86401.0));
        assert!(matches!(bad(&["--upload-url", "ftp://x"], &[]), OptionsError::UploadUrl(_)));
        assert!(matches!(bad(&[], &[("ECS_DOCTOR_UPLOAD_URL", "not a url")]), OptionsError::UploadUrl(_)));
        assert!(matches!(bad(&["--metadata-url", "https://x"], &[]), OptionsError::MetadataUrl(_)));
        assert!(matches!(bad(&[], &[("ECS_DOCTOR_METADATA_URL", "ftp://x")]), OptionsError::MetadataUrl(_)));
        assert!(matches!(bad(&["--target", ""], &[]), OptionsError::Target(_)));
        // Said in the language asked for.
        let e = bad(&["--deadline=-1"], &[]);
        assert_ne!(e.said().render(Lang::En), e.said().render(Lang::ZhCn));
    }
}
