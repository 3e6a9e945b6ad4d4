//! The report: the model that serialises exactly to report v1 (schema/report-v1.schema.json),
//! the score, saving, and one renderer per format.

pub mod diagnosis;
pub mod html;
pub mod json;
pub mod markdown;
pub mod nagios;
pub mod prometheus;
pub mod read;
pub mod save;
pub mod summary_json;
pub mod text;

pub use read::{ReadError, read};

use crate::host::facts::{OsInfo, Provider};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA: &str = "ecs-doctor/report/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Skipped,
    Error,
    Warn,
    Crit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warn,
    Crit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OverallStatus {
    Ok,
    Warn,
    Crit,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub tool: Tool,
    pub run: Run,
    pub host: HostInfo,
    pub summary: Summary,
    pub checks: Vec<CheckResult>,
    /// One complaint walked in order (`ecs-doctor why`); absent from a plain run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<diagnosis::Diagnosis>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub id: String,
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: u64,
    pub deadline_ms: u64,
    pub privileged: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub argv: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostInfo {
    pub hostname: String,
    pub os: OsInfo,
    pub kernel: String,
    pub arch: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_s: Option<u64>,
    pub cloud: Cloud,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cloud {
    pub provider: Provider,
    /// Identity from the metadata service (instance_id, region_id, ...), when known.
    #[serde(flatten)]
    pub identity: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub status: OverallStatus,
    pub counts: Counts,
    pub score: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub ok: u32,
    pub warn: u32,
    pub crit: u32,
    pub error: u32,
    pub skipped: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub category: String,
    pub title: String,
    pub status: Status,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kb: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, f64>,
    pub duration_ms: u64,
    /// Per-round samples of each traced target (`net.path.loss`), in the shape of
    /// `ecs-doctor trace --format json`, so the HTML report can draw the latency heatmap. An
    /// extra property of the check object: report v1 allows it, older readers ignore it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub traces: Vec<crate::trace::TraceData>,
    /// The failing checks of the same run that explain this one's problems (its root cause is
    /// elsewhere): set by [`mark_consequences`] after the run. Absent when this check is fine or
    /// a root cause itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consequence_of: Vec<String>,
    /// For each problem (a warn or crit finding, or the error that stopped the check): the checks
    /// whose failure would explain it, from the check file's `depends_on`. Not part of the report.
    #[serde(skip)]
    pub explained_by: Vec<Vec<String>>,
    /// A table the check shows in every format (`sec.login.matrix`: one row per account). An
    /// extra property of the check object, like `traces`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<Table>,
}

/// A small table of a check's result, in the run's language: headers and rows of cells.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
}

/// Whether a check's result is a failure another check's problem can be explained by.
pub fn fails(s: Status) -> bool {
    matches!(s, Status::Warn | Status::Crit)
}

/// Marks each failing check whose every problem is explained by a failing dependency in the same
/// run as a consequence of those dependencies. A check with a problem none of its dependencies
/// explains stays a root cause.
pub fn mark_consequences(checks: &mut [CheckResult]) {
    let failing: std::collections::BTreeSet<String> =
        checks.iter().filter(|c| fails(c.status)).map(|c| c.id.clone()).collect();
    for c in checks.iter_mut() {
        c.consequence_of.clear();
        if !(fails(c.status) || c.status == Status::Error) || c.explained_by.is_empty() {
            continue;
        }
        let explained = c.explained_by.iter().all(|deps| deps.iter().any(|d| failing.contains(d)));
        if !explained {
            continue;
        }
        let mut of: Vec<String> = Vec::new();
        for d in c.explained_by.iter().flatten() {
            if failing.contains(d) && !of.contains(d) && *d != c.id {
                of.push(d.clone());
            }
        }
        c.consequence_of = of;
    }
    // A dependency that is itself explained by another one listed beside it adds nothing: the
    // unreachable endpoint is the dead resolver's consequence only through the missing route.
    let edges: BTreeMap<String, Vec<String>> =
        checks.iter().map(|c| (c.id.clone(), c.consequence_of.clone())).collect();
    let reaches = |from: &str, to: &str| {
        let mut stack = vec![from.to_string()];
        let mut seen = std::collections::BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n.clone()) {
                stack.extend(edges.get(&n).into_iter().flatten().cloned());
            }
        }
        false
    };
    for c in checks.iter_mut() {
        let all = c.consequence_of.clone();
        c.consequence_of.retain(|d| !all.iter().any(|e| e != d && reaches(d, e)));
    }
}

