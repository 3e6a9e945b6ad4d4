//! `action.sshd_start`: starts the installed sshd that nothing runs (`net.ssh.listening`
//! SSHD-NOT-RUNNING), the way the system starts it at boot; undo stops it again.
//!
//! - systemd as PID 1: `systemctl start <unit>` (the finding's unit, `ssh.service` or
//!   `sshd.service`, whose unit file must exist); undo `systemctl stop <unit>`. Only started, not
//!   enabled: whether it starts at boot is the customer's choice (the finding says which).
//! - Any other PID 1 (a SysV init, or a machine whose `/run/systemd/system` exists while systemd
//!   does not run it, where systemctl cannot reach a manager): the package's init script,
//!   `/etc/init.d/ssh` or `/etc/init.d/sshd`, `start` (undo `stop`), through `env
//!   SYSTEMCTL_SKIP_REDIRECT=1` so Debian's LSB hook does not hand it to a systemctl that has no
//!   manager to talk to (on a system without that hook the variable means nothing).
//!
//! Nothing is installed and no file is changed: without sshd, a unit or an init script the
//! plan refuses with why. `sshd -t` validates the configuration first (sshd would not start on
//! a configuration it rejects; the plan then says so instead of starting it). A running system
//! only: under `--root` there is nothing to start.

use super::{Action, Change, Command, Live, Skip, Target};
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

const SCRIPTS: &[&str] = &["/etc/init.d/ssh", "/etc/init.d/sshd"];
const UNIT_DIRS: &[&str] = &["/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

/// The start step and its undo, for `unit` on this host.
fn steps(t: &Target, unit: &str) -> Result<Live, Skip> {
    let l = t.lang;
    let pid1 = t.host.read_line("/proc/1/comm").unwrap_or_default();
    if pid1 == "systemd" {
        let named = unit.ends_with(".service") && unit.chars().all(|c| c.is_ascii_alphanumeric() || "@._-".contains(c));
        if !named || !UNIT_DIRS.iter().any(|d| t.host.path(format!("{d}/{unit}")).exists()) {
            return Err(Skip::Refused(rtf(l, R::SshdStartNoUnit, &[("unit", unit)])));
        }
        return Ok(Live {
            run: Command::new("systemctl", &["start", unit]),
            undo: Some(Command::new("systemctl", &["stop", unit])),
        });
    }
    let Some(script) = SCRIPTS.iter().find(|s| t.host.path(s).is_file()) else {
        return Err(Skip::Refused(rtf(l, R::SshdStartNoScript, &[("init", &pid1), ("scripts", &SCRIPTS.join(", "))])));
    };
    let via = |verb: &str| Command::new("env", &["SYSTEMCTL_SKIP_REDIRECT=1", script, verb]);
    Ok(Live { run: via("start"), undo: Some(via("stop")) })
}

impl Action for Params {
    fn name(&self) -> String {
        "sshd-start".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let unit = t.finding.subject.clone().unwrap_or_default();
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(l, R::SshdStartNotLive, &[("unit", &unit)])));
        }
        if !crate::probe::ssh::SSHD_BINARIES.iter().any(|b| t.host.path(b).is_file()) {
            return Err(Skip::Refused(rtf(l, R::SshdStartNotInstalled, &[])));
        }
        let live = steps(t, &unit)?;
        let how = live.run.line();
        Ok(Change {
            summary: rtf(l, R::SshdStartDo, &[("unit", &unit), ("how", &how)]),
            validate: vec![Command::new("sshd", &["-t"])],
            live: vec![live],
            guards_login: true,
            ..Change::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::testing::{finding, plan, root};

    #[test]
    fn a_root_is_refused_and_the_init_script_is_used_without_systemd() {
        let dir = root(&[("/usr/sbin/sshd", ""), ("/etc/init.d/ssh", "#!/bin/sh\n"), ("/proc/1/comm", "init\n")]);
        let host = crate::host::Host::new(dir.path());
        let f = finding("ssh.service", "m", &[]);
        let c = plan(&Params {}, &host, "net.ssh.listening", &f);
        assert!(matches!(&c, Err(Skip::Refused(r)) if r.contains("--root")), "{c:?}");
        let t = Target::test(&host, "x", &f);
        let live = steps(&t, "ssh.service").expect("steps");
        assert_eq!(live.run.line(), "env SYSTEMCTL_SKIP_REDIRECT=1 /etc/init.d/ssh start");
        assert_eq!(live.undo.map(|u| u.line()).as_deref(), Some("env SYSTEMCTL_SKIP_REDIRECT=1 /etc/init.d/ssh stop"));
    }

    #[test]
    fn systemd_starts_the_unit_that_exists() {
        let dir = root(&[("/proc/1/comm", "systemd\n"), ("/lib/systemd/system/ssh.service", "[Unit]\n")]);
        let host = crate::host::Host::new(dir.path());
        let f = finding("ssh.service", "m", &[]);
        let t = Target::test(&host, "x", &f);
        let live = steps(&t, "ssh.service").expect("steps");
        assert_eq!(live.run.line(), "systemctl start ssh.service");
        assert_eq!(live.undo.map(|u| u.line()).as_deref(), Some("systemctl stop ssh.service"));
        assert!(matches!(steps(&t, "sshd.service"), Err(Skip::Refused(_))));
        assert!(matches!(steps(&t, "x; rm -rf /.service"), Err(Skip::Refused(_))));
    }
}
