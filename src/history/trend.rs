//! Trends: "/data full in about 3 days". After the checks ran, the space and inode usage of each
//! filesystem in this run is put beside the same numbers in the saved reports of the same host
//! (same hostname and examined root) from the last `trend_window_days`; with at least two runs
//! an hour or more apart and usage growing, a least-squares line through them says when the
//! filesystem fills at the current rate. A fill within `trend_horizon_days` becomes a finding of
//! the check (info; warn within `trend_warn_days`, crit within `trend_crit_days`), raising the
//! check's status to match.
//!
//! Bytes are used when the reports carry them (`avail_bytes` and `size_bytes`, `inodes_free` and
//! `inodes_total`): runs before the filesystem was resized are left out. Otherwise the rounded
//! percentage is used. Reading the history never changes it, so `--no-save` runs see trends too.

use super::{Settings, is_report_name, report_files, stamp_seconds};
use crate::catalog::{Catalog, Trend};
use crate::i18n::{Lang, Msg, tr, trf};
use crate::report::{CheckResult, Finding, Severity, Status};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// What trends need of a saved report; everything else in the file is skipped unparsed.
#[derive(Debug, Deserialize)]
pub struct Past {
    run: PastRun,
    host: PastHost,
    #[serde(default)]
    checks: Vec<PastCheck>,
}

#[derive(Debug, Deserialize)]
struct PastRun {
    started_at: String,
    #[serde(default)]
    root: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PastHost {
    hostname: String,
}

#[derive(Debug, Deserialize)]
struct PastCheck {
    id: String,
    #[serde(default)]
    metrics: BTreeMap<String, f64>,
}

/// The run the trend is computed for.
pub struct Current<'a> {
    pub started_at_s: i64,
    pub hostname: &'a str,
    pub root: Option<&'a str>,
    pub lang: Lang,
}

/// One kind of usage a trend is computed for: a check whose file has a `[trend]` table.
#[derive(Debug, Clone, Copy)]
pub struct Kind<'a> {
    pub check: &'a str,
    pub trend: &'a Trend,
}

impl Kind<'_> {
    fn bytes(&self) -> bool {
        self.trend.unit == "bytes"
    }
}

/// The checks of `catalog` that have a fill forecast.
pub fn kinds(catalog: &Catalog) -> Vec<Kind<'_>> {
    catalog.checks.iter().filter_map(|c| c.trend.as_ref().map(|trend| Kind { check: &c.id, trend })).collect()
}

/// At most this many past runs are read (the newest in the window).
const MAX_RUNS: usize = 500;

/// The metric of one subject: `name[subject]`, or the plain name when the check measured a single
/// subject (which the report then does not name).
fn metric(metrics: &BTreeMap<String, f64>, name: &str, subject: Option<&str>) -> Option<f64> {
    let key = match subject {
        Some(s) => format!("{name}[{s}]"),
        None => name.to_string(),
    };
    metrics.get(&key).copied().filter(|v| v.is_finite())
}

/// The subjects a check measured `name` for: `Some(subject)` per `name[subject]`, or `None`
/// for a plain `name`.
fn subjects(metrics: &BTreeMap<String, f64>, name: &str) -> Vec<Option<String>> {
    let prefix = format!("{name}[");
    metrics
        .keys()
        .filter_map(|k| {
            if k == name {
                Some(None)
            } else {
                k.strip_prefix(&prefix).and_then(|r| r.strip_suffix(']')).map(|s| Some(s.to_string()))
            }
        })
        .collect()
}

/// One measurement: when, how much is used, how much is free, and the capacity (bytes or
/// inodes; for percentages 100).
#[derive(Debug, Clone, Copy)]
struct Point {
    t: i64,
    used: f64,
    free: f64,
    total: f64,
}

