//! `action.nic`: configures the private IPv4 addresses the console assigned to a NIC that the
//! guest does not hold (`net.metadata.nics` EADDRNOTAVAIL: a secondary ENI that nothing
//! configures, secondary private IPs DHCP never hands out), now and at the next boot:
//!
//! - live: `ip link set dev IF up` when it is down, and `ip addr add A/P dev IF` for each
//!   address it lacks; undo runs `ip addr del` and `ip link set dev IF down` (last first);
//! - in the distribution's own format, whichever configures the network here
//!   ([`crate::host::netconf`], the same files the check reads, named in the plan):
//!   - ifupdown: a new interface gets `/etc/network/interfaces.d/IF` (`auto IF`,
//!     `iface IF inet static`, `address`, an `up ip addr add` line per secondary address) when
//!     /etc/network/interfaces sources that directory, else the stanza is appended to it; an
//!     interface that has a stanza gets `up ip addr add ... dev IF` lines at its end;
//!   - ifcfg (RHEL, Alibaba Cloud Linux, Anolis): a new `ifcfg-IF` (DEVICE, HWADDR,
//!     BOOTPROTO=none, ONBOOT=yes, IPADDR/PREFIX, DEFROUTE=no), or `IPADDRn`/`PREFIXn` added to
//!     the interface's file at the next free numbers;
//!   - netplan: a new interface gets `/etc/netplan/60-ecs-doctor-IF.yaml` (matched by MAC);
//!     one netplan already defines is refused with the lines to add (how netplan merges a
//!     second file's `addresses` differs between its versions);
//!   - NetworkManager keyfiles are refused with the `nmcli` command (NetworkManager ignores a
//!     keyfile readable by others, and files this tool creates get 0644);
//!   - with no configuration found, refused: a live change alone would be lost at the boot.
//!
//! When the configuration gives the addresses at boot already (a DHCP stanza for the primary
//! address, an address written there: `net.addr.assigned` EADDRNOTAVAIL, DHCP, a lease that
//! never came), no file is written and the plan says the change is live only.
//!
//! The addresses and prefix come from the metadata service, read again when planning
//! ([`super::console`]): the NIC is found by the interface's MAC. The gateway is left to the
//! primary NIC's default route (a second default route through a secondary NIC would take
//! the replies of the first). Refused when the interface holds an address the console did not
//! assign while the console's primary is missing (a changed primary IP: which to keep is
//! the owner's to say), without a metadata answer, and under `--root`.

use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::host::netconf::{self, Manager};
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

const INTERFACES: &str = "/etc/network/interfaces";
const INTERFACES_D: &str = "/etc/network/interfaces.d";
const IFCFG_DIR: &str = "/etc/sysconfig/network-scripts";
const NETPLAN_DIR: &str = "/etc/netplan";

/// What the console wants on the interface.
struct Want<'a> {
    dev: &'a str,
    mac: &'a str,
    eni: &'a str,
    primary: Option<Ipv4Addr>,
    prefix: u8,
    /// The addresses it lacks, the primary first.
    missing: &'a [Ipv4Addr],
}

fn header(w: &Want) -> String {
    format!("# NIC {} ({}) as the console assigns it: written by ecs-doctor fix", w.eni, w.mac)
}

/// Where an ifupdown stanza for `dev` is: the file, its text, the line (0-based) after which
/// new option lines go, and its method (`static`, `dhcp`, `manual`).
pub(super) struct Stanza {
    pub path: String,
    pub text: String,
    /// The `iface` line (0-based).
    pub start: usize,
    pub end: usize,
    pub method: String,
}

pub(super) fn ifupdown_files(t: &Target) -> Vec<crate::host::HostFile> {
    let mut files: Vec<crate::host::HostFile> = t.host.read_optional(INTERFACES).ok().flatten().into_iter().collect();
    let mut names = t.host.list_dir(INTERFACES_D).unwrap_or_default();
    names.sort();
    for n in names.into_iter().filter(|n| !n.starts_with('.')) {
        if let Ok(f) = t.host.read(&format!("{INTERFACES_D}/{n}")) {
            files.push(f);
        }
    }
    files
}

/// The `iface DEV inet ...` stanza of `dev`, if a file has one.
pub(super) fn find_stanza(files: &[crate::host::HostFile], dev: &str) -> Option<Stanza> {
    for f in files {
        let lines: Vec<&str> = f.text.lines().collect();
        let Some(start) = lines.iter().position(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            w.len() >= 3 && w[0] == "iface" && w[1] == dev && w[2] == "inet"
        }) else {
            continue;
        };
        let method = lines[start].split_whitespace().nth(3).unwrap_or("").to_string();
        let mut end = start;
        for (i, l) in lines.iter().enumerate().skip(start + 1) {
            let first = l.split_whitespace().next().unwrap_or("");
            if ["iface", "auto", "mapping", "source", "source-directory"].contains(&first)
                || first.starts_with("allow-")
            {
                break;
            }
            if !first.is_empty() && !first.starts_with('#') {
                end = i;
            }
        }
        return Some(Stanza { path: f.path.clone(), text: f.text.clone(), start, end, method });
    }
    None
}

