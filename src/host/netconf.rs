//! How the examined system configures its network interfaces, read from its files: which
//! manager it uses (netplan, NetworkManager keyfiles, RHEL's ifcfg files, Debian's ifupdown) and
//! the static IPv4 addresses each interface is given, with the file and line that gives them. The
//! checks that compare the guest with what the cloud console assigned use it to name the file to
//! change and to write the exact configuration for that manager.

use super::Host;
use std::net::Ipv4Addr;

/// The tool that configures interfaces at boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    /// /etc/netplan/*.yaml (Ubuntu).
    Netplan,
    /// /etc/NetworkManager/system-connections/*.nmconnection (RHEL 9, Alibaba Cloud Linux 3 without ifcfg).
    NetworkManager,
    /// /etc/sysconfig/network-scripts/ifcfg-* (CentOS 7/8, Alibaba Cloud Linux 2/3, Anolis).
    Ifcfg,
    /// /etc/network/interfaces (Debian).
    Ifupdown,
}

impl Manager {
    pub fn name(self) -> &'static str {
        match self {
            Manager::Netplan => "netplan",
            Manager::NetworkManager => "NetworkManager",
            Manager::Ifcfg => "ifcfg",
            Manager::Ifupdown => "ifupdown",
        }
    }
}

/// A static IPv4 address a configuration file gives an interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Static {
    /// The interface name, or `mac:<MAC>` when the file matches by MAC address.
    pub iface: String,
    pub addr: Ipv4Addr,
    pub prefix: Option<u8>,
    /// `file:line: text`.
    pub evidence: String,
}

/// What the files say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetConf {
    pub manager: Option<Manager>,
    pub statics: Vec<Static>,
}

const NETPLAN: &str = "/etc/netplan";
const NM: &str = "/etc/NetworkManager/system-connections";
const IFCFG: &str = "/etc/sysconfig/network-scripts";
const IFUPDOWN: &str = "/etc/network/interfaces";
/// Files read per directory at most.
const MAX_FILES: usize = 64;

fn files(host: &Host, dir: &str, keep: impl Fn(&str) -> bool) -> Vec<super::HostFile> {
    host.list_dir(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| keep(n))
        .take(MAX_FILES)
        .filter_map(|n| host.read(&format!("{dir}/{n}")).ok())
        .collect()
}

fn clean(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_string()
}

fn parse_cidr(s: &str) -> Option<(Ipv4Addr, Option<u8>)> {
    let s = s.trim().trim_matches(|c| c == '"' || c == '\'' || c == '[' || c == ']' || c == ',');
    let (a, p) = match s.split_once('/') {
        Some((a, p)) => (a, p.parse::<u8>().ok().filter(|p| *p <= 32)),
        None => (s, None),
    };
    a.parse().ok().map(|a| (a, p))
}

/// Reads the examined system's network configuration.
pub fn read(host: &Host) -> NetConf {
    let mut out = NetConf::default();
    let netplan = files(host, NETPLAN, |n| n.ends_with(".yaml") || n.ends_with(".yml"));
    let nm = files(host, NM, |n| n.ends_with(".nmconnection"));
    let ifcfg = files(host, IFCFG, |n| n.starts_with("ifcfg-") && n != "ifcfg-lo");
    let mut ifupdown: Vec<super::HostFile> = host.read_optional(IFUPDOWN).ok().flatten().into_iter().collect();
    ifupdown.extend(files(host, "/etc/network/interfaces.d", |n| !n.starts_with('.')));
    out.manager = if !netplan.is_empty() {
        Some(Manager::Netplan)
    } else if !ifcfg.is_empty() {
        Some(Manager::Ifcfg)
    } else if !nm.is_empty() {
        Some(Manager::NetworkManager)
    } else if ifupdown
        .iter()
        .any(|f| f.text.lines().any(|l| l.trim_start().starts_with("iface ") && !l.contains(" lo ")))
    {
        Some(Manager::Ifupdown)
    } else {
        None
    };
    for f in &netplan {
        out.statics.extend(netplan_statics(f));
    }
    for f in &nm {
        out.statics.extend(nm_statics(f));
    }
    for f in &ifcfg {
        out.statics.extend(ifcfg_statics(f));
    }
    for f in &ifupdown {
        out.statics.extend(ifupdown_statics(f));
    }
    out
}

