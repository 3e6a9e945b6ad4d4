//! `action.adjtime`: `/etc/adjtime` says LOCAL on a server that runs only Linux: make it UTC, so
//! the system reads the hardware clock as UTC at boot and the clock no longer jumps by the zone's
//! offset after a reboot. Only the third line changes (the drift figures of the first two stay).
//!
//! Refused when the disk boots another system too (a `chainloader` entry in grub.cfg, Windows'
//! boot manager on the EFI partition): Windows keeps the hardware clock in local time, and LOCAL
//! is then deliberate. On the live system the hardware clock must already hold UTC (the kernel's
//! reading of it within ten minutes of the system clock; a cloud instance's virtual clock does),
//! else the next boot would start off by the offset: refused with the command that writes UTC to
//! it first. Under `--root` the clock is the instance's, which on a cloud is UTC. Takes effect
//! at the next boot.

use super::grub::read_text;
use super::lines::replace_line;
use super::{Action, Change, FileEdit, Skip, Target};
use crate::host::bootloader::GRUB_CFGS;
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

const PATH: &str = "/etc/adjtime";
/// How far the hardware clock may be from the system clock to count as holding UTC.
const UTC_SLACK_S: i64 = 600;

/// What on the disk shows that it boots another system besides Linux.
fn other_system(t: &Target) -> Option<String> {
    for cfg in GRUB_CFGS {
        if let Ok(Some(f)) = t.host.read_optional(cfg) {
            let found = f.text.lines().map(str::trim).enumerate().find(|(_, l)| {
                l.starts_with("chainloader") || l.starts_with("ntldr") || l.contains("bootmgr") || l.contains("Windows")
            });
            if let Some((n, l)) = found {
                return Some(format!("{cfg}:{}: {}", n + 1, crate::fmt::inert(l)));
            }
        }
    }
    ["/boot/efi/EFI/Microsoft", "/boot/efi/EFI/microsoft", "/efi/EFI/Microsoft"]
        .iter()
        .find(|p| t.host.path(p).is_dir())
        .map(|p| p.to_string())
}

/// How far the hardware clock (read as UTC by the kernel) is from the system clock, in seconds.
fn rtc_offset() -> Option<i64> {
    let rtc: i64 = std::fs::read_to_string("/sys/class/rtc/rtc0/since_epoch").ok()?.trim().parse().ok()?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64;
    Some(rtc - now)
}

impl Action for Params {
    fn name(&self) -> String {
        "adjtime-utc".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let text = read_text(t, PATH)?;
        let Some(line) = text.lines().nth(2).filter(|s| s.trim() == "LOCAL") else {
            return Err(Skip::NotApplicable(rtf(l, R::AdjtimeFine, &[])));
        };
        if let Some(evidence) = other_system(t) {
            return Err(Skip::Refused(rtf(l, R::AdjtimeOtherSystem, &[("evidence", &evidence)])));
        }
        if t.host.is_live()
            && let Some(off) = rtc_offset()
            && off.abs() > UTC_SLACK_S
        {
            return Err(Skip::Refused(rtf(l, R::AdjtimeRtcLocal, &[("offset", &off.to_string())])));
        }
        let after = replace_line(text.as_bytes(), 3, &line.replace("LOCAL", "UTC"));
        Ok(Change {
            summary: rtf(l, R::AdjtimeDoUtc, &[]),
            files: vec![FileEdit { path: PATH.into(), after: Some(after) }],
            ..Change::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::report::{Finding, Severity};

    fn plan(root: &std::path::Path) -> Result<Change, Skip> {
        let f = Finding {
            severity: Severity::Warn,
            message: "m".into(),
            subject: Some(PATH.into()),
            code: Some("RTC-LOCAL".into()),
            evidence: vec![],
            since: None,
        };
        let host = Host::new(root);
        Params {}.plan(&Target::test(&host, "sys.clock.settings", &f))
    }

    #[test]
    fn local_becomes_utc_unless_the_disk_also_boots_windows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).expect("etc");
        std::fs::write(root.join("etc/adjtime"), "0.000000 1733400000 0.000000\n1733400000\nLOCAL\n").expect("adjtime");
        let c = plan(root).expect("planned");
        assert_eq!(c.files[0].after.as_deref(), Some(&b"0.000000 1733400000 0.000000\n1733400000\nUTC\n"[..]));
        std::fs::create_dir_all(root.join("boot/grub")).expect("grub");
        std::fs::write(root.join("boot/grub/grub.cfg"), "menuentry 'Windows Boot Manager' {\n\tchainloader +1\n}\n")
            .expect("cfg");
        assert!(matches!(plan(root), Err(Skip::Refused(r)) if r.contains("grub.cfg:1")));
        std::fs::write(root.join("etc/adjtime"), "0.0 0 0.0\n0\nUTC\n").expect("adjtime");
        assert!(matches!(plan(root), Err(Skip::NotApplicable(_))));
    }
}