/// Whether /etc/network/interfaces reads /etc/network/interfaces.d (`source` of its files or
/// `source-directory` of it).
fn sources_dir(files: &[crate::host::HostFile]) -> bool {
    files.first().filter(|f| f.path == INTERFACES).is_some_and(|f| {
        f.text.lines().any(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            match w.as_slice() {
                ["source-directory", d] => d.trim_end_matches('/') == INTERFACES_D || *d == "interfaces.d",
                ["source", p] => p.starts_with(&format!("{INTERFACES_D}/")) || p.starts_with("interfaces.d/"),
                _ => false,
            }
        })
    })
}

/// Lines of `text` with `new` inserted after line `after` (0-based), a final newline kept.
pub(super) fn insert_lines(text: &str, after: usize, new: &[String]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = (after + 1).min(lines.len());
    for (i, l) in new.iter().enumerate() {
        lines.insert(at + i, l.clone());
    }
    lines.join("\n") + "\n"
}

fn ifupdown(t: &Target, w: &Want) -> Result<FileEdit, Skip> {
    let files = ifupdown_files(t);
    let up = |a: &Ipv4Addr| format!("    up ip addr add {a}/{} dev {}", w.prefix, w.dev);
    if let Some(s) = find_stanza(&files, w.dev) {
        // DHCP gives the primary address (an `ip addr add` of it would fail the `up`).
        let new: Vec<String> = w
            .missing
            .iter()
            .filter(|a| !(s.method == "dhcp" && Some(**a) == w.primary || s.text.contains(&format!("{a}/"))))
            .map(up)
            .collect();
        return Ok(FileEdit { path: s.path.clone(), after: Some(insert_lines(&s.text, s.end, &new).into_bytes()) });
    }
    let Some(primary) = w.primary.filter(|p| w.missing.contains(p)) else {
        return Err(Skip::Refused(rtf(t.lang, R::NicNoPrimary, &[("dev", w.dev)])));
    };
    let mut stanza = vec![
        header(w),
        format!("auto {}", w.dev),
        format!("iface {} inet static", w.dev),
        format!("    address {primary}/{}", w.prefix),
    ];
    stanza.extend(w.missing.iter().filter(|a| **a != primary).map(up));
    if sources_dir(&files) {
        let path = format!("{INTERFACES_D}/{}", w.dev);
        return Ok(FileEdit { path, after: Some((stanza.join("\n") + "\n").into_bytes()) });
    }
    let before = files.first().filter(|f| f.path == INTERFACES).map(|f| f.text.clone()).unwrap_or_default();
    let mut after = before.clone();
    if !after.is_empty() && !after.ends_with('\n') {
        after.push('\n');
    }
    after.push('\n');
    after.push_str(&(stanza.join("\n") + "\n"));
    Ok(FileEdit { path: INTERFACES.into(), after: Some(after.into_bytes()) })
}

