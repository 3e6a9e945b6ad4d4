//! Files whose owner, mode or content give an attacker a way in or a way to stay: critical
//! permissions, setuid programs, world-writable paths, cron persistence, /etc/ld.so.preload.
//! Owners and modes come from `host::fsmeta`; the walkers (`suid_files`, `world_writable`)
//! report what their bounded walk covered with [`walk_scope`].

pub mod cron;
pub mod file_perms;
pub mod ld_preload;
pub mod suid_files;
pub mod world_writable;

use crate::host::fsmeta::WalkStats;
use crate::i18n::{Msg, Said};
use crate::probe::Observation;

/// The observation that describes the walk itself (how many entries it saw, whether it
/// stopped early, what it could not read or would not enter), so a partial answer says so.
pub fn walk_scope(stats: &WalkStats, subject: impl Into<String>) -> Observation {
    let mut notes = Vec::new();
    if let Some(why) = &stats.stopped {
        notes.push(why.clone());
    }
    if !stats.unreadable.is_empty() {
        notes.push(Said::new(Msg::ValUnreadableDirs).arg("count", stats.unreadable.len()));
    }
    if !stats.remote.is_empty() {
        notes.push(Said::new(Msg::ValNotWalkedRemote).arg("paths", stats.remote.join(", ")));
    }
    let scope = Observation::new(subject).num("entries", stats.entries as f64);
    let mut scope = if notes.is_empty() {
        scope.text("note", "")
    } else {
        scope.word("note", Said::new(Msg::ValNotes).list("notes", notes))
    };
    for u in stats.unreadable.iter().take(10) {
        scope = scope.evidence(format!("{u}: permission denied"));
    }
    scope
}
