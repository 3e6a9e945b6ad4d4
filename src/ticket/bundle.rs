//! The attachment: a `.tar.gz` with the report (JSON and Markdown), the ticket (Markdown and
//! JSON), the log files the findings cite (their tails) and a manifest with the SHA-256 of every
//! file. Everything in it has been through the ticket's redactor; the archive and its entries
//! are mode 0600; the logs are cut to their tails so the whole stays under a size cap.

use super::sign::sha256_hex;
use crate::host::Host;
use crate::redact::Redactor;
use crate::report::Report;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use std::io::{Read, Seek, SeekFrom};

/// Default cap on the bundle's content (before compression).
pub const DEFAULT_MAX_BYTES: u64 = 8 << 20;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ManifestEntry {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
    /// The file's size when only its tail was taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tail_of: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Bundle {
    pub bytes: Vec<u8>,
    pub manifest: Vec<ManifestEntry>,
}

/// The log files under /var/log named in the evidence (`/var/log/kern.log:12: ...`).
pub fn cited_logs(report: &Report) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in &report.checks {
        for f in &c.findings {
            for line in &f.evidence {
                for word in line.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',' || c == '"') {
                    if let Some(p) = word.strip_prefix("/var/log/") {
                        let p = p.split(':').next().unwrap_or("");
                        if p.is_empty() || p.contains("..") || p.ends_with(".gz") {
                            continue;
                        }
                        let path = format!("/var/log/{p}");
                        if !out.contains(&path) {
                            out.push(path);
                        }
                    }
                }
            }
        }
    }
    out
}

/// The last `max` bytes of a file (from a line start), and the file's size.
fn tail(host: &Host, path: &str, max: u64) -> Option<(Vec<u8>, u64)> {
    let mut f = std::fs::File::open(host.path(path)).ok()?;
    let meta = f.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let size = meta.len();
    let start = size.saturating_sub(max);
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut buf = Vec::new();
    f.take(max).read_to_end(&mut buf).ok()?;
    if start > 0
        && let Some(nl) = buf.iter().position(|b| *b == b'\n')
    {
        buf.drain(..=nl);
    }
    Some((buf, size))
}

pub struct Input<'a> {
    pub report: &'a Report,
    pub ticket_markdown: &'a str,
    pub ticket_json: &'a str,
    pub key: &'a str,
    pub created_at: &'a str,
}

/// The archive could not be written (in memory: this is rare).
#[derive(Debug)]
pub struct BundleError(pub std::io::Error);

impl std::fmt::Display for BundleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bundle: {}", self.0)
    }
}

impl std::error::Error for BundleError {}

/// Builds the archive in memory. `red` is the ticket's redactor (same masks as the ticket).
pub fn build(input: &Input, host: &Host, red: &mut Redactor, max_bytes: u64) -> Result<Bundle, BundleError> {
    let report_json = redact_report_json(input.report, red);
    let report_md = red.apply(&crate::report::markdown::render(&input.report.inert(), &Default::default()));
    let mut files: Vec<(String, Vec<u8>, Option<u64>)> = vec![
        ("ticket.md".into(), input.ticket_markdown.as_bytes().to_vec(), None),
        ("ticket.json".into(), input.ticket_json.as_bytes().to_vec(), None),
        ("report.json".into(), report_json.into_bytes(), None),
        ("report.md".into(), report_md.into_bytes(), None),
    ];
    let fixed: u64 = files.iter().map(|f| f.1.len() as u64).sum();
    let logs = cited_logs(input.report);
    if !logs.is_empty() {
        let budget = max_bytes.saturating_sub(fixed).saturating_sub(4096);
        let each = budget / logs.len() as u64;
        for path in logs {
            if each < 1024 {
                break;
            }
            let Some((raw, size)) = tail(host, &path, each) else { continue };
            let lines: Vec<String> = String::from_utf8_lossy(&raw).lines().map(str::to_string).collect();
            let mut text = red.apply_lines(&lines).join("\n");
            text.push('\n');
            // Redaction markers can be longer than what they replace: cut again to the cap.
            if text.len() as u64 > each {
                let mut from = text.len() - each as usize;
                while !text.is_char_boundary(from) {
                    from += 1;
                }
                let from = text[from..].find('\n').map(|i| from + i + 1).unwrap_or(text.len());
                text.drain(..from);
            }
            let cut = (size > raw.len() as u64).then_some(size);
            files.push((format!("logs{path}"), text.into_bytes(), cut));
        }
    }
    let manifest: Vec<ManifestEntry> = files
        .iter()
        .map(|(name, data, cut)| ManifestEntry {
            name: name.clone(),
            bytes: data.len() as u64,
            sha256: sha256_hex(data),
            tail_of: *cut,
        })
        .collect();
    let manifest_json = serde_json::to_string_pretty(&serde_json::json!({
        "schema": "ecs-doctor/bundle/v1",
        "key": input.key,
        "created_at": input.created_at,
        "files": manifest,
        "redactions": red.counts,
    }))
    .unwrap_or_default();
    files.push(("manifest.json".into(), manifest_json.into_bytes(), None));

    let mtime = jiff::Timestamp::now().as_second().max(0) as u64;
    let gz = GzEncoder::new(Vec::new(), Compression::default());
    let mut tar = tar::Builder::new(gz);
    let top = super::store::bundle_name(input.key).trim_end_matches(".tar.gz").to_string();
    for (name, data, _) in &files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o600);
        h.set_mtime(mtime);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        tar.append_data(&mut h, format!("{top}/{name}"), data.as_slice()).map_err(BundleError)?;
    }
    let gz = tar.into_inner().map_err(BundleError)?;
    let bytes = gz.finish().map_err(BundleError)?;
    Ok(Bundle { bytes, manifest })
}

