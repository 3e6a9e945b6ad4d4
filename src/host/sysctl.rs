//! Kernel settings (sysctls): the value the kernel holds now (/proc/sys, the examined network
//! namespace's for `net.*`) and the line of the boot-time configuration that sets it.
//!
//! At boot `systemd-sysctl` (and `sysctl --system` of procps) apply the `*.conf` files of
//! /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d and /lib/sysctl.d:
//! a file name in an earlier directory hides the same name in a later one, the files are applied
//! in the order of their names, and a later assignment beats an earlier one. /etc/sysctl.conf
//! comes last (on systemd it is the link /etc/sysctl.d/99-sysctl.conf). So the line that decides
//! a key after a reboot is the last assignment in that order; [`Config::setter`] finds it.

use super::Host;
use std::collections::BTreeMap;

/// The sysctl.d directories, the one that wins a file name first.
pub const DIRS: &[&str] =
    &["/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"];
pub const SYSCTL_CONF: &str = "/etc/sysctl.conf";

/// kthreadd's /proc directory: PID 2 is a kernel thread, always in the initial namespaces (when
/// PID 2 is kthreadd, this process shares that PID namespace).
pub const KTHREADD: &str = "/proc/2";

/// The inode number of a network namespace link (`net:[4026531840]`).
pub fn netns_inum(link: &std::path::Path) -> Option<u64> {
    let l = std::fs::read_link(link).ok()?;
    l.to_str()?.strip_prefix("net:[")?.strip_suffix(']')?.parse().ok()
}

/// The initial network namespace's number, read from kthreadd's (`None` when PID 2 is not
/// kthreadd: another PID namespace, such as a container's, or no /proc).
pub fn initial_netns() -> Option<u64> {
    let comm = std::fs::read_to_string(format!("{KTHREADD}/comm")).ok()?;
    let status = std::fs::read_to_string(format!("{KTHREADD}/status")).ok()?;
    let kernel_thread = status.lines().any(|l| l.split_whitespace().eq(["PPid:", "0"]));
    if comm.trim() != "kthreadd" || !kernel_thread {
        return None;
    }
    netns_inum(std::path::Path::new(&format!("{KTHREADD}/ns/net")))
}

/// This process's network namespace's number.
pub fn own_netns() -> Option<u64> {
    netns_inum(std::path::Path::new("/proc/self/ns/net"))
}

/// One assignment in a sysctl configuration file.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The key with dots (`net.ipv4.ip_forward`); may hold `*` globs (systemd 246 and later).
    pub key: String,
    pub value: String,
    /// The file as the examined system names it.
    pub file: String,
    pub line: usize,
    /// The line as written, trimmed.
    pub text: String,
}

impl Assignment {
    /// `file:line: text`, for evidence.
    pub fn evidence(&self) -> String {
        format!("{}:{}: {}", self.file, self.line, self.text)
    }

    /// `file:line`.
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Every assignment of the boot-time configuration, in the order they are applied.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub assignments: Vec<Assignment>,
}

/// `net/ipv4/ip_forward` and `net.ipv4.ip_forward` are the same key. (A key whose parts hold
/// dots, such as an interface `eth0.100`, must be written with slashes; then the slashes are
/// the separators and the dots stay.)
pub fn normalize_key(key: &str) -> String {
    let key = key.trim();
    if key.contains('/') {
        key.split('/')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("\u{1}")
            .replace('.', "/")
            .replace('\u{1}', ".")
    } else {
        key.to_string()
    }
}

/// Whether `pattern` (a key, maybe with `*` for one part or part of one) matches `key`.
fn key_matches(pattern: &str, key: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == key;
    }
    let (p, k): (Vec<&str>, Vec<&str>) = (pattern.split('.').collect(), key.split('.').collect());
    p.len() == k.len() && p.iter().zip(&k).all(|(p, k)| glob(p, k))
}

/// `*` matches any run of characters.
fn glob(p: &str, s: &str) -> bool {
    match p.split_once('*') {
        None => p == s,
        Some((head, tail)) => {
            let Some(rest) = s.strip_prefix(head) else { return false };
            (0..=rest.len()).filter(|i| rest.is_char_boundary(*i)).any(|i| glob(tail, &rest[i..]))
        }
    }
}

/// Parses one file: `key = value` lines; `#` and `;` start comments; a leading `-` (ignore a
/// failure) is dropped.
pub fn parse(file: &str, text: &str) -> Vec<Assignment> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else { continue };
        let k = k.trim().trim_start_matches('-');
        if k.is_empty() {
            continue;
        }
        let value = v.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push(Assignment {
            key: normalize_key(k),
            value,
            file: file.to_string(),
            line: i + 1,
            text: line.to_string(),
        });
    }
    out
}

