//! Regexes compiled on first use, behind literals that every match contains. Compiling a regex
//! with Unicode classes (`\d`, `\s`, `.`) costs a fraction of a millisecond (regex-automata
//! fills a 10 000-entry UTF-8 cache for each), and the kernel-log checks hold about twenty: a
//! log without a line one of them could match never compiles it, and a line without the
//! literal never runs it. The guard is only a shortcut: a line that passes it goes to the
//! regex, which alone decides.

use regex::Regex;
use std::sync::OnceLock;

/// What a line must contain for the regex to be able to match it.
pub enum Guard {
    /// One of these literals (as they are: the pattern has them case-sensitively).
    AnyOf(&'static [&'static str]),
    /// This ASCII literal, ignoring ASCII case; a line with any non-ASCII byte always passes
    /// (Unicode case folding matches `K` with the Kelvin sign, and the like).
    NoCase(&'static str),
}

/// A regex with a guard, compiled the first time a line passes the guard.
pub struct Guarded {
    pattern: &'static str,
    guard: Guard,
    re: OnceLock<Option<Regex>>,
}

impl Guarded {
    pub const fn new(pattern: &'static str, guard: Guard) -> Guarded {
        Guarded { pattern, guard, re: OnceLock::new() }
    }

    /// The regex, when `text` passes the guard (and the pattern compiles).
    pub fn for_text(&self, text: &str) -> Option<&Regex> {
        let pass = match self.guard {
            Guard::AnyOf(lits) => lits.iter().any(|l| text.contains(l)),
            Guard::NoCase(lit) => {
                !text.is_ascii() || text.as_bytes().windows(lit.len()).any(|w| w.eq_ignore_ascii_case(lit.as_bytes()))
            }
        };
        if !pass {
            return None;
        }
        self.re.get_or_init(|| Regex::new(self.pattern).ok()).as_ref()
    }

    /// Whether `text` matches.
    pub fn is_match(&self, text: &str) -> bool {
        self.for_text(text).is_some_and(|re| re.is_match(text))
    }

    /// The captures of the first match in `text`.
    pub fn captures<'t>(&self, text: &'t str) -> Option<regex::Captures<'t>> {
        self.for_text(text)?.captures(text)
    }

    #[cfg(test)]
    pub fn compiles(&self) -> bool {
        Regex::new(self.pattern).is_ok()
    }

    /// Whether the regex alone (no guard) matches `text`.
    #[cfg(test)]
    pub fn unguarded_is_match(&self, text: &str) -> bool {
        Regex::new(self.pattern).is_ok_and(|re| re.is_match(text))
    }
}

/// Kernel messages of every kind the kernel-log rules know, and near misses, for tests that
/// check a guard never turns away a line its regex matches.
/// Asserts that every rule compiles and that no guard turns away a line of [`CORPUS`] its regex
/// matches; each module with guarded rules runs it on its own table.
#[cfg(test)]
pub fn assert_guards_hold(rules: &[(&str, Guarded)]) {
    for (kind, re) in rules {
        assert!(re.compiles(), "{kind}");
        for line in CORPUS {
            assert_eq!(re.is_match(line), re.unguarded_is_match(line), "{kind}: {line}");
        }
    }
}

