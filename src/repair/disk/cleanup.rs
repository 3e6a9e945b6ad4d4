//! `action.cleanup`: frees space (or inodes) on a full filesystem, the mount a `disk.usage.space`
//! or `disk.usage.inodes` finding names, by deleting only what its owners keep as a disposable
//! copy, with each owner's own tool:
//!
//! - archived journal files (`*@*.journal`, and `*.journal~` set aside as corrupt) in
//!   /var/log/journal and /run/log/journal and their machine directories: `journalctl
//!   --directory=DIR --vacuum-size=1`, which deletes every archived file of DIR and never the
//!   active one journald writes;
//! - apt's downloaded packages (/var/cache/apt/archives, its partial/ and apt's pkgcache.bin):
//!   `apt-get clean` (left out when the apt configuration moves the cache: what it would delete
//!   is not then what was measured);
//! - dnf's and yum's cached packages (`<cachedir>/<repo>/packages/*.rpm`): `dnf clean packages`,
//!   `yum clean packages`.
//!
//! Only what lies on the full filesystem (the same device as its mount point) is counted or
//! cleaned, and the plan shows each command with what it frees, measured now (the blocks of the
//! files that go, a file with other hard links counting for nothing), and the filesystem's use
//! after. Deleting cannot be undone: the plan and the record say so, and `fix --undo` refuses.
//! When everything this tool may delete still leaves the filesystem full (its use at or above
//! `full`, the check's critical threshold), the plan says so and where to look. Refused under
//! `--root` (the mounts and the tools are the running system's) and when not root.

use super::{Action, Change, Command, Live, Skip, Target};
use crate::host::Host;
use crate::host::blockdev::human;
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// What the finding counts: the filesystem's space or its inodes.
    pub measure: Measure,
    /// The use (percent) at which the check calls the filesystem full: its critical threshold.
    pub full: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Space,
    Inodes,
}

/// What deleting a set of files gives back: bytes (their blocks) and inodes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Freed {
    pub files: u64,
    pub bytes: u64,
    pub inodes: u64,
}

impl Freed {
    /// Counts one file of `dev` (its blocks and inode when nothing else links to it).
    fn add(&mut self, m: &std::fs::Metadata, dev: u64) {
        if !m.file_type().is_file() || m.dev() != dev {
            return;
        }
        self.files += 1;
        if m.nlink() == 1 {
            self.bytes += m.blocks() * 512;
            self.inodes += 1;
        }
    }
}

/// One cleaning step: whose files, where, the command, and what it frees.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub what: What,
    /// The directory it cleans (system path).
    pub dir: String,
    pub command: Command,
    pub freed: Freed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Journal,
    Apt,
    Rpm,
}

/// Where the journal lives: the persistent and the volatile directory.
const JOURNAL_DIRS: [&str; 2] = ["/var/log/journal", "/run/log/journal"];

/// A file `journalctl --vacuum-*` deletes: an archived journal
/// (`<prefix>@<32 hex>-<16 hex>-<16 hex>.journal`) or one set aside as corrupt
/// (`<prefix>@<16 hex>-<16 hex>.journal~`), as systemd's journal-vacuum.c matches them.
pub fn archived_journal(name: &str) -> bool {
    let hex = |b: &[u8]| b.iter().all(u8::is_ascii_hexdigit);
    let n = name.as_bytes();
    if let Some(stem) = n.strip_suffix(b".journal") {
        // @ 32 hex - 16 hex - 16 hex
        let Some(t) = stem.len().checked_sub(67).map(|i| &stem[i..]) else {
            return false;
        };
        return t[0] == b'@' && t[33] == b'-' && t[50] == b'-' && hex(&t[1..33]) && hex(&t[34..50]) && hex(&t[51..]);
    }
    if let Some(stem) = n.strip_suffix(b".journal~") {
        // @ 16 hex - 16 hex
        let Some(t) = stem.len().checked_sub(34).map(|i| &stem[i..]) else {
            return false;
        };
        return t[0] == b'@' && t[17] == b'-' && hex(&t[1..17]) && hex(&t[18..]);
    }
    false
}