fn point(t: i64, kind: &Kind, metrics: &BTreeMap<String, f64>, subject: Option<&str>, absolute: bool) -> Option<Point> {
    if absolute {
        let free = metric(metrics, &kind.trend.free, subject)?;
        let total = metric(metrics, &kind.trend.total, subject)?;
        (total > 0.0).then_some(Point { t, used: total - free, free, total })
    } else {
        let pct = metric(metrics, &kind.trend.percent, subject)?;
        Some(Point { t, used: pct, free: 100.0 - pct, total: 100.0 })
    }
}

/// Least-squares slope of used over time, per second.
fn slope(points: &[Point]) -> f64 {
    let n = points.len() as f64;
    let t0 = points[0].t as f64;
    let mt = points.iter().map(|p| p.t as f64 - t0).sum::<f64>() / n;
    let mu = points.iter().map(|p| p.used).sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for p in points {
        let dt = p.t as f64 - t0 - mt;
        num += dt * (p.used - mu);
        den += dt * dt;
    }
    if den > 0.0 { num / den } else { 0.0 }
}

/// A duration in words: "less than an hour", "5 hours", "3 days" (without "about").
fn duration(lang: Lang, seconds: f64) -> String {
    let hours = seconds / 3600.0;
    if hours < 1.0 {
        tr(lang, Msg::UnderAnHour).to_string()
    } else if hours.round() == 1.0 {
        tr(lang, Msg::OneHour).to_string()
    } else if hours < 48.0 {
        trf(lang, Msg::Hours, &[("n", &hours.round().to_string())])
    } else {
        trf(lang, Msg::Days, &[("n", &(hours / 24.0).round().to_string())])
    }
}

/// "about 3 days"; a duration under an hour is not approximate.
fn about(lang: Lang, seconds: f64) -> String {
    if seconds < 3600.0 {
        duration(lang, seconds)
    } else {
        trf(lang, Msg::About, &[("duration", &duration(lang, seconds))])
    }
}

fn amount(kind: &Kind, absolute: bool, v: f64) -> String {
    if !absolute {
        format!("{}%", crate::fmt::format_num((v * 10.0).round() / 10.0))
    } else if kind.bytes() {
        crate::fmt::human_bytes(v)
    } else {
        format!("{}", v.round() as i64)
    }
}

fn when(t: i64) -> String {
    jiff::Timestamp::from_second(t).map(|ts| ts.to_string()).unwrap_or_else(|_| t.to_string())
}

/// The saved runs of this host in the window, oldest first.
pub fn load(dir: &Path, current: &Current, settings: &Settings) -> Vec<(String, Past)> {
    let window_s = (settings.trend_window_days * 86_400.0) as i64;
    let mut files: Vec<(i64, std::path::PathBuf)> = report_files(dir)
        .into_iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let t = stamp_seconds(name).filter(|_| is_report_name(name))?;
            (t < current.started_at_s && current.started_at_s - t <= window_s).then_some((t, p))
        })
        .collect();
    files.sort();
    let skip = files.len().saturating_sub(MAX_RUNS);
    files
        .into_iter()
        .skip(skip)
        .filter_map(|(_, p)| {
            let past: Past = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            let same = past.host.hostname == current.hostname && past.run.root.as_deref() == current.root;
            same.then(|| (p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(), past))
        })
        .collect()
}

