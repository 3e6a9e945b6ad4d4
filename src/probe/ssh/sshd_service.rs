//! Whether sshd is there to answer: installed, running, listening on an address a client can
//! reach, on the port its configuration names. The listening sockets come from the shared
//! socket scan (the kernel's tables and the owners of each socket); the configuration from
//! `sshd -T` on the live system (else the parsed files); the unit's state from systemd.
//!
//! A listener counts as sshd's when sshd owns it, when systemd (PID 1) holds it for
//! `ssh.socket`, or when its owner is unknown and it is on a configured SSH port (a fixture
//! root, or not root).
//!
//! "Nobody answers" is only a fault where something should have started sshd: when the init
//! system runs (systemd is PID 1, or `/run/systemd/system` exists, which is how systemd itself
//! tells). In a container or CI job whose PID 1 is something else, sshd not running is normal:
//! that is said as a note, never an alarm. The listening sockets belong to the running system:
//! under `--root` without socket tables (a rescued disk) the probe says so and is skipped.

use super::SSHD_BINARIES;
use crate::host::Host;
use crate::host::sockets::{Proto, Socket};
use crate::i18n::{Msg, Said};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

/// Where sshd's configuration is (`path`, default /etc/ssh/sshd_config).
pub type Params = super::SshdParams;

pub const FIELDS: &[Field] = &[
    Field::flag("not_running", "1 when sshd is installed, nothing listens for it and the init system runs"),
    Field::flag("no_init", "1 when nothing listens for sshd and no init system runs (a container, CI)"),
    Field::text("init", "what runs as PID 1"),
    Field::text("unit", "the unit that starts sshd: ssh.service or sshd.service"),
    Field::text("enabled", "the unit's enablement (enabled, disabled, or systemd's word)"),
    Field::text("state", "the unit's active state from systemd, or unknown"),
    Field::text("last_log", "the unit's last log line, or none"),
    Field::num("listening", "", "TCP sockets listening for sshd"),
    Field::num("reachable", "", "those not on a loopback address"),
    Field::text("addresses", "the addresses sshd listens on"),
    Field::flag("loopback_only", "1 when sshd listens on loopback addresses only"),
    Field::text("config_ports", "the ports of sshd's effective configuration"),
    Field::text("listen_ports", "the ports sshd really listens on"),
    Field::flag("port_mismatch", "1 when a configured port is not listened on while sshd runs"),
    Field::flag("missing_address", "1 when a ListenAddress is not an address of this host"),
    Field::text("missing_addresses", "those ListenAddress values, or none"),
];

const TIMEOUT: Duration = Duration::from_secs(3);

/// The unit that starts sshd here: `ssh.service` (Debian, Ubuntu) or `sshd.service` (RHEL,
/// Alibaba Cloud Linux, SUSE), by the unit file that exists, else by the distribution.
pub fn unit_name(host: &Host) -> &'static str {
    for dir in ["/usr/lib/systemd/system", "/lib/systemd/system"] {
        for unit in ["ssh.service", "sshd.service"] {
            // Debian's sshd.service is an alias symlink in /etc, never a file here.
            if host.path(format!("{dir}/{unit}")).is_file() {
                return if unit == "ssh.service" { "ssh.service" } else { "sshd.service" };
            }
        }
    }
    let os = crate::host::facts::os_info(host);
    if matches!(os.id.as_str(), "debian" | "ubuntu") { "ssh.service" } else { "sshd.service" }
}

/// Whether a unit is enabled, from the `*.wants` links under /etc/systemd/system (readable
/// under `--root` too).
pub fn enabled_by_links(host: &Host, unit: &str) -> bool {
    let base = "/etc/systemd/system";
    host.list_dir(base).unwrap_or_default().iter().filter(|d| d.ends_with(".wants")).any(|d| {
        let p = host.path(format!("{base}/{d}/{unit}"));
        p.exists() || p.symlink_metadata().is_ok()
    })
}

/// What runs as PID 1, and whether it is an init system that starts services: systemd as PID 1,
/// or `/run/systemd/system` present (`sd_booted`).
pub fn init_system(host: &Host) -> (String, bool) {
    let comm = host.read_line("/proc/1/comm").unwrap_or_else(|| "unknown".into());
    let booted = comm == "systemd" || host.path("/run/systemd/system").is_dir();
    (comm, booted)
}

/// `systemctl show` properties as `Key=value` lines.
fn show(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('=').map(str::to_string)).filter(|v| !v.is_empty())
}

