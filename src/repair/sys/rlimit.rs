//! `action.rlimit`: a running process's own resource limit (`sys.limits.files`, EMFILE: a
//! process near its open-files limit, whose subject is `comm (pid N)`).
//!
//! `resource = "nofile"`: the process's soft limit on open files raised to its hard limit, live,
//! with `prlimit --pid N --nofile=HARD:HARD`; undo puts the old soft limit back
//! (`--nofile=SOFT:HARD`). Raising the soft limit up to the hard one is what the program itself
//! may do at any time (`ulimit -n`), so it takes nothing from anyone; the hard limit is never
//! raised (that needs CAP_SYS_RESOURCE and is a decision about the service: its unit's
//! `LimitNOFILE=` or limits.conf, applied when it restarts).
//!
//! Refused when the soft limit is already the hard one, when the hard limit would still leave the
//! process at 80 % or more of it (the check's own line), when the process is gone or is another
//! program now (its pid used again), and under `--root`. The change lasts as long as the process:
//! the plan says so and names the persistent place. An undo after the process ended finds nothing
//! to give back and fails, saying so.

use super::{Action, Change, Command, Live, Skip, Target};
use crate::host::procs::nofile_limit;
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub resource: Resource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resource {
    Nofile,
}

/// sys.limits.files judges a process at this share of its soft limit.
const JUDGED_PERCENT: u64 = 80;

/// The name and pid of a subject `comm (pid N)`.
fn process_of(subject: &str) -> Option<(&str, u32)> {
    let (comm, rest) = subject.rsplit_once(" (pid ")?;
    Some((comm, rest.strip_suffix(')')?.parse().ok()?))
}

impl Action for Params {
    fn name(&self) -> String {
        match self.resource {
            Resource::Nofile => "rlimit-nofile".into(),
        }
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let subject = t.finding.subject.clone().unwrap_or_default();
        let Some((comm, pid)) = process_of(&subject) else {
            return Err(Skip::NotApplicable(rtf(l, R::RlimitNoProcess, &[("subject", &subject)])));
        };
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(l, R::RlimitNotLive, &[("subject", &subject)])));
        }
        let now = t.host.read_line(&format!("/proc/{pid}/comm")).unwrap_or_default();
        if now != comm {
            return Err(Skip::Refused(rtf(l, R::RlimitGone, &[("subject", &subject), ("pid", &pid.to_string())])));
        }
        let (Some((soft, Some(hard))), Ok(fds)) =
            (nofile_limit(t.host, pid), std::fs::read_dir(t.host.path(format!("/proc/{pid}/fd"))))
        else {
            return Err(Skip::Refused(rtf(l, R::RlimitGone, &[("subject", &subject), ("pid", &pid.to_string())])));
        };
        let open = fds.count() as u64;
        let unit_advice = [("subject", subject.as_str()), ("hard", &hard.to_string()), ("open", &open.to_string())];
        if soft >= hard || open * 100 >= hard * JUDGED_PERCENT {
            return Err(Skip::Refused(rtf(l, R::RlimitAtHard, &unit_advice)));
        }
        let set = |s: u64| Command::new("prlimit", &["--pid", &pid.to_string(), &format!("--nofile={s}:{hard}")]);
        Ok(Change {
            summary: rtf(
                l,
                R::RlimitDo,
                &[
                    ("subject", &subject),
                    ("soft", &soft.to_string()),
                    ("hard", &hard.to_string()),
                    ("open", &open.to_string()),
                ],
            ),
            live: vec![Live { run: set(hard), undo: Some(set(soft)) }],
            ..Change::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::repair::testing::{finding, plan};

    #[test]
    fn subjects_name_a_process() {
        assert_eq!(process_of("nginx (pid 812)"), Some(("nginx", 812)));
        assert_eq!(process_of("my app (pid 7)"), Some(("my app", 7)));
        assert_eq!(process_of("fs.file-nr"), None);
        assert_eq!(process_of("x (pid 7"), None);
    }

    #[test]
    fn an_examined_root_is_refused_and_the_system_table_does_not_fit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let host = Host::new(dir.path());
        let p = Params { resource: Resource::Nofile };
        let f = finding("nginx (pid 812)", "m", &[]);
        assert!(matches!(plan(&p, &host, "sys.limits.files", &f), Err(Skip::Refused(r)) if r.contains("--root")));
        let f = finding("fs.file-nr", "m", &[]);
        assert!(matches!(plan(&p, &host, "sys.limits.files", &f), Err(Skip::NotApplicable(_))));
        assert_eq!(p.name(), "rlimit-nofile");
    }
}
