//! `action.timezone`: the time zone is named in two places that do not agree, or
//! /etc/localtime points to a zone file that is not there (every program then uses UTC). The
//! zone is taken from what the system itself says, never guessed:
//!
//! - `ZONE-BROKEN`: /etc/localtime is linked again to the zone /etc/timezone (Debian, Ubuntu)
//!   or `ZONE=` in /etc/sysconfig/clock (RHEL, CentOS) names, when that zone file is installed
//!   (the link keeps the old one's form: `../usr/share/zoneinfo/…` stays relative). Refused when
//!   nothing names a zone, when the two disagree, or when the zone named is not installed. The
//!   link is a live step (`ln -sfn`), undone by linking to the old target again: a symbolic
//!   link has no bytes of its own for the file backup to keep.
//! - `ZONE-MISMATCH`: /etc/localtime is a working link to one zone and /etc/timezone names
//!   another. Programs use the link: that is the zone the server has been running in, and the
//!   one `timedatectl set-timezone` or the usual `ln -sf` changes, so /etc/timezone is written to
//!   name it (rewriting the link instead would move every program's clock by the difference).
//!   Refused when /etc/localtime is a copy or missing (which zone it holds cannot be named).
//!
//! Programs read /etc/localtime when they start; running ones keep the zone they read.

use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::host::Host;
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

const LOCALTIME: &str = "/etc/localtime";
const TIMEZONE: &str = "/etc/timezone";
const SYSCONFIG_CLOCK: &str = "/etc/sysconfig/clock";
const ZONEINFO: &str = "/usr/share/zoneinfo/";

/// A zone name that is a path below zoneinfo and nothing else (`Asia/Shanghai`, `Etc/GMT+8`).
fn zone_name(z: &str) -> bool {
    !z.is_empty()
        && !z.starts_with('/')
        && z.split('/').all(|p| !p.is_empty() && p != "." && p != "..")
        && z.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
}

/// The zone a link target names (`../usr/share/zoneinfo/Asia/Shanghai` → its prefix up to
/// `zoneinfo/` and `Asia/Shanghai`).
fn split_target(target: &str) -> Option<(&str, &str)> {
    let i = target.find("zoneinfo/")? + "zoneinfo/".len();
    Some((&target[..i], &target[i..]))
}

/// The zones the system's own files name: (file, zone).
fn named_zones(host: &Host) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(z) = host.read_line(TIMEZONE) {
        out.push((TIMEZONE, z));
    }
    if let Ok(Some(f)) = host.read_optional(SYSCONFIG_CLOCK)
        && let Some(z) = f.text.lines().rev().find_map(|l| l.trim().strip_prefix("ZONE="))
    {
        let z = z.trim().trim_matches(|c| c == '"' || c == '\'');
        if !z.is_empty() {
            out.push((SYSCONFIG_CLOCK, z.to_string()));
        }
    }
    out
}

/// Where a link target points on the examined system: absolute inside its root, relative
/// from /etc.
fn resolved(target: &str) -> String {
    if target.starts_with('/') { target.to_string() } else { format!("/etc/{target}") }
}