/// Root causes and consequences among the failing checks (warn, crit, error) of a report.
#[derive(Debug, Clone, Default)]
pub struct Causes<'a> {
    /// Failing checks that are not consequences, in report order; those that explain another
    /// check first.
    pub roots: Vec<&'a CheckResult>,
    pub consequences: Vec<&'a CheckResult>,
}

impl<'a> Causes<'a> {
    pub fn of(report: &'a Report) -> Causes<'a> {
        let bad = |c: &&CheckResult| fails(c.status) || c.status == Status::Error;
        let consequences: Vec<&CheckResult> =
            report.checks.iter().filter(bad).filter(|c| !c.consequence_of.is_empty()).collect();
        let mut roots: Vec<&CheckResult> =
            report.checks.iter().filter(bad).filter(|c| c.consequence_of.is_empty()).collect();
        roots.sort_by_key(|r| {
            (!consequences.iter().any(|c| c.consequence_of.contains(&r.id)), std::cmp::Reverse(r.status))
        });
        Causes { roots, consequences }
    }

    /// Whether the report has any consequence at all (else renderers show nothing new).
    pub fn any(&self) -> bool {
        !self.consequences.is_empty()
    }

    /// The checks `root` directly explains.
    pub fn explained_by(&self, root: &str) -> Vec<&'a CheckResult> {
        self.consequences.iter().copied().filter(|c| c.consequence_of.iter().any(|d| d == root)).collect()
    }

    /// The failing checks `root` explains, directly or through another consequence, each with
    /// its depth below `root` (1 = directly), depth first, every check once.
    pub fn tree(&self, root: &str) -> Vec<(usize, &'a CheckResult)> {
        let mut out: Vec<(usize, &CheckResult)> = Vec::new();
        let mut stack: Vec<(usize, &CheckResult)> = self.explained_by(root).into_iter().rev().map(|c| (1, c)).collect();
        while let Some((depth, c)) = stack.pop() {
            if c.id == root || out.iter().any(|(_, o)| o.id == c.id) {
                continue;
            }
            out.push((depth, c));
            for next in self.explained_by(&c.id).into_iter().rev() {
                stack.push((depth + 1, next));
            }
        }
        out
    }

    /// The root causes that explain at least one other check.
    pub fn explaining(&self) -> Vec<&'a CheckResult> {
        self.roots.iter().copied().filter(|r| !self.explained_by(&r.id).is_empty()).collect()
    }
}

impl Counts {
    pub fn of(checks: &[CheckResult]) -> Counts {
        let mut c = Counts::default();
        for r in checks {
            match r.status {
                Status::Ok => c.ok += 1,
                Status::Warn => c.warn += 1,
                Status::Crit => c.crit += 1,
                Status::Error => c.error += 1,
                Status::Skipped => c.skipped += 1,
            }
        }
        c
    }
}

/// The health score, documented in the README: start at 100, take 25 for each crit check,
/// 8 for each warn and 3 for each check that could not finish; never below 0.
pub fn score(c: &Counts) -> f64 {
    let penalty = 25.0 * c.crit as f64 + 8.0 * c.warn as f64 + 3.0 * c.error as f64;
    (100.0 - penalty).max(0.0)
}

/// crit if any check is crit; else warn if any is warn; else unknown if any is error; else ok.
pub fn overall(c: &Counts) -> OverallStatus {
    if c.crit > 0 {
        OverallStatus::Crit
    } else if c.warn > 0 {
        OverallStatus::Warn
    } else if c.error > 0 {
        OverallStatus::Unknown
    } else {
        OverallStatus::Ok
    }
}

impl Summary {
    pub fn of(checks: &[CheckResult]) -> Summary {
        let counts = Counts::of(checks);
        Summary { status: overall(&counts), counts, score: score(&counts) }
    }
}

impl OverallStatus {
    pub fn exit_status(self) -> crate::exit::ExitStatus {
        use crate::exit::ExitStatus;
        match self {
            OverallStatus::Ok => ExitStatus::Ok,
            OverallStatus::Warn => ExitStatus::Warning,
            OverallStatus::Crit => ExitStatus::Critical,
            OverallStatus::Unknown => ExitStatus::Unknown,
        }
    }
}

/// The output formats of `run` and `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Grouped terminal report.
    #[default]
    Text,
    /// Exactly report v1.
    Json,
    /// For pasting into a ticket.
    Markdown,
    /// node_exporter textfile-collector gauges.
    Prometheus,
    /// One Nagios plugin status line with perf data.
    Nagios,
    /// One line of JSON under 24 KB (status, score, failing checks), for Cloud Assistant and log shippers.
    SummaryJson,
    /// One self-contained HTML page (inline CSS and SVG charts) to read in a browser or forward.
    Html,
}