/// Adds fill forecasts to the checks of this run that have one (`kinds`: disk.usage.space and
/// disk.usage.inodes among the built-in checks). `fix` gives the fix text of a
/// check id in the run's language, for a check a forecast turns from ok into warn or crit.
pub fn apply(
    checks: &mut [CheckResult],
    past: &[(String, Past)],
    current: &Current,
    settings: &Settings,
    fix: &dyn Fn(&str) -> Option<String>,
    kinds: &[Kind],
) {
    for kind in kinds {
        let Some(check) = checks.iter_mut().find(|c| c.id == kind.check) else { continue };
        if !matches!(check.status, Status::Ok | Status::Warn | Status::Crit) {
            continue;
        }
        let mut found = Vec::new();
        let measured = subjects(&check.metrics, &kind.trend.percent);
        let single = measured.len() == 1;
        for subject in measured {
            if let Some(f) = forecast(kind, check, subject.as_deref(), single, past, current, settings) {
                found.push(f);
            }
        }
        if found.is_empty() {
            continue;
        }
        let worst = found.iter().map(|f| f.severity).max().unwrap_or(Severity::Info);
        let raised = match worst {
            Severity::Crit => Status::Crit,
            Severity::Warn => Status::Warn,
            Severity::Info => Status::Ok,
        };
        if raised > check.status {
            if check.status == Status::Ok {
                let first = found.iter().max_by_key(|f| f.severity).map(|f| f.message.clone()).unwrap_or_default();
                check.summary = first;
                check.remediation = check.remediation.take().or_else(|| fix(kind.check));
            }
            check.status = raised;
        }
        check.findings.extend(found);
    }
}

/// `single`: the check measured one filesystem this run. Reports written before metrics were
/// always named by mount (`used_percent[/]`) named a single filesystem's metrics plainly
/// (`used_percent`); such a report's plain figures count for the only filesystem measured now.
fn forecast(
    kind: &Kind,
    check: &CheckResult,
    subject: Option<&str>,
    single: bool,
    past: &[(String, Past)],
    current: &Current,
    settings: &Settings,
) -> Option<Finding> {
    // Absolute units when this run has them for the subject; then only runs with the same capacity.
    let absolute = point(0, kind, &check.metrics, subject, true).is_some();
    let now = point(current.started_at_s, kind, &check.metrics, subject, absolute)?;
    let mut points: Vec<(Point, &str)> = past
        .iter()
        .filter_map(|(file, p)| {
            let t = jiff::Timestamp::from_str_rfc3339(&p.run.started_at)?;
            let metrics = &p.checks.iter().find(|c| c.id == kind.check)?.metrics;
            let plain = || if single && subject.is_some() { point(t, kind, metrics, None, absolute) } else { None };
            let pt = point(t, kind, metrics, subject, absolute).or_else(plain)?;
            (!absolute || pt.total == now.total).then_some((pt, file.as_str()))
        })
        .collect();
    points.push((now, ""));
    points.sort_by_key(|(p, _)| p.t);
    let span = now.t - points[0].0.t;
    if points.len() < 2 || span < 3600 || now.free <= 0.0 {
        return None;
    }
    let series: Vec<Point> = points.iter().map(|(p, _)| *p).collect();
    let rate = slope(&series);
    if rate <= 0.0 {
        return None;
    }
    let eta = now.free / rate;
    let days = eta / 86_400.0;
    if days > settings.trend_horizon_days {
        return None;
    }
    let severity = if days <= settings.trend_crit_days {
        Severity::Crit
    } else if days <= settings.trend_warn_days {
        Severity::Warn
    } else {
        Severity::Info
    };
    let lang = current.lang;
    let name = subject.map(str::to_string).unwrap_or_else(|| tr(lang, Msg::TheFilesystem).to_string());
    let message = trf(
        lang,
        if kind.bytes() { Msg::TrendSpace } else { Msg::TrendInodes },
        &[
            ("subject", &name),
            ("eta", &about(lang, eta)),
            ("rate", &amount(kind, absolute, rate * 86_400.0)),
            ("span", &duration(lang, span as f64)),
        ],
    );
    // The oldest and the newest measurements show the growth.
    let shown: Vec<&(Point, &str)> = if points.len() <= 4 {
        points.iter().collect()
    } else {
        points.iter().take(2).chain(points.iter().skip(points.len() - 2)).collect()
    };
    let evidence = shown
        .iter()
        .map(|(p, file)| {
            let used = if absolute {
                format!("{} used, {} free", amount(kind, true, p.used), amount(kind, true, p.free))
            } else {
                format!("{} used", amount(kind, false, p.used))
            };
            let from = if file.is_empty() { "this run".to_string() } else { file.to_string() };
            format!("{}: {used} ({from})", when(p.t))
        })
        .collect();
    Some(Finding { severity, message, subject: subject.map(str::to_string), code: None, evidence, since: None })
}

