//! Processes that look like an intruder's: run from a file that was deleted (the usual way a
//! miner hides after starting) or from a world-writable temporary directory (/tmp, /var/tmp,
//! /dev/shm), named like a known miner (xmrig, kdevtmpfsi, kinsing, ...), started with a miner's
//! arguments (`stratum+tcp://`, `--donate-level`), or holding a TCP connection to a public
//! address on a common mining-pool port.
//!
//! The executable comes from the /proc/PID/exe link (a readlink the kernel answers from memory;
//! nothing is stat'ed on the filesystem it names). A deleted executable under /usr, /bin, /sbin,
//! /lib or /opt is what a package upgrade leaves behind in every daemon not yet restarted, so it
//! is not flagged; anywhere else it is. Programs run from memory (`/memfd:... (deleted)`) are not
//! flagged either: runc and sandboxes re-execute themselves that way. Connections to private, loopback and link-local addresses
//! are not judged: mining pools are on the internet, and internal services use those ports too.
//! The command line comes from the shared process table, already redacted.

use crate::host::procs::Proc;
use crate::host::sockets::TCP_ESTABLISHED;
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Remote TCP ports of common mining pools.
    pub pool_ports: Vec<u16>,
}

pub const FIELDS: &[Field] = &[
    Field::flag("temp_exe", "1 when the program runs from a temporary directory (/tmp, /dev/shm, ...)"),
    Field::flag("deleted_exe", "1 when the program's file was deleted"),
    Field::flag("miner_name", "1 when the process has a known miner's name"),
    Field::flag("miner_args", "1 when its arguments are a miner's (stratum URL, pool options)"),
    Field::flag("pool_connection", "1 when it is connected to a mining-pool port"),
    Field::num("pid", "", "the process id"),
    Field::text("exe", "the program's path"),
    Field::text("parent", "the parent process"),
    Field::text("remote", "the addresses it is connected to"),
    Field::num("processes", "", "processes checked"),
    Field::num("exe_unreadable", "", "processes whose program could not be read"),
];

const TEMP_DIRS: &[&str] = &["/tmp/", "/var/tmp/", "/dev/shm/"];

/// Where packages install programs: a deleted file here is an upgrade awaiting a restart.
const PACKAGE_DIRS: &[&str] = &["/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/lib32/", "/opt/", "/snap/"];

/// Names of mining programs and the malware families that drop them.
const MINER_NAMES: &[&str] = &[
    "xmrig",
    "xmr-stak",
    "xmr-stak-cpu",
    "minerd",
    "cpuminer",
    "cpuminer-multi",
    "kdevtmpfsi",
    "kinsing",
    "kthreaddi",
    "nanominer",
    "t-rex",
    "lolminer",
    "phoenixminer",
];

/// Arguments only a miner takes.
const MINER_ARGS: &[&str] =
    &["stratum+tcp://", "stratum+ssl://", "stratum+tls://", "stratum2+tcp://", "--donate-level"];