/// The report as JSON with every string value redacted (and masked) one by one, so the result
/// stays valid report v1.
pub fn redact_report_json(report: &Report, red: &mut Redactor) -> String {
    fn walk(v: &mut serde_json::Value, red: &mut Redactor) {
        match v {
            serde_json::Value::String(s) => *s = red.apply(s),
            serde_json::Value::Array(a) if a.iter().all(|x| x.is_string()) => {
                let lines: Vec<String> = a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect();
                *a = red.apply_lines(&lines).into_iter().map(serde_json::Value::String).collect();
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, red)),
            serde_json::Value::Object(o) => {
                for (k, x) in o.iter_mut() {
                    if matches!(k.as_str(), "schema" | "status" | "severity" | "provider" | "category" | "id") {
                        continue;
                    }
                    walk(x, red)
                }
            }
            _ => {}
        }
    }
    let mut v = serde_json::to_value(report).unwrap_or_default();
    walk(&mut v, red);
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// The files of a bundle (name, content), for tests and `ticket --dry-run` listings.
pub fn unpack(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>, u32)>, String> {
    let mut out = Vec::new();
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for e in ar.entries().map_err(|e| e.to_string())? {
        let mut e = e.map_err(|e| e.to_string())?;
        let name = e.path().map_err(|e| e.to_string())?.display().to_string();
        let mode = e.header().mode().unwrap_or(0);
        let mut data = Vec::new();
        e.read_to_end(&mut data).map_err(|e| e.to_string())?;
        out.push((name, data, mode));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_hashes_and_log_tails() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("var/log/kern.log");
        std::fs::create_dir_all(log.parent().unwrap()).unwrap();
        let mut big = String::new();
        for i in 0..20_000 {
            big.push_str(&format!("line {i} password=hunter{i}\n"));
        }
        std::fs::write(&log, &big).unwrap();
        let mut report: Report = serde_json::from_str(include_str!("../../tests/fixtures/reports/mixed.json")).unwrap();
        report.checks[2].findings[0].evidence.push("/var/log/kern.log:7: I/O error".into());
        let host = Host::new(dir.path());
        let mut red = Redactor::default();
        let input =
            Input { report: &report, ticket_markdown: "# t", ticket_json: "{}", key: "ecsd-abc", created_at: "now" };
        let b = build(&input, &host, &mut red, 64 * 1024).unwrap();
        let files = unpack(&b.bytes).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
        assert!(names.contains(&"ecs-doctor-abc/manifest.json"), "{names:?}");
        assert!(files.iter().all(|f| f.2 == 0o600));
        let total: usize = files.iter().map(|f| f.1.len()).sum();
        assert!(total < 64 * 1024, "{total}");
        let logf = files.iter().find(|f| f.0.ends_with("logs/var/log/kern.log")).expect("log in bundle");
        let text = String::from_utf8_lossy(&logf.1);
        assert!(text.contains("line 19999") && !text.contains("line 0 ") && !text.contains("hunter"), "tail, redacted");
        let manifest: serde_json::Value =
            serde_json::from_slice(&files.iter().find(|f| f.0.ends_with("manifest.json")).unwrap().1).unwrap();
        for entry in manifest["files"].as_array().unwrap() {
            let name = entry["name"].as_str().unwrap();
            let data = &files.iter().find(|f| f.0.ends_with(&format!("/{name}"))).unwrap().1;
            assert_eq!(entry["sha256"], sha256_hex(data), "{name}");
        }
        assert_eq!(manifest["files"][4]["tail_of"], big.len() as u64);
    }
}
