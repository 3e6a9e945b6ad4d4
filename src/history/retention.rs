//! Retention: after a report is saved, saved reports beyond the newest `keep`, and those older
//! than `max_age_days`, are deleted. Only files named like saved reports are touched, and never
//! the one just saved, so a wrong report_dir cannot cost anyone a file.

use super::{Settings, report_files, stamp_seconds};
use std::path::{Path, PathBuf};

/// Deletes what the limits allow to go; returns the deleted files.
pub fn prune(dir: &Path, settings: &Settings, keep_path: &Path, now_s: i64) -> Vec<PathBuf> {
    let files = report_files(dir);
    let max_age_s = (settings.max_age_days * 86_400.0) as i64;
    let mut deleted = Vec::new();
    let excess = files.len().saturating_sub(settings.keep);
    for (i, path) in files.iter().enumerate() {
        if path == keep_path {
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let too_old = stamp_seconds(name).is_some_and(|t| now_s - t > max_age_s);
        if (i < excess || too_old) && std::fs::remove_file(path).is_ok() {
            deleted.push(path.clone());
        }
    }
    deleted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_and_the_young_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "ecs-doctor-20260101T000000-aaaaaaaa.json",
            "ecs-doctor-20261101T000000-bbbbbbbb.json",
            "ecs-doctor-20261110T000000-cccccccc.json",
            "ecs-doctor-20261119T000000-dddddddd.json",
            "ecs-doctor-20261120T000000-eeeeeeee.json",
        ];
        for n in names.iter().chain(["notes.json", "latest.json"].iter()) {
            std::fs::write(dir.path().join(n), "{}").unwrap();
        }
        let now = stamp_seconds(names[4]).unwrap();
        let s = Settings { keep: 3, max_age_days: 30.0, ..Default::default() };
        let deleted = prune(dir.path(), &s, &dir.path().join(names[4]), now);
        let deleted: Vec<_> = deleted.iter().map(|p| p.file_name().unwrap().to_str().unwrap().to_string()).collect();
        // The first two go for count (keep 3 of 5); the first is also over 30 days old.
        assert_eq!(deleted, vec![names[0].to_string(), names[1].to_string()]);
        assert!(dir.path().join("notes.json").exists() && dir.path().join("latest.json").exists());
        // Age alone: with room for all, the 10-day-old run stays at 10 days and goes at 9.
        let s = Settings { keep: 100, max_age_days: 10.0, ..Default::default() };
        assert!(prune(dir.path(), &s, &dir.path().join(names[4]), now).is_empty());
        let s = Settings { keep: 100, max_age_days: 9.0, ..Default::default() };
        let deleted = prune(dir.path(), &s, &dir.path().join(names[4]), now);
        assert_eq!(deleted, vec![dir.path().join(names[2])]);
    }
}
