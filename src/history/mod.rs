//! The saved reports are the history: this module finds them in the report directory, and its
//! submodules list them (`ecs-doctor history`), compare two (`diff`), forecast from them
//! (`trend`) and keep their number and age bounded (`retention`), so the history never fills
//! the disk it diagnoses.

pub mod diff;
pub mod retention;
pub mod trend;

use crate::i18n::{Msg, Said};
use crate::report::Report;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How much history is kept and how far trends look: the `[history]` table of the config.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Saved reports kept, newest first; older ones are deleted when a report is saved.
    pub keep: usize,
    /// Saved reports older than this many days are deleted when a report is saved.
    pub max_age_days: f64,
    /// Trends use the saved runs of the last this many days.
    pub trend_window_days: f64,
    /// A filesystem predicted to fill within this many days is a warning...
    pub trend_warn_days: f64,
    /// ... within this many days critical ...
    pub trend_crit_days: f64,
    /// ... and within this many days worth mentioning (info); later is not reported.
    pub trend_horizon_days: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            keep: 200,
            max_age_days: 90.0,
            trend_window_days: 7.0,
            trend_warn_days: 7.0,
            trend_crit_days: 1.0,
            trend_horizon_days: 30.0,
        }
    }
}

impl Settings {
    /// Checks the values make sense; the message names the key.
    pub fn validate(&self) -> Result<(), Said> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 { Ok(()) } else { Err(Said::new(Msg::HistoryPositiveDays).arg("name", name)) }
        };
        if self.keep == 0 {
            return Err(Said::new(Msg::HistoryKeep));
        }
        positive("max_age_days", self.max_age_days)?;
        positive("trend_window_days", self.trend_window_days)?;
        positive("trend_warn_days", self.trend_warn_days)?;
        positive("trend_crit_days", self.trend_crit_days)?;
        positive("trend_horizon_days", self.trend_horizon_days)?;
        if !(self.trend_crit_days <= self.trend_warn_days && self.trend_warn_days <= self.trend_horizon_days) {
            return Err(Said::new(Msg::HistoryTrendOrder));
        }
        Ok(())
    }
}

/// A saved report's file name: `ecs-doctor-<YYYYMMDDTHHMMSS>-<8 chars of the run id>.json`.
/// Only such files are history; nothing else in the directory is read or deleted.
pub fn is_report_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("ecs-doctor-").and_then(|r| r.strip_suffix(".json")) else {
        return false;
    };
    let Some((stamp, id)) = rest.split_once('-') else { return false };
    stamp.len() == 15
        && stamp.as_bytes()[8] == b'T'
        && stamp.chars().enumerate().all(|(i, c)| i == 8 || c.is_ascii_digit())
        && !id.is_empty()
        && id.len() <= 8
        && id.chars().all(|c| c.is_ascii_alphanumeric())
}

/// The start time a report's file name carries, as seconds since the epoch.
pub fn stamp_seconds(name: &str) -> Option<i64> {
    let stamp = name.strip_prefix("ecs-doctor-")?.get(..15)?;
    let dt = jiff::civil::DateTime::strptime("%Y%m%dT%H%M%S", stamp).ok()?;
    Some(dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp().as_second())
}

/// The saved reports in `dir`, oldest first by the time in their names (a missing directory
/// has none).
pub fn report_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(is_report_name))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

/// One past run, as `ecs-doctor history` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub file: String,
    pub started_at: String,
    pub hostname: String,
    pub status: crate::report::OverallStatus,
    pub score: f64,
    pub counts: crate::report::Counts,
}

/// Every readable saved report in `dir`, oldest first, and the problems with the unreadable ones.
pub fn load_all(dir: &Path) -> (Vec<(PathBuf, Report)>, Vec<crate::report::ReadError>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for path in report_files(dir) {
        match crate::report::read(&path) {
            Ok(r) => ok.push((path, r)),
            Err(e) => bad.push(e),
        }
    }
    ok.sort_by(|a, b| a.1.run.started_at.cmp(&b.1.run.started_at).then_with(|| a.0.cmp(&b.0)));
    (ok, bad)
}

pub fn entries(runs: &[(PathBuf, Report)]) -> Vec<Entry> {
    runs.iter()
        .map(|(p, r)| Entry {
            file: p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
            started_at: r.run.started_at.clone(),
            hostname: r.host.hostname.clone(),
            status: r.summary.status,
            score: r.summary.score,
            counts: r.summary.counts,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_names() {
        assert!(is_report_name("ecs-doctor-20261120T030000-0b6f7c1e.json"));
        assert!(!is_report_name("latest.json"));
        assert!(!is_report_name(".ecs-doctor-20261120T030000-0b6f7c1e.json.tmp"));
        assert!(!is_report_name("ecs-doctor-2026112XT030000-0b6f7c1e.json"));
        assert!(!is_report_name("ecs-doctor-20261120T030000-../x.json"));
        assert_eq!(stamp_seconds("ecs-doctor-19700101T000100-abc.json"), Some(60));
    }

    #[test]
    fn settings_are_checked() {
        assert!(Settings::default().validate().is_ok());
        let s = Settings { trend_crit_days: 10.0, ..Default::default() };
        assert!(s.validate().is_err());
        assert!(Settings { keep: 0, ..Default::default() }.validate().is_err());
    }
}