/// The regular files directly in `dir` (system path) whose names pass `keep`, counted for `dev`.
fn count_dir(host: &Host, dir: &str, dev: u64, keep: impl Fn(&str) -> bool) -> Freed {
    let mut freed = Freed::default();
    for name in host.list_dir(dir).unwrap_or_default() {
        if !keep(&name) {
            continue;
        }
        if let Ok(m) = std::fs::symlink_metadata(host.path(format!("{dir}/{name}"))) {
            freed.add(&m, dev);
        }
    }
    freed
}

/// Whether `dir` (system path) is a real directory (not a link) on `dev`.
fn on_device(host: &Host, dir: &str, dev: u64) -> bool {
    std::fs::symlink_metadata(host.path(dir)).is_ok_and(|m| m.is_dir() && m.dev() == dev)
}

fn sum(a: Freed, b: Freed) -> Freed {
    Freed { files: a.files + b.files, bytes: a.bytes + b.bytes, inodes: a.inodes + b.inodes }
}

/// The journal directories on `dev` holding archived files: each base directory and its
/// machine directories, one vacuum each (journalctl vacuums the directory it is given).
fn journal_steps(host: &Host, dev: u64) -> Vec<Step> {
    let mut steps = Vec::new();
    for base in JOURNAL_DIRS {
        let subdirs = host.list_dir(base).unwrap_or_default().into_iter().map(|n| format!("{base}/{n}"));
        for dir in std::iter::once(base.to_string()).chain(subdirs) {
            if !on_device(host, &dir, dev) {
                continue;
            }
            let freed = count_dir(host, &dir, dev, archived_journal);
            if freed.files > 0 {
                let command = Command::new("journalctl", &[&format!("--directory={dir}"), "--vacuum-size=1"]);
                steps.push(Step { what: What::Journal, dir, command, freed });
            }
        }
    }
    steps
}

