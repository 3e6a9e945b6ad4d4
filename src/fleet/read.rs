//! Reading many reports for `fleet summarize`: full reports (report v1, pretty or one per line)
//! and summary lines (`run --format summary-json`, one per line, possibly mixed with other
//! output such as a captured stderr), from files and directory trees.
//!
//! Memory stays bounded whatever the input: a document is parsed into a small digest (the run's
//! identity, status and failing checks with their first finding and a capped list of subjects;
//! evidence and passing checks' details are skipped by the parser, never kept), a file is never
//! held whole beyond [`MAX_DOC_BYTES`], and a line-oriented file is read line by line. Anything
//! that cannot be read is reported as an [`Unreadable`] with file, line and column, and reading
//! goes on with the next line or file.

use crate::report::summary_json::{self, FailingCheck};
use crate::report::{Counts, OverallStatus, SCHEMA as REPORT_SCHEMA, Severity, Status};
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Largest pretty-printed document read whole (a report with tens of thousands of findings).
pub const MAX_DOC_BYTES: u64 = 64 << 20;
/// Longest line of a line-oriented file.
pub const MAX_LINE_BYTES: usize = 64 << 20;
/// Subjects kept per failing check.
const MAX_SUBJECTS: usize = 16;
/// Characters kept of a finding message.
const MAX_MESSAGE: usize = 240;
/// Characters kept of an id, subject, title or host name.
const MAX_NAME: usize = 200;

/// What one run said, reduced to what the fleet view needs.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRun {
    pub host: String,
    pub instance_id: Option<String>,
    pub run_id: String,
    pub started_at: String,
    pub status: OverallStatus,
    pub score: f64,
    pub counts: Counts,
    pub failing: Vec<Failing>,
    /// From a full report (true) or a summary line (false).
    pub full: bool,
    pub source: PathBuf,
    pub line: Option<u64>,
}

/// One failing check of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Failing {
    pub id: String,
    pub status: Status,
    pub title: Option<String>,
    /// The first of the most severe findings (the check's summary when it has none).
    pub message: Option<String>,
    /// Distinct finding subjects, the first finding's subject first; at most [`MAX_SUBJECTS`].
    pub subjects: Vec<String>,
}

impl HostRun {
    /// The identity of the machine: its cloud instance id when known, else its host name.
    pub fn key(&self) -> String {
        match &self.instance_id {
            Some(id) => format!("i:{id}"),
            None => format!("h:{}", self.host),
        }
    }

    /// How the host is named in the summary.
    pub fn label(&self) -> String {
        match &self.instance_id {
            Some(id) if id != &self.host => format!("{} ({id})", self.host),
            _ => self.host.clone(),
        }
    }
}

/// A file, line or document that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unreadable {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// True when the document ends before it is complete (a cut copy or upload).
    pub truncated: bool,
    pub error: String,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.error)
    }
}

/// Counts of what was read from one file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    pub files: u64,
    pub reports: u64,
    pub summary_lines: u64,
    /// Lines of line-oriented files that are not JSON objects (captured stderr, shell noise).
    pub ignored_lines: u64,
}

impl ReadStats {
    pub fn add(&mut self, o: &ReadStats) {
        self.files += o.files;
        self.reports += o.reports;
        self.summary_lines += o.summary_lines;
        self.ignored_lines += o.ignored_lines;
    }
}

/// File names read inside directories (explicitly named files are read whatever their name).
const EXTENSIONS: &[&str] = &["json", "jsonl", "ndjson", "txt", "out", "log"];

/// The files behind the inputs: files as given, directories walked recursively in name order
/// without following symbolic links (a report directory's `latest.json` link would count a run
/// twice), skipping hidden files (temporary files of an atomic write) and other extensions.
pub fn expand(inputs: &[PathBuf], unreadable: &mut Vec<Unreadable>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for input in inputs {
        match std::fs::metadata(input) {
            Ok(m) if m.is_dir() => walk(input, &mut files, unreadable),
            Ok(_) => files.push(input.clone()),
            Err(e) => unreadable.push(problem(input, None, None, false, format!("cannot read: {e}"))),
        }
    }
    files
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, unreadable: &mut Vec<Unreadable>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            unreadable.push(problem(dir, None, None, false, format!("cannot list: {e}")));
            return;
        }
    };
    let mut entries: Vec<(PathBuf, std::fs::FileType)> =
        entries.filter_map(|e| e.ok()).filter_map(|e| Some((e.path(), e.file_type().ok()?))).collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with('.') || kind.is_symlink() {
            continue;
        }
        if kind.is_dir() {
            walk(&path, files, unreadable);
        } else if kind.is_file()
            && path.extension().is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
        {
            files.push(path);
        }
    }
}

