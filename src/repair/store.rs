//! The repair records on disk: one directory per applied repair under
//! `/var/lib/ecs-doctor/repairs/<id>/` (inside the examined root with `--root`), holding the
//! backup of every file the repair touched (`files/<n>`) and `manifest.json`: what was done,
//! when, its state, and for each file its path, sha256 before and after, mode, owner, extended
//! attributes and flags. Everything `fix --undo` and `fix --list` need is there, so both work
//! after a reboot, from another process, or after the tool was killed half-way.

use super::files::{self, Attrs};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where records are kept on the examined system.
pub const DEFAULT_DIR: &str = "/var/lib/ecs-doctor/repairs";

/// The state of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Backed up, being written: found like this later, the tool was stopped half-way (the
    /// files are either as before or as after; undo restores the backup).
    Applying,
    Applied,
    RolledBack,
    Undone,
    Failed,
}

impl State {
    /// The state as the report's `repairs[].state` says it.
    pub fn report_state(self) -> crate::report::RepairState {
        use crate::report::RepairState as S;
        match self {
            State::Applying | State::Failed => S::Failed,
            State::Applied => S::Applied,
            State::RolledBack => S::RolledBack,
            State::Undone => S::Undone,
        }
    }

    pub fn said(self, lang: crate::i18n::Lang) -> &'static str {
        use crate::i18n::{R, rt};
        rt(
            lang,
            match self {
                State::Applying => R::StateInterrupted,
                State::Applied => R::StateApplied,
                State::RolledBack => R::StateRolledBack,
                State::Undone => R::StateUndone,
                State::Failed => R::StateFailed,
            },
        )
    }
}

/// One file a repair touched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    /// The path on the examined system (`/etc/fstab`).
    pub path: String,
    /// The backup's file name in the record directory; `None` when the file did not exist
    /// before (undo removes it).
    pub backup: Option<String>,
    pub sha256_before: Option<String>,
    /// What the repair writes (`None`: it removes the file).
    pub sha256_after: Option<String>,
    /// The attributes before (those a new file gets, when it did not exist).
    pub attrs: Attrs,
    /// The directories that did not exist before and the write makes for a new file, outermost
    /// first (a home created with its skeleton): undo and rollback remove them again once empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub made_dirs: Vec<String>,
}

/// The manifest of one repair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    /// The id in the plan (`fstab-nofail-data`).
    pub repair: String,
    pub check: String,
    pub subject: Option<String>,
    pub action: String,
    pub risk: String,
    pub state: State,
    /// When it was applied (RFC 3339).
    pub at: String,
    /// When the state last changed.
    pub updated_at: String,
    /// What was shown in the plan: the summary, each file's diff, each command.
    pub changes: Vec<String>,
    pub files: Vec<FileRecord>,
    /// Commands to run again after the files are restored (reloads).
    #[serde(default)]
    pub commands: Vec<super::Command>,
    /// The changes to the running system that ran (see [`super::Live`]), in order: a rollback
    /// or an undo reverses them last first. Saved after each one, so a killed process leaves
    /// the ones that really ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub live: Vec<super::Live>,
    /// Why it was rolled back or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The record directory of the examined system.
#[derive(Debug, Clone)]
pub struct Store {
    /// The directory on this machine (the root joined with the system path).
    pub dir: PathBuf,
}

impl Store {
    pub fn new(dir: PathBuf) -> Store {
        Store { dir }
    }

