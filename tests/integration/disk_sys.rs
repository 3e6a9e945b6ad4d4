//! Disk and system checks on roots built at test time, where a case folder (tests/fixtures/checks/)
//! cannot hold the root: kernel-log times relative to now, a log of millions of lines, 950 open
//! descriptors, live processes, garbage in /proc. The root-only cases with real devices are in
//! `lab`.

use crate::common::*;

/// Findings of a check as (severity, subject, message).
fn findings(report: &serde_json::Value, id: &str) -> Vec<(String, String, String)> {
    check(report, id)["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    (
                        f["severity"].as_str().unwrap_or_default().to_string(),
                        f["subject"].as_str().unwrap_or_default().to_string(),
                        f["message"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn finding<'a>(report: &'a serde_json::Value, id: &str, subject: &str) -> &'a serde_json::Value {
    check(report, id)["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["subject"] == subject))
        .unwrap_or_else(|| panic!("no finding about {subject} in {:#}", check(report, id)))
}

/// A time `hours_ago` before now as RFC 3339 with a +08:00 offset, as rsyslog writes it.
fn rfc3339_ago(hours_ago: i64) -> String {
    let t = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(hours_ago);
    let z = t.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
    z.strftime("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string()
}

const KLOG_CHECKS: &[&str] = &["--only", "sys.memory.oom", "--only", "disk.io.errors", "--only", "sys.kernel.health"];

#[test]
fn recent_kernel_log_events_are_critical_and_crash_dumps_warn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let log = [
        format!(
            "{} web-1 kernel: [ 100.000000] Memory cgroup out of memory: Killed process 777 (php-fpm) total-vm:600000kB, anon-rss:512000kB, file-rss:0kB, shmem-rss:0kB",
            rfc3339_ago(2)
        ),
        format!(
            "{} web-1 kernel: [ 200.000000] XFS (vdc): Corruption detected. Unmount and run xfs_repair",
            rfc3339_ago(1)
        ),
        format!(
            "{} web-1 kernel: [ 300.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [kworker/1:2:99]",
            rfc3339_ago(1)
        ),
        format!(
            "{} web-1 kernel: [ 400.000000] BUG: unable to handle page fault for address: 0000000000001234",
            rfc3339_ago(1)
        ),
    ];
    write(&root.join("var/log/kern.log"), &(log.join("\n") + "\n"));
    write(&root.join("proc/self/mountinfo"), "31 1 253:33 / /srv rw,relatime - xfs /dev/vdc rw\n");
    write(&root.join("var/crash/127.0.0.1-2024-03-01-10:00:00/vmcore"), "");
    write(
        &root.join("var/crash/127.0.0.1-2024-03-01-10:00:00/vmcore-dmesg.txt"),
        "[  500.000000] Kernel panic - not syncing: Fatal exception in interrupt\n[  500.1] ---[ end Kernel panic ]---\n",
    );
    write(&root.join("var/crash/202403011000/dmesg.202403011000"), "nothing\n");
    write(&root.join("sys/kernel/kexec_crash_loaded"), "1\n");
    let Some((r, code)) = run_json(root, KLOG_CHECKS) else { return };
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(status_of(&r, "sys.memory.oom"), "crit");
    assert_eq!(subjects(&r, "sys.memory.oom"), vec!["php-fpm"]);
    assert_eq!(status_of(&r, "disk.io.errors"), "crit");
    let f = finding(&r, "disk.io.errors", "/dev/vdc");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("(/srv)") && m.contains("corruption")), "{f:#}");

    let k = findings(&r, "sys.kernel.health");
    assert_eq!(status_of(&r, "sys.kernel.health"), "crit", "{k:#?}");
    assert!(k.iter().any(|(s, subj, m)| s == "crit" && subj == "kernel" && m.contains("Oops/BUG")), "{k:#?}");
    assert!(k.iter().any(|(s, subj, _)| s == "warn" && subj == "kworker/1:2"), "{k:#?}");
    let dump = finding(&r, "sys.kernel.health", "/var/crash/127.0.0.1-2024-03-01-10:00:00");
    assert_eq!(dump["severity"], "warn");
    assert!(dump["message"].as_str().is_some_and(|m| m.contains("Kernel panic - not syncing")), "{dump:#}");
    // A directory without a dump is not one.
    assert!(!k.iter().any(|(_, subj, _)| subj.contains("202403011000")), "{k:#?}");
    assert_eq!(check(&r, "sys.kernel.health")["metrics"]["crash_dumps"], 1.0);

    // Without events the summary says what was read and whether kdump is ready.
    write(&root.join("var/log/kern.log"), "Mar  1 10:00:00 web-1 kernel: [ 0.0] Linux version 6.1\n");
    std::fs::remove_dir_all(root.join("var/crash")).expect("rm");
    let Some((r, code)) = run_json(root, KLOG_CHECKS) else { return };
    assert_eq!(code, 0, "{r:#}");
    let s = check(&r, "sys.kernel.health")["summary"].as_str().unwrap_or_default().to_string();
    assert!(s.contains("/var/log/kern.log") && s.contains("kdump: loaded"), "{s}");
}

