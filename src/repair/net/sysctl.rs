//! `action.sysctl`: sets a kernel setting (sysctl) to a good value now and at every boot.
//!
//! - Now: a live step `sysctl -q -w <key>=<value>` (which writes /proc/sys, the examined
//!   network namespace's for `net.*`), with `sysctl -q -w <key>=<old value>` as its undo.
//! - At boot: a drop-in `/etc/sysctl.d/99-zz-ecs-doctor-<key>.conf` holding `<key> = <value>`,
//!   named to be applied after every other file of /etc/sysctl.d, /run/sysctl.d and
//!   /usr/lib/sysctl.d (the same name order `systemd-sysctl` and `sysctl --system` use); and
//!   every line of a plain file under /etc (a `.conf` of /etc/sysctl.d, /etc/sysctl.conf) that
//!   sets the key to another value commented out with the reason, so no file says the opposite
//!   of what is in force. A line that would still be applied after the drop-in and is not such a
//!   file (a later name in /run or /usr/lib) makes the repair refuse, naming it.
//!
//! Parameters: `value` (the value to set), `conntrack_memory_percent` (an `nf_conntrack_max`
//! whose full table takes that share of memory) or `sized` (a value worked out from this host when
//! the repair is planned: [`Sized`]); `key` (the setting, when the finding's subject
//! is something else: a listening socket) or `subject` (a pattern the finding's subject, itself a
//! sysctl, must match: `net.ipv4.conf.*.rp_filter`); neither: the subject is the key. With
//! `raise = true` the value is a floor: a larger value in force is left alone.
//!
//! Refused on an examined root (`--root`: the value in force belongs to a running kernel) and
//! where the kernel shows the setting read-only. A few netfilter settings are kept once for the
//! whole kernel and only the initial network namespace may write them (`nf_conntrack_max`,
//! `nf_conntrack_buckets`, `nf_conntrack_expect_max`: the kernel's conntrack sysctl docs): in
//! another network namespace of the same host (same root filesystem as kthreadd, PID 2, the
//! kernel's own thread that always lives in the initial namespaces) they are written from there,
//! `nsenter --net=/proc/2/ns/net sysctl -q -w ...`; in a container (another root filesystem, or
//! another PID 2) they stay refused: the host's value applies and the host's files keep it.

use super::lines::{commented, line_of, replace_line};
use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::host::sysctl::{self, Assignment, Config};
use crate::i18n::{R, rtf};
use crate::probe::net::sysctls::{CONNTRACK_ENTRY_BYTES, conntrack_max_for, mem_total, syn_backlog_for};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::PermissionsExt;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The setting it changes, whatever the finding's subject (`net.core.somaxconn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Repairs only findings whose subject, a setting, matches this pattern (`*` for a part).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The value to set (`0`, `32768 60999`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// For `nf_conntrack_max`: the size whose full table takes this share of memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conntrack_memory_percent: Option<f64>,
    /// A value worked out from this host when the repair is planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sized: Option<Sized>,
    /// The value is a floor: a larger value in force is kept.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub raise: bool,
}

/// Values worked out from the host, each the kernel's own default for this machine (what it
/// would hold had nobody lowered it) or, when the load in force needs more, twice that load, so
/// the check that found the limit too tight finds it half used at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sized {
    /// `net.ipv4.tcp_max_syn_backlog`: with SYN cookies off a listener keeps at most three
    /// quarters of it half-open, so the value whose three quarters hold the largest backlog a
    /// listener asks, at least 1024 (the kernel's default on any machine with some memory), a
    /// power of two: what net.sysctl.settings' finding itself prints as the fix.
    SynBacklog,
    /// `fs.file-max`: the kernel's default is about 10% of memory for files at 1 KiB each
    /// (`files_maxfiles_init`: MemTotal in KiB / 10, at least 8192), or twice the files open now.
    FileMax,
    /// `kernel.pid_max` or `kernel.threads-max`, whichever is the smaller (the limit in force,
    /// as sys.limits.processes judges it; the finding's subject is `kernel`, not a cgroup):
    /// pid_max to the kernel's default, 1024 a possible CPU and at least 32768 (`pid_idr_init`),
    /// at most 4194304 (PID_MAX_LIMIT); threads-max to the kernel's default, as many 16 KiB
    /// thread stacks as an eighth of memory holds (`set_max_threads`); either at least twice the
    /// threads running now.
    ProcessLimit,
}