fn ifcfg(t: &Target, w: &Want) -> Result<FileEdit, Skip> {
    let path = format!("{IFCFG_DIR}/ifcfg-{}", w.dev);
    match t.host.read_optional(&path) {
        Ok(Some(f)) if !f.truncated && !f.not_text => {
            // The numbers in use (IPADDR, IPADDR0, IPADDR1...): new ones go after the highest.
            let used: Vec<u32> = f
                .text
                .lines()
                .filter_map(|l| l.trim().strip_prefix("IPADDR")?.split_once('=').map(|(n, _)| n.to_string()))
                .map(|n| n.parse::<u32>().unwrap_or(0))
                .collect();
            let first = used.iter().max().map_or(1, |m| m + 1);
            let dhcp = f.text.lines().any(|l| {
                l.trim()
                    .strip_prefix("BOOTPROTO=")
                    .is_some_and(|v| v.trim_matches(|c| c == '"' || c == '\'').eq_ignore_ascii_case("dhcp"))
            });
            let mut text = f.text.clone();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            // DHCP gives the primary address; one already in the file is not written again.
            let new = w.missing.iter().filter(|a| {
                !(dhcp && Some(**a) == w.primary
                    || f.text.contains(&format!("={a}"))
                    || f.text.contains(&format!("=\"{a}\"")))
            });
            for (next, a) in (first..).zip(new) {
                text.push_str(&format!("IPADDR{next}={a}\nPREFIX{next}={}\n", w.prefix));
            }
            Ok(FileEdit { path, after: Some(text.into_bytes()) })
        }
        Ok(Some(_)) => Err(Skip::Refused(rtf(t.lang, R::NotText, &[("path", &path)]))),
        Err(e) => Err(Skip::Refused(rtf(t.lang, R::CannotRead, &[("path", &path), ("error", &e.to_string())]))),
        Ok(None) => {
            let Some(primary) = w.primary.filter(|p| w.missing.contains(p)) else {
                return Err(Skip::Refused(rtf(t.lang, R::NicNoPrimary, &[("dev", w.dev)])));
            };
            let mut text = format!(
                "{}\nDEVICE={}\nHWADDR={}\nTYPE=Ethernet\nBOOTPROTO=none\nONBOOT=yes\nDEFROUTE=no\nIPADDR={primary}\nPREFIX={}\n",
                header(w),
                w.dev,
                w.mac,
                w.prefix
            );
            for (n, a) in w.missing.iter().filter(|a| **a != primary).enumerate() {
                text.push_str(&format!("IPADDR{}={a}\nPREFIX{}={}\n", n + 1, n + 1, w.prefix));
            }
            Ok(FileEdit { path, after: Some(text.into_bytes()) })
        }
    }
}

fn netplan(t: &Target, w: &Want) -> Result<FileEdit, Skip> {
    let defined = t.host.list_dir(NETPLAN_DIR).unwrap_or_default().into_iter().any(|n| {
        t.host.read(&format!("{NETPLAN_DIR}/{n}")).is_ok_and(|f| {
            f.text.lines().any(|l| l.trim().trim_end_matches(':').trim_matches('"') == w.dev)
                || f.text.to_ascii_lowercase().contains(w.mac)
        })
    });
    let list: Vec<(Ipv4Addr, u8)> = w.missing.iter().map(|a| (*a, w.prefix)).collect();
    if defined {
        let config = netconf::secondary_config(Some(Manager::Netplan), w.dev, &list);
        return Err(Skip::Refused(rtf(t.lang, R::NicNetplanDefined, &[("dev", w.dev), ("config", &config)])));
    }
    let addrs: Vec<String> = list.iter().map(|(a, p)| format!("{a}/{p}")).collect();
    let text = format!(
        "{}\nnetwork:\n  version: 2\n  ethernets:\n    {dev}:\n      match:\n        macaddress: \"{mac}\"\n      set-name: {dev}\n      addresses: [{}]\n",
        header(w),
        addrs.join(", "),
        dev = w.dev,
        mac = w.mac
    );
    Ok(FileEdit { path: format!("{NETPLAN_DIR}/60-ecs-doctor-{}.yaml", w.dev), after: Some(text.into_bytes()) })
}