impl Action for Params {
    fn name(&self) -> String {
        "timezone".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let host = t.host;
        let link = std::fs::read_link(host.path(LOCALTIME)).ok();
        let target = match &link {
            Some(p) => Some(
                p.to_str()
                    .map(str::to_string)
                    .ok_or_else(|| Skip::Refused(rtf(l, R::NotText, &[("path", LOCALTIME)])))?,
            ),
            None => None,
        };
        let broken = target.as_deref().is_some_and(|tg| !host.path(resolved(tg)).is_file());
        if broken {
            let old = target.unwrap_or_default();
            let named = named_zones(host);
            let Some((from, zone)) = named.first().cloned() else {
                return Err(Skip::Refused(rtf(l, R::TimezoneNoneNamed, &[("target", &old)])));
            };
            if let Some((other, z)) = named.iter().find(|(_, z)| *z != zone) {
                return Err(Skip::Refused(rtf(
                    l,
                    R::TimezoneDisagree,
                    &[("a", from), ("zone_a", &zone), ("b", other), ("zone_b", z)],
                )));
            }
            if !zone_name(&zone) || !host.path(format!("{ZONEINFO}{zone}")).is_file() {
                return Err(Skip::Refused(rtf(l, R::TimezoneNotInstalled, &[("zone", &zone), ("from", from)])));
            }
            // The old link's form (relative or absolute, its zoneinfo directory) when that
            // directory is there; else the standard place.
            let prefix = split_target(&old)
                .map(|(p, _)| p)
                .filter(|p| host.path(resolved(p)).join(&zone).is_file())
                .unwrap_or(ZONEINFO);
            let new = format!("{prefix}{zone}");
            let at = host.path(LOCALTIME).to_string_lossy().into_owned();
            return Ok(Change {
                summary: rtf(l, R::TimezoneDoLink, &[("old", &old), ("new", &new), ("zone", &zone), ("from", from)]),
                live: vec![Live {
                    run: Command::new("ln", &["-sfn", &new, &at]),
                    undo: Some(Command::new("ln", &["-sfn", &old, &at])),
                }],
                ..Change::default()
            });
        }
        let Some(zone) = target.as_deref().and_then(split_target).map(|(_, z)| z.to_string()) else {
            return Err(Skip::Refused(rtf(l, R::TimezoneNotALink, &[])));
        };
        let written = host.read_line(TIMEZONE);
        if written.as_deref() == Some(zone.as_str()) || written.is_none() {
            return Err(Skip::NotApplicable(rtf(l, R::TimezoneFine, &[("zone", &zone)])));
        }
        if !zone_name(&zone) {
            return Err(Skip::Refused(rtf(l, R::TimezoneNotInstalled, &[("zone", &zone), ("from", LOCALTIME)])));
        }
        Ok(Change {
            summary: rtf(
                l,
                R::TimezoneDoFile,
                &[("zone", &zone), ("old", written.as_deref().unwrap_or("-")), ("target", &target.unwrap_or_default())],
            ),
            files: vec![FileEdit { path: TIMEZONE.into(), after: Some(format!("{zone}\n").into_bytes()) }],
            ..Change::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Finding, Severity};
    use std::os::unix::fs::symlink;

    fn plan(root: &std::path::Path, code: &str) -> Result<Change, Skip> {
        let f = Finding {
            severity: Severity::Warn,
            message: "m".into(),
            subject: Some(LOCALTIME.into()),
            code: Some(code.into()),
            evidence: vec![],
            since: None,
        };
        let host = Host::new(root);
        Params {}.plan(&Target::test(&host, "sys.clock.settings", &f))
    }

    #[test]
    fn a_broken_link_follows_the_zone_the_system_names_and_a_mismatch_rewrites_etc_timezone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).expect("etc");
        std::fs::create_dir_all(root.join("usr/share/zoneinfo/Asia")).expect("zoneinfo");
        std::fs::write(root.join("usr/share/zoneinfo/Asia/Shanghai"), "TZif").expect("zone");
        symlink("../usr/share/zoneinfo/Asia/Shangai", root.join("etc/localtime")).expect("link");
        // Nothing names a zone: never guessed.
        assert!(matches!(plan(root, "ZONE-BROKEN"), Err(Skip::Refused(r)) if r.contains("names a zone")));
        std::fs::write(root.join("etc/timezone"), "Asia/Shanghai\n").expect("timezone");
        let c = plan(root, "ZONE-BROKEN").expect("planned");
        assert!(c.files.is_empty());
        let at = root.join("etc/localtime").to_string_lossy().into_owned();
        assert_eq!(c.live[0].run, Command::new("ln", &["-sfn", "../usr/share/zoneinfo/Asia/Shanghai", &at]));
        assert_eq!(c.live[0].undo, Some(Command::new("ln", &["-sfn", "../usr/share/zoneinfo/Asia/Shangai", &at])));
        // Two files naming different zones: refused.
        std::fs::create_dir_all(root.join("etc/sysconfig")).expect("sysconfig");
        std::fs::write(root.join("etc/sysconfig/clock"), "ZONE=\"Europe/Berlin\"\n").expect("clock");
        assert!(matches!(plan(root, "ZONE-BROKEN"), Err(Skip::Refused(r)) if r.contains("Europe/Berlin")));
        std::fs::remove_file(root.join("etc/sysconfig/clock")).expect("rm");
        // A zone that is not installed: refused.
        std::fs::write(root.join("etc/timezone"), "Asia/Tokyo\n").expect("timezone");
        assert!(matches!(plan(root, "ZONE-BROKEN"), Err(Skip::Refused(r)) if r.contains("Asia/Tokyo")));

        // A working link and /etc/timezone naming another zone: /etc/timezone follows the link.
        std::fs::remove_file(root.join("etc/localtime")).expect("rm");
        symlink("/usr/share/zoneinfo/Asia/Shanghai", root.join("etc/localtime")).expect("link");
        std::fs::write(root.join("etc/timezone"), "Etc/UTC\n").expect("timezone");
        let c = plan(root, "ZONE-MISMATCH").expect("planned");
        assert_eq!(c.files, vec![FileEdit { path: TIMEZONE.into(), after: Some(b"Asia/Shanghai\n".to_vec()) }]);
        assert!(c.live.is_empty());
        std::fs::write(root.join("etc/timezone"), "Asia/Shanghai\n").expect("timezone");
        assert!(matches!(plan(root, "ZONE-MISMATCH"), Err(Skip::NotApplicable(_))));
        // A copied zone file: which zone it is cannot be named.
        std::fs::remove_file(root.join("etc/localtime")).expect("rm");
        std::fs::write(root.join("etc/localtime"), "TZif2").expect("copy");
        assert!(matches!(plan(root, "ZONE-MISMATCH"), Err(Skip::Refused(_))));
        assert!(zone_name("Etc/GMT+8") && !zone_name("../etc/shadow") && !zone_name("/x") && !zone_name("a b"));
    }
}
