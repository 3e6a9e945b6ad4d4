//! From many runs to one fleet view: one run per machine (its newest), the failing checks ranked
//! by how many machines they hit, the finding subjects likewise (the same full `/data` on forty
//! hosts is one problem), and the worst machines by score.
//!
//! Files are read on a few threads; the result does not depend on their order: a machine's run
//! is chosen by time, then run id, then full report over summary line, then source path, and
//! every list is sorted by a total order.

use super::read::{self, HostRun, ReadStats, Unreadable};
use crate::report::{Counts, OverallStatus, Status};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

pub const SCHEMA: &str = "ecs-doctor/fleet-summary/v1";

/// How much of each list the summary keeps.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Problems and subjects listed.
    pub top: usize,
    /// Worst hosts listed.
    pub worst: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { top: 20, worst: 10 }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FleetSummary {
    pub schema: String,
    pub inputs: Inputs,
    pub hosts: HostCounts,
    pub score: ScoreStats,
    /// Failing checks, most hosts first.
    pub problems: Vec<Problem>,
    /// Problems not listed (beyond `--top`).
    pub problems_more: usize,
    /// (check, finding subject) pairs, most hosts first.
    pub subjects: Vec<SubjectGroup>,
    pub subjects_more: usize,
    /// The hosts with the lowest scores (only hosts that are not ok).
    pub worst: Vec<HostRow>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Inputs {
    pub files: u64,
    pub reports: u64,
    pub summary_lines: u64,
    /// Lines of line-oriented files that are not JSON (captured stderr and the like).
    pub ignored_lines: u64,
    /// The same run read twice (its report and its summary line): counted once.
    pub duplicate_runs: u64,
    /// Older runs of a machine that has a newer one: not counted.
    pub older_runs: u64,
    /// Files, lines or documents skipped, with why.
    pub unreadable: Vec<Unreadable>,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct HostCounts {
    pub total: u64,
    pub ok: u64,
    pub warn: u64,
    pub crit: u64,
    pub unknown: u64,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ScoreStats {
    pub mean: f64,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub check: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub hosts: usize,
    /// Share of all hosts, in percent.
    pub percent: f64,
    pub crit: usize,
    pub warn: usize,
    pub error: usize,
    /// Every host it hits, by name.
    pub host_names: Vec<String>,
    /// A finding message from one of the hosts where it is most severe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectGroup {
    pub check: String,
    pub subject: String,
    pub hosts: usize,
    pub host_names: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostRow {
    pub host: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    pub status: OverallStatus,
    pub score: f64,
    pub counts: Counts,
    pub failing: Vec<String>,
    pub run_id: String,
    pub started_at: String,
    pub source: String,
}

/// Reads every input on `threads` threads and builds the summary.
pub fn summarize(inputs: &[PathBuf], limits: Limits, threads: usize) -> FleetSummary {
    let mut unreadable = Vec::new();
    let files = read::expand(inputs, &mut unreadable);
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::sync_channel::<Item>(1024);
    let mut agg = Aggregator::default();
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, 16).min(files.len().max(1)) {
            let tx = tx.clone();
            let (files, next) = (&files, &next);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let stats = read::read_file(
                        path,
                        &mut |r| {
                            let _ = tx.send(Item::Run(Box::new(r)));
                        },
                        &mut |u| {
                            let _ = tx.send(Item::Unreadable(u));
                        },
                    );
                    let _ = tx.send(Item::Stats(stats));
                }
            });
        }
        drop(tx);
        for item in rx {
            agg.add(item);
        }
    });
    agg.unreadable.extend(unreadable);
    agg.finish(limits)
}

enum Item {
    Run(Box<HostRun>),
    Unreadable(Unreadable),
    Stats(ReadStats),
}

#[derive(Default)]
struct Aggregator {
    hosts: HashMap<String, HostRun>,
    stats: ReadStats,
    unreadable: Vec<Unreadable>,
    duplicate_runs: u64,
    older_runs: u64,
}

/// Which of two runs of one machine the summary keeps: the newer, then the fuller, then the
/// first by source (a total order, so reading order does not matter).
fn better(a: &HostRun, b: &HostRun) -> bool {
    (&a.started_at, &a.run_id, a.full, std::cmp::Reverse((&a.source, a.line)))
        > (&b.started_at, &b.run_id, b.full, std::cmp::Reverse((&b.source, b.line)))
}