#[cfg(test)]
pub const CORPUS: &[&str] = &[
    "Buffer I/O error on dev vdb1, logical block 0, lost async page write",
    "Buffer I/O error on device sda, logical block 12",
    "blk_update_request: I/O error, dev vdb, sector 2048 op 0x1:(WRITE) flags 0x800",
    "I/O error, dev nvme1n1, sector 8 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2",
    "critical medium error, dev sdb, sector 77 op 0x0:(READ)",
    "EXT4-fs error (device loop7): ext4_lookup:1855: inode #2: comm ls: deleted inode referenced",
    "EXT4-fs (vdb1): Remounting filesystem read-only",
    "EXT4-fs (vdb1): remounting filesystem read-only",
    "Aborting journal on device vdb1-8.",
    "XFS (dm-0): Corruption detected. Unmount and run xfs_repair",
    "XFS (vdc): metadata I/O error in \"xfs_imap\" at daddr 0x2 len 1 error 5",
    "XFS (vdc): Filesystem has been shut down due to log error (0x2).",
    "XFS (vdc): xfs_do_force_shutdown(0x2) called from line 1271",
    "BTRFS error (device vdd): bdev /dev/vdd errs: wr 1, rd 0",
    "BTRFS critical (device vdd): corrupt leaf",
    "sd 2:0:0:0: [sdb] tag#0 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK",
    "sd 2:0:0:0: [sdb] tag#0 Sense Key : Medium Error [current]",
    "sd 2:0:0:0: [sdc] tag#7 I/O error",
    "nvme nvme0: I/O 123 QID 4 timeout, aborting",
    "nvme nvme1: I/O tag 7 (a001) QID 2 timeout, reset controller",
    "Kernel panic - not syncing: Fatal exception",
    "INFO: task mysqld:2003 blocked for more than 120 seconds.",
    "INFO: task jbd2/vda1-8:312 blocked for more than 245 seconds.",
    "watchdog: BUG: soft lockup - CPU#3 stuck for 23s! [java:4242]",
    "watchdog: BUG: soft lockup - CPU#0 stuck for 22s!",
    "Watchdog detected hard LOCKUP on cpu 5",
    "watchdog: Watchdog detected HARD lockup on CPU 2",
    "rcu: INFO: rcu_sched detected stalls on CPUs/tasks:",
    "rcu: INFO: rcu_preempt self-detected stall on CPU",
    "Oops: 0002 [#1] SMP NOPTI",
    "general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP",
    "BUG: unable to handle page fault for address: ffff8880",
    "kernel BUG at mm/slub.c:4123!",
    "BUG: kernel NULL pointer dereference, address: 0000000000000008",
    "BUG: Bad page state in process java  pfn:12345",
    "mce: [Hardware Error]: Machine check events logged",
    "Out of memory: Killed process 4242 (java) total-vm:8000kB, anon-rss:4000kB, file-rss:100kB",
    "Memory cgroup out of memory: Killed process 7 (my app) total-vm:1kB",
    "Out of memory: Kill process 9 (php-fpm) score 900 or sacrifice child",
    "oom_reaper: reaped process 4242 (java)",
    "eth0: renamed from veth0c1d2e3",
    "nf_conntrack: table full, dropping packet",
    "nf_conntrack: nf_conntrack: table full in netns 4026532174, dropping packet",
    "INFO: task kworker/u8:3:123 blocked in I/O wait for more than 122 seconds.",
    "INFO: task syz-executor3:4321 can't die for more than 143 seconds.",
    "INFO: rcu_sched detected expedited stalls on CPUs/tasks: { 0-... } 26002 jiffies s: 1045 root: 0x1/.",
    "divide error: 0000 [#1] SMP",
    "Oops: divide error: 0000 [#1] PREEMPT SMP KASAN NOPTI",
    "traps: a.out[4242] trap divide error ip:4004d4 sp:7ffd1f0d0a40 error:0 in a.out[400000+1000]",
    "traps: php[77] general protection fault ip:7f3c sp:7ffc error:0 in libc.so.6[7f3c+1000]",
    "PANIC: double fault, error_code: 0x0",
    "Internal error: Oops - BUG: 0 [#1] PREEMPT SMP ARM",
    "Oops: efitime: can't read time!",
    "CPU 0: Machine Check Exception: 0000000000000007",
    "TCP: out of memory -- consider tuning tcp_mem",
    "hard lockup on cpu",
    "r\u{e9}seau: I/O error, dev vd\u{e9}, sector 1",
    "",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_let_matches_through_and_compile_only_when_needed() {
        let g = Guarded::new(r"error, dev (\S+), sector", Guard::AnyOf(&["error, dev "]));
        assert!(g.re.get().is_none());
        assert!(!g.is_match("nothing to see"));
        assert!(g.re.get().is_none(), "a line without the literal compiles nothing");
        assert_eq!(g.captures("I/O error, dev vdb, sector 8").map(|c| c[1].to_string()), Some("vdb".into()));
        let h = Guarded::new(r"(?i)hard LOCKUP on cpu (\d+)", Guard::NoCase("hard lockup on cpu "));
        assert!(h.is_match("Watchdog detected HARD lockup ON CPU 3"));
        assert!(!h.is_match("soft lockup"));
        // The Kelvin sign folds to k: the guard lets non-ASCII text through to the regex.
        assert!(h.is_match("Watchdog detected hard LOC\u{212A}UP on cpu 1"));
    }
}