/// The configured ports and listen addresses (`sshd -T` on the live system, else the files):
/// (ports, listen addresses without port, evidence).
pub fn configured(ctx: &ProbeContext, path: &str) -> (Vec<u16>, Vec<String>, Vec<String>) {
    let (mut ports, mut addrs, mut ev) = (Vec::new(), Vec::new(), Vec::new());
    if ctx.host.is_live()
        && ctx.privileged
        && SSHD_BINARIES.iter().any(|b| std::path::Path::new(b).is_file())
        && let Some(Ok(out)) = ctx.run_once("sshd", &["-T", "-f", path], TIMEOUT)
        && out.code == Some(0)
    {
        for line in out.stdout.lines() {
            let mut w = line.split_whitespace();
            match (w.next(), w.next()) {
                (Some("port"), Some(p)) => {
                    if let Ok(p) = p.parse::<u16>()
                        && !ports.contains(&p)
                    {
                        ports.push(p);
                        ev.push(format!("sshd -T -f {path}: port {p}"));
                    }
                }
                (Some("listenaddress"), Some(a)) => {
                    ev.push(format!("sshd -T -f {path}: listenaddress {a}"));
                    let host = match a.rsplit_once(':') {
                        Some((h, port)) if port.parse::<u16>().is_ok() => h,
                        _ => a,
                    };
                    addrs.push(host.trim_matches(['[', ']']).to_string());
                }
                _ => {}
            }
        }
        if !ports.is_empty() {
            return (ports, addrs, ev);
        }
        ev.clear();
        addrs.clear();
    }
    for (key, value, loc) in super::sshd_config::global_lines(&ctx.host, path) {
        match key.as_str() {
            "port" => {
                if let Ok(p) = value.parse::<u16>()
                    && !ports.contains(&p)
                {
                    ports.push(p);
                    ev.push(loc);
                }
            }
            "listenaddress" => {
                let v = value.split_whitespace().next().unwrap_or("").to_string();
                let host = match v.rsplit_once(':') {
                    Some((h, port)) if port.parse::<u16>().is_ok() && (h.starts_with('[') || !h.contains(':')) => {
                        h.to_string()
                    }
                    _ => v.clone(),
                };
                addrs.push(host.trim_matches(['[', ']']).to_string());
                ev.push(loc);
            }
            _ => {}
        }
    }
    if ports.is_empty() {
        ports.push(22);
        ev.push(format!("{path}: no Port line: sshd uses 22"));
    }
    (ports, addrs, ev)
}

/// The addresses of this host: IPv4 from /proc/net/fib_trie, IPv6 from /proc/net/if_inet6,
/// loopback always. `None` when neither can be read.
pub fn host_addresses(host: &Host) -> Option<BTreeSet<IpAddr>> {
    let mut out: BTreeSet<IpAddr> = BTreeSet::new();
    let mut read = false;
    if let Ok(f) = host.read("/proc/net/fib_trie") {
        read = true;
        out.extend(crate::probe::net::interfaces::local_ipv4(&f.text).into_iter().map(IpAddr::V4));
    }
    if let Ok(f) = host.read("/proc/net/if_inet6") {
        read = true;
        for line in f.text.lines() {
            if let Some(hex) = line.split_whitespace().next()
                && hex.len() == 32
                && let Ok(n) = u128::from_str_radix(hex, 16)
            {
                out.insert(IpAddr::V6(std::net::Ipv6Addr::from(n)));
            }
        }
    }
    out.insert(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    out.insert(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST));
    read.then_some(out)
}

/// Whether an address is only reachable from the host itself.
pub fn is_loopback(a: &IpAddr) -> bool {
    match a {
        IpAddr::V4(v) => v.is_loopback(),
        IpAddr::V6(v) => v.is_loopback() || v.to_ipv4_mapped().is_some_and(|m| m.is_loopback()),
    }
}

