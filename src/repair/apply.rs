//! Applying a planned repair, and undoing one: the same steps for every action.
//!
//! Apply: plan again against the system as it is now; back up every file it touches (bytes and
//! attributes) into a new record with its manifest (state `applying`, sha256 before and after);
//! write each file atomically; run the owner's checkers; make the live changes (each saved in
//! the record as it runs); run the reloads; run the check again.
//! A checker that rejects the change, a reload that fails, a finding still there or a check that
//! got worse rolls everything back at once (the backups written back, the reloads run again)
//! and the record says why. Undo: the backups written back byte for byte with their mode, owner,
//! attributes and flags, provided nobody changed the files since.

use super::exec::{self, Ran};
use super::files;
use super::plan::{self, Planned};
use super::store::{FileRecord, Record, State, Store};
use crate::host::Host;
use crate::i18n::{Lang, R, rtf};
use crate::report::{CheckResult, Severity};
use std::path::Path;
use std::time::{Duration, Instant};

/// How long the recheck after a repair's reloads may wait for the service to settle. sshd closes
/// its listeners and executes itself again on SIGHUP, and a restarted daemon binds its ports a
/// moment after systemd says it started: a check run in between sees the old problem, or a
/// worse one, and on a loaded server that moment is long enough to roll a good repair back.
const SETTLE: Duration = Duration::from_secs(5);
/// How often the recheck runs while the service settles.
const SETTLE_STEP: Duration = Duration::from_millis(250);

/// What applying and undoing need besides the repair.
pub struct Context<'a> {
    pub host: &'a Host,
    pub store: &'a Store,
    pub lang: Lang,
    /// Test seam: where to kill the process (`ECS_DOCTOR_TEST_CRASH_AT`).
    pub crash_at: Option<&'a str>,
    /// Test seam: where to log every process started (`ECS_DOCTOR_TEST_SPAWN_LOG`).
    pub spawn_log: Option<&'a Path>,
    /// What `fix` was told: the actions plan with it, the API steps reach the ECS API with it.
    pub told: &'a super::Told,
}

/// How applying one repair ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Written, validated, and the check no longer finds it.
    Applied(Record),
    /// Written, then undone at once: the record's `reason` says why.
    RolledBack(Record),
    /// Nothing was changed (or a rollback itself failed: the reason says so and the record
    /// keeps the backup for `fix --undo`).
    Failed { record: Option<Record>, reason: String },
    /// Nothing was left to change and the check no longer finds it: an earlier repair of the
    /// same run fixed it too (a dead nameserver replaced fixes "not the platform's" as well).
    Unneeded(String),
}

/// The check whose table says which accounts can log in over SSH (the lockout guard).
pub const LOGIN_CHECK: &str = "sec.login.matrix";