/// The apt configuration file that moves apt's cache (`Dir`, `Dir::Cache`,
/// `Dir::Cache::archives`), if any: apt-get clean would then clean another directory than the
/// one measured.
fn apt_cache_moved(host: &Host) -> Option<String> {
    let moved = regex::Regex::new(r#"(?i)(^|[\s{;:])(dir|cache|archives)\s*""#).ok()?;
    let mut files = vec!["/etc/apt/apt.conf".to_string()];
    files.extend(
        host.list_dir("/etc/apt/apt.conf.d")
            .unwrap_or_default()
            .into_iter()
            .map(|n| format!("/etc/apt/apt.conf.d/{n}")),
    );
    files.into_iter().find(|f| {
        host.read(f).is_ok_and(|t| {
            t.text
                .lines()
                .map(|l| l.split("//").next().unwrap_or("").trim())
                .any(|l| !l.starts_with('#') && moved.is_match(l))
        })
    })
}

/// apt's downloaded packages on `dev`: what `apt-get clean` deletes (every file of
/// /var/cache/apt/archives but its lock, the files of partial/, and the package caches
/// pkgcache.bin and srcpkgcache.bin).
fn apt_step(host: &Host, dev: u64) -> Option<Step> {
    let archives = "/var/cache/apt/archives";
    if !host.path("/usr/bin/apt-get").is_file() || !on_device(host, archives, dev) || apt_cache_moved(host).is_some() {
        return None;
    }
    let freed = sum(
        sum(
            count_dir(host, archives, dev, |n| n != "lock"),
            count_dir(host, &format!("{archives}/partial"), dev, |_| true),
        ),
        count_dir(host, "/var/cache/apt", dev, |n| n == "pkgcache.bin" || n == "srcpkgcache.bin"),
    );
    (freed.files > 0).then(|| Step {
        what: What::Apt,
        dir: archives.into(),
        command: Command::new("apt-get", &["clean"]),
        freed,
    })
}

/// dnf's and yum's cached packages on `dev`: `<cache>/.../packages/*.rpm` (dnf:
/// /var/cache/dnf/<repo>/packages; yum: /var/cache/yum/<arch>/<release>/<repo>/packages), what
/// `dnf clean packages` and `yum clean packages` delete.
fn rpm_steps(host: &Host, dev: u64) -> Vec<Step> {
    let mut steps = Vec::new();
    for (tool, cache) in [("dnf", "/var/cache/dnf"), ("yum", "/var/cache/yum")] {
        let installed = ["/usr/bin", "/bin"].iter().any(|d| host.path(format!("{d}/{tool}")).is_file());
        if !installed || !on_device(host, cache, dev) {
            continue;
        }
        let mut freed = Freed::default();
        let mut dirs = vec![(cache.to_string(), 0)];
        while let Some((dir, depth)) = dirs.pop() {
            for name in host.list_dir(&dir).unwrap_or_default() {
                let path = format!("{dir}/{name}");
                if name == "packages" && on_device(host, &path, dev) {
                    freed = sum(freed, count_dir(host, &path, dev, |n| n.ends_with(".rpm")));
                } else if depth < 3 && on_device(host, &path, dev) {
                    dirs.push((path, depth + 1));
                }
            }
        }
        if freed.files > 0 {
            let command = Command::new(tool, &["clean", "packages"]);
            steps.push(Step { what: What::Rpm, dir: cache.into(), command, freed });
        }
    }
    steps
}

/// Everything this action may clean on the filesystem of device `dev`, in the order it runs.
pub fn survey(host: &Host, dev: u64) -> Vec<Step> {
    let mut steps = journal_steps(host, dev);
    steps.extend(apt_step(host, dev));
    steps.extend(rpm_steps(host, dev));
    steps
}

/// Use in percent as df and the check compute it, rounded up.
fn percent(used: u64, of: u64) -> f64 {
    if of == 0 { 0.0 } else { (used as f64 * 100.0 / of as f64).ceil() }
}

impl Action for Params {
    fn name(&self) -> String {
        "cleanup".into()
    }

    fn validate(&self) -> Result<(), String> {
        if !(self.full > 0.0 && self.full <= 100.0) {
            return Err(format!("full = {} is not a percentage (0 < full <= 100)", self.full));
        }
        Ok(())
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let mount = t.finding.subject.clone().unwrap_or_default();
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(l, R::CleanupNotLive, &[("mount", &mount)])));
        }
        if !rustix::process::geteuid().is_root() {
            return Err(Skip::Refused(rtf(l, R::CleanupNotRoot, &[("mount", &mount)])));
        }
        let path = t.host.path(&mount);
        let cannot = |e: &dyn std::fmt::Display| {
            Skip::Refused(rtf(l, R::CannotRead, &[("path", &mount), ("error", &e.to_string())]))
        };
        let dev = std::fs::metadata(&path).map_err(|e| cannot(&e))?.dev();
        let fs = rustix::fs::statvfs(&path).map_err(|e| cannot(&e))?;
        let steps = survey(t.host, dev);
        let total = steps.iter().fold(Freed::default(), |a, s| sum(a, s.freed));
        let amount = |f: &Freed| match self.measure {
            Measure::Space => human(f.bytes),
            Measure::Inodes => rtf(l, R::CleanupInodes, &[("inodes", &f.inodes.to_string())]),
        };
        let (now, after) = match self.measure {
            Measure::Space => {
                let used = fs.f_blocks.saturating_sub(fs.f_bfree).saturating_mul(fs.f_frsize);
                let of = used + fs.f_bavail.saturating_mul(fs.f_frsize);
                (percent(used, of), percent(used.saturating_sub(total.bytes), of))
            }
            Measure::Inodes => {
                let used = fs.f_files.saturating_sub(fs.f_ffree);
                (percent(used, fs.f_files), percent(used.saturating_sub(total.inodes), fs.f_files))
            }
        };
        let frees = match self.measure {
            Measure::Space => total.bytes,
            Measure::Inodes => total.inodes,
        };
        let hint = match self.measure {
            Measure::Space => format!("du -xh --max-depth=2 {mount} | sort -h | tail"),
            Measure::Inodes => format!("du --inodes -x {mount} | sort -n | tail"),
        };
        if frees == 0 {
            return Err(Skip::NotApplicable(rtf(l, R::CleanupNothing, &[("mount", &mount), ("hint", &hint)])));
        }
        let parts: Vec<String> = steps
            .iter()
            .map(|s| {
                let key = match s.what {
                    What::Journal => R::CleanupJournal,
                    What::Apt => R::CleanupApt,
                    What::Rpm => R::CleanupRpm,
                };
                rtf(
                    l,
                    key,
                    &[
                        ("command", &s.command.line()),
                        ("files", &s.freed.files.to_string()),
                        ("dir", &s.dir),
                        ("amount", &amount(&s.freed)),
                    ],
                )
            })
            .collect();
        let pct = |p: f64| match self.measure {
            Measure::Space => format!("{p:.0}%"),
            Measure::Inodes => rtf(l, R::CleanupInodesUsed, &[("pct", &format!("{p:.0}%"))]),
        };
        let vars = [
            ("mount", mount.as_str()),
            ("now", &pct(now)),
            ("after", &pct(after)),
            ("full", &pct(self.full)),
            ("steps", &parts.join("; ")),
            ("total", &amount(&total)),
            ("hint", &hint),
        ];
        let mut summary = rtf(l, R::CleanupDo, &vars);
        if after >= self.full {
            summary.push_str(&rtf(l, R::CleanupStillFull, &vars));
        }
        let live = steps.into_iter().map(|s| Live { run: s.command, undo: None }).collect();
        Ok(Change { summary, live, ..Change::default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn archived_journal_names_are_what_journalctl_vacuums() {
        assert!(archived_journal("system@d8e39faa5deb4b868cf98c16b81e1743-0000000000000001-000661f3bab7237f.journal"));
        assert!(archived_journal(
            "user-1000@0123456789abcdef0123456789abcdef-00000000000005fd-000661f3bace83df.journal"
        ));
        assert!(archived_journal("system@000661f3bab7237f-000661f3bace83df.journal~"));
        for active in [
            "system.journal",
            "user-1000.journal",
            "remote.journal",
            "system@d8e39faa5deb4b868cf98c16b81e1743-0000000000000001-000661f3bab7237f.journal.tmp",
            "system@zze39faa5deb4b868cf98c16b81e1743-0000000000000001-000661f3bab7237f.journal",
            "system@d8e39faa5deb4b868cf98c16b81e1743_0000000000000001-000661f3bab7237f.journal",
            "system.journal~",
            "@.journal",
            "",
        ] {
            assert!(!archived_journal(active), "{active}");
        }
    }

    fn write(root: &Path, p: &str, len: usize) {
        let path = root.join(p.trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, vec![7u8; len]).expect("write");
    }

    #[test]
    fn the_survey_counts_only_what_each_tool_deletes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let r = dir.path();
        let mid = "/var/log/journal/0123456789abcdef0123456789abcdef";
        write(r, &format!("{mid}/system.journal"), 100_000);
        write(
            r,
            &format!("{mid}/system@d8e39faa5deb4b868cf98c16b81e1743-0000000000000001-000661f3bab7237f.journal"),
            40_000,
        );
        write(r, &format!("{mid}/system@000661f3bab7237f-000661f3bace83df.journal~"), 40_000);
        write(r, &format!("{mid}/notes.txt"), 40_000);
        write(r, "/usr/bin/apt-get", 10);
        write(r, "/var/cache/apt/archives/lock", 0);
        write(r, "/var/cache/apt/archives/a_1.0_amd64.deb", 50_000);
        write(r, "/var/cache/apt/archives/partial/b_2.0_amd64.deb", 20_000);
        write(r, "/var/cache/apt/pkgcache.bin", 10_000);
        write(r, "/var/cache/apt/other.txt", 10_000);
        write(r, "/usr/bin/dnf", 10);
        write(r, "/var/cache/dnf/appstream-1234/packages/x-1.rpm", 30_000);
        write(r, "/var/cache/dnf/appstream-1234/repodata/primary.xml", 30_000);
        // Hard-linked elsewhere: deleting it frees nothing.
        std::fs::hard_link(
            r.join("var/cache/dnf/appstream-1234/packages/x-1.rpm"),
            r.join("var/cache/dnf/appstream-1234/kept.rpm"),
        )
        .expect("link");
        let dev = std::fs::metadata(r).expect("stat").dev();
        let host = Host::new(r);
        let steps = survey(&host, dev);
        let shown: Vec<(String, u64, u64)> =
            steps.iter().map(|s| (s.command.line(), s.freed.files, s.freed.inodes)).collect();
        assert_eq!(
            shown,
            vec![
                (format!("journalctl --directory={mid} --vacuum-size=1"), 2, 2),
                ("apt-get clean".to_string(), 3, 3),
                ("dnf clean packages".to_string(), 1, 0),
            ]
        );
        let blocks = |p: &str| std::fs::metadata(r.join(p.trim_start_matches('/'))).expect("stat").blocks() * 512;
        assert_eq!(
            steps[1].freed.bytes,
            blocks("/var/cache/apt/archives/a_1.0_amd64.deb")
                + blocks("/var/cache/apt/archives/partial/b_2.0_amd64.deb")
                + blocks("/var/cache/apt/pkgcache.bin")
        );
        assert_eq!(steps[2].freed.bytes, 0);
        // Another device: nothing of it is counted.
        assert!(survey(&host, dev + 1).is_empty());
        // apt configured to keep its cache elsewhere: apt-get clean is left out.
        write(r, "/etc/apt/apt.conf.d/50cache", 0);
        std::fs::write(r.join("etc/apt/apt.conf.d/50cache"), "Dir::Cache::archives \"/srv/apt\";\n").expect("write");
        assert!(survey(&host, dev).iter().all(|s| s.what != What::Apt));
        std::fs::write(r.join("etc/apt/apt.conf.d/50cache"), "Dir::Cache::pkgcache \"\";\n// Dir \"/x\";\n")
            .expect("write");
        assert!(survey(&host, dev).iter().any(|s| s.what == What::Apt));
    }

    #[test]
    fn a_full_threshold_must_be_a_percentage_and_an_examined_root_is_refused() {
        assert!(Params { measure: Measure::Space, full: 0.0 }.validate().is_err());
        assert!(Params { measure: Measure::Space, full: 95.0 }.validate().is_ok());
        let f = crate::repair::testing::finding("/var", "m", &[]);
        let dir = tempfile::tempdir().expect("tempdir");
        let host = Host::new(dir.path());
        let p = Params { measure: Measure::Space, full: 95.0 };
        let r = crate::repair::testing::plan(&p, &host, "disk.usage.space", &f);
        assert!(matches!(r, Err(Skip::Refused(ref m)) if m.contains("--root")), "{r:?}");
    }

    /// The `full` of each check's cleanup is the check's own critical threshold.
    #[test]
    fn full_is_the_checks_critical_threshold() {
        for (file, field) in
            [("checks/disk/usage/space.toml", "used_percent"), ("checks/disk/usage/inodes.toml", "inodes_used_percent")]
        {
            let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).expect("check file");
            let v: toml::Value = toml::from_str(&text).expect("toml");
            let judge = v["judge"]
                .as_array()
                .expect("judges")
                .iter()
                .find(|j| j["field"].as_str() == Some(field))
                .expect("judge");
            let crit: f64 =
                judge["crit"].as_str().expect("crit").trim_start_matches(">=").trim().parse().expect("number");
            let repair = &v["repair"].as_array().expect("repairs")[0];
            let full = repair["action"]["cleanup"]["full"]
                .as_float()
                .or(repair["action"]["cleanup"]["full"].as_integer().map(|i| i as f64));
            assert_eq!(full, Some(crit), "{file}");
        }
    }
}