/// The TCP listening sockets on `port`.
pub fn tcp_listeners(sockets: &[Socket], port: u16) -> Vec<&Socket> {
    sockets.iter().filter(|s| s.proto == Proto::Tcp && s.is_listening() && s.local_port == port).collect()
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let installed = SSHD_BINARIES.iter().any(|b| ctx.host.path(b).is_file()) || ctx.host.path(&params.path).is_file();
    if !installed {
        return Err(ProbeError::skipped(Msg::SkipSshdMissing));
    }
    let table = match ctx.sockets() {
        Ok(t) => t,
        Err(_) if !ctx.host.is_live() => return Err(ProbeError::skipped(Msg::SkipSshdListenUnderRoot)),
        Err(e) => return Err(e),
    };
    let procs = ctx.processes().ok();
    let comm_of = |pid: u32| procs.as_ref().and_then(|t| t.get(pid).map(|p| p.comm.clone()));
    // The configuration the running sshd reads: its `-f FILE`, else the usual one.
    let running_config = table
        .sockets
        .iter()
        .filter(|s| s.proto == Proto::Tcp && s.is_listening())
        .flat_map(|s| table.owners_of(s.inode).iter().copied())
        .filter_map(|pid| procs.as_ref()?.get(pid).filter(|p| p.comm == "sshd").map(|p| p.cmdline.clone()))
        .find_map(|cmdline| config_flag(&cmdline));
    let path = running_config.unwrap_or_else(|| params.path.clone());
    let (config_ports, config_addrs, config_ev) = configured(ctx, &path);
    let unit = unit_name(&ctx.host);
    // sshd's listeners: owned by sshd, held by systemd for ssh.socket, or unknown on an SSH port.
    let mut mine: Vec<(&Socket, String)> = Vec::new();
    for s in table.sockets.iter().filter(|s| s.proto == Proto::Tcp && s.is_listening()) {
        let owners = table.owners_of(s.inode);
        let names: Vec<String> = owners.iter().map(|p| comm_of(*p).unwrap_or_else(|| "?".into())).collect();
        let by_sshd = names.iter().any(|n| n == "sshd");
        let by_systemd = owners.contains(&1) && names.iter().any(|n| n == "systemd");
        let unknown = owners.is_empty() && config_ports.contains(&s.local_port);
        if by_sshd || (by_systemd && config_ports.contains(&s.local_port)) || unknown {
            let who = if owners.is_empty() {
                "owner unknown".to_string()
            } else {
                owners.iter().zip(&names).map(|(p, n)| format!("{n} pid {p}")).collect::<Vec<_>>().join(", ")
            };
            mine.push((s, who));
        }
    }
    let reachable: Vec<&(&Socket, String)> = mine.iter().filter(|(s, _)| !is_loopback(&s.local)).collect();
    let mut listen_ports: Vec<u16> = mine.iter().map(|(s, _)| s.local_port).collect();
    listen_ports.sort_unstable();
    listen_ports.dedup();
    let addresses: Vec<String> = mine.iter().map(|(s, _)| s.local_label()).collect();
    let (init, booted) = init_system(&ctx.host);
    let mut o = Observation::new(unit)
        .text("unit", unit)
        .text("init", &init)
        .num("listening", mine.len() as f64)
        .num("reachable", reachable.len() as f64)
        .text("config_ports", join(&config_ports))
        .text("listen_ports", if listen_ports.is_empty() { "none".to_string() } else { join(&listen_ports) })
        .flag("loopback_only", !mine.is_empty() && reachable.is_empty());
    o = if addresses.is_empty() {
        o.word("addresses", Said::new(Msg::ValNone))
    } else {
        o.text("addresses", addresses.join(", "))
    };
    for (s, who) in &mine {
        o = o.evidence(format!("{}: {} listening ({who})", proc_table(s), s.local_label()));
    }
    for l in &config_ev {
        o = o.evidence(l.clone());
    }
    // The port sshd is configured for but does not listen on (it was not restarted).
    let unserved: Vec<u16> = config_ports.iter().copied().filter(|p| !listen_ports.contains(p)).collect();
    o = o.flag("port_mismatch", !mine.is_empty() && !unserved.is_empty());
    // ListenAddress values this host does not have.
    let have = host_addresses(&ctx.host);
    let missing: Vec<String> = config_addrs
        .iter()
        .filter(|a| match (a.parse::<IpAddr>(), &have) {
            (Ok(ip), Some(have)) => !ip.is_unspecified() && !have.contains(&ip),
            _ => false,
        })
        .cloned()
        .collect();
    o = o
        .flag("missing_address", !missing.is_empty())
        .text("missing_addresses", if missing.is_empty() { "none".to_string() } else { missing.join(", ") });
    // The unit's state, from systemd when it runs, else from the files.
    let mut enabled = if enabled_by_links(&ctx.host, unit) { "enabled" } else { "disabled" }.to_string();
    let mut state = "unknown".to_string();
    let mut last_log = String::new();
    if ctx.host.is_live() && booted && mine.is_empty() {
        match ctx.run_once(
            "systemctl",
            &["show", unit, "--no-pager", "-p", "ActiveState", "-p", "SubState", "-p", "UnitFileState", "-p", "Result"],
            TIMEOUT,
        ) {
            Some(Ok(out)) if out.code == Some(0) => {
                if let Some(v) = show(&out.stdout, "UnitFileState") {
                    enabled = v;
                }
                if let Some(v) = show(&out.stdout, "ActiveState") {
                    state = v;
                }
                o = o.evidence(format!(
                    "systemctl show {unit}: {}",
                    out.stdout.split_whitespace().collect::<Vec<_>>().join(" ")
                ));
            }
            Some(Ok(out)) => {
                o = o.evidence(format!(
                    "systemctl show {unit}: exit {}: {}",
                    out.code.map_or_else(|| "signal".to_string(), |c| c.to_string()),
                    out.stderr.lines().next().unwrap_or("")
                ))
            }
            Some(Err(e)) => o = o.evidence(format!("systemctl show {unit}: {e}")),
            None => o = o.evidence("systemctl is not installed".to_string()),
        }
        if let Some(Ok(out)) =
            ctx.run_once("journalctl", &["-u", unit, "-n", "1", "-o", "cat", "--no-pager", "-q"], TIMEOUT)
            && out.code == Some(0)
            && let Some(line) = out.stdout.lines().rev().map(str::trim).find(|l| !l.is_empty())
        {
            last_log = line.chars().filter(|c| !c.is_control()).take(300).collect();
            o = o.evidence(format!("journalctl -u {unit} -n 1: {last_log}"));
        }
    }
    if ctx.host.is_live() && booted && mine.is_empty() && last_log.is_empty() {
        last_log = last_sshd_log_line(&ctx.host).unwrap_or_default();
        if !last_log.is_empty() {
            o = o.evidence(format!("last sshd line in the system log: {last_log}"));
        }
    }
    o = o.text("enabled", &enabled).text("state", &state);
    o = if last_log.is_empty() { o.word("last_log", Said::new(Msg::ValNone)) } else { o.text("last_log", last_log) };
    o = o.flag("not_running", mine.is_empty() && booted).flag("no_init", mine.is_empty() && !booted);
    o = o.evidence(format!("/proc/1/comm: {init}{}", if booted { " (the init system runs)" } else { "" }));
    Ok(Observations::of(vec![o]))
}