    fn record_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// A new record id: the time to the millisecond and the plan's id
    /// (`20261206T031500.250Z-fstab-nofail-data`), with a number added when one exists already.
    /// The ids sort in the order the repairs were made, also several in one second (`fix --undo`
    /// undoes the latest first).
    pub fn new_id(&self, repair: &str, now: jiff::Timestamp) -> String {
        let stamp = now.strftime("%Y%m%dT%H%M%S%.3fZ").to_string();
        let base = format!("{stamp}-{repair}");
        let mut id = base.clone();
        let mut n = 2;
        while self.record_dir(&id).exists() {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    /// Creates the record's directory (private to root).
    pub fn create(&self, id: &str) -> std::io::Result<PathBuf> {
        let d = self.record_dir(id);
        std::fs::create_dir_all(d.join("files"))?;
        for p in [&self.dir, &d, &d.join("files")] {
            std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        }
        Ok(d)
    }

    /// Writes a backup's bytes durably; returns its name in the record.
    pub fn backup(&self, id: &str, n: usize, bytes: &[u8]) -> std::io::Result<String> {
        let name = format!("files/{n}");
        files::write_private(&self.record_dir(id).join(&name), bytes)?;
        Ok(name)
    }

    pub fn read_backup(&self, id: &str, name: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.record_dir(id).join(name))
    }

    /// Writes (or rewrites) a record's manifest durably.
    pub fn save(&self, r: &Record) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(r).map_err(std::io::Error::other)?;
        files::write_private(&self.record_dir(&r.id).join("manifest.json"), &json)
    }

    pub fn load(&self, id: &str) -> Option<Record> {
        // An id is a directory name: nothing that walks out of the store.
        if id.is_empty() || id.contains('/') || id.starts_with('.') {
            return None;
        }
        let text = std::fs::read(self.record_dir(id).join("manifest.json")).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Every record, oldest first (ids start with the time).
    pub fn list(&self) -> Vec<Record> {
        let mut names: Vec<String> = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        names.iter().filter_map(|n| self.load(n)).collect()
    }

    /// Where a record lives, for messages.
    pub fn path_of(&self, id: &str) -> PathBuf {
        self.record_dir(id)
    }
}

/// The store of the examined system: `dir` is a system path (the default, or
/// ECS_DOCTOR_REPAIR_DIR), joined with the root.
pub fn store_for(host: &crate::host::Host, dir: &Path) -> Store {
    Store::new(host.path(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_list_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::new(dir.path().join("repairs"));
        let t: jiff::Timestamp = "2026-12-06T03:15:00.25Z".parse().unwrap();
        let id = s.new_id("fstab-nofail-data", t);
        assert_eq!(id, "20261206T031500.250Z-fstab-nofail-data");
        s.create(&id).unwrap();
        assert_eq!(s.new_id("fstab-nofail-data", t), "20261206T031500.250Z-fstab-nofail-data-2");
        let later: jiff::Timestamp = "2026-12-06T03:15:00.9Z".parse().unwrap();
        assert!(s.new_id("a", later) > id, "a later repair in the same second sorts after");
        let name = s.backup(&id, 0, b"old\n").unwrap();
        let r = Record {
            id: id.clone(),
            repair: "fstab-nofail-data".into(),
            check: "disk.fstab.entries".into(),
            subject: Some("/data".into()),
            action: "fstab".into(),
            risk: "safe".into(),
            state: State::Applying,
            at: t.to_string(),
            updated_at: t.to_string(),
            changes: vec!["x".into()],
            files: vec![FileRecord {
                path: "/etc/fstab".into(),
                backup: Some(name.clone()),
                sha256_before: Some(files::sha256(b"old\n")),
                sha256_after: Some(files::sha256(b"new\n")),
                attrs: Attrs { mode: 0o644, uid: 0, gid: 0, xattrs: vec![], flags: 0 },
                made_dirs: vec![],
            }],
            commands: vec![],
            live: vec![super::super::Live {
                run: super::super::Command::new("iptables", &["-I", "INPUT"]),
                undo: Some(super::super::Command::new("iptables", &["-D", "INPUT"])),
            }],
            reason: None,
        };
        s.save(&r).unwrap();
        assert_eq!(s.load(&id), Some(r.clone()));
        assert_eq!(s.read_backup(&id, &name).unwrap(), b"old\n");
        assert_eq!(s.list(), vec![r]);
        assert!(s.load("../etc").is_none());
    }
}