fn problem(path: &Path, line: Option<u64>, column: Option<u64>, truncated: bool, error: String) -> Unreadable {
    Unreadable { path: path.display().to_string(), line, column, truncated, error }
}

/// Reads one file: every run it holds goes to `runs`, every problem to `unreadable`.
pub fn read_file(path: &Path, runs: &mut dyn FnMut(HostRun), unreadable: &mut dyn FnMut(Unreadable)) -> ReadStats {
    let mut stats = ReadStats { files: 1, ..Default::default() };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            unreadable(problem(path, None, None, false, format!("cannot read: {e}")));
            return stats;
        }
    };
    let mut reader = BufReader::with_capacity(32 << 10, file);
    let mut first = Vec::new();
    let mut line_no = 0u64;
    // Skip blank lines to find out what kind of file this is.
    loop {
        first.clear();
        match read_line(&mut reader, &mut first) {
            Ok(0) => {
                if line_no == 0 {
                    unreadable(problem(path, None, None, true, "empty file".into()));
                }
                return stats;
            }
            Ok(_) => line_no += 1,
            Err(e) => {
                unreadable(problem(path, Some(line_no + 1), None, false, format!("cannot read: {e}")));
                return stats;
            }
        }
        if !first.trim_ascii().is_empty() {
            break;
        }
    }
    let mut problems = 0;
    let mut counted = |u: Unreadable| {
        problems += 1;
        unreadable(u);
    };
    if first.trim_ascii() == b"{" {
        read_documents(path, line_no, first, reader, &mut stats, runs, &mut counted);
    } else {
        read_lines(path, line_no, first, reader, &mut stats, runs, &mut counted);
    }
    if problems == 0 && stats.reports + stats.summary_lines == 0 {
        unreadable(problem(path, None, None, false, "no ecs-doctor report or summary line in this file".into()));
    }
    stats
}

/// Reads a line (newline included) of at most [`MAX_LINE_BYTES`]; a longer line is an error and
/// is skipped up to its end.
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let n = reader.by_ref().take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', buf)?;
    if n > MAX_LINE_BYTES && !buf.ends_with(b"\n") {
        let mut skip = Vec::new();
        while reader.by_ref().take(1 << 20).read_until(b'\n', &mut skip)? > 0 && !skip.ends_with(b"\n") {
            skip.clear();
        }
        return Err(std::io::Error::other(format!("line longer than {} MiB", MAX_LINE_BYTES >> 20)));
    }
    Ok(n)
}

/// A pretty-printed file: one or more JSON documents, read whole (bounded) and parsed in turn.
#[allow(clippy::too_many_arguments)]
fn read_documents(
    path: &Path,
    first_line: u64,
    first: Vec<u8>,
    reader: BufReader<std::fs::File>,
    stats: &mut ReadStats,
    runs: &mut dyn FnMut(HostRun),
    unreadable: &mut dyn FnMut(Unreadable),
) {
    let size = reader.get_ref().metadata().map(|m| m.len()).unwrap_or(0).min(MAX_DOC_BYTES + 1);
    let mut buf = Vec::with_capacity(size as usize + 1);
    // Lines before the document were blank: keep line numbers right.
    buf.resize((first_line - 1) as usize, b'\n');
    buf.extend_from_slice(&first);
    let limit = MAX_DOC_BYTES.saturating_sub(buf.len() as u64);
    if let Err(e) = reader.take(limit + 1).read_to_end(&mut buf) {
        unreadable(problem(path, None, None, false, format!("cannot read: {e}")));
        return;
    }
    if buf.len() as u64 > MAX_DOC_BYTES {
        unreadable(problem(path, None, None, false, format!("larger than {} MiB: not read", MAX_DOC_BYTES >> 20)));
        return;
    }
    let mut stream = serde_json::Deserializer::from_slice(&buf).into_iter::<Doc>();
    loop {
        let start = stream.byte_offset();
        match stream.next() {
            None => return,
            Some(Ok(doc)) => {
                let line = line_at(&buf, start);
                match doc.into_run(path, Some(line)) {
                    Ok(run) => {
                        if run.full {
                            stats.reports += 1;
                        } else {
                            stats.summary_lines += 1;
                        }
                        runs(run);
                    }
                    Err(why) => unreadable(problem(path, Some(line), None, false, why)),
                }
            }
            Some(Err(e)) => {
                // After a syntax error the rest of the file cannot be trusted: stop here.
                unreadable(json_problem(path, 0, &e));
                return;
            }
        }
    }
}