/// See [`Sized::FileMax`]: the kernel's NR_FILE floor.
const NR_FILE: u64 = 8192;
/// See [`Sized::ProcessLimit`]: PID_MAX_DEFAULT, PIDS_PER_CPU_DEFAULT and PID_MAX_LIMIT (64-bit).
const PID_MAX_DEFAULT: u64 = 32_768;
const PIDS_PER_CPU: u64 = 1024;
const PID_MAX_LIMIT: u64 = 4_194_304;
/// See [`Sized::ProcessLimit`]: THREAD_SIZE on x86_64 and arm64, and the kernel's bounds
/// (MIN_THREADS, FUTEX_TID_MASK).
const THREAD_STACK_BYTES: f64 = 16_384.0;
const MIN_THREADS: u64 = 20;
const MAX_THREADS: u64 = 0x3fff_ffff;

/// [`Sized::FileMax`] for `mem_total` bytes and `used` files open.
pub fn file_max_for(mem_total: f64, used: u64) -> u64 {
    ((mem_total / 1024.0 / 10.0) as u64).max(NR_FILE).max(used.saturating_mul(2))
}

/// [`Sized::ProcessLimit`]'s pid_max for `cpus` possible CPUs and `threads` running.
pub fn pid_max_for(cpus: u64, threads: u64) -> u64 {
    PID_MAX_DEFAULT.max(cpus.saturating_mul(PIDS_PER_CPU)).max(threads.saturating_mul(2)).min(PID_MAX_LIMIT)
}

/// [`Sized::ProcessLimit`]'s threads-max for `mem_total` bytes and `threads` running.
pub fn threads_max_for(mem_total: f64, threads: u64) -> u64 {
    ((mem_total / (8.0 * THREAD_STACK_BYTES)) as u64).max(MIN_THREADS).max(threads.saturating_mul(2)).min(MAX_THREADS)
}

/// How many CPUs the kernel may ever bring up (`/sys/devices/system/cpu/possible`, `0-3,8`).
fn possible_cpus(text: &str) -> Option<u64> {
    let mut n = 0;
    for part in text.trim().split(',') {
        n += match part.split_once('-') {
            Some((a, b)) => b.trim().parse::<u64>().ok()?.checked_sub(a.trim().parse::<u64>().ok()?)? + 1,
            None => {
                part.trim().parse::<u64>().ok()?;
                1
            }
        };
    }
    (n > 0).then_some(n)
}

/// The kernel's count of threads (the fourth field of /proc/loadavg, `running/total`).
fn threads(host: &crate::host::Host) -> Option<u64> {
    host.read_line("/proc/loadavg")?.split_whitespace().nth(3)?.split_once('/')?.1.parse().ok()
}

/// Settings the kernel keeps once for every network namespace, writable only from the initial one.
const INITIAL_NS_ONLY: &[&str] = &[
    "net.netfilter.nf_conntrack_max",
    "net.nf_conntrack_max",
    "net.netfilter.nf_conntrack_buckets",
    "net.netfilter.nf_conntrack_expect_max",
];

/// The network namespace to enter to write `key` (`/proc/2/ns/net`), when the setting is one of
/// [`INITIAL_NS_ONLY`], this process is in another network namespace, and it shares the initial
/// one's root filesystem (the same host, not a container: its /etc/sysctl.d is the host's).
fn initial_netns(key: &str) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    if !INITIAL_NS_ONLY.contains(&key) {
        return None;
    }
    let initial = sysctl::initial_netns()?;
    let root = |p: &str| std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()));
    let same_root = root("/").is_some() && root("/") == root(&format!("{}/root", sysctl::KTHREADD));
    (sysctl::own_netns()? != initial && same_root).then(|| format!("{}/ns/net", sysctl::KTHREADD))
}

