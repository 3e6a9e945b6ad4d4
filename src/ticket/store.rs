//! Nothing lost, nothing filed twice. A ticket gets its idempotency key and is written to the
//! spool (`<state>/spool/<key>/`) before the first byte is sent; every attempt is counted there
//! first, so a later run knows the ticket may already exist and looks before sending again. A
//! filed ticket moves to the ledger (`<state>/ledger.jsonl`) and leaves the spool. A lock file
//! keeps two runs from sending the same spool at once. Everything is mode 0600 (0700 dirs).

use super::config::BackendKind;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What a spooled ticket needs to be sent again without its report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub key: String,
    pub backend: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    pub title: String,
    pub severity: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub created_at: String,
    /// Sends started (counted before each one): above 0 the ticket may exist already.
    pub attempts: u32,
    /// The uploaded bundle's object key (Workorder), so a retry does not upload it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl Meta {
    pub fn backend_kind(&self) -> BackendKind {
        match self.backend.as_str() {
            "aliyun" => BackendKind::Aliyun,
            "webhook" => BackendKind::Webhook,
            _ => BackendKind::File,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub key: String,
    pub backend: String,
    /// The ticket id the service gave, or the directory the file backend wrote.
    pub id: String,
    pub filed_at: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

/// A spooled ticket: its directory, metadata, the ticket text and the bundle.
#[derive(Debug, Clone)]
pub struct Spooled {
    pub dir: PathBuf,
    pub meta: Meta,
}

impl Spooled {
    pub fn description(&self) -> std::io::Result<String> {
        std::fs::read_to_string(self.dir.join("ticket.md"))
    }
    pub fn json(&self) -> std::io::Result<String> {
        std::fs::read_to_string(self.dir.join("ticket.json"))
    }
    pub fn bundle(&self) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join(BUNDLE)).ok()
    }
    pub fn bundle_name(&self) -> String {
        bundle_name(&self.meta.key)
    }
    /// Saves the metadata (attempt counts before each send).
    pub fn save(&self) -> std::io::Result<()> {
        write_private(&self.dir.join("meta.json"), &serde_json::to_vec_pretty(&self.meta).unwrap_or_default())
    }
}

const BUNDLE: &str = "bundle.tar.gz";

pub fn bundle_name(key: &str) -> String {
    format!("ecs-doctor-{}.tar.gz", key.trim_start_matches("ecsd-").chars().take(8).collect::<String>())
}

/// A new idempotency key: `ecsd-` and a random UUID.
pub fn new_key() -> String {
    let uuid = std::fs::read_to_string("/proc/sys/kernel/random/uuid")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| s.len() >= 32)
        .unwrap_or_else(super::sign::nonce);
    format!("ecsd-{uuid}")
}

