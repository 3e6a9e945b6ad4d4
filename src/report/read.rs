//! Reading a saved report back: the one reader behind `report`, `history`, `diff` and
//! `ticket --from`. The error names the file (and the line and column of bad JSON).

use super::{Report, SCHEMA};
use crate::i18n::{Msg, Said};
use std::path::{Path, PathBuf};

/// Why a file is not a report this version can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file cannot be read.
    Unreadable { path: PathBuf, error: String },
    /// The file is not JSON of a report.
    NotAReport { path: PathBuf, line: usize, column: usize, error: String },
    /// A report of another schema.
    WrongSchema { path: PathBuf, schema: String },
}

impl ReadError {
    /// The error, to say in the reader's language.
    pub fn said(&self) -> Said {
        match self {
            ReadError::Unreadable { path, error } => {
                Said::new(Msg::ReportUnreadable).arg("file", path.display()).arg("error", error)
            }
            ReadError::NotAReport { path, line, column, error } => Said::new(Msg::NotAReport)
                .arg("file", path.display())
                .arg("line", line)
                .arg("column", column)
                .arg("error", error),
            ReadError::WrongSchema { path, schema } => Said::new(Msg::WrongSchema)
                .arg("file", path.display())
                .arg("schema", format!("{schema:?}"))
                .arg("expected", SCHEMA),
        }
    }
}

/// In English, whatever the process's language: for lists of unreadable files and logs.
impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.said().render(crate::i18n::Lang::En))
    }
}

impl std::error::Error for ReadError {}

/// Reads one saved report.
pub fn read(path: &Path) -> Result<Report, ReadError> {
    let bytes =
        std::fs::read(path).map_err(|e| ReadError::Unreadable { path: path.to_path_buf(), error: e.to_string() })?;
    let report: Report = serde_json::from_slice(&bytes).map_err(|e| ReadError::NotAReport {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        error: e.to_string(),
    })?;
    if report.schema != SCHEMA {
        return Err(ReadError::WrongSchema { path: path.to_path_buf(), schema: report.schema });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn each_way_a_file_is_not_a_report_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.json");
        let e = read(&missing).unwrap_err();
        assert!(matches!(e, ReadError::Unreadable { .. }));
        assert!(e.to_string().starts_with(&format!("{}: cannot read: ", missing.display())), "{e}");

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\n  \"schema\": 5,\n").unwrap();
        let e = read(&bad).unwrap_err();
        assert!(matches!(e, ReadError::NotAReport { line: 2, .. }), "{e:?}");
        assert!(e.to_string().contains("bad.json:2:"), "{e}");

        let other = dir.path().join("other.json");
        let mut r: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reports/mixed.json"))
                .unwrap(),
        )
        .unwrap();
        r["schema"] = "ecs-doctor/report/v0".into();
        std::fs::write(&other, r.to_string()).unwrap();
        let e = read(&other).unwrap_err();
        assert_eq!(e, ReadError::WrongSchema { path: other.clone(), schema: "ecs-doctor/report/v0".into() });
        assert_ne!(e.said().render(Lang::En), e.said().render(Lang::ZhCn));
        assert!(e.said().render(Lang::ZhCn).contains("other.json"));
    }

    #[test]
    fn a_saved_report_reads_back() {
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/reports/mixed.json"));
        let r = read(path).unwrap();
        assert_eq!(r.schema, SCHEMA);
    }
}