/// True for addresses on the internet (not private, loopback, link-local, shared/CGNAT or
/// unspecified; IPv4-mapped IPv6 judged as IPv4).
pub fn is_public(addr: IpAddr) -> bool {
    fn v4(a: Ipv4Addr) -> bool {
        let o = a.octets();
        !(a.is_private()
            || a.is_loopback()
            || a.is_link_local()
            || a.is_unspecified()
            || a.is_broadcast()
            || (o[0] == 100 && (o[1] & 0xC0) == 64))
    }
    match addr {
        IpAddr::V4(a) => v4(a),
        IpAddr::V6(a) => {
            if let Some(m) = a.to_ipv4_mapped() {
                return v4(m);
            }
            let s = a.segments();
            !(a.is_loopback() || a.is_unspecified() || (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// The base name of the program a command line starts with.
fn argv0_name(cmdline: &str) -> &str {
    let first = cmdline.split_whitespace().next().unwrap_or("");
    first.rsplit('/').next().unwrap_or(first)
}

pub fn is_miner_name(p: &Proc) -> bool {
    let names = [p.comm.as_str(), argv0_name(&p.cmdline)];
    names.iter().any(|n| {
        let n = n.to_ascii_lowercase();
        MINER_NAMES.iter().any(|m| n == *m)
    })
}

pub fn miner_arg(cmdline: &str) -> Option<&'static str> {
    let lower = cmdline.to_ascii_lowercase();
    MINER_ARGS.iter().copied().find(|a| lower.contains(a))
}

/// Why an executable path is suspicious: `(temp, deleted)`.
pub fn judge_exe(link: &str) -> (bool, bool) {
    let (path, deleted) = match link.strip_suffix(" (deleted)") {
        Some(p) => (p, true),
        None => (link, false),
    };
    let temp = TEMP_DIRS.iter().any(|t| path.starts_with(t));
    // Programs run from memory (memfd): container runtimes (runc) and sandboxes re-execute
    // themselves from a sealed memfd, so it is no sign on its own.
    let memfd = path.starts_with("/memfd:");
    let packaged = PACKAGE_DIRS.iter().any(|d| path.starts_with(d));
    (temp, deleted && !packaged && !memfd)
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let table = ctx.processes()?;
    // pid → (remote endpoint, socket line) of connections to pool ports on public addresses.
    let mut pool: BTreeMap<u32, Vec<(String, String)>> = BTreeMap::new();
    let mut scope_evidence = Vec::new();
    match ctx.sockets() {
        Ok(sockets) => {
            for s in &sockets.sockets {
                if s.proto != crate::host::sockets::Proto::Tcp
                    || s.state != TCP_ESTABLISHED
                    || !params.pool_ports.contains(&s.remote_port)
                    || !is_public(s.remote)
                {
                    continue;
                }
                for &pid in sockets.owners_of(s.inode) {
                    let line = format!(
                        "/proc/net/tcp{}: {} -> {} established, inode {}",
                        if s.local.is_ipv6() { "6" } else { "" },
                        crate::host::sockets::endpoint(s.local, s.local_port),
                        s.remote_label(),
                        s.inode
                    );
                    pool.entry(pid).or_default().push((s.remote_label(), line));
                }
            }
        }
        Err(e) => scope_evidence.push(format!("connections not examined: {e}")),
    }
    let mut items = Vec::new();
    let mut unreadable = 0usize;
    // Every process's executable link, read relative to one open /proc.
    let mut dir = crate::host::procs::ProcDir::open(&ctx.host).ok();
    for p in &table.procs {
        let read = dir.as_mut().map(|d| d.readlink(p.pid, "exe"));
        let link = match read.unwrap_or_else(|| Err(std::io::ErrorKind::NotFound.into())) {
            Ok(l) => Some(l),
            Err(e) => {
                // Kernel threads and zombies have no executable; others' need root.
                if e.kind() == std::io::ErrorKind::PermissionDenied {
                    unreadable += 1;
                }
                None
            }
        };
        let (temp, deleted) = link.as_deref().map(judge_exe).unwrap_or((false, false));
        let name = is_miner_name(p);
        let args = miner_arg(&p.cmdline);
        let conns = pool.get(&p.pid);
        if !(temp || deleted || name || args.is_some() || conns.is_some()) {
            continue;
        }
        let exe = link.clone().unwrap_or_else(|| "unknown".into());
        let parent = table.get(p.ppid).map_or_else(|| format!("pid {}", p.ppid), Proc::label);
        let mut o = Observation::new(p.label())
            .flag("temp_exe", temp)
            .flag("deleted_exe", deleted)
            .flag("miner_name", name)
            .flag("miner_args", args.is_some())
            .flag("pool_connection", conns.is_some())
            .num("pid", p.pid as f64)
            .text("exe", &exe)
            .text("parent", &parent)
            .evidence(format!("/proc/{}/exe -> {exe}", p.pid))
            .evidence(format!(
                "/proc/{}/cmdline: {}",
                p.pid,
                if p.cmdline.is_empty() { "(empty)" } else { &p.cmdline }
            ));
        if let Some(pp) = table.get(p.ppid) {
            o = o.evidence(format!("parent: {}", pp.describe()));
        }
        if let Some(conns) = conns {
            let remotes: Vec<&str> = conns.iter().map(|c| c.0.as_str()).collect();
            o = o.text("remote", remotes.join(", "));
            for l in o.evidence.clone() {
                o = o.field_evidence("pool_connection", l);
            }
            for (_, line) in conns {
                o = o.field_evidence("pool_connection", line.clone());
            }
        }
        items.push(o);
    }
    let mut scope = Observation::new("processes")
        .num("processes", table.procs.len() as f64)
        .num("exe_unreadable", unreadable as f64);
    for e in scope_evidence {
        scope = scope.evidence(e);
    }
    if table.truncated {
        scope = scope.evidence("/proc: the run's deadline came before every process was read");
    }
    items.insert(0, scope);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executables() {
        assert_eq!(judge_exe("/tmp/.x/xmrig"), (true, false));
        assert_eq!(judge_exe("/dev/shm/a (deleted)"), (true, true));
        assert_eq!(judge_exe("/root/.cache/kworker (deleted)"), (false, true));
        assert_eq!(judge_exe("/memfd:sealed-9117 (deleted)"), (false, false));
        assert_eq!(judge_exe("/memfd:runc_cloned:/proc/self/exe (deleted)"), (false, false));
        assert_eq!(judge_exe("/usr/sbin/sshd (deleted)"), (false, false), "an upgrade, not an intrusion");
        assert_eq!(judge_exe("/usr/bin/redis-server"), (false, false));
        assert_eq!(judge_exe("/tmpfoo/x"), (false, false));
    }

    #[test]
    fn miners_and_addresses() {
        assert_eq!(miner_arg("./x -o STRATUM+TCP://pool:3333 -u 4A"), Some("stratum+tcp://"));
        assert_eq!(miner_arg("/usr/bin/app --donate-level 1"), Some("--donate-level"));
        assert_eq!(miner_arg("nginx: worker process"), None);
        assert_eq!(argv0_name("/tmp/.x/xmrig -c cfg"), "xmrig");
        for (a, public) in [
            ("8.8.8.8", true),
            ("10.1.2.3", false),
            ("172.20.0.1", false),
            ("192.168.1.1", false),
            ("100.100.2.136", false),
            ("127.0.0.1", false),
            ("169.254.0.1", false),
            ("2001:db8::1", true),
            ("fd00::1", false),
            ("fe80::1", false),
            ("::ffff:10.0.0.1", false),
            ("::ffff:1.2.3.4", true),
        ] {
            assert_eq!(is_public(a.parse().unwrap()), public, "{a}");
        }
    }
}
