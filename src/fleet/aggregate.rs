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
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
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
    /// A finding message of this check: the most severe read (ties: the first in text order).
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
    let (tx, rx) = mpsc::sync_channel::<Item>(256);
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

/// Strings a fleet repeats (check ids, subjects, source files), stored once and named by index.
#[derive(Default)]
struct Interner {
    index: HashMap<Rc<str>, u32>,
    names: Vec<Rc<str>>,
}

impl Interner {
    fn get(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let name: Rc<str> = Rc::from(s);
        let i = self.names.len() as u32;
        self.names.push(name.clone());
        self.index.insert(name, i);
        i
    }

    fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }
}

/// What the summary keeps of a machine's run: about a hundred bytes plus four per subject,
/// whatever the size of the report it came from.
struct Kept {
    host: Box<str>,
    instance_id: Option<Box<str>>,
    run_id: Box<str>,
    started_at: Box<str>,
    status: OverallStatus,
    score: f64,
    counts: Counts,
    full: bool,
    source: u32,
    line: Option<u64>,
    failing: Box<[KeptFailing]>,
}

struct KeptFailing {
    check: u32,
    status: Status,
    subjects: Box<[u32]>,
}

impl Kept {
    fn label(&self) -> String {
        match &self.instance_id {
            Some(id) if id != &self.host => format!("{} ({id})", self.host),
            _ => self.host.to_string(),
        }
    }
}

#[derive(Default)]
struct Aggregator {
    hosts: HashMap<String, Kept>,
    strings: Interner,
    /// Per check: its title and its most severe message (ties: the smallest text), so the
    /// choice does not depend on reading order.
    titles: HashMap<u32, Box<str>>,
    examples: HashMap<u32, (Status, Box<str>)>,
    stats: ReadStats,
    unreadable: Vec<Unreadable>,
    duplicate_runs: u64,
    older_runs: u64,
}

impl Aggregator {
    /// Which of two runs of one machine the summary keeps: the newer, then the fuller, then the
    /// first by source (a total order, so reading order does not matter).
    fn better(&self, a: &Kept, b: &Kept) -> bool {
        let src = |k: &Kept| (self.strings.name(k.source).to_string(), k.line);
        (&a.started_at, &a.run_id, a.full, std::cmp::Reverse(src(a)))
            > (&b.started_at, &b.run_id, b.full, std::cmp::Reverse(src(b)))
    }

    fn keep(&mut self, run: HostRun) -> Kept {
        let mut failing = Vec::with_capacity(run.failing.len());
        for f in run.failing {
            let check = self.strings.get(&f.id);
            if let Some(t) = f.title
                && self.titles.get(&check).is_none_or(|old| *t < **old)
            {
                self.titles.insert(check, t.into());
            }
            if let Some(m) = f.message
                && self.examples.get(&check).is_none_or(|(st, old)| f.status > *st || (f.status == *st && *m < **old))
            {
                self.examples.insert(check, (f.status, m.into()));
            }
            let subjects = f.subjects.iter().map(|s| self.strings.get(s)).collect();
            failing.push(KeptFailing { check, status: f.status, subjects });
        }
        Kept {
            host: run.host.into(),
            instance_id: run.instance_id.map(Into::into),
            run_id: run.run_id.into(),
            started_at: run.started_at.into(),
            status: run.status,
            score: run.score,
            counts: run.counts,
            full: run.full,
            source: self.strings.get(&run.source.display().to_string()),
            line: run.line,
            failing: failing.into(),
        }
    }

    fn add(&mut self, item: Item) {
        match item {
            Item::Stats(s) => self.stats.add(&s),
            Item::Unreadable(u) => self.unreadable.push(u),
            Item::Run(run) => {
                let key = run.key();
                let run = self.keep(*run);
                let Some(kept) = self.hosts.get(&key) else {
                    self.hosts.insert(key, run);
                    return;
                };
                if kept.run_id == run.run_id {
                    self.duplicate_runs += 1;
                } else {
                    self.older_runs += 1;
                }
                if self.better(&run, kept) {
                    self.hosts.insert(key, run);
                }
            }
        }
    }