trait FromRfc3339 {
    fn from_str_rfc3339(s: &str) -> Option<i64>;
}

impl FromRfc3339 for jiff::Timestamp {
    fn from_str_rfc3339(s: &str) -> Option<i64> {
        s.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(metrics: &[(&str, f64)]) -> CheckResult {
        CheckResult {
            id: "disk.usage.space".into(),
            category: "disk".into(),
            title: "Free space on every filesystem".into(),
            status: Status::Ok,
            summary: "ok".into(),
            findings: vec![],
            remediation: None,
            kb: None,
            metrics: metrics.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            duration_ms: 1,
            traces: Vec::new(),
            consequence_of: Vec::new(),
            explained_by: Vec::new(),
            table: None,
        }
    }

    fn past(t: &str, metrics: &[(&str, f64)]) -> (String, Past) {
        let json = serde_json::json!({
            "run": {"started_at": t, "root": "/"},
            "host": {"hostname": "web-1"},
            "checks": [{"id": "disk.usage.space", "metrics": metrics.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>()}],
        });
        (format!("ecs-doctor-{t}.json"), serde_json::from_value(json).unwrap())
    }

    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

    fn catalog() -> Catalog {
        Catalog::load(&[]).unwrap()
    }

    #[test]
    fn the_space_and_inode_checks_have_their_forecast_in_their_check_files() {
        let catalog = catalog();
        let k: Vec<(&str, &str, bool)> =
            kinds(&catalog).iter().map(|k| (k.check, k.trend.free.as_str(), k.bytes())).collect();
        assert_eq!(k, vec![("disk.usage.inodes", "inodes_free", false), ("disk.usage.space", "avail_bytes", true)]);
    }

    fn now() -> Current<'static> {
        Current {
            started_at_s: "2026-11-20T00:00:00Z".parse::<jiff::Timestamp>().unwrap().as_second(),
            hostname: "web-1",
            root: Some("/"),
            lang: Lang::En,
        }
    }

    #[test]
    fn bytes_growing_by_a_gib_a_day_with_three_left_fill_in_three_days() {
        let m = |free: f64| {
            vec![("avail_bytes[/data]", free * GIB), ("size_bytes[/data]", 40.0 * GIB), ("used_percent[/data]", 50.0)]
        };
        let mut checks = vec![check(&m(3.0))];
        let history = vec![past("2026-11-18T00:00:00Z", &m(5.0)), past("2026-11-19T00:00:00Z", &m(4.0))];
        apply(&mut checks, &history, &now(), &Settings::default(), &|_| Some("grow it".into()), &kinds(&catalog()));
        let c = &checks[0];
        assert_eq!(c.findings.len(), 1, "{c:#?}");
        let f = &c.findings[0];
        assert_eq!(f.message, "/data full in about 3 days at the current rate (+1.0 GiB a day over the last 2 days)");
        assert_eq!(f.severity, Severity::Warn);
        assert_eq!(c.status, Status::Warn);
        assert_eq!(c.summary, f.message);
        assert_eq!(c.remediation.as_deref(), Some("grow it"));
        assert_eq!(f.evidence.len(), 3);
        assert!(f.evidence[2].ends_with("37.0 GiB used, 3.0 GiB free (this run)"), "{:?}", f.evidence);
    }

