//! The settings file (`--config`, `ECS_DOCTOR_CONFIG`, else /etc/ecs-doctor/config.toml when it
//! exists). Unknown keys and unknown check ids are errors with file, line and column.
//!
//! ```toml
//! deadline = 20                  # seconds for the whole run
//! report_dir = "/var/lib/ecs-doctor/reports"
//! checks_dirs = ["/opt/support/checks"]
//! skip = ["sys.cpu.load"]
//!
//! [net]
//! targets = ["10.0.0.5:3306", "https://mirrors.cloud.aliyuncs.com/"]  # reach and path checks
//!
//! [checks."disk.usage.space"]
//! timeout = 5
//! thresholds.used_percent = { warn = ">= 80", crit = ">= 90" }
//!
//! # One subject (here a mount point) of one check: beats the check-wide thresholds above.
//! [checks."disk.usage.space".subjects."/data".thresholds.used_percent]
//! warn = ">= 95"
//! crit = ">= 99"
//!
//! [net]
//! metadata_url = "http://100.100.100.200"   # like --metadata-url
//! dns_name = "mirrors.cloud.aliyuncs.com"   # what every nameserver must resolve
//! ```
//!
//! A subject is matched by its exact name as reports show it (a mount point, an interface). A
//! subject that is not there when the check runs is not an error: mounts and interfaces come and
//! go, so its thresholds simply apply to nothing.

use crate::catalog::condition::Condition;
use crate::catalog::{Catalog, Check, Judge, LoadError, SubjectThresholds};
use crate::i18n::{Msg, Said, say};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const SYSTEM_CONFIG: &str = "/etc/ecs-doctor/config.toml";

/// A commented example that sets every key (`ecs-doctor config example`); a test parses it,
/// applies it to the built-in checks and finds each of its keys documented in the README.
pub const EXAMPLE: &str = include_str!("../config.example.toml");

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub deadline: Option<Spanned<f64>>,
    #[serde(default)]
    pub report_dir: Option<PathBuf>,
    #[serde(default)]
    pub checks_dirs: Vec<PathBuf>,
    #[serde(default)]
    pub skip: Vec<String>,
    #[serde(default)]
    pub checks: BTreeMap<Spanned<String>, CheckSettings>,
    /// Retention of saved reports and trend forecasts (`[history]`).
    #[serde(default)]
    pub history: Option<Spanned<crate::history::Settings>>,
    /// Settings of `ecs-doctor ticket` (src/ticket/config.rs).
    #[serde(default)]
    pub ticket: crate::ticket::config::TicketConfig,
    #[serde(default)]
    pub net: NetSettings,
    #[serde(default)]
    pub access: AccessSettings,
    /// How events read from logs age (`[events]`).
    #[serde(default)]
    pub events: Option<Spanned<EventSettings>>,
    #[serde(skip)]
    path: String,
    #[serde(skip)]
    source: String,
}

/// `[net]`: settings of the network checks.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetSettings {
    /// Endpoints for net.reach.targets and net.path.loss, as `--target` takes them.
    #[serde(default)]
    pub targets: Vec<Spanned<String>>,
    /// Like `--metadata-url` (the flag and ECS_DOCTOR_METADATA_URL win).
    #[serde(default)]
    pub metadata_url: Option<Spanned<String>>,
    /// The name `net.dns.resolver-reachable` asks each nameserver for.
    #[serde(default)]
    pub dns_name: Option<Spanned<String>>,
    /// Like `--offline`: no request to the cloud's API.
    #[serde(default)]
    pub offline: bool,
    /// Like `--ecs-endpoint` (the flag and ECS_DOCTOR_ECS_ENDPOINT win).
    #[serde(default)]
    pub ecs_endpoint: Option<Spanned<String>>,
}

/// `[access]`: what must be reachable from outside.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessSettings {
    /// TCP ports that must be reachable from outside, like `--port` (both add up).
    #[serde(default)]
    pub ports: Vec<Spanned<u16>>,
}

/// `[events]`: how an event read from a log (a kernel panic, an OOM kill, a disk error, a full
/// conntrack table) ages: crit while younger than `crit_hours`, warn while younger than
/// `warn_days`, a note after that ([`crate::catalog::EventWindows`]).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSettings {
    #[serde(default)]
    pub crit_hours: Option<f64>,
    #[serde(default)]
    pub warn_days: Option<f64>,
}