fn line_at(buf: &[u8], offset: usize) -> u64 {
    let offset = offset.min(buf.len());
    let ws = buf[offset..].iter().take_while(|b| b.is_ascii_whitespace()).count();
    memchr::memchr_iter(b'\n', &buf[..offset + ws]).count() as u64 + 1
}

fn json_problem(path: &Path, line_base: u64, e: &serde_json::Error) -> Unreadable {
    let truncated = e.is_eof();
    let error = if truncated { format!("truncated: {e}") } else { format!("not valid JSON: {e}") };
    problem(path, Some(line_base + e.line() as u64), Some(e.column() as u64), truncated, error)
}

/// A line-oriented file: each line that starts with '{' is one document; other lines are noise
/// (a captured stderr, a shell prompt) and are counted, not reported.
#[allow(clippy::too_many_arguments)]
fn read_lines(
    path: &Path,
    mut line_no: u64,
    first: Vec<u8>,
    mut reader: BufReader<std::fs::File>,
    stats: &mut ReadStats,
    runs: &mut dyn FnMut(HostRun),
    unreadable: &mut dyn FnMut(Unreadable),
) {
    let mut line = first;
    loop {
        let text = line.trim_ascii();
        if text.starts_with(b"{") {
            match serde_json::from_slice::<Doc>(text) {
                Ok(doc) => match doc.into_run(path, Some(line_no)) {
                    Ok(run) => {
                        if run.full {
                            stats.reports += 1;
                        } else {
                            stats.summary_lines += 1;
                        }
                        runs(run);
                    }
                    Err(why) => unreadable(problem(path, Some(line_no), None, false, why)),
                },
                Err(e) => unreadable(json_problem(path, line_no - 1, &e)),
            }
        } else if !text.is_empty() {
            stats.ignored_lines += 1;
        }
        line.clear();
        match read_line(&mut reader, &mut line) {
            Ok(0) => return,
            Ok(_) => line_no += 1,
            Err(e) => {
                line_no += 1;
                unreadable(problem(path, Some(line_no), None, false, format!("cannot read: {e}")));
                line.clear();
            }
        }
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Either shape of document, parsed in one pass: the fields of a report and of a summary line.
/// Fields not named here (evidence, metrics, OS details) are skipped by the parser.
#[derive(Deserialize)]
struct Doc<'a> {
    schema: Option<String>,
    host: Option<DocHost>,
    // Report v1.
    run: Option<DocRun>,
    summary: Option<DocSummary>,
    #[serde(borrow)]
    checks: Option<Vec<DocCheck<'a>>>,
    // Summary line.
    instance_id: Option<String>,
    run_id: Option<String>,
    started_at: Option<String>,
    status: Option<OverallStatus>,
    score: Option<f64>,
    counts: Option<Counts>,
    failing: Option<Vec<FailingCheck>>,
    /// A wrapper script's own failure (contrib/cloud-assistant/run.sh prints one).
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum DocHost {
    Name(String),
    Info { hostname: String, cloud: Option<DocCloud> },
}

#[derive(Deserialize)]
struct DocCloud {
    instance_id: Option<String>,
}

#[derive(Deserialize)]
struct DocRun {
    id: String,
    started_at: String,
}

#[derive(Deserialize)]
struct DocSummary {
    status: OverallStatus,
    counts: Counts,
    score: f64,
}

/// Strings are borrowed from the input when they have no escapes: most checks pass, and their
/// texts are never kept.
#[derive(Deserialize)]
struct DocCheck<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    status: Status,
    #[serde(borrow)]
    title: Option<Cow<'a, str>>,
    #[serde(borrow)]
    summary: Option<Cow<'a, str>>,
    #[serde(default)]
    findings: FindingDigest,
}

/// The findings of a check, reduced while they are parsed: the first of the most severe ones
/// and the distinct subjects, never the whole list.
#[derive(Default)]
struct FindingDigest {
    first: Option<(Severity, Option<String>, String)>,
    subjects: Vec<String>,
}

#[derive(Deserialize)]
struct DocFinding<'a> {
    severity: Severity,
    #[serde(borrow)]
    message: Cow<'a, str>,
    #[serde(borrow)]
    subject: Option<Cow<'a, str>>,
}

