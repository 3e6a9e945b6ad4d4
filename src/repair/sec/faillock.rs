//! `action.faillock`: unlocks an account that pam_faillock (or pam_tally2) locks right now, with
//! the module's own tool: `faillock --dir DIR --user U --reset` (`pam_tally2 --file F --user U
//! --reset`). Worked out again from the tallies as they are now: an account that is no longer
//! locked is left alone. A reset cannot be undone (the failure records are gone, and giving a
//! lockout back would help nobody): the plan says so and `fix --undo` refuses. Only on the live
//! system: the tallies of a rescued disk (`--root`) are not the running system's.

use super::{Action, Change, Command, Live, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::pam::{lockout, stack};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Action for Params {
    fn name(&self) -> String {
        "faillock-reset".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let user = t.finding.subject.clone().unwrap_or_default();
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(l, R::FaillockNotLive, &[("user", &user)])));
        }
        let st = stack::read(t.host, "sshd")
            .ok()
            .flatten()
            .ok_or_else(|| Skip::Refused(rtf(l, R::CannotRead, &[("path", "/etc/pam.d/sshd"), ("error", "-")])))?;
        let accounts = crate::probe::accounts::passwd::read_accounts(t.host).map(|(a, _)| a).unwrap_or_default();
        let uids: Vec<(String, u32)> = accounts.iter().map(|a| (a.name.clone(), a.uid)).collect();
        let mech = lockout::mechanisms(t.host, &st);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let (locks, _) = lockout::locks(t.host, &mech, &uids, now);
        let Some(lock) = locks.iter().find(|k| k.user == user) else {
            return Err(Skip::NotApplicable(rtf(l, R::FaillockNotLocked, &[("user", &user)])));
        };
        let run = match (lock.module, &mech.faillock, &mech.tally2) {
            ("pam_faillock", Some(conf), _) => {
                let dir = lockout::run_path(t.host, &conf.dir);
                Command::new("faillock", &["--dir", &dir, "--user", &user, "--reset"])
            }
            ("pam_tally2", _, Some(conf)) => {
                Command::new("pam_tally2", &["--file", &conf.file, "--user", &user, "--reset"])
            }
            _ => return Err(Skip::NotApplicable(rtf(l, R::FaillockNotLocked, &[("user", &user)]))),
        };
        Ok(Change {
            summary: rtf(
                l,
                R::FaillockDo,
                &[("user", &user), ("module", lock.module), ("failures", &lock.failures.to_string())],
            ),
            live: vec![Live { run, undo: None }],
            guards_login: true,
            ..Change::default()
        })
    }
}
