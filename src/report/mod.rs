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

/// Renders a report in a format: the one place that maps formats to renderers.
pub fn render(report: &Report, format: Format, opts: &text::TextOptions) -> String {
    match format {
        Format::Text if report.diagnosis.is_some() => diagnosis::render_text(report, opts),
        Format::Text => text::render(report, opts),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report, opts),
        Format::Prometheus => prometheus::render(report),
        Format::Nagios => nagios::render(report),
        Format::SummaryJson => summary_json::render_saved(report, opts.saved_to.as_deref()),
        Format::Html => html::render(report, opts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_and_status() {
        let c = Counts { ok: 5, warn: 1, crit: 1, error: 1, skipped: 2 };
        assert_eq!(score(&c), 64.0);
        assert_eq!(overall(&c), OverallStatus::Crit);
        assert_eq!(score(&Counts { crit: 9, ..Default::default() }), 0.0);
        assert_eq!(overall(&Counts { error: 1, ok: 3, ..Default::default() }), OverallStatus::Unknown);
        assert_eq!(overall(&Counts { skipped: 1, ..Default::default() }), OverallStatus::Ok);
    }
}