/// Renders a report in a format: the one place that maps formats to renderers. Every format
/// for people (text, Markdown, HTML, Nagios, Prometheus) renders the report made inert
/// ([`Report::inert`]); the JSON formats keep the exact text (JSON escapes it, [`crate::fmt::json_inert`]
/// also the C1 and bidi characters serde leaves raw).
pub fn render(report: &Report, format: Format, opts: &text::TextOptions) -> String {
    match format {
        Format::Text if report.diagnosis.is_some() => diagnosis::render_text(&report.inert(), opts),
        Format::Text => text::render(&report.inert(), opts),
        Format::Json => crate::fmt::json_inert(json::render(report)),
        Format::Markdown => markdown::render(&report.inert(), opts),
        Format::Prometheus => prometheus::render(&report.inert()),
        Format::Nagios => nagios::render(&report.inert()),
        Format::SummaryJson => crate::fmt::json_inert(summary_json::render_saved(report, opts.saved_to.as_deref())),
        Format::Html => html::render(&report.inert(), opts),
    }
}

impl Report {
    /// A copy whose every string that may come from the examined system (host fields, titles,
    /// summaries, findings, evidence, tables, fixes, traced targets and reverse DNS names) is
    /// made inert by [`crate::fmt::inert`]: what renderers for a terminal or a page print.
    pub fn inert(&self) -> Report {
        use crate::fmt::{inert, inert_lines};
        let one = |s: &mut String| {
            if let std::borrow::Cow::Owned(o) = inert(s) {
                *s = o;
            }
        };
        let mut r = self.clone();
        one(&mut r.host.hostname);
        one(&mut r.host.kernel);
        one(&mut r.host.arch);
        one(&mut r.host.os.pretty_name);
        one(&mut r.host.os.id);
        if let Some(v) = &mut r.host.os.version_id {
            one(v);
        }
        r.host.cloud.identity = r.host.cloud.identity.iter().map(|(k, v)| (inert(k).into(), inert(v).into())).collect();
        r.run.argv.iter_mut().for_each(one);
        if let Some(root) = &mut r.run.root {
            one(root);
        }
        if let Some(d) = &mut r.diagnosis {
            // `why ssh --user NAME`: the subject is what the user typed, the rest are ids.
            if let Some(subject) = &mut d.subject {
                one(subject);
            }
            d.outside.iter_mut().for_each(one);
            // A saved report read back (`report --format html`) may have been edited.
            one(&mut d.symptom);
            if let Some(cause) = &mut d.cause {
                one(cause);
            }
            for s in &mut d.steps {
                one(&mut s.check);
                s.subjects.iter_mut().for_each(one);
            }
        }
        for c in &mut r.checks {
            one(&mut c.id);
            one(&mut c.title);
            one(&mut c.summary);
            if let Some(fix) = &mut c.remediation {
                *fix = inert_lines(fix);
            }
            if let Some(kb) = &mut c.kb {
                one(kb);
            }
            if let Some(t) = &mut c.table {
                t.columns.iter_mut().for_each(one);
                t.rows.iter_mut().flatten().for_each(one);
            }
            for t in &mut c.traces {
                one(&mut t.target);
                one(&mut t.protocol);
                // Reverse DNS names are answers from the network.
                t.hops.iter_mut().filter_map(|h| h.name.as_mut()).for_each(one);
            }
            for f in &mut c.findings {
                one(&mut f.message);
                f.evidence.iter_mut().for_each(one);
                for s in [&mut f.subject, &mut f.code, &mut f.since].into_iter().flatten() {
                    one(s);
                }
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, status: Status, explained_by: &[&[&str]]) -> CheckResult {
        CheckResult {
            id: id.into(),
            category: "net".into(),
            title: id.into(),
            status,
            summary: "s".into(),
            findings: Vec::new(),
            remediation: None,
            kb: None,
            metrics: BTreeMap::new(),
            duration_ms: 0,
            traces: Vec::new(),
            table: None,
            consequence_of: Vec::new(),
            explained_by: explained_by.iter().map(|d| d.iter().map(|s| s.to_string()).collect()).collect(),
        }
    }

    /// No address explains no route, which explains the dead resolver and the unreachable
    /// metadata service; the time check's "no daemon" problem is explained by nothing, and a
    /// dependency that passed explains nothing.
    #[test]
    fn consequences_follow_failing_dependencies_only() {
        let mut checks = vec![
            result("net.addr.assigned", Status::Crit, &[&["net.link.state"]]),
            result("net.link.state", Status::Ok, &[]),
            result("net.route.default", Status::Crit, &[&["net.addr.assigned"]]),
            result("net.dns.resolver-reachable", Status::Crit, &[&["net.route.default"], &["net.route.default"]]),
            result("net.metadata.reachable", Status::Error, &[&["net.route.default"]]),
            result("net.time.sync", Status::Warn, &[&["net.route.default"], &[]]),
            result("net.reach.targets", Status::Crit, &[&["net.route.default", "net.dns.resolver-reachable"]]),
            result("sys.cpu.load", Status::Warn, &[]),
        ];
        mark_consequences(&mut checks);
        let of = |id: &str| checks.iter().find(|c| c.id == id).map(|c| c.consequence_of.clone()).unwrap_or_default();
        assert!(of("net.addr.assigned").is_empty(), "its dependency passed");
        assert_eq!(of("net.route.default"), ["net.addr.assigned"]);
        assert_eq!(of("net.dns.resolver-reachable"), ["net.route.default"]);
        assert_eq!(of("net.metadata.reachable"), ["net.route.default"], "an unfinished check is explained too");
        assert!(of("net.time.sync").is_empty(), "one of its problems has no explanation");
        assert!(of("sys.cpu.load").is_empty());
        assert_eq!(of("net.reach.targets"), ["net.route.default"], "the resolver is itself the route's consequence");

        let report = Report {
            schema: SCHEMA.into(),
            tool: Tool { name: "ecs-doctor".into(), version: "0".into() },
            run: Run {
                id: "12345678".into(),
                started_at: "2026-01-01T00:00:00Z".into(),
                finished_at: "2026-01-01T00:00:01Z".into(),
                duration_ms: 1,
                deadline_ms: 1,
                privileged: false,
                root: None,
                argv: Vec::new(),
            },
            host: HostInfo {
                hostname: "h".into(),
                os: OsInfo { id: "debian".into(), version_id: None, pretty_name: "Debian".into() },
                kernel: "k".into(),
                arch: "x86_64".into(),
                uptime_s: None,
                cloud: Cloud { provider: Provider::None, identity: BTreeMap::new() },
            },
            summary: Summary::of(&checks),
            checks,
            diagnosis: None,
        };
        let causes = Causes::of(&report);
        let ids = |v: &[&CheckResult]| v.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(&causes.roots),
            ["net.addr.assigned", "net.time.sync", "sys.cpu.load"],
            "the explaining root first"
        );
        assert_eq!(causes.consequences.len(), 4);
        assert_eq!(ids(&causes.explaining()), ["net.addr.assigned"]);
        let tree: Vec<(usize, String)> =
            causes.tree("net.addr.assigned").into_iter().map(|(d, c)| (d, c.id.clone())).collect();
        assert_eq!(
            tree,
            [
                (1, "net.route.default".to_string()),
                (2, "net.dns.resolver-reachable".to_string()),
                (2, "net.metadata.reachable".to_string()),
                (2, "net.reach.targets".to_string())
            ]
        );
        assert_eq!(text::counts_line(&causes, crate::i18n::Lang::En), "3 root causes, 4 consequences");
    }

    #[test]
    fn score_and_status() {
        let c = Counts { ok: 5, warn: 1, crit: 1, error: 1, skipped: 2 };
        assert_eq!(score(&c), 64.0);
        assert_eq!(overall(&c), OverallStatus::Crit);
        assert_eq!(score(&Counts { crit: 9, ..Default::default() }), 0.0);
        assert_eq!(overall(&Counts { error: 1, ok: 3, ..Default::default() }), OverallStatus::Unknown);
        assert_eq!(overall(&Counts { skipped: 1, ..Default::default() }), OverallStatus::Ok);
    }

    /// Strings an attacker who owns the examined box can plant (process names, cron lines, file
    /// names, log lines, host names, DNS answers).
    pub(crate) const HOSTILE: &[&str] = &[
        "\x1b[31mred\x1b[0m",
        "\x1b]0;pwned title\x07",
        "\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\",
        "miner\x1b[1A\x1b[2K\x1b[10D",
        "xmrig --donate 0\rkworker/0:1  ",
        "cryptominer\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08sshd",
        "invoice\u{202e}fdp.sh\u{2066}x\u{2069}\u{200f}",
        "nul\0in the middle",
        "c1 csi \u{9b}2J and \u{85} next line",
        "forged\n  [✓] sec.malware — nothing found",
        "lossy \u{fffd}\u{fffd} bytes",
        "``` fence ```` breakout\n```\n# Injected heading",
    ];

    #[test]
    fn hostile_text_reaches_no_format_raw() {
        use crate::host::facts::{OsInfo, Provider};
        let h = HOSTILE.join(" ");
        let findings: Vec<Finding> = HOSTILE
            .iter()
            .map(|s| Finding {
                severity: Severity::Crit,
                message: format!("suspicious process {s}"),
                subject: Some(s.to_string()),
                code: Some("proc.tmp".into()),
                evidence: vec![s.to_string(), format!("* * * * * root {s}")],
                since: None,
            })
            .collect();
        let check = CheckResult {
            id: "sec.proc.suspicious".into(),
            category: "sec".into(),
            title: format!("Suspicious {}", HOSTILE[0]),
            status: Status::Crit,
            summary: h.clone(),
            findings,
            remediation: Some(format!("kill {}", HOSTILE[4])),
            kb: None,
            metrics: Default::default(),
            duration_ms: 1,
            traces: vec![],
            table: Some(Table {
                columns: vec!["user".into()],
                rows: HOSTILE.iter().map(|s| vec![s.to_string()]).collect(),
            }),
            consequence_of: vec![],
            explained_by: vec![],
        };
        let checks = vec![check];
        let report = Report {
            schema: SCHEMA.into(),
            tool: Tool { name: "ecs-doctor".into(), version: "0".into() },
            run: Run {
                id: "r".into(),
                started_at: "2026-11-20T03:00:00Z".into(),
                finished_at: "2026-11-20T03:00:01Z".into(),
                duration_ms: 1,
                deadline_ms: 1,
                privileged: true,
                root: Some(HOSTILE[6].into()),
                argv: vec![],
            },
            host: HostInfo {
                hostname: HOSTILE[1].into(),
                os: OsInfo { id: "debian".into(), version_id: None, pretty_name: HOSTILE[2].into() },
                kernel: HOSTILE[3].into(),
                arch: "x86_64".into(),
                uptime_s: None,
                cloud: Cloud {
                    provider: Provider::Alibaba,
                    identity: [("instance_id".into(), HOSTILE[7].into())].into(),
                },
            },
            summary: Summary::of(&checks),
            checks,
            diagnosis: None,
        };
        // The same through `why`'s text: the user name asked about and what to check outside.
        let mut why = report.clone();
        why.diagnosis = Some(diagnosis::Diagnosis {
            symptom: "ssh".into(),
            subject: Some(HOSTILE[1].into()),
            steps: vec![diagnosis::Step {
                check: "sec.proc.suspicious".into(),
                status: Status::Crit,
                subjects: vec!["x\u{1b}[2J".into()],
            }],
            cause: Some("sec.proc.suspicious".into()),
            outside: vec![HOSTILE[9].into()],
        });
        let raw = |c: char| {
            (c.is_control() && c != '\n' && c != '\t') || ('\u{2028}'..='\u{2069}').contains(&c) || c == '\u{200f}'
        };
        for format in [
            Format::Text,
            Format::Markdown,
            Format::Html,
            Format::Nagios,
            Format::Prometheus,
            Format::SummaryJson,
            Format::Json,
        ] {
            for (verbose, report) in [(false, &report), (true, &report), (false, &why), (true, &why)] {
                let opts = text::TextOptions { verbose, ..Default::default() };
                let out = render(report, format, &opts);
                let bad: Vec<(usize, char)> = out.char_indices().filter(|(_, c)| raw(*c)).collect();
                assert!(bad.is_empty(), "{format:?}: raw {bad:?} in\n{out}");
                // No line of the system's text became a line of the report.
                assert!(!out.lines().any(|l| l.starts_with("  [✓] sec.malware")), "{format:?}:\n{out}");
                assert!(!out.lines().any(|l| l == "# Injected heading"), "{format:?}:\n{out}");
            }
        }
        // Shown visibly.
        let text = render(&report, Format::Text, &text::TextOptions { verbose: true, ..Default::default() });
        assert!(text.contains("\\x1b]0;pwned title\\x07"), "{text}");
        assert!(text.contains("invoice\\u{202e}fdp.sh"), "{text}");
        // Markdown: evidence stays inside a fence longer than any backtick run in it.
        let md = render(&report, Format::Markdown, &Default::default());
        assert!(md.contains("`````text"), "{md}");
        // JSON keeps the exact text.
        let back: Report = serde_json::from_str(&render(&report, Format::Json, &Default::default())).unwrap();
        assert_eq!(back, report);
        assert_eq!(back.checks[0].findings[3].evidence[0], HOSTILE[3]);
    }
}