impl EventSettings {
    /// The windows, the defaults for what is left out; `None` when a value is out of range.
    pub fn windows(&self) -> Option<crate::catalog::EventWindows> {
        let d = crate::catalog::EventWindows::default();
        let w = crate::catalog::EventWindows {
            crit_hours: self.crit_hours.unwrap_or(d.crit_hours),
            warn_hours: self.warn_days.map(|d| d * 24.0).unwrap_or(d.warn_hours),
        };
        let ok = |h: f64| h.is_finite() && (0.0..=87_600.0).contains(&h);
        (ok(w.crit_hours) && ok(w.warn_hours)).then_some(w)
    }
}

/// Whether `name` can be asked of a nameserver: letters, digits, `-`, `_` and dots, labels of
/// at most 63 and a name of at most 253 characters.
pub fn valid_dns_name(name: &str) -> bool {
    let n = name.strip_suffix('.').unwrap_or(name);
    !n.is_empty()
        && n.len() <= 253
        && n.split('.').all(|l| {
            !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSettings {
    #[serde(default)]
    pub timeout: Option<Spanned<f64>>,
    #[serde(default)]
    pub thresholds: BTreeMap<Spanned<String>, Thresholds>,
    /// Thresholds for single subjects of the check, by exact subject name.
    #[serde(default)]
    pub subjects: BTreeMap<Spanned<String>, SubjectSettings>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectSettings {
    #[serde(default)]
    pub thresholds: BTreeMap<Spanned<String>, Thresholds>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(default)]
    pub warn: Option<Spanned<String>>,
    #[serde(default)]
    pub crit: Option<Spanned<String>>,
}

impl Config {
    /// Reads the explicit file, else the system file when it exists, else the defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, LoadError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None if Path::new(SYSTEM_CONFIG).exists() => PathBuf::from(SYSTEM_CONFIG),
            None => return Ok(Config::default()),
        };
        let (display, source) = LoadError::read_source(&path, "config file")?;
        let mut cfg: Config = toml::from_str(&source).map_err(|e| LoadError::from_toml(&display, &source, &e))?;
        if let Some(d) = &cfg.deadline
            && !crate::engine::deadline_ok(*d.get_ref())
        {
            return Err(LoadError::at(&display, &source, d.span().start, say(Msg::ConfigDeadline, &[])));
        }
        if let Some(h) = &cfg.history
            && let Err(m) = h.get_ref().validate()
        {
            return Err(LoadError::at(
                &display,
                &source,
                h.span().start,
                Said::new(Msg::ConfigHistory).nest("error", m).to_string(),
            ));
        }
        if let Some(e) = &cfg.events
            && e.get_ref().windows().is_none()
        {
            return Err(LoadError::at(&display, &source, e.span().start, say(Msg::ConfigEvents, &[])));
        }
        for p in &cfg.access.ports {
            if *p.get_ref() == 0 {
                return Err(LoadError::at(&display, &source, p.span().start, say(Msg::ConfigPortZero, &[])));
            }
        }
        for t in &cfg.net.targets {
            if let Err(m) = crate::host::endpoint::Target::parse(t.get_ref()) {
                return Err(LoadError::at(&display, &source, t.span().start, m.to_string()));
            }
        }
        if let Some(u) = &cfg.net.metadata_url
            && let Err(why) = crate::host::metadata::parse_url(u.get_ref())
        {
            return Err(LoadError::at(&display, &source, u.span().start, why.to_string()));
        }
        if let Some(n) = &cfg.net.dns_name
            && !valid_dns_name(n.get_ref())
        {
            return Err(LoadError::at(
                &display,
                &source,
                n.span().start,
                say(Msg::ConfigDnsName, &[("name", &format!("{:?}", n.get_ref()))]),
            ));
        }
        cfg.path = display;
        cfg.source = source;
        Ok(cfg)
    }

    /// The `[history]` settings, or the defaults.
    pub fn history(&self) -> crate::history::Settings {
        self.history.as_ref().map(|h| h.get_ref().clone()).unwrap_or_default()
    }

    fn err(&self, offset: usize, msg: String) -> LoadError {
        LoadError::at(&self.path, &self.source, offset, msg)
    }

    /// `file:line` of a byte offset, to say where an override comes from.
    fn place(&self, offset: usize) -> String {
        let e = self.err(offset, String::new());
        format!("{}:{}", e.file, e.line)
    }

    /// The judges of `check` on `field`; an error at the field when the check judges no such value.
    fn judges_on<'c>(&self, check: &'c mut Check, field: &Spanned<String>) -> Result<Vec<&'c mut Judge>, LoadError> {
        if !check.judges.iter().any(|j| &j.field == field.get_ref()) {
            let known: Vec<_> = check.judges.iter().map(|j| j.field.as_str()).collect();
            let known = if known.is_empty() { say(Msg::ConfigNoThresholds, &[]) } else { known.join(", ") };
            return Err(self.err(
                field.span().start,
                say(
                    Msg::ConfigNoThreshold,
                    &[("id", &check.id), ("field", &format!("{:?}", field.get_ref())), ("known", &known)],
                ),
            ));
        }
        Ok(check.judges.iter_mut().filter(|j| &j.field == field.get_ref()).collect())
    }

    /// The warn and crit conditions of one thresholds table; at least one must be there.
    fn conditions(
        &self,
        field: &Spanned<String>,
        th: &Thresholds,
    ) -> Result<(Option<Condition>, Option<Condition>), LoadError> {
        let parse = |c: &Option<Spanned<String>>| -> Result<Option<Condition>, LoadError> {
            c.as_ref()
                .map(|c| Condition::parse(c.get_ref()).map_err(|m| self.err(c.span().start, m.to_string())))
                .transpose()
        };
        let (warn, crit) = (parse(&th.warn)?, parse(&th.crit)?);
        if warn.is_none() && crit.is_none() {
            return Err(self.err(
                field.span().start,
                say(Msg::ConfigNeedWarnOrCrit, &[("field", &format!("{:?}", field.get_ref()))]),
            ));
        }
        Ok((warn, crit))
    }

    /// Applies per-check timeouts and thresholds to the catalog, checking every id and field.
    /// Precedence, level by level: a subject's thresholds, else the check-wide ones of the
    /// config, else the check file's.
    pub fn apply(&self, catalog: &mut Catalog) -> Result<(), LoadError> {
        // The event windows first: a check's own thresholds beat them.
        if let Some(e) = &self.events
            && let Some(w) = e.get_ref().windows()
        {
            let at = self.place(e.span().start);
            for j in catalog.checks.iter_mut().flat_map(|c| c.judges.iter_mut()).filter(|j| j.ageing.is_some()) {
                j.age_with(w);
                j.overridden_at = Some(at.clone());
            }
        }
        for (id, settings) in &self.checks {
            let Some(check) =
                catalog.checks.iter_mut().find(|c| &c.id == id.get_ref() || c.aliases.contains(id.get_ref()))
            else {
                return Err(
                    self.err(id.span().start, say(Msg::ConfigUnknownCheck, &[("id", &format!("{:?}", id.get_ref()))]))
                );
            };
            if let Some(t) = &settings.timeout {
                if !(t.get_ref().is_finite() && *t.get_ref() > 0.0 && *t.get_ref() <= 3600.0) {
                    return Err(self.err(t.span().start, say(Msg::ConfigTimeout, &[])));
                }
                check.timeout = std::time::Duration::from_secs_f64(*t.get_ref());
            }
            for (field, th) in &settings.thresholds {
                let (warn, crit) = self.conditions(field, th)?;
                let at = self.place(field.span().start);
                for j in self.judges_on(check, field)? {
                    if warn.is_some() {
                        j.warn = warn.clone();
                    }
                    if crit.is_some() {
                        j.crit = crit.clone();
                    }
                    j.overridden_at = Some(at.clone());
                }
            }
            for (subject, s) in &settings.subjects {
                if subject.get_ref().trim().is_empty() {
                    return Err(self.err(subject.span().start, say(Msg::ConfigEmptySubject, &[])));
                }
                for (field, th) in &s.thresholds {
                    let (warn, crit) = self.conditions(field, th)?;
                    let at = self.place(field.span().start);
                    for j in self.judges_on(check, field)? {
                        j.subjects.insert(
                            subject.get_ref().clone(),
                            SubjectThresholds { warn: warn.clone(), crit: crit.clone(), at: at.clone() },
                        );
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key of the config file, as a dotted path (`checks.*` stands for any check id or
    /// subject). A new key belongs here, in config.example.toml and in the README.
    const KEYS: &[&str] = &[
        "deadline",
        "report_dir",
        "checks_dirs",
        "skip",
        "checks.*.timeout",
        "checks.*.thresholds.*.warn",
        "checks.*.thresholds.*.crit",
        "checks.*.subjects.*.thresholds.*.warn",
        "checks.*.subjects.*.thresholds.*.crit",
        "history.keep",
        "history.max_age_days",
        "history.trend_window_days",
        "history.trend_warn_days",
        "history.trend_crit_days",
        "history.trend_horizon_days",
        "access.ports",
        "events.crit_hours",
        "events.warn_days",
    ];

    /// The dotted key paths of a TOML document, with check ids, subjects and fields as `*`.
    fn paths(v: &toml::Value, prefix: &str, out: &mut Vec<String>) {
        if let toml::Value::Table(t) = v {
            for (k, v) in t {
                let wild = matches!(prefix, "checks" | "thresholds")
                    || prefix.ends_with(".thresholds")
                    || prefix.ends_with(".subjects")
                    || prefix == "checks.*.subjects";
                let k = if wild { "*" } else { k.as_str() };
                let p = if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
                if v.is_table() {
                    paths(v, &p, out);
                } else {
                    out.push(p);
                }
            }
        }
    }

    #[test]
    fn the_example_sets_every_key_and_applies_to_the_built_in_checks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(&file, EXAMPLE).unwrap();
        let cfg = Config::load(Some(&file)).unwrap_or_else(|e| panic!("{e}"));
        let mut catalog = Catalog::load(&[]).unwrap();
        cfg.apply(&mut catalog).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(cfg.history().keep, 200);
        let mut found = Vec::new();
        paths(&toml::from_str(EXAMPLE).unwrap(), "", &mut found);
        found.sort();
        found.dedup();
        let mut want: Vec<String> = KEYS.iter().map(|k| k.to_string()).collect();
        want.sort();
        assert_eq!(found, want, "config.example.toml and KEYS differ");
    }

    #[test]
    fn event_windows_set_the_levels_of_every_ageing_judge_and_a_checks_thresholds_beat_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(
            &file,
            "[events]\ncrit_hours = 2\nwarn_days = 1.5\n\n[checks.\"disk.io.errors\"]\nthresholds.age_hours = { crit = \"< 6\" }\n",
        )
        .unwrap();
        let cfg = Config::load(Some(&file)).unwrap_or_else(|e| panic!("{e}"));
        let mut catalog = Catalog::load(&[]).unwrap();
        let before: Vec<String> = catalog
            .checks
            .iter()
            .flat_map(|c| c.judges.iter())
            .filter(|j| j.ageing.is_some())
            .map(|j| j.levels())
            .collect();
        assert!(before.iter().any(|l| l == "warn < 168, crit < 24, info >= 168"), "{before:?}");
        assert!(before.iter().any(|l| l == "warn < 168, info >= 168"), "{before:?}");
        cfg.apply(&mut catalog).unwrap_or_else(|e| panic!("{e}"));
        let levels = |id: &str| -> Vec<String> {
            let c = catalog.checks.iter().find(|c| c.id == id).unwrap();
            c.judges.iter().filter(|j| j.ageing.is_some()).map(|j| j.levels()).collect()
        };
        let oom = levels("sys.memory.oom");
        assert_eq!(oom, vec!["warn < 36, crit < 2, info >= 36"]);
        assert_eq!(levels("disk.io.errors"), vec!["warn < 36, crit < 6, info >= 36"]);
        let health = levels("sys.kernel.health");
        assert!(health.contains(&"warn < 36, info >= 36".to_string()), "{health:?}");
        let c = catalog.checks.iter().find(|c| c.id == "sys.memory.oom").unwrap();
        let j = c.judges.iter().find(|j| j.ageing.is_some()).unwrap();
        assert!(j.overridden_at.as_deref().is_some_and(|a| a.ends_with("config.toml:1")), "{:?}", j.overridden_at);

        for bad in ["[events]\ncrit_hours = -1\n", "[events]\nwarn_days = 1e9\n", "[events]\ncrit_hours = nan\n"] {
            std::fs::write(&file, bad).unwrap();
            let e = Config::load(Some(&file)).unwrap_err();
            assert!(e.message.contains("[events]") && e.line >= 1, "{bad}: {e}");
        }
        std::fs::write(&file, "[events]\ncrit_days = 1\n").unwrap();
        assert!(Config::load(Some(&file)).is_err());
    }

    #[test]
    fn the_readme_documents_every_key() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let start = readme.find("\n## Configuration").expect("a Configuration section");
        let section = &readme[start + 1..];
        let section = &section[..section.find("\n## ").unwrap_or(section.len())];
        for key in KEYS {
            let leaf = key.rsplit('.').next().unwrap();
            assert!(
                section.contains(&format!("`{leaf}`")),
                "README.md, Configuration, does not document `{leaf}` ({key})"
            );
        }
    }
}