impl Config {
    /// Reads the configuration files of the examined system in the order they are applied.
    pub fn read(host: &Host) -> Config {
        let mut by_name: BTreeMap<String, String> = BTreeMap::new();
        for dir in DIRS {
            for name in host.list_dir(dir).unwrap_or_default() {
                if name.ends_with(".conf") && !by_name.contains_key(&name) {
                    by_name.insert(name.clone(), format!("{dir}/{name}"));
                }
            }
        }
        let mut files: Vec<String> = by_name.into_values().collect();
        // /etc/sysctl.conf last, once (systemd reads it through /etc/sysctl.d/99-sysctl.conf).
        let conf_link = host.path("/etc/sysctl.d/99-sysctl.conf");
        let linked = std::fs::read_link(&conf_link).is_ok_and(|t| t.ends_with("sysctl.conf"));
        if linked {
            files.retain(|f| f != "/etc/sysctl.d/99-sysctl.conf");
        }
        files.push(SYSCTL_CONF.to_string());
        let mut assignments = Vec::new();
        for f in files {
            if let Ok(Some(file)) = host.read_optional(&f) {
                assignments.extend(parse(&f, &file.text));
            }
        }
        Config { assignments }
    }

    /// The assignment that decides `key` at boot: the last one that names it.
    pub fn setter(&self, key: &str) -> Option<&Assignment> {
        self.assignments.iter().rev().find(|a| key_matches(&a.key, key))
    }
}

/// The path of a key under /proc/sys (a `/` inside a part is a dot of a name: `eth0/100`).
pub fn proc_path(key: &str) -> String {
    let parts: Vec<String> = key.split('.').map(|p| p.replace('/', ".")).collect();
    format!("/proc/sys/{}", parts.join("/"))
}

/// The key of an interface's setting: `net.ipv4.conf.<iface>.<name>` (a dot in the interface
/// name written as `/`).
pub fn iface_key(family: &str, iface: &str, name: &str) -> String {
    format!("net.{family}.conf.{}.{name}", iface.replace('.', "/"))
}

/// The value the kernel holds for `key` now, its fields separated by one space; `None` when the
/// kernel has no such setting (or it cannot be read).
pub fn current(host: &Host, key: &str) -> Option<String> {
    let f = host.read(&proc_path(key)).ok()?;
    let v = f.text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_keys() {
        let a = parse(
            "/etc/sysctl.d/90.conf",
            "# c\n; c\nnet.ipv4.ip_forward = 1\n-net/ipv4/conf/eth0.100/rp_filter=2\nnet.ipv4.ip_local_port_range =  1024\t 65000 \nnonsense\n= 3\n",
        );
        assert_eq!(a.len(), 3);
        assert_eq!((a[0].key.as_str(), a[0].value.as_str(), a[0].line), ("net.ipv4.ip_forward", "1", 3));
        assert_eq!(a[1].key, "net.ipv4.conf.eth0/100.rp_filter");
        assert_eq!(proc_path(&a[1].key), "/proc/sys/net/ipv4/conf/eth0.100/rp_filter");
        assert_eq!(iface_key("ipv4", "eth0.100", "rp_filter"), a[1].key);
        assert_eq!(a[2].value, "1024 65000");
        assert_eq!(a[0].evidence(), "/etc/sysctl.d/90.conf:3: net.ipv4.ip_forward = 1");
    }

    #[test]
    fn globs_and_the_last_assignment_win() {
        let mut c = Config::default();
        c.assignments.extend(parse("/usr/lib/sysctl.d/50-default.conf", "net.ipv4.conf.*.rp_filter = 2\n"));
        assert_eq!(c.setter("net.ipv4.conf.eth0.rp_filter").map(|a| a.value.as_str()), Some("2"));
        c.assignments.extend(parse("/etc/sysctl.conf", "net.ipv4.conf.all.rp_filter = 1\n"));
        assert_eq!(c.setter("net.ipv4.conf.all.rp_filter").map(|a| a.at()), Some("/etc/sysctl.conf:1".into()));
        assert_eq!(c.setter("net.ipv4.conf.eth0.rp_filter").map(|a| a.value.as_str()), Some("2"));
        assert!(c.setter("net.ipv4.ip_forward").is_none());
        assert!(glob("e*0", "eth0") && !glob("e*1", "eth0") && glob("*", ""));
    }

    #[test]
    fn file_names_in_etc_hide_the_same_name_elsewhere_and_apply_in_name_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = |p: &str, t: &str| {
            let path = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, t).expect("write");
        };
        w("/usr/lib/sysctl.d/10-a.conf", "net.core.somaxconn = 10\n");
        w("/etc/sysctl.d/10-a.conf", "net.core.somaxconn = 20\n");
        w("/usr/lib/sysctl.d/20-b.conf", "net.core.somaxconn = 30\nnet.ipv4.ip_forward = 1\n");
        w("/etc/sysctl.conf", "net.ipv4.ip_forward = 0\n");
        w("/etc/sysctl.d/README", "net.core.somaxconn = 99\n");
        let c = Config::read(&Host::new(dir.path()));
        let files: Vec<&str> = c.assignments.iter().map(|a| a.file.as_str()).collect();
        assert_eq!(
            files,
            [
                "/etc/sysctl.d/10-a.conf",
                "/usr/lib/sysctl.d/20-b.conf",
                "/usr/lib/sysctl.d/20-b.conf",
                "/etc/sysctl.conf"
            ]
        );
        assert_eq!(c.setter("net.core.somaxconn").map(|a| a.value.as_str()), Some("30"));
        assert_eq!(c.setter("net.ipv4.ip_forward").map(|a| a.at()), Some("/etc/sysctl.conf:1".into()));
    }
}