#[test]
fn a_kernel_log_of_millions_of_lines_is_read_from_its_tail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let path = root.join("var/log/kern.log");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let mut body = Vec::with_capacity(100 << 20);
    let recent = rfc3339_ago(1);
    // An OOM kill at the very start lies outside the tail that is read.
    body.extend_from_slice(
        format!("{recent} h kernel: Out of memory: Killed process 1 (ancient) total-vm:1kB, anon-rss:1kB\n").as_bytes(),
    );
    for i in 0..2_000_000u32 {
        body.extend_from_slice(
            format!("{recent} h kernel: [{i}.000000] eth0: link is up at 1000 Mbps {i}\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("{recent} h kernel: Out of memory: Killed process 2 (latest) total-vm:1kB, anon-rss:1kB\n").as_bytes(),
    );
    std::fs::write(&path, &body).expect("write");
    // How fast is a benchmark's business (benches/run.sh); here: only the tail is read.
    let Some((r, _)) = run_json(root, &["--only", "sys.memory.oom"]) else { return };
    assert_eq!(subjects(&r, "sys.memory.oom"), vec!["latest"], "{r:#}");
    assert!(check(&r, "sys.memory.oom").to_string().contains("only the latest part"));
}

#[test]
fn healthy_root_has_no_disk_or_system_warnings() {
    let Some((r, _)) = run_json(&fixture_root("healthy"), &["--only", "disk", "--only", "sys"]) else { return };
    for c in r["checks"].as_array().expect("checks") {
        assert!(c["status"] != "warn" && c["status"] != "crit", "{c:#}");
    }
}

/// Writes /proc/PID/stat (and comm) of a fixture process.
fn fake_proc(root: &std::path::Path, pid: u32, comm: &str, state: char, ppid: u32) {
    write(
        &root.join(format!("proc/{pid}/stat")),
        &format!(
            "{pid} ({comm}) {state} {ppid} {pid} {pid} 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 12345 1000000 512"
        ),
    );
    write(&root.join(format!("proc/{pid}/comm")), &format!("{comm}\n"));
}

#[test]
fn stuck_processes_zombie_leaks_and_file_limits_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fake_proc(root, 1, "systemd", 'S', 0);
    fake_proc(root, 100, "rsync", 'D', 1);
    write(&root.join("proc/100/cmdline"), "rsync\0-a\0/data/\0/mnt/nfs/\0");
    write(&root.join("proc/100/wchan"), "nfs_wait_bit_killable");
    fake_proc(root, 200, "php-fpm", 'S', 1);
    write(&root.join("proc/200/cmdline"), "php-fpm: master process\0");
    for pid in 201..=206 {
        fake_proc(root, pid, "php-fpm", 'Z', 200);
    }
    // Two zombies of another parent: below the threshold.
    fake_proc(root, 300, "bash", 'S', 1);
    fake_proc(root, 301, "true", 'Z', 300);
    fake_proc(root, 302, "true", 'Z', 300);
    // A process with 950 of 1024 descriptors open.
    fake_proc(root, 400, "nginx", 'S', 1);
    std::fs::create_dir_all(root.join("proc/400/fd")).expect("mkdir");
    for fd in 0..950 {
        std::os::unix::fs::symlink("socket:[12345]", root.join(format!("proc/400/fd/{fd}"))).expect("symlink");
    }
    write(
        &root.join("proc/400/limits"),
        "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n",
    );
    // Garbage in /proc is skipped.
    write(&root.join("proc/500/stat"), "\u{1}\u{2} garbage ) (");
    write(&root.join("proc/sys/fs/file-nr"), "1184\t0\t9223372036854775807\n");
    let only = ["--only", "sys.process.states", "--only", "sys.limits.files"];
    let Some((r, code)) = run_json(root, &only) else { return };
    assert_eq!(code, 1, "{r:#}");
    let p = findings(&r, "sys.process.states");
    assert_eq!(p.len(), 2, "{p:#?}");
    assert!(
        p.iter().any(|(s, subj, m)| s == "warn" && subj == "rsync (pid 100)" && m.contains("nfs_wait_bit_killable")),
        "{p:#?}"
    );
    assert!(
        p.iter().any(|(s, subj, m)| s == "warn" && subj == "php-fpm (pid 200)" && m.contains("6 zombie")),
        "{p:#?}"
    );
    let m = &check(&r, "sys.process.states")["metrics"];
    assert_eq!((m["zombies_total"].as_f64(), m["d_state_total"].as_f64()), (Some(8.0), Some(1.0)), "{m:#}");
    let ev = finding(&r, "sys.process.states", "rsync (pid 100)")["evidence"].to_string();
    assert!(ev.contains("/proc/100/wchan: nfs_wait_bit_killable") && !ev.contains("/mnt/nfs/"), "{ev}");

    assert_eq!(status_of(&r, "sys.limits.files"), "warn");
    assert_eq!(subjects(&r, "sys.limits.files"), vec!["nginx (pid 400)"]);
    let f = finding(&r, "sys.limits.files", "nginx (pid 400)");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("950 files open") && m.contains("1024")), "{f:#}");
    assert_eq!(f["code"], "EMFILE");
}

