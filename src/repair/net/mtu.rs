//! `action.mtu`: makes packets fit a path that drops bigger ones without a "fragmentation
//! needed" reply (`net.mtu.path` MTU-BLACK-HOLE): the interface the route leaves by gets the
//! largest size that passed, as the check measured it (the finding's evidence: each size tried
//! and whether it was answered), never a guessed one:
//!
//! - live: `ip link set dev IF mtu SIZE`, undone with the MTU it had (`ip link set dev IF mtu OLD`);
//! - at the next boot, where the distribution's format can say it and the interface is
//!   configured there: ifupdown's stanza gets `mtu SIZE` (a `post-up ip link set dev IF mtu SIZE`
//!   line under `inet dhcp`, whose method has no `mtu` option), an existing `mtu` line replaced;
//!   the interface's ifcfg file gets `MTU=SIZE`. Elsewhere (netplan, NetworkManager, no file
//!   for the interface) the plan says the change lasts until the next boot.
//!
//! Refused when the interface's MTU is no longer the one measured (the path was measured with
//! another), when the largest size that passed is below 576 bytes (the probe's smallest: clamp
//! TCP with the finding's TCPMSS rule instead), and under `--root`.

use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::host::netconf::{self, Manager};
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// What the check measured: the interface, its MTU then, the largest size answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    pub iface: String,
    pub mtu: u16,
    pub largest_ok: u16,
}

/// Reads the probe's evidence line `HOST: don't-fragment echo requests to A via IF (MTU M):
/// 576 answered, 1500 no answer, ...`.
pub fn measured(evidence: &[String]) -> Option<Measured> {
    evidence.iter().find_map(|e| {
        let (_, rest) = e.split_once(" don't-fragment echo requests to ")?;
        let (_, rest) = rest.split_once(" via ")?;
        let (iface, rest) = rest.split_once(" (MTU ")?;
        let (mtu, sizes) = rest.split_once("): ")?;
        let largest_ok = sizes
            .split(", ")
            .filter_map(|s| s.strip_suffix(" answered"))
            .filter_map(|n| n.trim().parse::<u16>().ok())
            .max()?;
        Some(Measured { iface: iface.to_string(), mtu: mtu.parse().ok()?, largest_ok })
    })
}

/// The persistent setting, in the distribution's format, when the interface is configured there.
pub(super) fn persistent(t: &Target, iface: &str, size: u16) -> Option<FileEdit> {
    match netconf::read(t.host).manager? {
        Manager::Ifupdown => {
            let files = super::nic::ifupdown_files(t);
            let s = super::nic::find_stanza(&files, iface)?;
            let line = if s.method == "dhcp" {
                format!("    post-up ip link set dev {iface} mtu {size}")
            } else {
                format!("    mtu {size}")
            };
            let lines: Vec<&str> = s.text.lines().collect();
            // An `mtu` line of this stanza already: replaced where it is.
            let existing = (s.start + 1..=s.end).find(|i| {
                let l = lines.get(*i).map(|l| l.trim()).unwrap_or("");
                l.starts_with("mtu ") || (l.starts_with("post-up ip link set dev ") && l.contains(" mtu "))
            });
            let text = match existing {
                Some(i) => {
                    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                    out[i] = line;
                    out.join("\n") + "\n"
                }
                None => super::nic::insert_lines(&s.text, s.end, &[line]),
            };
            Some(FileEdit { path: s.path, after: Some(text.into_bytes()) })
        }
        Manager::Ifcfg => {
            let path = format!("/etc/sysconfig/network-scripts/ifcfg-{iface}");
            let f = t.host.read_optional(&path).ok().flatten().filter(|f| !f.truncated && !f.not_text)?;
            let mut found = false;
            let mut out: Vec<String> = f
                .text
                .lines()
                .map(|l| {
                    if l.trim_start().starts_with("MTU=") {
                        found = true;
                        format!("MTU={size}")
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            if !found {
                out.push(format!("MTU={size}"));
            }
            Some(FileEdit { path, after: Some((out.join("\n") + "\n").into_bytes()) })
        }
        Manager::Netplan | Manager::NetworkManager => None,
    }
}

impl Action for Params {
    fn name(&self) -> String {
        "mtu-path".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let Some(m) = measured(&t.finding.evidence) else {
            return Err(Skip::NotApplicable(rtf(l, R::MtuNotMeasured, &[])));
        };
        let iface = m.iface.clone();
        if !super::link::is_ifname(&iface) {
            return Err(Skip::NotApplicable(rtf(l, R::LinkNoDevice, &[("dev", &iface)])));
        }
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(l, R::LinkNotLive, &[("dev", &iface)])));
        }
        let now = t.host.read_line(&format!("/sys/class/net/{iface}/mtu")).and_then(|v| v.trim().parse::<u16>().ok());
        let Some(now) = now else {
            return Err(Skip::NotApplicable(rtf(l, R::LinkNoDevice, &[("dev", &iface)])));
        };
        let (size, was) = (m.largest_ok.to_string(), now.to_string());
        if now != m.mtu {
            let measured = m.mtu.to_string();
            return Err(Skip::Refused(rtf(
                l,
                R::MtuChanged,
                &[("dev", &iface), ("now", &was), ("measured", &measured)],
            )));
        }
        if m.largest_ok < crate::host::pmtu::MIN_SIZE || m.largest_ok >= now {
            return Err(Skip::Refused(rtf(l, R::MtuTooSmall, &[("dev", &iface), ("size", &size)])));
        }
        let file = persistent(t, &iface, m.largest_ok);
        let summary = match &file {
            Some(f) => rtf(l, R::MtuDo, &[("dev", &iface), ("size", &size), ("old", &was), ("path", &f.path)]),
            None => rtf(l, R::MtuDoLive, &[("dev", &iface), ("size", &size), ("old", &was)]),
        };
        Ok(Change {
            summary,
            files: file.into_iter().collect(),
            live: vec![Live {
                run: Command::new("ip", &["link", "set", "dev", &iface, "mtu", &size]),
                undo: Some(Command::new("ip", &["link", "set", "dev", &iface, "mtu", &was])),
            }],
            ..Change::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_size_answered_is_read_from_the_evidence() {
        let e = vec![
            "10.88.0.2: don't-fragment echo requests to 10.88.0.2 via c0 (MTU 1500): 576 answered, 1500 no answer, 1038 answered, 1269 answered, 1400 answered, 1401 no answer".to_string(),
        ];
        assert_eq!(measured(&e), Some(Measured { iface: "c0".into(), mtu: 1500, largest_ok: 1400 }));
        assert_eq!(
            measured(&["10.88.0.2: don't-fragment echo requests to 10.88.0.2 via c0 (MTU 1500): 576 no answer".into()]),
            None
        );
        assert_eq!(measured(&["something else".into()]), None);
    }
}