    fn finish(mut self, limits: Limits) -> FleetSummary {
        let mut runs: Vec<(String, String, Kept)> = self.hosts.drain().map(|(k, r)| (r.label(), k, r)).collect();
        runs.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        let total = runs.len();

        let mut hosts = HostCounts { total: total as u64, ..Default::default() };
        for (_, _, r) in &runs {
            match r.status {
                OverallStatus::Ok => hosts.ok += 1,
                OverallStatus::Warn => hosts.warn += 1,
                OverallStatus::Crit => hosts.crit += 1,
                OverallStatus::Unknown => hosts.unknown += 1,
            }
        }
        let mut scores: Vec<f64> = runs.iter().map(|r| r.2.score).filter(|s| s.is_finite()).collect();
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

        // Groups hold host indices (runs is in label order); names are written only for the
        // groups that are listed.
        #[derive(Default)]
        struct Group {
            hosts: Vec<u32>,
            crit: usize,
            warn: usize,
            error: usize,
        }
        let mut by_check: HashMap<u32, Group> = HashMap::new();
        let mut by_subject: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        for (i, (_, _, r)) in runs.iter().enumerate() {
            let i = i as u32;
            for f in r.failing.iter() {
                let g = by_check.entry(f.check).or_default();
                if g.hosts.last() == Some(&i) {
                    continue; // a check listed twice in one run
                }
                g.hosts.push(i);
                match f.status {
                    Status::Crit => g.crit += 1,
                    Status::Warn => g.warn += 1,
                    _ => g.error += 1,
                }
                for &s in f.subjects.iter() {
                    let v = by_subject.entry((f.check, s)).or_default();
                    if v.last() != Some(&i) {
                        v.push(i);
                    }
                }
            }
        }
        let names = |list: &[u32]| -> Vec<String> { list.iter().map(|&i| runs[i as usize].0.clone()).collect() };
        let strings = &self.strings;
        let mut checks: Vec<(u32, Group)> = by_check.into_iter().collect();
        checks.sort_by(|(a_id, a), (b_id, b)| {
            b.hosts
                .len()
                .cmp(&a.hosts.len())
                .then(b.crit.cmp(&a.crit))
                .then(b.warn.cmp(&a.warn))
                .then_with(|| strings.name(*a_id).cmp(strings.name(*b_id)))
        });
        let problems_more = checks.len().saturating_sub(limits.top);
        let problems: Vec<Problem> = checks
            .into_iter()
            .take(limits.top)
            .map(|(id, g)| Problem {
                check: strings.name(id).to_string(),
                title: self.titles.get(&id).map(|t| t.to_string()),
                hosts: g.hosts.len(),
                percent: if total == 0 { 0.0 } else { round1(100.0 * g.hosts.len() as f64 / total as f64) },
                crit: g.crit,
                warn: g.warn,
                error: g.error,
                host_names: names(&g.hosts),
                example: self.examples.get(&id).map(|(_, m)| m.to_string()),
            })
            .collect();

        let mut groups: Vec<((u32, u32), Vec<u32>)> = by_subject.into_iter().collect();
        groups.sort_by(|((ac, asu), a), ((bc, bsu), b)| {
            b.len()
                .cmp(&a.len())
                .then_with(|| strings.name(*ac).cmp(strings.name(*bc)))
                .then_with(|| strings.name(*asu).cmp(strings.name(*bsu)))
        });
        let subjects_more = groups.len().saturating_sub(limits.top);
        let subjects: Vec<SubjectGroup> = groups
            .into_iter()
            .take(limits.top)
            .map(|((check, subject), list)| SubjectGroup {
                check: strings.name(check).to_string(),
                subject: strings.name(subject).to_string(),
                hosts: list.len(),
                host_names: names(&list),
            })
            .collect();

        let mut worst: Vec<&Kept> = runs.iter().map(|r| &r.2).filter(|r| r.status != OverallStatus::Ok).collect();
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
                host: r.host.to_string(),
                instance_id: r.instance_id.as_ref().map(|s| s.to_string()),
                status: r.status,
                score: r.score,
                counts: r.counts,
                failing: r.failing.iter().map(|f| strings.name(f.check).to_string()).collect(),
                run_id: r.run_id.to_string(),
                started_at: r.started_at.to_string(),
                source: match r.line {
                    Some(l) if !r.full || l > 1 => format!("{}:{l}", strings.name(r.source)),
                    _ => strings.name(r.source).to_string(),
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