/// The accounts the login matrix says can log in (now, or after changing their password).
pub fn able(r: &CheckResult, lang: Lang) -> Vec<String> {
    use crate::i18n::{Msg, tr};
    let yes = [tr(lang, Msg::LoginYes), tr(lang, Msg::LoginAfterChange)];
    r.table
        .iter()
        .flat_map(|t| &t.rows)
        .filter(|row| row.get(1).is_some_and(|c| yes.contains(&c.as_str())))
        .filter_map(|row| row.first().cloned())
        .collect()
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

fn stamp() -> String {
    now().round(jiff::Unit::Second).map(|t| t.to_string()).unwrap_or_else(|_| now().to_string())
}

/// Whether the finding `p` repairs is gone from `after`, and the check is no worse than
/// `before_status`; else why not.
fn verify(p: &Planned, before: Option<&CheckResult>, after: &CheckResult, lang: Lang) -> Result<(), String> {
    // The same finding: the same message, or the same subject and code at the same severity or
    // worse (its message may name another rule now: a second firewall that still blocks the
    // port is the same problem; a missing disk given nofail is a lesser one, a warning).
    if let Some(still) = after.findings.iter().find(|f| {
        matches!(f.severity, Severity::Warn | Severity::Crit)
            && f.subject == p.finding.subject
            && (f.message == p.finding.message
                || (f.code.is_some() && f.code == p.finding.code && f.severity >= p.finding.severity))
    }) {
        return Err(rtf(lang, R::ReasonRecheck, &[("check", &p.check), ("message", &still.message)]));
    }
    if let Some(b) = before
        && after.status > b.status
    {
        let s = |st: crate::report::Status| format!("{st:?}").to_lowercase();
        return Err(rtf(
            lang,
            R::ReasonWorse,
            &[("check", &p.check), ("before", &s(b.status)), ("after", &s(after.status))],
        ));
    }
    Ok(())
}

/// Runs `attempt` until it succeeds or `wait` has gone (every `step`), and returns its last
/// result: once when `wait` is zero.
fn until_settled(
    wait: Duration,
    step: Duration,
    mut attempt: impl FnMut() -> Result<(), String>,
) -> Result<(), String> {
    let until = Instant::now() + wait;
    loop {
        match attempt() {
            Err(_) if Instant::now() + step <= until => std::thread::sleep(step),
            done => return done,
        }
    }
}

/// The directories above `path` that do not exist (the write will make them), outermost first.
fn missing_dirs(host: &Host, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = crate::host::fsmeta::parent(path).to_string();
    while at != "/" && !at.is_empty() && std::fs::symlink_metadata(host.path(&at)).is_err() {
        out.insert(0, at.clone());
        at = crate::host::fsmeta::parent(&at).to_string();
    }
    out
}

/// The tool's own directories (the quarantine): removed when empty, but what other repairs keep
/// there does not stop an undo.
const OWN_DIRS: &str = "/var/lib/ecs-doctor/";

/// A directory the repair made that holds something it did not write (a file the account added
/// to the home the repair created): its path and that entry. Undoing would take it away.
fn foreign_in_made_dirs(host: &Host, r: &Record) -> Option<(String, String)> {
    let ours: std::collections::BTreeSet<&str> = r
        .files
        .iter()
        .flat_map(|f| std::iter::once(f.path.as_str()).chain(f.made_dirs.iter().map(String::as_str)))
        .collect();
    for d in r.files.iter().flat_map(|f| &f.made_dirs) {
        if d.starts_with(OWN_DIRS) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(host.path(d)) else { continue };
        for e in entries.flatten() {
            let p = format!("{}/{}", d.trim_end_matches('/'), e.file_name().to_string_lossy());
            if !ours.contains(p.as_str()) {
                return Some((d.clone(), p));
            }
        }
    }
    None
}

/// Removes the directories a new file's write made, innermost first, those that are empty.
fn remove_made_dirs(host: &Host, f: &FileRecord) -> std::io::Result<()> {
    for d in f.made_dirs.iter().rev() {
        match std::fs::remove_dir(host.path(d)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound || e.kind() == std::io::ErrorKind::DirectoryNotEmpty => {
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes the record's backups back (or removes files that did not exist), last file first.
fn restore(cx: &Context, r: &Record) -> Result<(), String> {
    for f in r.files.iter().rev() {
        let target = cx.host.path(&f.path);
        files::remove_stale_temps(&target);
        let res = match &f.backup {
            Some(name) => {
                cx.store.read_backup(&r.id, name).and_then(|bytes| files::write_atomic(&target, &bytes, &f.attrs, None))
            }
            None => files::remove(&target).and_then(|_| remove_made_dirs(cx.host, f)),
        };
        res.map_err(|e| {
            rtf(
                cx.lang,
                R::RestoreFailed,
                &[
                    ("path", &f.path),
                    ("backup", &cx.store.path_of(&r.id).join(f.backup.as_deref().unwrap_or("-")).display().to_string()),
                    ("error", &e.to_string()),
                ],
            )
        })?;
    }
    Ok(())
}

/// Runs the record's commands (reloads); the first failure, said. After an undo or a rollback
/// (`applying` false) the waits for the change to take effect are left out.
fn run_commands(cx: &Context, cmds: &[super::Command], applying: bool) -> Result<(), String> {
    for c in cmds.iter().filter(|c| applying || !c.apply_only) {
        if let Ran::Failed(out) = exec::run(c, cx.spawn_log, cx.told) {
            return Err(rtf(cx.lang, R::ReasonCommand, &[("command", &c.line()), ("output", &out)]));
        }
    }
    Ok(())
}

/// Reverses the record's live changes that ran, last first; the first failure, said.
fn reverse_live(cx: &Context, r: &Record) -> Result<(), String> {
    for l in r.live.iter().rev() {
        let Some(u) = &l.undo else {
            return Err(rtf(cx.lang, R::UndoIrreversible, &[("id", &r.id), ("command", &l.run.line())]));
        };
        if let Ran::Failed(out) = exec::run(u, cx.spawn_log, cx.told) {
            return Err(rtf(cx.lang, R::ReverseFailed, &[("command", &u.line()), ("output", &out)]));
        }
    }
    Ok(())
}

/// Rolls a record back: live changes reversed, files restored, the reloads again when they had
/// run (`reloaded`: a service that never saw the change must not be reloaded, it could meet a
/// file broken elsewhere), state `rolled-back` with the reason.
fn roll_back(cx: &Context, mut r: Record, reason: String, reloaded: bool) -> Outcome {
    let restored = reverse_live(cx, &r).and_then(|_| restore(cx, &r));
    let reloaded = if reloaded { restored.clone().and_then(|_| run_commands(cx, &r.commands, false)) } else { Ok(()) };
    r.updated_at = stamp();
    match restored.and(reloaded) {
        Ok(()) => {
            r.state = State::RolledBack;
            r.reason = Some(reason);
            let _ = cx.store.save(&r);
            Outcome::RolledBack(r)
        }
        Err(e) => {
            let reason = format!("{reason}; {e}");
            r.state = State::Failed;
            r.reason = Some(reason.clone());
            let _ = cx.store.save(&r);
            Outcome::Failed { record: Some(r), reason }
        }
    }
}

/// Applies one planned repair. `before` is the check's result the plan came from; `recheck`
/// runs the check again and returns its result.
pub fn apply(
    cx: &Context,
    p: &Planned,
    before: Option<&CheckResult>,
    recheck: &dyn Fn(&str) -> Result<CheckResult, String>,
) -> Outcome {
    let lang = cx.lang;
    // Plan again: the system may have changed since the plan was shown.
    let (change, diffs) = match plan::plan_one(&p.decl, &p.check, &p.finding, cx.host, lang, cx.told) {
        Ok(c) => c,
        Err(super::Skip::NotApplicable(why)) => {
            // Nothing left to change: gone already (an earlier repair of this run), or not.
            return match recheck(&p.check) {
                Ok(after) if verify(p, before, &after, lang).is_ok() => {
                    Outcome::Unneeded(rtf(lang, R::AlreadyGone, &[("id", &p.id), ("check", &p.check)]))
                }
                _ => Outcome::Failed { record: None, reason: why },
            };
        }
        Err(s) => return Outcome::Failed { record: None, reason: s.reason().to_string() },
    };
    let p = Planned { change, diffs, ..p.clone() };
    // The login path that works now must work after: the accounts that can log in, before.
    let able_before = if p.change.guards_login {
        match recheck(LOGIN_CHECK) {
            Ok(r) => able(&r, lang),
            Err(e) => return Outcome::Failed { record: None, reason: rtf(lang, R::LoginUnknown, &[("error", &e)]) },
        }
    } else {
        Vec::new()
    };
    let id = cx.store.new_id(&p.id, now());
    let backup_failed = |path: &str, e: &dyn std::fmt::Display| Outcome::Failed {
        record: None,
        reason: rtf(
            lang,
            R::BackupFailed,
            &[("path", path), ("dir", &cx.store.dir.display().to_string()), ("error", &e.to_string())],
        ),
    };
    if let Err(e) = cx.store.create(&id) {
        return backup_failed(&p.change.files.first().map(|f| f.path.clone()).unwrap_or_default(), &e);
    }
    let at = stamp();
    let mut record = Record {
        id: id.clone(),
        repair: p.id.clone(),
        check: p.check.clone(),
        subject: p.finding.subject.clone(),
        action: p.name(),
        risk: p.decl.risk.key(),
        state: State::Applying,
        at: at.clone(),
        updated_at: at,
        changes: p.changes(lang),
        files: Vec::new(),
        commands: p.change.commands.clone(),
        live: Vec::new(),
        reason: None,
    };
    for (n, f) in p.change.files.iter().enumerate() {
        let target = cx.host.path(&f.path);
        let captured = match files::capture(&target) {
            Ok(c) => c,
            Err(e) => return backup_failed(&f.path, &e),
        };
        let (backup, sha_before, attrs) = match captured {
            Some((bytes, attrs)) => match cx.store.backup(&id, n, &bytes) {
                Ok(name) => (Some(name), Some(files::sha256(&bytes)), attrs),
                Err(e) => return backup_failed(&f.path, &e),
            },
            None => (None, None, files::new_file_attrs(&target)),
        };
        let made_dirs = if f.after.is_some() { missing_dirs(cx.host, &f.path) } else { Vec::new() };
        record.files.push(FileRecord {
            path: f.path.clone(),
            backup,
            sha256_before: sha_before,
            sha256_after: f.after.as_deref().map(files::sha256),
            attrs,
            made_dirs,
        });
    }
    if let Err(e) = cx.store.save(&record) {
        return backup_failed(&cx.store.path_of(&id).join("manifest.json").display().to_string(), &e);
    }
    files::crash_point(cx.crash_at, "after-backup");
    // A checker that already fails on the files as they are (a broken line elsewhere) cannot
    // judge the change: only one that passes before must pass after.
    let passed_before: Vec<bool> = p
        .change
        .validate
        .iter()
        .map(|v| !v.only_if_passing_before || !matches!(exec::run(v, cx.spawn_log, cx.told), Ran::Failed(_)))
        .collect();

    for (f, rec) in p.change.files.iter().zip(&record.files) {
        let target = cx.host.path(&f.path);
        let res = match &f.after {
            Some(bytes) => files::write_atomic(&target, bytes, &rec.attrs, cx.crash_at),
            None => files::remove(&target),
        };
        if let Err(e) = res {
            let reason = rtf(lang, R::WriteFailed, &[("path", &f.path), ("error", &e.to_string())]);
            return roll_back(cx, record, reason, false);
        }
    }
    for (v, before) in p.change.validate.iter().zip(passed_before) {
        if let Ran::Failed(out) = exec::run(v, cx.spawn_log, cx.told)
            && before
        {
            let reason = rtf(lang, R::ReasonValidation, &[("command", &v.line()), ("output", &out)]);
            return roll_back(cx, record, reason, false);
        }
    }
    for l in &p.change.live {
        if let Ran::Failed(out) = exec::run(&l.run, cx.spawn_log, cx.told) {
            let reason = rtf(lang, R::ReasonCommand, &[("command", &l.run.line()), ("output", &out)]);
            return roll_back(cx, record, reason, false);
        }
        record.live.push(l.clone());
        // Saved at once: a process killed now still leaves the steps to reverse on record.
        let _ = cx.store.save(&record);
    }
    // After the files and the live steps (a key file given back to its account, a rule in the
    // running firewall), before the reloads: the login matrix reads the files as sshd will.
    if p.change.guards_login {
        let after = match recheck(LOGIN_CHECK) {
            Ok(r) => able(&r, lang),
            Err(e) => return roll_back(cx, record, rtf(lang, R::LoginUnknown, &[("error", &e)]), false),
        };
        let target = super::Target { host: cx.host, lang, check: &p.check, finding: &p.finding, told: cx.told };
        let meant = p.decl.action.action().shuts_out(&target);
        let mut lost: Vec<&str> = able_before
            .iter()
            .filter(|a| !after.contains(a) && Some(a.as_str()) != meant.as_deref())
            .map(String::as_str)
            .collect();
        // Shutting one account out never closes the only way in.
        if let Some(m) = meant.as_deref().filter(|m| after.is_empty() && able_before.iter().any(|a| a == m)) {
            lost.push(m);
        }
        if !lost.is_empty() {
            return roll_back(cx, record, rtf(lang, R::ReasonLockout, &[("accounts", &lost.join(", "))]), false);
        }
    }
    if let Err(reason) = run_commands(cx, &p.change.commands, true) {
        return roll_back(cx, record, reason, true);
    }
    // A service just reloaded gets a moment to settle; a repair without reloads is judged at once.
    let wait = if p.change.commands.is_empty() { Duration::ZERO } else { SETTLE };
    let verified = until_settled(wait, SETTLE_STEP, || {
        let after = recheck(&p.check).map_err(|e| rtf(lang, R::RecheckFailed, &[("error", &e)]))?;
        verify(&p, before, &after, lang)
    });
    if let Err(reason) = verified {
        return roll_back(cx, record, reason, true);
    }
    record.state = State::Applied;
    record.updated_at = stamp();
    if let Err(e) = cx.store.save(&record) {
        return roll_back(cx, record, e.to_string(), true);
    }
    Outcome::Applied(record)
}

/// Undoes an applied (or interrupted) repair: every file back byte for byte with its attributes,
/// then the reloads. Refused when a file changed after the repair (a later repair or an edit
/// would be lost), or when a directory it made holds something it did not write.
pub fn undo(cx: &Context, mut r: Record) -> Result<Record, String> {
    let lang = cx.lang;
    if !matches!(r.state, State::Applied | State::Applying) {
        return Err(rtf(lang, R::UndoNotApplied, &[("id", &r.id), ("state", r.state.said(lang))]));
    }
    if let Some(l) = r.live.iter().find(|l| l.undo.is_none()) {
        return Err(rtf(lang, R::UndoIrreversible, &[("id", &r.id), ("command", &l.run.line())]));
    }
    for f in &r.files {
        let now = std::fs::read(cx.host.path(&f.path)).ok().map(|b| files::sha256(&b));
        let fine = now == f.sha256_after || now == f.sha256_before;
        if !fine {
            return Err(rtf(
                lang,
                R::UndoChangedSince,
                &[
                    ("path", &f.path),
                    ("id", &r.id),
                    ("now", now.as_deref().unwrap_or("-")),
                    ("after", f.sha256_after.as_deref().unwrap_or("-")),
                ],
            ));
        }
    }
    if let Some((dir, entry)) = foreign_in_made_dirs(cx.host, &r) {
        return Err(rtf(lang, R::UndoDirHolds, &[("dir", &dir), ("id", &r.id), ("entry", &entry)]));
    }
    reverse_live(cx, &r)?;
    restore(cx, &r)?;
    run_commands(cx, &r.commands, false)?;
    r.state = State::Undone;
    r.updated_at = stamp();
    cx.store.save(&r).map_err(|e| e.to_string())?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn the_recheck_waits_for_a_service_to_settle_and_no_longer() {
        let step = Duration::from_millis(10);
        // A service back after three tries passes within the wait.
        let tries = Cell::new(0);
        let back_at_third = || {
            tries.set(tries.get() + 1);
            if tries.get() < 3 { Err(format!("try {}", tries.get())) } else { Ok(()) }
        };
        assert_eq!(until_settled(Duration::from_secs(5), step, back_at_third), Ok(()));
        assert_eq!(tries.get(), 3);
        // One that never comes back fails with the last reason, once the wait is over.
        let tries = Cell::new(0);
        let start = Instant::now();
        let never = || {
            tries.set(tries.get() + 1);
            Err(format!("try {}", tries.get()))
        };
        let got = until_settled(Duration::from_millis(100), step, never);
        assert_eq!(got, Err(format!("try {}", tries.get())));
        assert!(tries.get() >= 2, "tried again");
        assert!(start.elapsed() >= Duration::from_millis(90), "gave up only at the end of the wait");
        // Without a wait (no reloads): judged once.
        let tries = Cell::new(0);
        let once = || {
            tries.set(tries.get() + 1);
            Err("still there".to_string())
        };
        assert_eq!(until_settled(Duration::ZERO, step, once), Err("still there".into()));
        assert_eq!(tries.get(), 1);
    }
}
