//! A check's tests are data: one folder per case under `tests/fixtures/checks/<check-id>/<case>/`,
//! holding an `expect.toml` and either the case's own fixture root (`root/…`) or the name of a
//! shared scenario root (`root = "healthy"` is `tests/fixtures/roots/healthy`). One loop here runs
//! them all: ONE ecs-doctor run per distinct root and arguments (with `--only` for each check that
//! has a case there), each report validated against report v1, then every expectation asserted.
//! `UPDATE_EXPECT=1 cargo test --test integration checks::` rewrites the recorded values (status,
//! subjects, code, the listed metrics) from what the run said, as goss's `-update` does; the
//! hand-chosen assertions (`*_contains`, `[[findings]]`, …) are still asserted.
//!
//! A case that a folder cannot hold (a live system, a lab, file modes, owners or times that git does
//! not keep) names the test that shows it: `lab = "module::test_name"` (in tests/integration/), with
//! the `status` that test shows. Every built-in check needs an `ok` case, and a `warn` or `crit` case
//! when it has a level that can warn (see `every_check_has_a_passing_and_a_failing_case`).
//!
//! The other tests here assert what a whole run of a scenario root says (summary, score, host).

use crate::common::*;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What a case expects of its check; `expect.toml` deserialises into this (unknown keys are errors).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// A shared scenario root under tests/fixtures/roots/; without it the case's own `root/`.
    #[serde(default)]
    root: Option<String>,
    /// Extra arguments for `ecs-doctor run` (`{case}` is this case's folder, e.g. for `--config`).
    #[serde(default)]
    args: Vec<String>,
    /// The test (`module::function` in tests/integration/) that shows this case instead of a root.
    #[serde(default)]
    lab: Option<String>,
    /// ok, warn, crit, skipped or error.
    status: String,
    /// The subjects of the findings, in order (recorded by UPDATE_EXPECT=1).
    #[serde(default)]
    subjects: Option<Vec<String>>,
    /// The code of the first finding (recorded by UPDATE_EXPECT=1).
    #[serde(default)]
    code: Option<String>,
    /// How many findings there are.
    #[serde(default)]
    finding_count: Option<usize>,
    /// Metric values (recorded again by UPDATE_EXPECT=1 for the keys listed).
    #[serde(default)]
    metrics: BTreeMap<String, Num>,
    /// Metrics that must not be in the result.
    #[serde(default)]
    absent_metrics: Vec<String>,
    /// The summary exactly.
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    summary_contains: Vec<String>,
    #[serde(default)]
    summary_starts_with: Vec<String>,
    /// Texts found in the findings (messages, evidence, subjects: the findings as JSON text).
    #[serde(default)]
    evidence_contains: Vec<String>,
    #[serde(default)]
    remediation_contains: Vec<String>,
    /// Texts that must not be in the findings.
    #[serde(default)]
    findings_not_contain: Vec<String>,
    /// Texts that must appear nowhere in the check's result (planted secrets, lines not to flag).
    #[serde(default)]
    not_contains: Vec<String>,
    /// Subjects no finding may have.
    #[serde(default)]
    absent_subjects: Vec<String>,
    /// Findings that must exist: each entry is matched by some finding that has all it names.
    #[serde(default)]
    findings: Vec<FindingExpect>,
}

/// A metric value: written back as an integer when it is one (`12`, not `12.0`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(from = "f64")]
struct Num(f64);