/// The last line sshd wrote to the classic system logs (/var/log/auth.log, /var/log/secure),
/// from their last 64 KiB: what it said when it stopped or could not start.
fn last_sshd_log_line(host: &Host) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    for path in ["/var/log/auth.log", "/var/log/secure"] {
        let Ok(mut f) = std::fs::File::open(host.path(path)) else { continue };
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
        let mut buf = Vec::new();
        if f.take(64 * 1024).read_to_end(&mut buf).is_err() {
            continue;
        }
        let text = String::from_utf8_lossy(&buf);
        if let Some(line) = text.lines().rev().find(|l| l.contains(" sshd[") || l.contains(" sshd:")) {
            return Some(line.chars().filter(|c| !c.is_control()).take(300).collect());
        }
    }
    None
}

/// The `-f FILE` of an sshd command line (`/usr/sbin/sshd -D -f /etc/ssh/other_config`).
pub fn config_flag(cmdline: &str) -> Option<String> {
    let mut words = cmdline.split_whitespace();
    while let Some(w) = words.next() {
        if w == "-f" {
            return words.next().map(str::to_string);
        }
        if let Some(p) = w.strip_prefix("-f").filter(|p| !p.is_empty() && p.starts_with('/')) {
            return Some(p.to_string());
        }
    }
    None
}

fn proc_table(s: &Socket) -> &'static str {
    if s.local.is_ipv6() { "/proc/net/tcp6" } else { "/proc/net/tcp" }
}

fn join(ports: &[u16]) -> String {
    ports.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systemctl_show_values() {
        let t = "ActiveState=failed\nSubState=failed\nUnitFileState=enabled\nResult=exit-code\n";
        assert_eq!(show(t, "ActiveState").as_deref(), Some("failed"));
        assert_eq!(show(t, "UnitFileState").as_deref(), Some("enabled"));
        assert_eq!(show("ActiveState=\n", "ActiveState"), None);
        assert_eq!(show("garbage", "Result"), None);
    }

    #[test]
    fn config_file_of_the_running_sshd() {
        assert_eq!(config_flag("/usr/sbin/sshd -D -f /etc/ssh/lab -h /k").as_deref(), Some("/etc/ssh/lab"));
        assert_eq!(config_flag("sshd -D -f/etc/x").as_deref(), Some("/etc/x"));
        assert_eq!(config_flag("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"), None);
        assert_eq!(config_flag("sshd -f"), None);
    }

    #[test]
    fn loopback_addresses() {
        assert!(is_loopback(&"127.0.0.1".parse().unwrap()));
        assert!(is_loopback(&"::1".parse().unwrap()));
        assert!(is_loopback(&"::ffff:127.0.0.1".parse().unwrap()));
        assert!(!is_loopback(&"0.0.0.0".parse().unwrap()));
        assert!(!is_loopback(&"10.0.0.1".parse().unwrap()));
    }
}