impl<'de> Deserialize<'de> for FindingDigest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FindingDigest;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of findings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FindingDigest, A::Error> {
                let mut digest = FindingDigest::default();
                while let Some(f) = seq.next_element::<DocFinding<'de>>()? {
                    if digest.first.as_ref().is_none_or(|(sev, _, _)| f.severity > *sev) {
                        digest.first =
                            Some((f.severity, f.subject.as_deref().map(str::to_string), cut(&f.message, MAX_MESSAGE)));
                    }
                    if let Some(s) = f.subject
                        && digest.subjects.len() < MAX_SUBJECTS
                        && !digest.subjects.iter().any(|x| *x == *s)
                    {
                        digest.subjects.push(cut(&s, MAX_NAME));
                    }
                }
                Ok(digest)
            }
        }
        d.deserialize_seq(V)
    }
}

fn failing(status: Status) -> bool {
    matches!(status, Status::Crit | Status::Warn | Status::Error)
}

/// The first finding's subject first, then the others in report order.
fn ordered_subjects(first: Option<&str>, rest: &[String]) -> Vec<String> {
    let mut out: Vec<String> = first.map(|s| cut(s, MAX_NAME)).into_iter().collect();
    for s in rest {
        if out.len() >= MAX_SUBJECTS {
            break;
        }
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    out
}

impl Doc<'_> {
    fn into_run(self, path: &Path, line: Option<u64>) -> Result<HostRun, String> {
        let schema = self.schema.unwrap_or_default();
        if let Some(e) = self.error {
            return Err(format!("the run did not happen: {}", cut(&e, MAX_MESSAGE)));
        }
        let (host, cloud_id) = match self.host {
            Some(DocHost::Name(h)) => (h, None),
            Some(DocHost::Info { hostname, cloud }) => (hostname, cloud.and_then(|c| c.instance_id)),
            None => return Err(missing(&schema, "host")),
        };
        let host = cut(&host, MAX_NAME);
        if schema == REPORT_SCHEMA {
            let run = self.run.ok_or_else(|| missing(&schema, "run"))?;
            let summary = self.summary.ok_or_else(|| missing(&schema, "summary"))?;
            let checks = self.checks.ok_or_else(|| missing(&schema, "checks"))?;
            let failing = checks
                .into_iter()
                .filter(|c| failing(c.status))
                .map(|c| {
                    let (subject, message) = match c.findings.first {
                        Some((_, subject, message)) => (subject, Some(message)),
                        None => (None, c.summary.map(|s| cut(&s, MAX_MESSAGE))),
                    };
                    Failing {
                        id: cut(&c.id, MAX_NAME),
                        status: c.status,
                        title: c.title.map(|t| cut(&t, MAX_NAME)),
                        message,
                        subjects: ordered_subjects(subject.as_deref(), &c.findings.subjects),
                    }
                })
                .collect();
            Ok(HostRun {
                host,
                instance_id: cloud_id.map(|s| cut(&s, MAX_NAME)),
                run_id: cut(&run.id, MAX_NAME),
                started_at: cut(&run.started_at, MAX_NAME),
                status: summary.status,
                score: summary.score,
                counts: summary.counts,
                failing,
                full: true,
                source: path.to_path_buf(),
                line,
            })
        } else if schema == summary_json::SCHEMA {
            let failing = self
                .failing
                .ok_or_else(|| missing(&schema, "failing"))?
                .into_iter()
                .filter(|f| failing(f.status))
                .map(|f| Failing {
                    id: cut(&f.id, MAX_NAME),
                    status: f.status,
                    title: None,
                    message: f.message.map(|m| cut(&m, MAX_MESSAGE)),
                    subjects: ordered_subjects(f.subject.as_deref(), &f.subjects),
                })
                .collect();
            Ok(HostRun {
                host,
                instance_id: self.instance_id.map(|s| cut(&s, MAX_NAME)),
                run_id: cut(&self.run_id.ok_or_else(|| missing(&schema, "run_id"))?, MAX_NAME),
                started_at: cut(&self.started_at.unwrap_or_default(), MAX_NAME),
                status: self.status.ok_or_else(|| missing(&schema, "status"))?,
                score: self.score.ok_or_else(|| missing(&schema, "score"))?,
                counts: self.counts.ok_or_else(|| missing(&schema, "counts"))?,
                failing,
                full: false,
                source: path.to_path_buf(),
                line,
            })
        } else if schema.is_empty() {
            Err("not an ecs-doctor report or summary line (no \"schema\")".into())
        } else {
            Err(format!("schema {:?} is neither {REPORT_SCHEMA} nor {}", cut(&schema, 80), summary_json::SCHEMA))
        }
    }
}