/// Where the repaired value of `key` is kept: sorted after every other sysctl.d file (and after
/// 99-sysctl.conf, the link to /etc/sysctl.conf).
pub fn drop_in(key: &str) -> String {
    let name: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' { c } else { '_' })
        .collect();
    format!("/etc/sysctl.d/99-zz-ecs-doctor-{name}.conf")
}

/// The key as `sysctl` and the files take it: dotted, or with slashes when a part holds a dot
/// (`net/ipv4/conf/eth0.100/rp_filter`).
fn written(key: &str) -> String {
    if key.contains('/') {
        sysctl::proc_path(key).trim_start_matches("/proc/sys/").to_string()
    } else {
        key.to_string()
    }
}

/// Whether `s` looks like a sysctl key (lowercase parts joined by dots; `*` only in patterns).
fn is_key(s: &str, pattern: bool) -> bool {
    s.contains('.')
        && !s.starts_with('.')
        && !s.ends_with('.')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c) || (pattern && c == '*'))
}

fn same(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// The first number of a value.
fn first(v: &str) -> Option<f64> {
    v.split_whitespace().next()?.parse().ok()
}

/// Whether `value` is as good as `target`: equal, or (a floor) at least as large: a number at
/// least as large, a range of two numbers (`ip_local_port_range`) at least as wide, several
/// numbers (`tcp_mem`) each at least as large.
fn good(value: &str, target: &str, raise: bool) -> bool {
    if !raise {
        return same(value, target);
    }
    let v: Vec<f64> = value.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    let t: Vec<f64> = target.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    match (&v[..], &t[..]) {
        ([lo, hi], [tlo, thi]) => hi - lo >= thi - tlo,
        _ => !t.is_empty() && v.len() == t.len() && v.iter().zip(&t).all(|(v, t)| v >= t),
    }
}

/// Whether `pattern` (`*` for a part or part of one) matches `key`.
fn matches(pattern: &str, key: &str) -> bool {
    let mut c = Config::default();
    c.assignments.extend(sysctl::parse("-", &format!("{pattern} = x\n")));
    c.setter(key).is_some()
}

impl Params {
    /// The setting this repair changes for `t`'s finding.
    fn key_for(&self, t: &Target) -> Result<String, Skip> {
        if let Some(k) = &self.key {
            return Ok(k.clone());
        }
        let subject = t.finding.subject.clone().unwrap_or_default();
        if self.sized == Some(Sized::ProcessLimit) {
            // The kernel's limit, not a cgroup's pids.max (another repair's matter).
            if subject != "kernel" {
                return Err(Skip::NotApplicable(rtf(t.lang, R::SysctlNotKey, &[("subject", &subject)])));
            }
            let num = |k: &str| sysctl::current(t.host, k).and_then(|v| first(&v));
            return Ok(match (num("kernel.pid_max"), num("kernel.threads-max")) {
                (Some(p), Some(m)) if m < p => "kernel.threads-max",
                _ => "kernel.pid_max",
            }
            .to_string());
        }
        if !is_key(&subject, false) {
            return Err(Skip::NotApplicable(rtf(t.lang, R::SysctlNotKey, &[("subject", &subject)])));
        }
        if let Some(p) = &self.subject
            && !matches(p, &subject)
        {
            return Err(Skip::NotApplicable(rtf(t.lang, R::SysctlOtherKey, &[("subject", &subject), ("pattern", p)])));
        }
        Ok(subject)
    }

    fn target(&self, t: &Target, key: &str) -> Result<String, Skip> {
        if let Some(v) = &self.value {
            return Ok(v.clone());
        }
        if let Some(sized) = self.sized {
            return self.sized(sized, t, key).map(|v| v.to_string());
        }
        let pct = self.conntrack_memory_percent.unwrap_or(0.0);
        let total =
            mem_total(t.host).filter(|m| *m > 0.0).ok_or_else(|| Skip::Refused(rtf(t.lang, R::SysctlNoMemory, &[])))?;
        Ok(conntrack_max_for(total, pct).to_string())
    }

    /// The value [`Sized`] gives `key` on this host.
    fn sized(&self, sized: Sized, t: &Target, key: &str) -> Result<u64, Skip> {
        let memory =
            || mem_total(t.host).filter(|m| *m > 0.0).ok_or_else(|| Skip::Refused(rtf(t.lang, R::SysctlNoMemory, &[])));
        let unknown = |path: &str| Skip::Refused(rtf(t.lang, R::SysctlNoCount, &[("path", path)]));
        match sized {
            Sized::SynBacklog => {
                let ctx = crate::probe::ProbeContext::new(
                    t.host.clone(),
                    std::time::Instant::now() + std::time::Duration::from_secs(5),
                    true,
                );
                let largest = crate::probe::socket::listen_queues::listeners(&ctx)
                    .ok()
                    .and_then(|a| a.list.iter().filter_map(|l| Some(u64::from(l.queue?.size))).max())
                    .unwrap_or(0);
                Ok(syn_backlog_for(largest))
            }
            Sized::FileMax => {
                let nr = t.host.read_line("/proc/sys/fs/file-nr").ok_or_else(|| unknown("/proc/sys/fs/file-nr"))?;
                let f: Vec<u64> = nr.split_whitespace().filter_map(|v| v.parse().ok()).collect();
                let used = f.first().copied().unwrap_or(0).saturating_sub(f.get(1).copied().unwrap_or(0));
                Ok(file_max_for(memory()?, used))
            }
            Sized::ProcessLimit => {
                let running = threads(t.host).ok_or_else(|| unknown("/proc/loadavg"))?;
                if key == "kernel.threads-max" {
                    Ok(threads_max_for(memory()?, running))
                } else {
                    let cpus = t
                        .host
                        .read_line("/sys/devices/system/cpu/possible")
                        .and_then(|c| possible_cpus(&c))
                        .ok_or_else(|| unknown("/sys/devices/system/cpu/possible"))?;
                    Ok(pid_max_for(cpus, running))
                }
            }
        }
    }
}

impl Action for Params {
    fn name(&self) -> String {
        match &self.key {
            Some(k) => format!("sysctl-{}", k.rsplit('.').next().unwrap_or(k).replace('_', "-")),
            None => "sysctl".into(),
        }
    }

    fn validate(&self) -> Result<(), String> {
        let given = [self.value.is_some(), self.conntrack_memory_percent.is_some(), self.sized.is_some()];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(
                "give value = \"<value>\", conntrack_memory_percent = <percent> or sized = \"<what>\", one of them"
                    .into(),
            );
        }
        if self.sized.is_some() && !self.raise {
            return Err("sized = ... is a floor worked out from the host: give raise = true with it".into());
        }
        if self.sized == Some(Sized::ProcessLimit) && (self.key.is_some() || self.subject.is_some()) {
            return Err("sized = \"process-limit\" chooses the key itself (pid_max or threads-max)".into());
        }
        if self.key.is_some() && self.subject.is_some() {
            return Err(
                "key (the setting to change) and subject (a pattern of the finding's subject) exclude each other"
                    .into(),
            );
        }
        if self.key.as_deref().is_some_and(|k| !is_key(k, false)) {
            return Err("key must be a sysctl name such as net.core.somaxconn".into());
        }
        if self.subject.as_deref().is_some_and(|k| !is_key(k, true)) {
            return Err("subject must be a sysctl name, `*` for a part: net.ipv4.conf.*.rp_filter".into());
        }
        if let Some(v) = &self.value
            && (v.trim().is_empty() || v.chars().any(|c| c.is_control() || c == '=' || c == '#'))
        {
            return Err("value must be a plain sysctl value (no `=`, `#` or control characters)".into());
        }
        if let Some(p) = self.conntrack_memory_percent
            && !(p > 0.0 && p <= 25.0)
        {
            return Err("conntrack_memory_percent must be above 0 and at most 25".into());
        }
        if self.raise && self.value.as_deref().is_some_and(|v| first(v).is_none()) {
            return Err("raise = true needs a number as the value".into());
        }
        Ok(())
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let key = self.key_for(t)?;
        let target = self.target(t, &key)?;
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(l, R::SysctlNotLive, &[("key", &key), ("value", &target)])));
        }
        let proc = sysctl::proc_path(&key);
        let Some(old) = sysctl::current(t.host, &key) else {
            return Err(Skip::NotApplicable(rtf(l, R::SysctlMissing, &[("key", &key), ("path", &proc)])));
        };
        if good(&old, &target, self.raise) {
            // A table already as large as memory allows: growing it more is not the answer.
            if self.raise
                && self.conntrack_memory_percent.is_some()
                && let (Some(n), Some(total)) = (first(&old), mem_total(t.host).filter(|m| *m > 0.0))
            {
                let percent = format!("{:.1}", n * CONNTRACK_ENTRY_BYTES * 100.0 / total);
                return Err(Skip::Refused(rtf(
                    l,
                    R::SysctlConntrackEnough,
                    &[("key", &key), ("value", &old), ("percent", &percent)],
                )));
            }
            return Err(Skip::NotApplicable(rtf(l, R::SysctlAlready, &[("key", &key), ("value", &old)])));
        }
        let writable = std::fs::metadata(t.host.path(&proc)).is_ok_and(|m| m.permissions().mode() & 0o222 != 0);
        let enter = if writable { None } else { initial_netns(&key) };
        if !writable && enter.is_none() {
            return Err(Skip::Refused(rtf(l, R::SysctlReadOnly, &[("key", &key), ("path", &proc)])));
        }

        // The boot configuration: the lines that set another value, and whether one of them
        // would still be applied after the drop-in.
        let file = drop_in(&key);
        let name = file.rsplit('/').next().unwrap_or_default().to_string();
        let config = Config::read(t.host);
        let conflicting: Vec<&Assignment> = config
            .assignments
            .iter()
            .filter(|a| a.key == key && !good(&a.value, &target, self.raise) && a.file != file)
            .collect();
        let editable = |a: &Assignment| {
            let plain = std::fs::symlink_metadata(t.host.path(&a.file)).is_ok_and(|m| m.file_type().is_file());
            plain && (a.file == sysctl::SYSCTL_CONF || a.file.starts_with("/etc/sysctl.d/"))
        };
        let applied_later = |a: &Assignment| {
            a.file == sysctl::SYSCTL_CONF || a.file.rsplit('/').next().is_some_and(|n| n > name.as_str())
        };
        let still_later = config
            .assignments
            .iter()
            .filter(|a| a.file != file && matches(&a.key, &key) && !good(&a.value, &target, self.raise))
            .filter(|a| !(a.key == key && editable(a)))
            .find(|a| applied_later(a));
        if let Some(a) = still_later {
            return Err(Skip::Refused(rtf(l, R::SysctlLaterLine, &[("line", &a.evidence()), ("file", &file)])));
        }
        let mut files: Vec<FileEdit> = Vec::new();
        let mut commented_out = Vec::new();
        for a in conflicting.iter().filter(|a| editable(a)) {
            let at = files.iter().position(|f| f.path == a.file);
            let before = match at {
                Some(i) => files[i].after.clone().unwrap_or_default(),
                None => std::fs::read(t.host.path(&a.file)).map_err(|e| {
                    Skip::Refused(rtf(l, R::CannotRead, &[("path", &a.file), ("error", &e.to_string())]))
                })?,
            };
            let Some(line) = line_of(&before, a.line).filter(|s| s.trim() == a.text).map(str::to_string) else {
                return Err(Skip::Refused(rtf(l, R::NotText, &[("path", &a.at())])));
            };
            let after = replace_line(&before, a.line, &commented(&line, &format!("replaced by {file}")));
            match at {
                Some(i) => files[i].after = Some(after),
                None => files.push(FileEdit { path: a.file.clone(), after: Some(after) }),
            }
            commented_out.push(a.at());
        }
        let body = format!(
            "# Written by `ecs-doctor fix` for {} ({}); `ecs-doctor fix --undo` removes it.\n{} = {}\n",
            t.check,
            t.finding.code.as_deref().unwrap_or("-"),
            written(&key),
            target
        );
        files.insert(0, FileEdit { path: file.clone(), after: Some(body.into_bytes()) });
        let set = |v: &str| {
            let assign = format!("{}={v}", written(&key));
            match &enter {
                Some(ns) => Command::new("nsenter", &[&format!("--net={ns}"), "sysctl", "-q", "-w", &assign]),
                None => Command::new("sysctl", &["-q", "-w", &assign]),
            }
        };
        let live = vec![Live { run: set(&target), undo: Some(set(&old)) }];
        let mut summary = rtf(l, R::SysctlDo, &[("key", &key), ("value", &target), ("old", &old), ("file", &file)]);
        if enter.is_some() {
            summary.push_str(&rtf(l, R::SysctlDoInitialNs, &[("key", &key)]));
        }
        if !commented_out.is_empty() {
            summary.push_str(&rtf(l, R::SysctlDoComment, &[("lines", &commented_out.join(", "))]));
        }
        Ok(Change { summary, files, validate: Vec::new(), live, commands: Vec::new(), guards_login: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::repair::testing::finding;

    fn params(value: &str) -> Params {
        Params { value: Some(value.into()), ..Params::default() }
    }

    #[test]
    fn parameters_are_checked_when_the_check_file_loads() {
        assert!(params("0").validate().is_ok());
        assert!(Params::default().validate().is_err(), "a value is needed");
        assert!(Params { conntrack_memory_percent: Some(5.0), ..params("1") }.validate().is_err());
        assert!(Params { conntrack_memory_percent: Some(50.0), ..Params::default() }.validate().is_err());
        assert!(Params { key: Some("net.core.somaxconn".into()), raise: true, ..params("4096") }.validate().is_ok());
        assert!(Params { key: Some("Net Core".into()), ..params("1") }.validate().is_err());
        assert!(params("1 # x").validate().is_err());
        assert!(Params { raise: true, ..params("yes") }.validate().is_err());
        assert!(
            Params { key: Some("a.b".into()), subject: Some("a.*".into()), ..params("1") }.validate().is_err(),
            "key and subject exclude each other"
        );
        assert_eq!(Params { key: Some("net.core.somaxconn".into()), ..params("1") }.name(), "sysctl-somaxconn");
        assert_eq!(params("0").name(), "sysctl");
    }

    #[test]
    fn sized_values_are_the_kernels_defaults_or_twice_the_load() {
        let gib = 1024.0 * 1024.0 * 1024.0;
        // 24 GiB: the kernel's own defaults for fs.file-max and kernel.threads-max.
        assert_eq!(file_max_for(24.0 * gib, 900), 2_516_582);
        assert_eq!(file_max_for(1.0 * gib, 600_000), 1_200_000, "twice the files open");
        assert_eq!(file_max_for(16.0 * 1024.0 * 1024.0, 10), 8192, "NR_FILE at least");
        assert_eq!(threads_max_for(24.0 * gib, 400), 196_608);
        assert_eq!(threads_max_for(1024.0 * 1024.0, 3), 20);
        assert_eq!(pid_max_for(2, 454), 32_768);
        assert_eq!(pid_max_for(64, 454), 65_536, "1024 a CPU");
        assert_eq!(pid_max_for(2, 100_000), 200_000);
        assert_eq!(pid_max_for(8192, 0), 4_194_304, "at most PID_MAX_LIMIT");
        assert_eq!(possible_cpus("0-1\n"), Some(2));
        assert_eq!(possible_cpus("0-3,8,10-11"), Some(7));
        assert_eq!(possible_cpus("x"), None);
        assert_eq!(syn_backlog_for(0), 1024);
        assert_eq!(syn_backlog_for(4096), 8192, "three quarters of 8192 hold 4096");
        let p =
            Params { sized: Some(Sized::FileMax), key: Some("fs.file-max".into()), raise: true, ..Params::default() };
        assert!(p.validate().is_ok());
        assert!(Params { raise: false, ..p.clone() }.validate().is_err(), "a floor");
        assert!(Params { value: Some("1".into()), ..p.clone() }.validate().is_err(), "one of them");
        let p = Params { sized: Some(Sized::ProcessLimit), raise: true, ..Params::default() };
        assert!(p.validate().is_ok());
        assert!(Params { key: Some("kernel.pid_max".into()), ..p }.validate().is_err(), "it chooses the key");
    }

    #[test]
    fn the_process_limit_repair_fits_the_kernels_limit_not_a_cgroup() {
        let dir = tempfile::tempdir().unwrap();
        let host = Host::new(dir.path());
        let p = Params { sized: Some(Sized::ProcessLimit), raise: true, ..Params::default() };
        let f = finding("cgroup /system.slice/ssh.service", "m", &[]);
        let t = Target::test(&host, "sys.limits.processes", &f);
        assert!(matches!(p.plan(&t), Err(Skip::NotApplicable(r)) if r.contains("not a kernel setting")));
        std::fs::create_dir_all(dir.path().join("proc/sys/kernel")).unwrap();
        std::fs::write(dir.path().join("proc/sys/kernel/pid_max"), "32768\n").unwrap();
        std::fs::write(dir.path().join("proc/sys/kernel/threads-max"), "512\n").unwrap();
        let f = finding("kernel", "m", &[]);
        let t = Target::test(&host, "sys.limits.processes", &f);
        assert_eq!(p.key_for(&t).unwrap(), "kernel.threads-max", "the smaller one is the limit");
    }

    #[test]
    fn values_keys_and_files() {
        assert!(good("32768   60999", "32768 60999", false));
        assert!(!good("40000 40001", "32768 60999", false));
        assert!(good("8192", "4096", true) && !good("16", "4096", true) && !good("x", "4096", true));
        assert!(good("1024 65535", "32768 60999", true), "a wider range is kept, though it starts lower");
        assert!(!good("40000 40099", "32768 60999", true));
        assert!(matches("net.ipv4.conf.*.rp_filter", "net.ipv4.conf.eth0.rp_filter"));
        assert!(!matches("net.ipv4.conf.*.rp_filter", "net.ipv4.conf.eth0.arp_ignore"));
        assert_eq!(written("net.ipv4.conf.eth0/100.rp_filter"), "net/ipv4/conf/eth0.100/rp_filter");
        assert_eq!(
            drop_in("net.ipv4.conf.eth0/100.rp_filter"),
            "/etc/sysctl.d/99-zz-ecs-doctor-net.ipv4.conf.eth0_100.rp_filter.conf"
        );
        assert!(drop_in("net.ipv4.ip_forward").as_str() > "/etc/sysctl.d/99-sysctl.conf");
        assert!(is_key("net.ipv4.ip_forward", false) && !is_key("0.0.0.0:80 x", false) && !is_key("eth0", false));
    }

    #[test]
    fn an_examined_root_is_refused_and_a_subject_that_is_not_a_setting_does_not_fit() {
        let dir = tempfile::tempdir().unwrap();
        let host = Host::new(dir.path());
        let f = finding("net.ipv4.ip_forward", "m", &[]);
        let t = Target::test(&host, "net.sysctl.settings", &f);
        assert!(matches!(params("1").plan(&t), Err(Skip::Refused(r)) if r.contains("--root")));
        let f = finding("0.0.0.0:80", "m", &[]);
        let t = Target::test(&host, "x", &f);
        assert!(matches!(params("1").plan(&t), Err(Skip::NotApplicable(_))));
        let f = finding("net.ipv4.conf.all.arp_announce", "m", &[]);
        let t = Target::test(&host, "x", &f);
        let p = Params { subject: Some("net.ipv4.conf.*.arp_ignore".into()), ..params("1") };
        assert!(matches!(p.plan(&t), Err(Skip::NotApplicable(r)) if r.contains("arp_ignore")));
    }
}