impl Aggregator {
    fn add(&mut self, item: Item) {
        match item {
            Item::Stats(s) => self.stats.add(&s),
            Item::Unreadable(u) => self.unreadable.push(u),
            Item::Run(run) => {
                let run = *run;
                match self.hosts.get_mut(&run.key()) {
                    None => {
                        self.hosts.insert(run.key(), run);
                    }
                    Some(kept) => {
                        if kept.run_id == run.run_id {
                            self.duplicate_runs += 1;
                        } else {
                            self.older_runs += 1;
                        }
                        if better(&run, kept) {
                            *kept = run;
                        }
                    }
                }
            }
        }
    }

    fn finish(mut self, limits: Limits) -> FleetSummary {
        let mut runs: Vec<HostRun> = self.hosts.into_values().collect();
        runs.sort_by(|a, b| a.label().cmp(&b.label()).then_with(|| a.key().cmp(&b.key())));
        let total = runs.len();

        let mut hosts = HostCounts { total: total as u64, ..Default::default() };
        for r in &runs {
            match r.status {
                OverallStatus::Ok => hosts.ok += 1,
                OverallStatus::Warn => hosts.warn += 1,
                OverallStatus::Crit => hosts.crit += 1,
                OverallStatus::Unknown => hosts.unknown += 1,
            }
        }
        let mut scores: Vec<f64> = runs.iter().map(|r| r.score).filter(|s| s.is_finite()).collect();
        scores.sort_by(f64::total_cmp);
        let score = if scores.is_empty() {
            ScoreStats::default()
        } else {
            let n = scores.len();
            let median = if n % 2 == 1 { scores[n / 2] } else { (scores[n / 2 - 1] + scores[n / 2]) / 2.0 };
            ScoreStats {
                mean: round1(scores.iter().sum::<f64>() / n as f64),
                median: round1(median),
                min: scores[0],
                max: scores[n - 1],
            }
        };

        // Problems and subjects, in label order of hosts (runs is sorted by label).
        let mut problems: BTreeMap<&str, Problem> = BTreeMap::new();
        let mut examples: HashMap<&str, Status> = HashMap::new();
        let mut subjects: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        for r in &runs {
            let label = r.label();
            for f in &r.failing {
                let p = problems.entry(&f.id).or_insert_with(|| Problem {
                    check: f.id.clone(),
                    title: None,
                    hosts: 0,
                    percent: 0.0,
                    crit: 0,
                    warn: 0,
                    error: 0,
                    host_names: Vec::new(),
                    example: None,
                });
                if p.host_names.last() == Some(&label) {
                    continue; // a check listed twice in one run
                }
                p.hosts += 1;
                p.host_names.push(label.clone());
                match f.status {
                    Status::Crit => p.crit += 1,
                    Status::Warn => p.warn += 1,
                    _ => p.error += 1,
                }
                if p.title.is_none() {
                    p.title = f.title.clone();
                }
                let worst = examples.entry(&f.id).or_insert(Status::Ok);
                if f.message.is_some() && f.status > *worst {
                    *worst = f.status;
                    p.example = f.message.clone();
                }
                for s in &f.subjects {
                    let names = subjects.entry((&f.id, s)).or_default();
                    if names.last() != Some(&label) {
                        names.push(label.clone());
                    }
                }
            }
        }
        let mut problems: Vec<Problem> = problems.into_values().collect();
        for p in &mut problems {
            p.percent = if total == 0 { 0.0 } else { round1(100.0 * p.hosts as f64 / total as f64) };
        }
        problems.sort_by(|a, b| {
            b.hosts.cmp(&a.hosts).then(b.crit.cmp(&a.crit)).then(b.warn.cmp(&a.warn)).then(a.check.cmp(&b.check))
        });
        let problems_more = problems.len().saturating_sub(limits.top);
        problems.truncate(limits.top);

        let mut subjects: Vec<SubjectGroup> = subjects
            .into_iter()
            .map(|((check, subject), host_names)| SubjectGroup {
                check: check.to_string(),
                subject: subject.to_string(),
                hosts: host_names.len(),
                host_names,
            })
            .collect();
        subjects.sort_by(|a, b| {
            b.hosts.cmp(&a.hosts).then_with(|| a.check.cmp(&b.check)).then_with(|| a.subject.cmp(&b.subject))
        });
        let subjects_more = subjects.len().saturating_sub(limits.top);
        subjects.truncate(limits.top);

        let mut worst: Vec<&HostRun> = runs.iter().filter(|r| r.status != OverallStatus::Ok).collect();
        worst.sort_by(|a, b| {
            a.score
                .total_cmp(&b.score)
                .then(b.counts.crit.cmp(&a.counts.crit))
                .then(b.counts.warn.cmp(&a.counts.warn))
                .then(b.counts.error.cmp(&a.counts.error))
        });
        let worst = worst
            .into_iter()
            .take(limits.worst)
            .map(|r| HostRow {
                host: r.host.clone(),
                instance_id: r.instance_id.clone(),
                status: r.status,
                score: r.score,
                counts: r.counts,
                failing: r.failing.iter().map(|f| f.id.clone()).collect(),
                run_id: r.run_id.clone(),
                started_at: r.started_at.clone(),
                source: match r.line {
                    Some(l) if !r.full || l > 1 => format!("{}:{l}", r.source.display()),
                    _ => r.source.display().to_string(),
                },
            })
            .collect();

        self.unreadable.sort();
        FleetSummary {
            schema: SCHEMA.into(),
            inputs: Inputs {
                files: self.stats.files,
                reports: self.stats.reports,
                summary_lines: self.stats.summary_lines,
                ignored_lines: self.stats.ignored_lines,
                duplicate_runs: self.duplicate_runs,
                older_runs: self.older_runs,
                unreadable: self.unreadable,
            },
            hosts,
            score,
            problems,
            problems_more,
            subjects,
            subjects_more,
            worst,
        }
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(host: &str, run: &str, at: &str, score: f64, failing: &[(&str, &str, &str)]) -> String {
        let f: Vec<serde_json::Value> = failing
            .iter()
            .map(|(id, st, subj)| serde_json::json!({"id": id, "status": st, "findings": 1, "subject": subj, "message": format!("{id} on {subj}")}))
            .collect();
        let status = if failing.iter().any(|x| x.1 == "crit") {
            "crit"
        } else if failing.is_empty() {
            "ok"
        } else {
            "warn"
        };
        serde_json::json!({"schema": "ecs-doctor/summary/v1", "host": host, "run_id": run, "started_at": at,
            "status": status, "score": score, "counts": {"ok": 1, "warn": 0, "crit": 0, "error": 0, "skipped": 0},
            "failing": f, "truncated": false})
        .to_string()
    }

    #[test]
    fn groups_ranks_and_keeps_the_newest_run() {
        let dir = tempfile::tempdir().unwrap();
        let lines = [
            line("a", "a1", "2026-01-01T00:00:00Z", 75.0, &[("disk.usage.space", "crit", "/data")]),
            // An older run of a: a1 is newer, so a0's problem must not count.
            line("a", "a0", "2025-12-31T00:00:00Z", 0.0, &[("sys.cpu.load", "crit", "CPU load")]),
            line(
                "b",
                "b1",
                "2026-01-01T00:00:00Z",
                67.0,
                &[("disk.usage.space", "crit", "/data"), ("net.dns.resolv-conf", "warn", "/etc/resolv.conf")],
            ),
            line("c", "c1", "2026-01-01T00:00:00Z", 92.0, &[("disk.usage.space", "warn", "/var")]),
            line("d", "d1", "2026-01-01T00:00:00Z", 100.0, &[]),
        ];
        std::fs::write(dir.path().join("x.jsonl"), lines.join("\n")).unwrap();
        std::fs::write(dir.path().join("dup.jsonl"), &lines[2]).unwrap();
        std::fs::write(dir.path().join("bad.json"), "{\"schema\":").unwrap();
        let s = summarize(&[dir.path().to_path_buf()], Limits::default(), 2);
        assert_eq!(s.hosts.total, 4);
        assert_eq!((s.hosts.crit, s.hosts.warn, s.hosts.ok), (2, 1, 1));
        assert_eq!(s.inputs.older_runs, 1);
        assert_eq!(s.inputs.duplicate_runs, 1);
        assert_eq!(s.inputs.unreadable.len(), 1);
        assert!(s.inputs.unreadable[0].truncated);
        assert_eq!(s.problems[0].check, "disk.usage.space");
        assert_eq!(s.problems[0].host_names, ["a", "b", "c"]);
        assert_eq!((s.problems[0].crit, s.problems[0].warn), (2, 1));
        assert_eq!(s.problems[0].percent, 75.0);
        assert!(s.problems.iter().all(|p| p.check != "sys.cpu.load"), "older run dropped");
        assert_eq!(s.subjects[0].subject, "/data");
        assert_eq!(s.subjects[0].host_names, ["a", "b"]);
        let worst: Vec<&str> = s.worst.iter().map(|h| h.host.as_str()).collect();
        assert_eq!(worst, ["b", "a", "c"]);
        assert_eq!(s.score.median, 83.5);
    }
}
