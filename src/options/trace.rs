//! The options of `trace <HOST>`: what to trace, for how many rounds of what length, and how to
//! show it. Trace has no settings in the config file: flags, the locale, defaults.

use super::{Env, OptionsError, layer};
use crate::cli::TraceArgs;
use crate::i18n::{Lang, Msg, Said};
use crate::trace::TraceFormat;
use std::path::PathBuf;
use std::time::Duration;

/// Everything `cmd::trace` needs, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceOptions {
    /// The host part of what was asked for (a HOST:PORT or URL target is traced to its host).
    pub host: String,
    pub rounds: usize,
    pub interval: Duration,
    pub max_ttl: u8,
    pub format: TraceFormat,
    pub output: Option<PathBuf>,
    /// Look up the hops' reverse DNS names (not `-n`).
    pub dns: bool,
    pub lang: Lang,
}

impl TraceOptions {
    /// Checks the flags: rounds of at least one second, a duration or a round count that ends.
    pub fn resolve(args: &TraceArgs, env: &Env) -> Result<TraceOptions, OptionsError> {
        let bad = |said: Said| OptionsError::Trace(said);
        let host = crate::host::endpoint::Target::parse(&args.host)
            .map_err(|m| bad(Said::new(Msg::TraceFlagHost).nest("error", m)))?
            .host;
        if !(args.interval.is_finite() && (1.0..=60.0).contains(&args.interval)) {
            return Err(bad(Said::new(Msg::TraceFlagInterval).arg("value", args.interval)));
        }
        if !(args.duration.is_finite() && args.duration > 0.0 && args.duration <= 86_400.0) {
            return Err(bad(Said::new(Msg::TraceFlagDuration).arg("value", args.duration)));
        }
        let rounds = match args.rounds {
            Some(n) if !(1..=100_000).contains(&n) => return Err(bad(Said::new(Msg::TraceFlagRounds).arg("value", n))),
            Some(n) => n,
            None => ((args.duration / args.interval).ceil() as usize).max(1),
        };
        if !(1..=64).contains(&args.max_ttl) {
            return Err(bad(Said::new(Msg::TraceFlagMaxTtl).arg("value", args.max_ttl)));
        }
        Ok(TraceOptions {
            host,
            rounds,
            interval: Duration::from_secs_f64(args.interval),
            max_ttl: args.max_ttl,
            format: args.format,
            output: args.output.clone(),
            dns: !args.no_dns,
            lang: layer(args.lang, env.lang, None, || Lang::En),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn args(flags: &[&str]) -> TraceArgs {
        use clap::Parser;
        let mut argv = vec!["ecs-doctor", "trace"];
        argv.extend_from_slice(flags);
        match crate::cli::Cli::try_parse_from(argv).unwrap().command {
            Some(crate::cli::Command::Trace(t)) => t,
            other => panic!("{other:?}"),
        }
    }

    fn resolve(flags: &[&str], e: &Env) -> Result<TraceOptions, OptionsError> {
        TraceOptions::resolve(&args(flags), e)
    }

    #[test]
    fn every_setting_follows_flag_env_default() {
        let zh = Env::from_vars(|n| (n == "LANG").then(|| OsString::from("zh_CN.UTF-8")));
        let none = Env::default();
        type Get = fn(&TraceOptions) -> String;
        let rows: &[(&str, &[&str], &Env, &str, Get)] = &[
            ("lang: flag", &["h", "--lang", "en"], &zh, "En", |o| format!("{:?}", o.lang)),
            ("lang: env", &["h"], &zh, "ZhCn", |o| format!("{:?}", o.lang)),
            ("lang: default", &["h"], &none, "En", |o| format!("{:?}", o.lang)),
            ("rounds: flag", &["h", "--rounds", "3"], &none, "3", |o| o.rounds.to_string()),
            ("rounds: duration / interval", &["h", "--duration", "5", "--interval", "2"], &none, "3", |o| {
                o.rounds.to_string()
            }),
            ("rounds: default", &["h"], &none, "10", |o| o.rounds.to_string()),
            ("interval: flag", &["h", "--interval", "2"], &none, "2s", |o| format!("{:?}", o.interval)),
            ("interval: default", &["h"], &none, "1s", |o| format!("{:?}", o.interval)),
            ("max ttl: flag", &["h", "--max-ttl", "9"], &none, "9", |o| o.max_ttl.to_string()),
            ("max ttl: default", &["h"], &none, "30", |o| o.max_ttl.to_string()),
            ("format: flag", &["h", "--format", "html"], &none, "Html", |o| format!("{:?}", o.format)),
            ("format: default", &["h"], &none, "Text", |o| format!("{:?}", o.format)),
            ("dns: -n", &["h", "-n"], &none, "false", |o| o.dns.to_string()),
            ("dns: default", &["h"], &none, "true", |o| o.dns.to_string()),
            ("host: of a URL", &["https://example.com/x"], &none, "example.com", |o| o.host.clone()),
            ("host: of HOST:PORT", &["10.0.0.1:22"], &none, "10.0.0.1", |o| o.host.clone()),
        ];
        for (name, flags, e, want, get) in rows {
            let o = resolve(flags, e).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(get(&o), *want, "{name}");
        }
    }

    #[test]
    fn out_of_range_flags_are_usage_errors() {
        for flags in [
            &["h", "--interval", "0.5"][..],
            &["h", "--interval", "61"],
            &["h", "--rounds", "0"],
            &["h", "--duration", "NaN"],
            &["h", "--duration", "0"],
            &["h", "--max-ttl", "0"],
            &["h", "--max-ttl", "65"],
            &["a b"],
        ] {
            assert!(matches!(resolve(flags, &Env::default()), Err(OptionsError::Trace(_))), "{flags:?}");
        }
    }
}
