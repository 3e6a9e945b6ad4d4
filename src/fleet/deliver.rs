//! `--output-dir DIR`: the full report, written where a fleet engine collects it (Ansible
//! `fetch`, a shared mount). The name carries the host and the run id so reports of many hosts
//! and runs can share one directory; it is written atomically (a temporary file renamed into
//! place, so a collector never picks up half a file) and readable by its owner only.

use crate::report::{Report, json};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// A file-name-safe form of a host name or run id: ASCII letters, digits, '.', '_' and '-'
/// are kept, anything else becomes '_'; at most 64 characters; never empty or a dot name.
pub fn safe_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(64)
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .collect();
    if out.is_empty() || out.chars().all(|c| c == '.') {
        out = "unknown".into();
    }
    out
}

/// The file name of a report in an output directory: `<host>_<run id>.json`.
pub fn file_name(report: &Report) -> String {
    format!("{}_{}.json", safe_name(&report.host.hostname), safe_name(&report.run.id))
}

/// Writes the report as JSON (report v1) into `dir`, creating it (mode 0700) when missing.
pub fn write(report: &Report, dir: &Path) -> std::io::Result<PathBuf> {
    write_named(dir, &file_name(report), json::render(report).as_bytes())
}

/// Writes `body` to `dir/name` atomically with mode 0600.
pub fn write_named(dir: &Path, name: &str, body: &[u8]) -> std::io::Result<PathBuf> {
    if !dir.is_dir() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(body)?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn names_are_safe() {
        assert_eq!(safe_name("web-1.example.com"), "web-1.example.com");
        assert_eq!(safe_name("../../etc/passwd"), ".._.._etc_passwd");
        assert_eq!(safe_name(".."), "unknown");
        assert_eq!(safe_name(""), "unknown");
        assert_eq!(safe_name("主机 1"), "___1");
    }

    #[test]
    fn write_is_atomic_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        let p = write_named(&sub, "x.json", b"{}").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"{}");
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(&sub).unwrap().count(), 1, "no temporary file left");
    }
}