fn missing(schema: &str, field: &str) -> String {
    format!("{schema} document without \"{field}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> (Vec<HostRun>, Vec<Unreadable>, ReadStats) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.json");
        std::fs::write(&p, body).unwrap();
        let (mut runs, mut bad) = (Vec::new(), Vec::new());
        let stats = read_file(&p, &mut |r| runs.push(r), &mut |u| bad.push(u));
        (runs, bad, stats)
    }

    const LINE: &str = r#"{"schema":"ecs-doctor/summary/v1","host":"h1","run_id":"r1","started_at":"2026-01-01T00:00:00Z","status":"crit","score":75.0,"counts":{"ok":1,"warn":0,"crit":1,"error":0,"skipped":0},"failing":[{"id":"disk.usage.space","status":"crit","findings":2,"subject":"/data","message":"full","subjects":["/data","/var"]}],"truncated":false}"#;

    #[test]
    fn summary_lines_among_noise_and_a_cut_line() {
        let cut_line = &LINE[..LINE.len() / 2];
        let body = format!("Report saved to /x\n{LINE}\n\n{cut_line}\n{}\n", LINE.replace("h1", "h2"));
        let (runs, bad, stats) = read(&body);
        assert_eq!(runs.len(), 2);
        assert_eq!(stats.summary_lines, 2);
        assert_eq!(stats.ignored_lines, 1);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, Some(4));
        assert!(bad[0].truncated, "{bad:?}");
        assert_eq!(runs[1].host, "h2");
        assert_eq!(runs[0].failing[0].subjects, ["/data", "/var"]);
        assert_eq!(runs[0].line, Some(2));
    }

    #[test]
    fn pretty_report_digest_and_truncated_report() {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reports/mixed.json")).unwrap();
        let (runs, bad, stats) = read(&text);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(stats.reports, 1);
        let r = &runs[0];
        assert_eq!(r.host, "web-1");
        assert!(r.full);
        let dns = r.failing.iter().find(|f| f.id == "net.dns.resolv-conf").unwrap();
        assert_eq!(dns.subjects.first().map(String::as_str), Some("/etc/resolv.conf"));
        assert!(r.failing.iter().all(|f| f.status != Status::Ok && f.status != Status::Skipped));

        let (runs, bad, _) = read(&text[..text.len() * 2 / 3]);
        assert!(runs.is_empty());
        assert_eq!(bad.len(), 1);
        assert!(bad[0].truncated && bad[0].line.is_some(), "{bad:?}");
    }

    #[test]
    fn foreign_json_and_empty_files_are_reported() {
        let (runs, bad, _) = read("{\"schema\": \"other\", \"host\": \"x\"}\n");
        assert!(runs.is_empty());
        assert!(bad[0].error.contains("neither"), "{bad:?}");
        let (_, bad, _) = read("");
        assert_eq!(bad[0].error, "empty file");
        let (_, bad, stats) = read("just text\n");
        assert_eq!(stats.ignored_lines, 1);
        assert!(bad[0].error.contains("no ecs-doctor report"), "{bad:?}");
        let (_, bad, _) = read("{\"schema\":\"ecs-doctor/summary/v1\",\"error\":\"ecs-doctor is not installed\"}\n");
        assert!(bad[0].error.contains("did not happen: ecs-doctor is not installed"), "{bad:?}");
        let (_, bad, _) = read("{\n  \"a\": [1,\n");
        assert!(bad[0].truncated);
    }
}