impl Action for Params {
    fn name(&self) -> String {
        "nic-addresses".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let dev = t.finding.subject.clone().unwrap_or_default();
        let mac = t.host.read_line(&format!("/sys/class/net/{dev}/address")).map(|m| m.trim().to_ascii_lowercase());
        let Some(mac) = mac.filter(|_| super::link::is_ifname(&dev)) else {
            return Err(Skip::NotApplicable(rtf(l, R::LinkNoDevice, &[("dev", &dev)])));
        };
        let net = super::console::network(t)?;
        let Some(nic) = net.nics.iter().find(|n| n.mac.eq_ignore_ascii_case(&mac)) else {
            return Err(Skip::NotApplicable(rtf(l, R::NicNotInConsole, &[("dev", &dev), ("mac", &mac)])));
        };
        let Some(prefix) = nic.prefix() else {
            let what = format!("network/interfaces/macs/{mac}/netmask");
            return Err(Skip::Refused(rtf(l, R::ConsoleNoValue, &[("url", &net.url), ("value", &what)])));
        };
        let held: Vec<Ipv4Addr> = crate::host::ifaddr::of(t.host, &dev)
            .map_err(|e| {
                Skip::Refused(rtf(l, R::CannotRead, &[("path", "netlink RTM_GETADDR"), ("error", &e.to_string())]))
            })?
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| !a.is_link_local() && !a.is_loopback())
            .collect();
        let foreign: Vec<String> =
            held.iter().filter(|a| !nic.private_ips.contains(a)).map(|a| a.to_string()).collect();
        let primary_held = nic.primary_ip.is_none_or(|p| held.contains(&p));
        if !foreign.is_empty() && !primary_held {
            let p = nic.primary_ip.map(|p| p.to_string()).unwrap_or_default();
            return Err(Skip::Refused(rtf(
                l,
                R::NicForeign,
                &[("dev", &dev), ("held", &foreign.join(", ")), ("primary", &p)],
            )));
        }
        let mut missing: Vec<Ipv4Addr> = nic.private_ips.iter().copied().filter(|a| !held.contains(a)).collect();
        missing.sort_by_key(|a| Some(*a) != nic.primary_ip);
        if missing.is_empty() {
            return Err(Skip::NotApplicable(rtf(l, R::NicComplete, &[("dev", &dev)])));
        }
        let eni = nic.id.clone().unwrap_or_else(|| "-".into());
        let w = Want { dev: &dev, mac: &mac, eni: &eni, primary: nic.primary_ip, prefix, missing: &missing };
        let conf = netconf::read(t.host);
        let file = match conf.manager {
            Some(Manager::Ifupdown) => ifupdown(t, &w)?,
            Some(Manager::Ifcfg) => ifcfg(t, &w)?,
            Some(Manager::Netplan) => netplan(t, &w)?,
            Some(Manager::NetworkManager) => {
                let list: Vec<(Ipv4Addr, u8)> = missing.iter().map(|a| (*a, prefix)).collect();
                let cmd = netconf::secondary_config(Some(Manager::NetworkManager), &dev, &list);
                return Err(Skip::Refused(rtf(l, R::NicNetworkManager, &[("dev", &dev), ("command", &cmd)])));
            }
            None => return Err(Skip::Refused(rtf(l, R::NicNoManager, &[("dev", &dev)]))),
        };
        let mut live = Vec::new();
        let flags = t.host.read_line(&format!("/sys/class/net/{dev}/flags"));
        let is_up =
            flags.is_some_and(|f| u32::from_str_radix(f.trim().trim_start_matches("0x"), 16).is_ok_and(|f| f & 1 != 0));
        if !is_up {
            live.push(Live {
                run: Command::new("ip", &["link", "set", "dev", &dev, "up"]),
                undo: Some(Command::new("ip", &["link", "set", "dev", &dev, "down"])),
            });
        }
        for a in &missing {
            let cidr = format!("{a}/{prefix}");
            live.push(Live {
                run: Command::new("ip", &["addr", "add", &cidr, "dev", &dev]),
                undo: Some(Command::new("ip", &["addr", "del", &cidr, "dev", &dev])),
            });
        }
        let shown: Vec<String> = missing.iter().map(|a| format!("{a}/{prefix}")).collect();
        let manager = conf.manager.map_or("-", Manager::name);
        // The configuration gives the addresses at boot already (DHCP, or written there): only
        // the running interface lacks them (`net.addr.assigned`: a lease that never came).
        let unchanged = t
            .host
            .read_optional(&file.path)
            .ok()
            .flatten()
            .is_some_and(|f| Some(f.text.as_bytes()) == file.after.as_deref());
        let msg = if unchanged { R::NicDoLive } else { R::NicDo };
        let args = [
            ("dev", dev.as_str()),
            ("eni", eni.as_str()),
            ("addrs", &shown.join(", ")),
            ("manager", manager),
            ("path", file.path.as_str()),
        ];
        Ok(Change {
            summary: rtf(l, msg, &args),
            files: if unchanged { Vec::new() } else { vec![file] },
            live,
            ..Change::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::HostFile;

    fn file(path: &str, text: &str) -> HostFile {
        HostFile { path: path.into(), text: text.into(), truncated: false, not_text: false }
    }

    #[test]
    fn stanzas_end_at_their_last_option_and_directories_are_sourced() {
        let main = file(
            INTERFACES,
            "source-directory /etc/network/interfaces.d\nauto c0\niface c0 inet dhcp\n    mtu 1500\n\n# eth1\nauto c9\n",
        );
        let s = find_stanza(std::slice::from_ref(&main), "c0").expect("stanza");
        assert_eq!(s.end, 3);
        assert_eq!(
            insert_lines(&s.text, s.end, &["    up ip addr add 10.0.0.6/24 dev c0".into()]),
            "source-directory /etc/network/interfaces.d\nauto c0\niface c0 inet dhcp\n    mtu 1500\n    up ip addr add 10.0.0.6/24 dev c0\n\n# eth1\nauto c9\n"
        );
        assert!(find_stanza(std::slice::from_ref(&main), "c1").is_none());
        assert!(sources_dir(std::slice::from_ref(&main)));
        assert!(sources_dir(&[file(INTERFACES, "source /etc/network/interfaces.d/*\n")]));
        assert!(!sources_dir(&[file(INTERFACES, "auto lo\niface lo inet loopback\n")]));
    }
}