impl From<f64> for Num {
    fn from(v: f64) -> Num {
        Num(v)
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        if self.0.fract() == 0.0 && self.0.abs() < 1e15 {
            write!(f, "{}", self.0 as i64)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingExpect {
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    severity: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    message_contains: Vec<String>,
    #[serde(default)]
    evidence_contains: Vec<String>,
    /// The evidence lines exactly.
    #[serde(default)]
    evidence: Option<Vec<String>>,
}

/// One case folder.
struct Case {
    check: String,
    name: String,
    dir: PathBuf,
    /// The text of expect.toml, which UPDATE_EXPECT=1 edits in place.
    text: String,
    expect: Expect,
}

impl Case {
    fn label(&self) -> String {
        format!("{}/{}", self.check, self.name)
    }

    /// The fixture root the case runs against, or why it has none that is usable.
    fn root(&self) -> Result<PathBuf, String> {
        let own = self.dir.join("root");
        match &self.expect.root {
            Some(_) if own.exists() => Err("has both `root = …` and a root/ folder: keep one".into()),
            Some(name) if name.contains('/') || name.starts_with('.') => {
                Err(format!("root = {name:?}: name a folder of tests/fixtures/roots/"))
            }
            Some(name) => {
                let p = fixture_root(name);
                if p.is_dir() { Ok(p) } else { Err(format!("root = {name:?}: {} does not exist", p.display())) }
            }
            None if own.is_dir() => Ok(own),
            None => Err("has neither `root = \"<scenario>\"` nor a root/ folder (an empty root holds a .keep)".into()),
        }
    }

    fn args(&self) -> Vec<String> {
        let dir = self.dir.to_string_lossy();
        self.expect.args.iter().map(|a| a.replace("{case}", &dir)).collect()
    }
}

fn cases_dir() -> PathBuf {
    project_dir().join("tests/fixtures/checks")
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Every case folder, read and parsed (a malformed expect.toml fails here with its file and error).
fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for check_dir in sorted_dirs(&cases_dir()) {
        let check = check_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for dir in sorted_dirs(&check_dir) {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let file = dir.join("expect.toml");
            let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let expect: Expect = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            cases.push(Case { check: check.clone(), name, dir, text, expect });
        }
    }
    cases
}

const STATUSES: &[&str] = &["ok", "warn", "crit", "skipped", "error"];

fn updating() -> bool {
    std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1")
}

/// A fixture root and the extra arguments: the cases that share them share one run.
type RunKey = (PathBuf, Vec<String>);

/// Runs every case that has a root: one run per distinct root and arguments.
#[test]
fn every_case_of_every_check() {
    let cases = all_cases();
    assert!(!cases.is_empty(), "no case folders under {}", cases_dir().display());
    let mut problems = Vec::new();
    // (root, args) → indexes of the cases run there.
    let mut groups: BTreeMap<RunKey, Vec<usize>> = BTreeMap::new();
    for (i, case) in cases.iter().enumerate() {
        if !STATUSES.contains(&case.expect.status.as_str()) {
            problems.push(format!("{}: status {:?} is not one of {STATUSES:?}", case.label(), case.expect.status));
        }
        if case.expect.lab.is_some() {
            if case.expect.root.is_some() || case.dir.join("root").exists() || !case.expect.args.is_empty() {
                problems.push(format!("{}: a lab case names its test only (no root, no args)", case.label()));
            }
            continue;
        }
        match case.root() {
            Ok(root) => groups.entry((root, case.args())).or_default().push(i),
            Err(e) => problems.push(format!("{}: {e}", case.label())),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    let groups: Vec<(RunKey, Vec<usize>)> = groups.into_iter().collect();
    // A few runs at a time: each is a process of its own in its own network namespace.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let reports: Vec<Option<(usize, serde_json::Value)>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let g = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(((root, args), members)) = groups.get(g) else { break };
                        let mut run_args: Vec<&str> = Vec::new();
                        let ids: BTreeSet<&str> = members.iter().map(|&i| cases[i].check.as_str()).collect();
                        for id in &ids {
                            run_args.extend(["--only", id]);
                        }
                        run_args.extend(args.iter().map(String::as_str));
                        out.push(run_json(root, &run_args).map(|(r, _)| (g, r)));
                    }
                    out
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("case worker panicked")).collect()
    });
    if reports.iter().any(Option::is_none) {
        return; // skipped: no network namespace (require() said why)
    }

    let update = updating();
    for (g, report) in reports.into_iter().flatten() {
        for &i in &groups[g].1 {
            let case = &cases[i];
            let Some(result) =
                report["checks"].as_array().and_then(|a| a.iter().find(|c| c["id"] == case.check.as_str()))
            else {
                problems.push(format!("{}: no result for {} in the report", case.label(), case.check));
                continue;
            };
            if update {
                // Only the recorded keys' lines change; comments and the rest stay as written.
                let recorded = record(&case.expect, result);
                let now = rewrite(&case.text, &recorded);
                if now != case.text {
                    let file = case.dir.join("expect.toml");
                    std::fs::write(&file, &now).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                    eprintln!("UPDATE_EXPECT: rewrote {}", file.display());
                }
                problems.extend(judge(&recorded, result).into_iter().map(|p| format!("{}: {p}", case.label())));
            } else {
                problems.extend(judge(&case.expect, result).into_iter().map(|p| format!("{}: {p}", case.label())));
            }
        }
    }
    assert!(problems.is_empty(), "{} case expectation(s) not met:\n{}", problems.len(), problems.join("\n"));
}

fn text_of(v: &serde_json::Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn subjects_of(result: &serde_json::Value) -> Vec<String> {
    result["findings"].as_array().map(|f| f.iter().map(|x| text_of(&x["subject"])).collect()).unwrap_or_default()
}

/// The expectation with its recorded values taken from `result` (UPDATE_EXPECT=1): the status
/// always; subjects, the first code, the finding count and the listed metrics where the file
/// has them, and subjects and code also where a failing case does not have them yet (subjects
/// only up to 20: a longer list is better said with `finding_count` and `[[findings]]`).
fn record(e: &Expect, result: &serde_json::Value) -> Expect {
    let mut e = e.clone();
    e.status = text_of(&result["status"]);
    let failing = e.status == "warn" || e.status == "crit";
    let subjects = subjects_of(result);
    if e.subjects.is_some() || (failing && !subjects.is_empty() && subjects.len() <= 20) {
        e.subjects = Some(subjects.clone());
    }
    let code = result["findings"][0]["code"].as_str().map(str::to_string);
    if e.code.is_some() || (failing && code.is_some()) {
        e.code = code;
    }
    if e.finding_count.is_some() {
        e.finding_count = Some(subjects.len());
    }
    for (k, v) in e.metrics.iter_mut() {
        if let Some(x) = result["metrics"][k].as_f64() {
            *v = Num(x);
        }
    }
    e
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `text` (an expect.toml) with the recorded keys of `e` set on the top-level lines.
fn rewrite(text: &str, e: &Expect) -> String {
    let list = |v: &[String]| format!("[{}]", v.iter().map(|s| quoted(s)).collect::<Vec<_>>().join(", "));
    let metrics = (!e.metrics.is_empty()).then(|| {
        format!("{{ {} }}", e.metrics.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", "))
    });
    let mut text = text.to_string();
    for (key, value) in [
        ("status", Some(quoted(&e.status))),
        ("subjects", e.subjects.as_deref().map(list)),
        ("code", e.code.as_deref().map(quoted)),
        ("finding_count", e.finding_count.map(|n| n.to_string())),
        ("metrics", metrics),
    ] {
        text = set_key(&text, key, value);
    }
    text
}

/// Sets (or removes, with None) a top-level `key = value` of a TOML text, keeping every other
/// line. A new key goes after the last of the keys before it in `rewrite`'s order (or after
/// `status`).
fn set_key(text: &str, key: &str, value: Option<String>) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let top = lines.iter().position(|l| l.trim_start().starts_with('[')).unwrap_or(lines.len());
    let starts = |l: &str, k: &str| l.strip_prefix(k).is_some_and(|rest| rest.trim_start().starts_with('='));
    // A value may span lines (a long array): it ends where its brackets balance.
    let end_of = |lines: &[String], i: usize| {
        let mut depth = 0i32;
        for (j, l) in lines.iter().enumerate().skip(i) {
            let mut quote: Option<char> = None;
            let mut escaped = false;
            for ch in l.chars() {
                match (quote, ch) {
                    (Some('"'), '\\') if !escaped => {
                        escaped = true;
                        continue;
                    }
                    (Some(q), c) if c == q && !escaped => quote = None,
                    (None, '"' | '\'') => quote = Some(ch),
                    (None, '[' | '{') => depth += 1,
                    (None, ']' | '}') => depth -= 1,
                    (None, '#') => break,
                    _ => {}
                }
                escaped = false;
            }
            if depth <= 0 {
                return j;
            }
        }
        lines.len() - 1
    };
    match (lines[..top].iter().position(|l| starts(l, key)), value) {
        (Some(i), value) => {
            let j = end_of(&lines, i);
            let new: Vec<String> = value.map(|v| format!("{key} = {v}")).into_iter().collect();
            lines.splice(i..=j, new);
        }
        (None, Some(v)) => {
            let order = ["root", "args", "lab", "status", "subjects", "code", "finding_count", "metrics"];
            let before = &order[..order.iter().position(|k| *k == key).unwrap_or(order.len())];
            let at = lines[..top]
                .iter()
                .enumerate()
                .filter(|(_, l)| before.iter().any(|k| starts(l, k)))
                .map(|(i, _)| end_of(&lines, i) + 1)
                .max()
                .unwrap_or(top);
            lines.insert(at, format!("{key} = {v}"));
        }
        (None, None) => {}
    }
    lines.join("\n") + "\n"
}

/// What of `e` the check's `result` does not meet, one line each.
fn judge(e: &Expect, result: &serde_json::Value) -> Vec<String> {
    let mut p = Vec::new();
    let status = text_of(&result["status"]);
    let brief = || format!("{result:#}");
    if status != e.status {
        p.push(format!("status {status}, expected {}\n{}", e.status, brief()));
        return p;
    }
    let subjects = subjects_of(result);
    if let Some(want) = &e.subjects
        && &subjects != want
    {
        p.push(format!("subjects {subjects:?}, expected {want:?}"));
    }
    let code = result["findings"][0]["code"].as_str();
    if e.code.as_deref() != code && (e.code.is_some() || updating()) {
        p.push(format!("first finding's code {code:?}, expected {:?}", e.code));
    }
    if let Some(n) = e.finding_count
        && subjects.len() != n
    {
        p.push(format!("{} findings, expected {n}", subjects.len()));
    }
    for (k, want) in &e.metrics {
        let got = result["metrics"][k].as_f64();
        if got != Some(want.0) {
            p.push(format!("metric {k} = {got:?}, expected {}", want.0));
        }
    }
    for k in &e.absent_metrics {
        if result["metrics"].get(k).is_some() {
            p.push(format!("metric {k} is present: {}", result["metrics"][k]));
        }
    }
    let summary = text_of(&result["summary"]);
    if let Some(want) = &e.summary
        && &summary != want
    {
        p.push(format!("summary {summary:?}, expected {want:?}"));
    }
    for s in &e.summary_contains {
        if !summary.contains(s.as_str()) {
            p.push(format!("summary {summary:?} lacks {s:?}"));
        }
    }
    for s in &e.summary_starts_with {
        if !summary.starts_with(s.as_str()) {
            p.push(format!("summary {summary:?} does not start with {s:?}"));
        }
    }
    let findings = result["findings"].to_string();
    for s in &e.evidence_contains {
        if !findings.contains(s.as_str()) {
            p.push(format!("the findings lack {s:?}\n{}", brief()));
        }
    }
    for s in &e.findings_not_contain {
        if findings.contains(s.as_str()) {
            p.push(format!("the findings contain {s:?}, which they must not\n{}", brief()));
        }
    }
    let remediation = text_of(&result["remediation"]);
    for s in &e.remediation_contains {
        if !remediation.contains(s.as_str()) {
            p.push(format!("remediation {remediation:?} lacks {s:?}"));
        }
    }
    let all = result.to_string();
    for s in &e.not_contains {
        if all.contains(s.as_str()) {
            p.push(format!("the result contains {s:?}, which it must not\n{}", brief()));
        }
    }
    for s in &e.absent_subjects {
        if subjects.contains(s) {
            p.push(format!("a finding about {s:?}, which must not be one"));
        }
    }
    let list = result["findings"].as_array().cloned().unwrap_or_default();
    for f in &e.findings {
        if !list.iter().any(|x| finding_meets(f, x)) {
            p.push(format!("no finding meets {f:?}\n{}", brief()));
        }
    }
    p
}

fn finding_meets(e: &FindingExpect, f: &serde_json::Value) -> bool {
    let eq = |want: &Option<String>, key: &str| want.as_ref().is_none_or(|w| f[key].as_str() == Some(w.as_str()));
    let message = text_of(&f["message"]);
    let evidence = f["evidence"].to_string();
    let exact = e.evidence.as_ref().is_none_or(|want| {
        f["evidence"].as_array().is_some_and(|a| a.iter().map(text_of).collect::<Vec<_>>() == *want)
    });
    eq(&e.subject, "subject")
        && eq(&e.severity, "severity")
        && eq(&e.code, "code")
        && eq(&e.since, "since")
        && e.message_contains.iter().all(|s| message.contains(s.as_str()))
        && e.evidence_contains.iter().all(|s| evidence.contains(s.as_str()))
        && exact
}

/// Checks whose failing case no test shows yet, and why; a check leaves this list when it gets one
/// (the coverage test then fails until the line is removed).
const NO_FAILING_CASE_YET: &[(&str, &str)] = &[(
    "disk.io.latency",
    "a disk 90 % busy or 50 ms slow needs a slow block device (dm-delay); the lab kernel has no \
     device-mapper and loop devices are not judged",
)];

/// Every built-in check has a passing case (`ok`) and, when one of its levels can warn, a failing
/// case (`warn` or `crit`); every case folder belongs to a built-in check; every `lab` names a test
/// that exists.
#[test]
fn every_check_has_a_passing_and_a_failing_case() {
    let catalog = ecs_doctor::catalog::Catalog::load(&[]).expect("built-in catalog");
    let cases = all_cases();
    let mut problems = Vec::new();
    for c in &catalog.checks {
        let statuses: BTreeSet<&str> =
            cases.iter().filter(|k| k.check == c.id).map(|k| k.expect.status.as_str()).collect();
        if !statuses.contains("ok") {
            problems.push(format!(
                "{}: no passing case (status = \"ok\") under {}/{}/",
                c.id,
                cases_dir().display(),
                c.id
            ));
        }
        let can_fail = c.judges.iter().any(|j| j.warn.is_some() || j.crit.is_some());
        let fails = statuses.contains("warn") || statuses.contains("crit");
        let excused = NO_FAILING_CASE_YET.iter().any(|(id, _)| *id == c.id);
        if can_fail && !fails && !excused {
            problems.push(format!("{}: no failing case (status = \"warn\" or \"crit\")", c.id));
        }
        if excused && (fails || !can_fail) {
            problems.push(format!("{}: has its failing case now: remove it from NO_FAILING_CASE_YET", c.id));
        }
    }
    let ids: BTreeSet<&str> = catalog.checks.iter().map(|c| c.id.as_str()).collect();
    for (id, _) in NO_FAILING_CASE_YET {
        if !ids.contains(id) {
            problems.push(format!("NO_FAILING_CASE_YET names {id}, which is not a built-in check"));
        }
    }
    let sources = test_sources();
    for k in &cases {
        if !ids.contains(k.check.as_str()) {
            problems.push(format!("{}: no built-in check has this id", k.label()));
        }
        if let Some(lab) = &k.expect.lab
            && let Err(e) = test_exists(&sources, lab, &k.check)
        {
            problems.push(format!("{}: lab = {lab:?}: {e}", k.label()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The source of each module in tests/integration/, by module name.
fn test_sources() -> BTreeMap<String, String> {
    let dir = project_dir().join("tests/integration");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("tests/integration").flatten() {
        let p = entry.path();
        if p.extension().is_some_and(|x| x == "rs")
            && let Some(stem) = p.file_stem()
        {
            out.insert(stem.to_string_lossy().into_owned(), std::fs::read_to_string(&p).expect("read test module"));
        }
    }
    out
}

/// Whether `module::name` is a `#[test]` function of tests/integration/<module>.rs whose body
/// names the check `id` (a test about another check is not this check's case).
fn test_exists(sources: &BTreeMap<String, String>, path: &str, id: &str) -> Result<(), String> {
    let (module, name) = path.split_once("::").ok_or("write it as module::test_name")?;
    let src = sources.get(module).ok_or_else(|| format!("no tests/integration/{module}.rs"))?;
    let lines: Vec<&str> = src.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with(&format!("fn {name}(")))
        .ok_or_else(|| format!("tests/integration/{module}.rs has no fn {name}"))?;
    // The attribute sits above the function, perhaps after its doc comment.
    let is_test = lines[..at]
        .iter()
        .rev()
        .take_while(|l| {
            let t = l.trim_start();
            t.starts_with("#[") || t.starts_with("///")
        })
        .any(|l| l.trim() == "#[test]");
    if !is_test {
        return Err(format!("{module}::{name} is not a #[test]"));
    }
    let body: Vec<&str> =
        lines[at..].iter().skip(1).take_while(|l| !l.starts_with("fn ") && l.trim() != "#[test]").copied().collect();
    if body.iter().any(|l| l.contains(id)) { Ok(()) } else { Err(format!("{module}::{name} does not name {id}")) }
}

#[test]
fn a_lab_reference_must_name_a_test() {
    let sources = test_sources();
    let id = "sys.cpu.load";
    assert!(test_exists(&sources, "checks::a_lab_reference_must_name_a_test", id).is_ok());
    assert!(test_exists(&sources, "checks::a_lab_reference_must_name_a_test", &format!("{id}x")).is_err());
    assert!(test_exists(&sources, "checks::test_exists", id).is_err(), "a helper is not a test");
    assert!(test_exists(&sources, "checks::no_such_test", id).is_err());
    assert!(test_exists(&sources, "nowhere::x", id).is_err());
    assert!(test_exists(&sources, "no_separator", id).is_err());
}

#[test]
fn an_expectation_that_does_not_hold_is_reported() {
    let result = serde_json::json!({
        "status": "warn", "summary": "2 things", "metrics": {"n": 2.0},
        "findings": [{"subject": "/etc/x", "severity": "warn", "code": "EX", "message": "bad x",
                      "evidence": ["/etc/x:1: x"]}]
    });
    let good: Expect = toml::from_str(
        r#"status = "warn"
subjects = ["/etc/x"]
code = "EX"
metrics = { n = 2 }
summary_contains = ["2 things"]
evidence_contains = ["/etc/x:1: x"]
[[findings]]
subject = "/etc/x"
evidence = ["/etc/x:1: x"]
"#,
    )
    .expect("parse");
    assert_eq!(judge(&good, &result), Vec::<String>::new());
    for bad in [
        "status = \"crit\"",
        "status = \"warn\"\nsubjects = []",
        "status = \"warn\"\ncode = \"EY\"",
        "status = \"warn\"\nmetrics = { n = 3 }",
        "status = \"warn\"\nnot_contains = [\"bad x\"]",
        "status = \"warn\"\nevidence_contains = [\"nothing\"]",
        "status = \"warn\"\n[[findings]]\nsubject = \"/etc/x\"\nseverity = \"crit\"",
    ] {
        let e: Expect = toml::from_str(bad).expect("parse");
        assert!(!judge(&e, &result).is_empty(), "{bad} passed");
    }
    assert!(toml::from_str::<Expect>("status = \"ok\"\nstatuss = 1").is_err(), "a misspelt key is an error");
}

#[test]
fn update_expect_changes_only_the_recorded_lines() {
    let text = "# why\nroot = \"x\"\nstatus = \"ok\"\nsubjects = [\n  \"a\",\n]\nevidence_contains = [\"e\"] # kept\n\n[[findings]]\nsubject = \"a\"\n";
    let mut e: Expect = toml::from_str(text).expect("parse");
    e.status = "crit".into();
    e.subjects = Some(vec!["b".into(), "c\"d".into()]);
    e.code = Some("EX".into());
    e.metrics.insert("n".into(), Num(12.0));
    e.metrics.insert("p".into(), Num(2.5));
    let now = rewrite(text, &e);
    assert_eq!(
        now,
        "# why\nroot = \"x\"\nstatus = \"crit\"\nsubjects = [\"b\", 'c\"d']\ncode = \"EX\"\nmetrics = { n = 12, p = 2.5 }\n\
         evidence_contains = [\"e\"] # kept\n\n[[findings]]\nsubject = \"a\"\n"
    );
    let back: Expect = toml::from_str(&now).expect("the rewritten file parses");
    assert_eq!(back.subjects, e.subjects);
    e.subjects = None;
    assert!(!rewrite(&now, &e).contains("subjects"), "a key set to nothing goes");
}

// --- Whole runs of the scenario roots -----------------------------------------------------------

const LOCAL: &[&str] = &["--only", "net", "--only", "sec", "--only", "sys"];

#[test]
fn healthy_root_has_no_warn_or_crit() {
    let Some((r, code)) = run_json(&fixture_root("healthy"), LOCAL) else { return };
    for c in r["checks"].as_array().expect("checks") {
        // Skipped (nothing to examine in this root) is fine; a warning or an error is not.
        assert!(c["status"] == "ok" || c["status"] == "skipped", "{c:#}");
    }
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["status"], "ok");
    assert_eq!(r["summary"]["score"], 100.0);
    assert_eq!(r["host"]["hostname"], "web-1");
    assert_eq!(r["host"]["os"]["id"], "debian");
    assert_eq!(r["host"]["cloud"]["provider"], "alibaba");
}

#[test]
fn broken_root_is_critical() {
    let Some((r, code)) = run_json(&fixture_root("broken"), LOCAL) else { return };
    assert_eq!(code, 2);
    assert_eq!(r["summary"]["status"], "crit");
}

#[test]
fn degraded_root_warns_and_each_warning_costs_eight_points() {
    let Some((r, code)) = run_json(&fixture_root("degraded"), LOCAL) else { return };
    assert_eq!(code, 1, "{r:#}");
    assert_eq!(r["summary"]["status"], "warn");
    let warns = r["checks"].as_array().expect("checks").iter().filter(|c| c["status"] == "warn").count() as f64;
    assert_eq!(r["summary"]["score"].as_f64(), Some(100.0 - warns * 8.0));
}