#[test]
fn zombies_of_a_live_parent_are_named_after_the_parent() {
    // A parent that never reaps: six children exit at once, then the shell becomes `sleep`.
    let mut parent = std::process::Command::new("sh")
        .args(["-c", "for i in 1 2 3 4 5 6; do sh -c 'exit 0' & done; exec sleep 30"])
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let subject = format!("sleep (pid {})", parent.id());
    let out = doctor(&["run", "--format", "json", "--no-save", "--only", "sys.process.states"]);
    let _ = parent.kill();
    let _ = parent.wait();
    let Some(out) = out else { return };
    let r = valid_report(&stdout(&out));
    let f = finding(&r, "sys.process.states", &subject);
    assert_eq!(f["severity"], "warn", "{f:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("6 zombie children (sh)")), "{f:#}");
}

#[test]
fn the_live_system_runs_every_disk_and_system_check_without_error() {
    let Some(out) = doctor(&["run", "--format", "json", "--no-save", "--only", "disk", "--only", "sys"]) else {
        return;
    };
    let r = valid_report(&stdout(&out));
    for c in r["checks"].as_array().expect("checks") {
        assert_ne!(c["status"], "error", "{c:#}");
    }
    // The wall time is measured by benches/run.sh, not asserted here.
    let pid1 = std::fs::read_to_string("/proc/1/comm").unwrap_or_default();
    let units = check(&r, "sys.systemd.failed-units");
    if pid1.trim() != "systemd" && !std::path::Path::new("/run/systemd/system").is_dir() {
        assert_eq!(units["status"], "skipped", "{units:#}");
        assert!(units["summary"].as_str().is_some_and(|s| s.contains("not systemd")), "{units:#}");
    }
}

#[test]
fn odd_proc_files_and_escaped_mount_points_give_results_not_panics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let junk = "\u{0}\u{1}garbage ) ( 1 2 \u{fffd}\ncpu  x y z\nNode 0, zone\nsome avg10=NaN avg60=-1\n";
    for f in [
        "proc/stat",
        "proc/diskstats",
        "proc/buddyinfo",
        "proc/pressure/memory",
        "proc/pressure/io",
        "proc/net/dev",
        "proc/swaps",
        "proc/loadavg",
        "proc/meminfo",
        "proc/cmdline",
        "proc/7/stat",
        "proc/7/limits",
        "proc/7/wchan",
        "var/log/kern.log",
        "run/udev/data/b8:1",
        "run/blkid/blkid.tab",
    ] {
        write(&root.join(f), junk);
    }
    // A truncated file: half a line.
    write(&root.join("proc/sys/fs/file-nr"), "12");
    // A mount point with an escaped space, read-only while fstab says rw.
    write(
        &root.join("proc/self/mountinfo"),
        "22 1 8:1 / / rw,relatime - ext4 /dev/vda1 rw\n40 22 8:17 / /mnt/my\\040disk ro,relatime - ext4 /dev/vdb1 ro\nnot a mountinfo line\n",
    );
    write(&root.join("etc/fstab"), "/dev/vda1 / ext4 defaults 0 1\nUUID=x /mnt/my\\040disk ext4 defaults,nofail 0 2\n");
    let Some((r, _)) = run_json(root, &["--only", "disk", "--only", "sys"]) else { return };
    for c in r["checks"].as_array().expect("checks") {
        let s = c.to_string();
        assert!(!s.contains("panicked") && !s.contains("internal error"), "{c:#}");
    }
    assert_eq!(subjects(&r, "disk.mount.read-only"), vec!["/mnt/my disk"]);
    assert_eq!(status_of(&r, "sys.limits.files"), "error");
    assert!(check(&r, "sys.limits.files")["summary"].as_str().is_some_and(|s| s.contains("/proc/sys/fs/file-nr")));
    for id in ["sys.memory.oom", "disk.io.errors", "sys.kernel.health", "sys.process.states", "disk.io.latency"] {
        assert_ne!(status_of(&r, id), "error", "{id}: {:#}", check(&r, id));
    }
}

#[test]
fn mounts_and_processes_of_a_rescued_disk_are_skipped_with_the_reason_under_root() {
    // A system disk as a rescue instance sees it: files only, an empty /proc.
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(&root.join("etc/fstab"), "UUID=0a1b2c3d-0000-4000-8000-000000000001 / ext4 defaults 0 1\n");
    std::fs::create_dir_all(root.join("proc")).expect("mkdir proc");
    let Some((rep, _)) = run_json(root, &["--only", "disk.mount", "--only", "disk.usage"]) else { return };
    for id in
        ["disk.mount.hung", "disk.mount.read-only", "disk.usage.space", "disk.usage.inodes", "disk.usage.deleted-open"]
    {
        assert_eq!(status_of(&rep, id), "skipped", "{id}: {:#}", check(&rep, id));
        let why = check(&rep, id)["summary"].as_str().unwrap_or_default();
        assert!(why.contains("--root") && why.contains("/proc is empty"), "{id}: {why}");
    }
}
