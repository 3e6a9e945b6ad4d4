//! The report's `repairs` in words, for every renderer and the ticket: "ecs-doctor repaired X at
//! T; undo with …", or the plan's "repair planned for X …; apply with …".

use super::{Repair, RepairState, Report};
use crate::i18n::{Lang, R, rtf};

/// The `fix` command line for this report's system (`--root` when it examined one).
fn fix_command(report: &Report, rest: &str) -> String {
    match report.run.root.as_deref() {
        Some(root) if root != "/" => format!("ecs-doctor fix --root {} {rest}", crate::fmt::shell_word(root)),
        _ => format!("ecs-doctor fix {rest}"),
    }
}

/// One repair in one sentence.
pub fn line(r: &Repair, report: &Report, lang: Lang) -> String {
    let subject = r.subject.as_deref().unwrap_or("-");
    let at = r.at.as_deref().unwrap_or("-");
    match r.state {
        RepairState::Applied => rtf(
            lang,
            R::RepairedLine,
            &[
                ("subject", subject),
                ("check", &r.check),
                ("at", at),
                ("undo", &fix_command(report, &format!("--undo {}", r.id))),
            ],
        ),
        RepairState::Planned => rtf(
            lang,
            R::PlannedLine,
            &[
                ("subject", subject),
                ("check", &r.check),
                ("summary", r.changes.first().map(String::as_str).unwrap_or(&r.action)),
                ("apply", &fix_command(report, &format!("--apply {}", r.id))),
            ],
        ),
        state => {
            let s = match state {
                RepairState::RolledBack => R::StateRolledBack,
                RepairState::Undone => R::StateUndone,
                _ => R::StateFailed,
            };
            rtf(
                lang,
                R::OtherLine,
                &[("subject", subject), ("check", &r.check), ("state", crate::i18n::rt(lang, s)), ("at", at)],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_applied_repair_says_how_to_undo_it_on_the_same_root() {
        let mut report: Report = serde_json::from_value(serde_json::json!({
            "schema": "ecs-doctor/report/v1", "tool": {"name": "ecs-doctor", "version": "0"},
            "run": {"id": "r", "started_at": "t", "finished_at": "t", "duration_ms": 1, "deadline_ms": 1,
                    "privileged": true, "root": "/mnt/rescue"},
            "host": {"hostname": "h", "os": {"id": "debian", "pretty_name": "D"}, "kernel": "k", "arch": "x",
                     "cloud": {"provider": "none"}},
            "summary": {"status": "ok", "counts": {"ok": 0, "warn": 0, "crit": 0, "error": 0, "skipped": 0}, "score": 100.0},
            "checks": []
        }))
        .unwrap();
        let r = Repair {
            id: "20261206T031500Z-fstab-nofail-data".into(),
            check: "disk.fstab.entries".into(),
            subject: Some("/data".into()),
            action: "fstab-nofail".into(),
            risk: Some("safe".into()),
            state: RepairState::Applied,
            changes: vec!["add nofail".into()],
            at: Some("2026-12-06T03:15:00Z".into()),
        };
        assert_eq!(
            line(&r, &report, Lang::En),
            "ecs-doctor repaired /data (disk.fstab.entries) at 2026-12-06T03:15:00Z; undo with \
             ecs-doctor fix --root /mnt/rescue --undo 20261206T031500Z-fstab-nofail-data"
        );
        report.run.root = Some("/".into());
        let planned = Repair { state: RepairState::Planned, id: "fstab-nofail-data".into(), at: None, ..r };
        assert!(line(&planned, &report, Lang::En).ends_with("apply with ecs-doctor fix --apply fstab-nofail-data"));
        assert!(line(&planned, &report, Lang::ZhCn).contains("ecs-doctor fix --apply fstab-nofail-data"));
    }
}