    #[test]
    fn no_forecast_when_too_close_shrinking_resized_or_far_away() {
        let m = |free: f64, size: f64| {
            vec![("avail_bytes[/]", free * GIB), ("size_bytes[/]", size * GIB), ("used_percent[/]", 50.0)]
        };
        let run = |history: Vec<(String, Past)>, cur: Vec<(&str, f64)>| {
            let mut checks = vec![check(&cur)];
            apply(&mut checks, &history, &now(), &Settings::default(), &|_| None, &kinds(&catalog()));
            checks.remove(0)
        };
        // 30 minutes apart: too close.
        assert!(run(vec![past("2026-11-19T23:30:00Z", &m(5.0, 40.0))], m(3.0, 40.0)).findings.is_empty());
        // Shrinking usage.
        assert!(run(vec![past("2026-11-19T00:00:00Z", &m(2.0, 40.0))], m(3.0, 40.0)).findings.is_empty());
        // Resized since: the older run does not count, and one run is not a trend.
        assert!(run(vec![past("2026-11-19T00:00:00Z", &m(5.0, 20.0))], m(3.0, 40.0)).findings.is_empty());
        // 1 GiB in 10 days with 30 left: 300 days, beyond the horizon.
        assert!(run(vec![past("2026-11-10T00:00:00Z", &m(31.0, 40.0))], m(30.0, 40.0)).findings.is_empty());
    }

    #[test]
    fn a_single_filesystem_is_named_and_followed_from_plainly_named_past_runs() {
        // This run names its only filesystem (`avail_bytes[/]`); the older reports named it
        // plainly, as reports did for one filesystem before: they still make the trend.
        let keyed =
            |free: f64| vec![("avail_bytes[/]", free * GIB), ("size_bytes[/]", 40.0 * GIB), ("used_percent[/]", 90.0)];
        let plain = |free: f64| vec![("avail_bytes", free * GIB), ("size_bytes", 40.0 * GIB), ("used_percent", 88.0)];
        let mut checks = vec![check(&keyed(3.0))];
        let history = vec![past("2026-11-18T00:00:00Z", &plain(5.0)), past("2026-11-19T00:00:00Z", &keyed(4.0))];
        apply(&mut checks, &history, &now(), &Settings::default(), &|_| None, &kinds(&catalog()));
        let f = &checks[0].findings[0];
        assert_eq!(f.message, "/ full in about 3 days at the current rate (+1.0 GiB a day over the last 2 days)");
        assert_eq!(f.subject.as_deref(), Some("/"));
        assert_eq!(f.evidence.len(), 3, "{:?}", f.evidence);
        // With two filesystems now, a plain figure of the past could be either: it is left out.
        let mut two = keyed(3.0);
        two.extend([
            ("avail_bytes[/data]", 9.0 * GIB),
            ("size_bytes[/data]", 10.0 * GIB),
            ("used_percent[/data]", 10.0),
        ]);
        let mut checks = vec![check(&two)];
        let history = vec![past("2026-11-18T00:00:00Z", &plain(5.0)), past("2026-11-19T00:00:00Z", &keyed(4.0))];
        apply(&mut checks, &history, &now(), &Settings::default(), &|_| None, &kinds(&catalog()));
        let f = &checks[0].findings[0];
        assert_eq!(f.message, "/ full in about 3 days at the current rate (+1.0 GiB a day over the last 24 hours)");
        assert_eq!(f.evidence.len(), 2, "{:?}", f.evidence);
    }

    #[test]
    fn percentages_when_bytes_are_missing_and_crit_within_a_day() {
        let mut checks = vec![check(&[("used_percent", 96.0)])];
        let history = vec![past("2026-11-19T12:00:00Z", &[("used_percent", 90.0)])];
        let cur = Current { lang: Lang::ZhCn, ..now() };
        apply(&mut checks, &history, &cur, &Settings::default(), &|_| None, &kinds(&catalog()));
        let f = &checks[0].findings[0];
        assert_eq!(f.severity, Severity::Crit);
        assert_eq!(checks[0].status, Status::Crit);
        assert_eq!(f.message, "该文件系统 按当前增长速度约 8 小时后写满（最近 12 小时平均每天增加 12%）");
    }
}