/// `iface eth0 inet static` stanzas: `address A[/N]` (and `netmask`), and `up ip addr add A/N dev eth0`.
pub fn ifupdown_statics(f: &super::HostFile) -> Vec<Static> {
    let mut out = Vec::new();
    let mut current: Option<(String, bool)> = None;
    for (i, raw) in f.text.lines().enumerate() {
        let line = raw.trim();
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        let ev = || format!("{}:{}: {}", f.path, i + 1, clean(raw));
        match first {
            "iface" => {
                let name = words.next().unwrap_or("").to_string();
                let family = words.next().unwrap_or("");
                let method = words.next().unwrap_or("");
                current = Some((name, family == "inet" && method == "static"));
            }
            "auto" | "allow-hotplug" | "mapping" | "source" | "source-directory" => current = None,
            "address" => {
                if let Some((name, true)) = &current
                    && let Some((addr, prefix)) = words.next().and_then(parse_cidr)
                {
                    out.push(Static { iface: name.clone(), addr, prefix, evidence: ev() });
                }
            }
            "up" | "post-up" => {
                // up ip addr add 10.0.0.6/24 dev eth0
                let rest: Vec<&str> = words.collect();
                if let Some(at) = rest.windows(2).position(|w| w[0] == "addr" && w[1] == "add")
                    && let Some((addr, prefix)) = rest.get(at + 2).and_then(|s| parse_cidr(s))
                {
                    let dev = rest.windows(2).find(|w| w[0] == "dev").map(|w| w[1].to_string());
                    if let Some(name) = dev.or_else(|| current.as_ref().map(|c| c.0.clone())) {
                        out.push(Static { iface: name, addr, prefix, evidence: ev() });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `IPADDR=`, `IPADDR1=`... with `DEVICE=` (else the file name's `ifcfg-<name>`), when the
/// file is not DHCP.
pub fn ifcfg_statics(f: &super::HostFile) -> Vec<Static> {
    let name_from_file = f.path.rsplit('/').next().and_then(|n| n.strip_prefix("ifcfg-")).unwrap_or("").to_string();
    let mut device = None;
    let mut hwaddr = None;
    let mut dhcp = false;
    let mut addrs = Vec::new();
    let mut prefixes = std::collections::BTreeMap::new();
    for (i, raw) in f.text.lines().enumerate() {
        let Some((k, v)) = raw.trim().split_once('=') else { continue };
        let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
        let k = k.trim();
        match k {
            "DEVICE" => device = Some(v.to_string()),
            "HWADDR" => hwaddr = Some(v.to_ascii_lowercase()),
            "BOOTPROTO" => dhcp = v.eq_ignore_ascii_case("dhcp"),
            _ if k.starts_with("IPADDR") => {
                if let Ok(a) = v.parse::<Ipv4Addr>() {
                    addrs.push((
                        k.trim_start_matches("IPADDR").to_string(),
                        a,
                        format!("{}:{}: {}", f.path, i + 1, clean(raw)),
                    ));
                }
            }
            _ if k.starts_with("PREFIX") => {
                if let Ok(p) = v.parse::<u8>() {
                    prefixes.insert(k.trim_start_matches("PREFIX").to_string(), p);
                }
            }
            _ => {}
        }
    }
    if dhcp && addrs.len() <= 1 && addrs.first().is_none_or(|a| a.0.is_empty()) {
        // BOOTPROTO=dhcp with a leftover IPADDR: the address comes from DHCP.
        return Vec::new();
    }
    let iface =
        device.filter(|d| !d.is_empty()).or_else(|| hwaddr.map(|m| format!("mac:{m}"))).unwrap_or(name_from_file);
    addrs
        .into_iter()
        .map(|(n, addr, evidence)| Static { iface: iface.clone(), addr, prefix: prefixes.get(&n).copied(), evidence })
        .collect()
}

/// NetworkManager keyfiles: `[connection] interface-name=`, `[ethernet] mac-address=`,
/// `[ipv4] method=manual` with `address1=A/N[,gw]`.
pub fn nm_statics(f: &super::HostFile) -> Vec<Static> {
    let mut section = String::new();
    let mut iface = None;
    let mut mac = None;
    let mut manual = false;
    let mut addrs = Vec::new();
    for (i, raw) in f.text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_string();
            continue;
        }
        let Some((k, v)) = line.split_once('=') else { continue };
        let (k, v) = (k.trim(), v.trim());
        match (section.as_str(), k) {
            ("connection", "interface-name") => iface = Some(v.to_string()),
            ("ethernet", "mac-address") => mac = Some(v.to_ascii_lowercase()),
            ("ipv4", "method") => manual = v == "manual",
            ("ipv4", k) if k.starts_with("address") => {
                if let Some((a, p)) = v.split(',').next().and_then(parse_cidr) {
                    addrs.push((a, p, format!("{}:{}: {}", f.path, i + 1, clean(raw))));
                }
            }
            _ => {}
        }
    }
    if !manual {
        return Vec::new();
    }
    let Some(iface) = iface.or_else(|| mac.map(|m| format!("mac:{m}"))) else { return Vec::new() };
    addrs.into_iter().map(|(addr, prefix, evidence)| Static { iface: iface.clone(), addr, prefix, evidence }).collect()
}

/// netplan: under `ethernets:`, an interface id whose `addresses:` lists static addresses (in a
/// flow list `[a/24, b/24]` or one per `- ` line); a `match: macaddress:` names it by MAC.
pub fn netplan_statics(f: &super::HostFile) -> Vec<Static> {
    let mut out = Vec::new();
    let mut in_ethernets: Option<usize> = None;
    let mut iface: Option<(String, usize)> = None;
    let mut mac: Option<String> = None;
    let mut in_addresses: Option<usize> = None;
    let mut pending: Vec<Static> = Vec::new();
    let flush = |pending: &mut Vec<Static>, mac: &Option<String>, out: &mut Vec<Static>| {
        for mut s in pending.drain(..) {
            if let Some(m) = mac {
                s.iface = format!("mac:{m}");
            }
            out.push(s);
        }
    };
    for (i, raw) in f.text.lines().enumerate() {
        let no_comment = raw.split('#').next().unwrap_or("");
        if no_comment.trim().is_empty() {
            continue;
        }
        let indent = no_comment.len() - no_comment.trim_start().len();
        let line = no_comment.trim();
        let ev = || format!("{}:{}: {}", f.path, i + 1, clean(raw));
        if let Some(a) = in_addresses {
            if indent > a && line.starts_with("- ") {
                if let (Some((name, _)), Some((addr, prefix))) = (&iface, parse_cidr(&line[2..])) {
                    pending.push(Static { iface: name.clone(), addr, prefix, evidence: ev() });
                }
                continue;
            }
            in_addresses = None;
        }
        if let Some((_, iind)) = &iface
            && indent <= *iind
        {
            flush(&mut pending, &mac, &mut out);
            iface = None;
            mac = None;
        }
        if let Some(e) = in_ethernets
            && indent <= e
        {
            in_ethernets = None;
        }
        if line == "ethernets:" {
            in_ethernets = Some(indent);
            continue;
        }
        let Some(e) = in_ethernets else { continue };
        if iface.is_none() && indent > e && line.ends_with(':') {
            iface = Some((line.trim_end_matches(':').trim_matches('"').to_string(), indent));
            continue;
        }
        if let Some((name, _)) = &iface {
            if let Some(v) = line.strip_prefix("macaddress:") {
                mac = Some(v.trim().trim_matches(|c| c == '"' || c == '\'').to_ascii_lowercase());
            } else if let Some(v) = line.strip_prefix("addresses:") {
                let v = v.trim();
                if v.is_empty() {
                    in_addresses = Some(indent);
                } else {
                    for item in v.trim_matches(|c| c == '[' || c == ']').split(',') {
                        if let Some((addr, prefix)) = parse_cidr(item) {
                            pending.push(Static { iface: name.clone(), addr, prefix, evidence: ev() });
                        }
                    }
                }
            }
        }
    }
    flush(&mut pending, &mac, &mut out);
    out
}

/// What to write so `iface` (MAC `mac`) gets its address from the platform's DHCP (which hands
/// out the console's primary private IP of each NIC), for `manager`.
pub fn dhcp_config(manager: Option<Manager>, iface: &str, mac: &str) -> String {
    match manager {
        Some(Manager::Netplan) => format!(
            "/etc/netplan/60-{iface}.yaml: \"network: {{version: 2, ethernets: {{{iface}: {{match: {{macaddress: '{mac}'}}, set-name: {iface}, dhcp4: true, dhcp4-overrides: {{route-metric: 200}}}}}}}}\", then `netplan apply`"
        ),
        Some(Manager::NetworkManager) => format!(
            "`nmcli connection add type ethernet ifname {iface} con-name {iface} ipv4.method auto ipv4.route-metric 200 && nmcli connection up {iface}`"
        ),
        Some(Manager::Ifcfg) => format!(
            "/etc/sysconfig/network-scripts/ifcfg-{iface}: \"DEVICE={iface}\" \"HWADDR={mac}\" \"BOOTPROTO=dhcp\" \"ONBOOT=yes\" \"TYPE=Ethernet\" \"DEFROUTE=no\", then `ifup {iface}`"
        ),
        Some(Manager::Ifupdown) | None => {
            format!(
                "/etc/network/interfaces.d/{iface}: \"auto {iface}\" \"iface {iface} inet dhcp\", then `ifup {iface}`"
            )
        }
    }
}

/// What to write so `iface` also holds the secondary private IPs `addrs` (DHCP gives only the
/// primary one), for `manager`.
pub fn secondary_config(manager: Option<Manager>, iface: &str, addrs: &[(Ipv4Addr, u8)]) -> String {
    let list: Vec<String> = addrs.iter().map(|(a, p)| format!("{a}/{p}")).collect();
    match manager {
        Some(Manager::Netplan) => format!(
            "under ethernets: {iface}: in /etc/netplan/*.yaml: \"addresses: [{}]\" (next to dhcp4: true), then `netplan apply`",
            list.join(", ")
        ),
        Some(Manager::NetworkManager) => {
            let adds: Vec<String> = list.iter().map(|a| format!("+ipv4.addresses {a}")).collect();
            format!(
                "`nmcli connection modify $(nmcli -g GENERAL.CONNECTION device show {iface}) {} && nmcli device reapply {iface}`",
                adds.join(" ")
            )
        }
        Some(Manager::Ifcfg) => {
            let lines: Vec<String> = addrs
                .iter()
                .enumerate()
                .map(|(i, (a, p))| format!("\"IPADDR{n}={a}\" \"PREFIX{n}={p}\"", n = i + 1))
                .collect();
            format!(
                "/etc/sysconfig/network-scripts/ifcfg-{iface}: {}, then `ifdown {iface}; ifup {iface}`",
                lines.join(" ")
            )
        }
        Some(Manager::Ifupdown) | None => {
            let lines: Vec<String> = list.iter().map(|a| format!("\"up ip addr add {a} dev {iface}\"")).collect();
            format!(
                "under \"iface {iface}\" in /etc/network/interfaces: {}; now: {}",
                lines.join(" "),
                list.iter().map(|a| format!("`ip addr add {a} dev {iface}`")).collect::<Vec<_>>().join(" ")
            )
        }
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
    fn ifupdown_static_stanzas_and_up_lines() {
        let f = file(
            "/etc/network/interfaces",
            "auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet static\n  address 10.0.0.9/24\n  gateway 10.0.0.1\n  up ip addr add 10.0.0.10/24 dev eth0\niface eth1 inet dhcp\n  address 10.9.9.9\n",
        );
        let s = ifupdown_statics(&f);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!((s[0].iface.as_str(), s[0].addr, s[0].prefix), ("eth0", Ipv4Addr::new(10, 0, 0, 9), Some(24)));
        assert_eq!(s[0].evidence, "/etc/network/interfaces:5: address 10.0.0.9/24");
        assert_eq!(s[1].addr, Ipv4Addr::new(10, 0, 0, 10));
    }

    #[test]
    fn ifcfg_nm_and_netplan() {
        let f = file(
            "/etc/sysconfig/network-scripts/ifcfg-eth0",
            "DEVICE=eth0\nBOOTPROTO=static\nIPADDR=192.168.0.9\nPREFIX=24\nIPADDR1=\"192.168.0.10\"\n",
        );
        let s = ifcfg_statics(&f);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].iface.as_str(), s[0].prefix), ("eth0", Some(24)));
        assert!(ifcfg_statics(&file("/x/ifcfg-eth1", "DEVICE=eth1\nBOOTPROTO=dhcp\n")).is_empty());

        let f = file(
            "/etc/NetworkManager/system-connections/eth0.nmconnection",
            "[connection]\nid=eth0\ninterface-name=eth0\n[ipv4]\nmethod=manual\naddress1=172.16.0.9/20,172.16.0.253\n",
        );
        let s = nm_statics(&f);
        assert_eq!((s[0].iface.as_str(), s[0].addr, s[0].prefix), ("eth0", Ipv4Addr::new(172, 16, 0, 9), Some(20)));

        let f = file(
            "/etc/netplan/50-cloud-init.yaml",
            "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n    eth1:\n      match:\n        macaddress: \"00:16:3E:00:00:21\"\n      addresses:\n        - 10.0.1.9/24\n    eth2:\n      addresses: [10.0.2.9/24, 10.0.2.10/24]\n",
        );
        let s = netplan_statics(&f);
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(s[0].iface, "mac:00:16:3e:00:00:21");
        assert_eq!(s[0].evidence, "/etc/netplan/50-cloud-init.yaml:10: - 10.0.1.9/24");
        assert_eq!((s[1].iface.as_str(), s[2].addr), ("eth2", Ipv4Addr::new(10, 0, 2, 10)));
    }

    #[test]
    fn configs_name_the_interface() {
        let c = dhcp_config(Some(Manager::Ifupdown), "eth1", "00:16:3e:00:00:21");
        assert!(c.contains("iface eth1 inet dhcp"), "{c}");
        let c = secondary_config(Some(Manager::Ifcfg), "eth0", &[(Ipv4Addr::new(10, 0, 0, 6), 24)]);
        assert!(c.contains("IPADDR1=10.0.0.6") && c.contains("PREFIX1=24"), "{c}");
    }
}