/// Writes a file atomically with mode 0600.
pub fn write_private(path: &Path, body: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(body)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// The state directory: spool, ledger, lock.
pub struct Store {
    pub dir: PathBuf,
}

/// Held while tickets are being sent; released on drop.
pub struct Lock(#[allow(dead_code)] std::fs::File);

impl Store {
    pub fn new(dir: PathBuf) -> Store {
        Store { dir }
    }

    fn spool_dir(&self) -> PathBuf {
        self.dir.join("spool")
    }

    /// Waits up to `wait` for the lock.
    pub fn lock(&self, wait: std::time::Duration) -> std::io::Result<Lock> {
        private_dir(&self.dir)?;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(self.dir.join(".lock"))?;
        let until = std::time::Instant::now() + wait;
        loop {
            match rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => return Ok(Lock(f)),
                Err(e) if std::time::Instant::now() >= until => {
                    return Err(std::io::Error::other(format!(
                        "{}: another ecs-doctor is sending tickets ({e})",
                        self.dir.display()
                    )));
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
            }
        }
    }

    /// Puts a ticket in the spool before anything is sent.
    pub fn spool(&self, meta: Meta, markdown: &str, json: &str, bundle: Option<&[u8]>) -> std::io::Result<Spooled> {
        let dir = self.spool_dir().join(&meta.key);
        private_dir(&self.spool_dir())?;
        private_dir(&dir)?;
        write_private(&dir.join("ticket.md"), markdown.as_bytes())?;
        write_private(&dir.join("ticket.json"), json.as_bytes())?;
        if let Some(b) = bundle {
            write_private(&dir.join(BUNDLE), b)?;
        }
        let s = Spooled { dir, meta };
        s.save()?;
        Ok(s)
    }

    /// Spooled tickets, oldest first. A damaged entry is reported, not fatal.
    pub fn pending(&self) -> (Vec<Spooled>, Vec<String>) {
        let mut out = Vec::new();
        let mut bad = Vec::new();
        let Ok(entries) = std::fs::read_dir(self.spool_dir()) else { return (out, bad) };
        for e in entries.flatten() {
            let dir = e.path();
            if !dir.is_dir() {
                continue;
            }
            let path = dir.join("meta.json");
            match std::fs::read(&path).map_err(|e| e.to_string()).and_then(|b| {
                serde_json::from_slice::<Meta>(&b).map_err(|e| format!("line {} column {}: {e}", e.line(), e.column()))
            }) {
                Ok(meta) => out.push(Spooled { dir, meta }),
                Err(e) => bad.push(format!("{}: {e}", path.display())),
            }
        }
        out.sort_by(|a, b| a.meta.created_at.cmp(&b.meta.created_at));
        (out, bad)
    }

    pub fn has_pending(&self) -> bool {
        std::fs::read_dir(self.spool_dir()).is_ok_and(|mut d| d.next().is_some())
    }

    /// Records a filed ticket and removes it from the spool (ledger first: a crash in between
    /// leaves a spooled ticket the ledger already knows, which is then only cleaned up).
    pub fn filed(&self, entry: &LedgerEntry, spooled: Option<&Spooled>) -> std::io::Result<()> {
        private_dir(&self.dir)?;
        let mut line = serde_json::to_string(entry).unwrap_or_default();
        line.push('\n');
        let mut f =
            std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(self.dir.join("ledger.jsonl"))?;
        f.write_all(line.as_bytes())?;
        f.sync_all()?;
        if let Some(s) = spooled {
            std::fs::remove_dir_all(&s.dir)?;
        }
        Ok(())
    }

    pub fn ledger(&self) -> Vec<LedgerEntry> {
        let Ok(text) = std::fs::read_to_string(self.dir.join("ledger.jsonl")) else { return Vec::new() };
        text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    pub fn ledger_has(&self, key: &str) -> Option<LedgerEntry> {
        self.ledger().into_iter().find(|e| e.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(key: &str) -> Meta {
        Meta {
            key: key.into(),
            backend: "webhook".into(),
            endpoint: None,
            category_id: None,
            title: "t".into(),
            severity: 1,
            email: None,
            created_at: "2026-11-20T00:00:00Z".into(),
            attempts: 0,
            object_key: None,
            last_error: None,
        }
    }

    #[test]
    fn spool_then_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("state"));
        let _lock = store.lock(std::time::Duration::from_secs(1)).unwrap();
        let mut s = store.spool(meta("ecsd-1"), "# md", "{}", Some(b"gz")).unwrap();
        let mode = std::fs::metadata(s.dir.join("ticket.md")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        s.meta.attempts += 1;
        s.save().unwrap();
        let (pending, bad) = store.pending();
        assert!(bad.is_empty());
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].meta.attempts, 1);
        assert_eq!(pending[0].bundle().as_deref(), Some(&b"gz"[..]));
        let e = LedgerEntry {
            key: "ecsd-1".into(),
            backend: "webhook".into(),
            id: "42".into(),
            filed_at: "now".into(),
            title: "t".into(),
            endpoint: None,
        };
        store.filed(&e, Some(&pending[0])).unwrap();
        assert!(store.pending().0.is_empty());
        assert_eq!(store.ledger_has("ecsd-1").map(|e| e.id), Some("42".into()));
        assert!(new_key().starts_with("ecsd-") && new_key() != new_key());
    }
}
