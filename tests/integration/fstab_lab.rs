//! How long the boot waits for a missing disk, with real loop devices (root only): ext4 loop
//! devices in a `--root` tree whose /dev holds their nodes and udev's by-uuid links, named in
//! /etc/fstab with and without `nofail` and `x-systemd.device-timeout=`, then detached (node and
//! link removed, as the kernel and udev do). What ecs-doctor says about the wait is checked
//! against what the system's own systemd-fstab-generator makes of the same fstab: the device
//! timeout it writes, and which mounts the boot requires.

use super::fix::copy_of;
use super::fix_lab::Disk;
use crate::common::*;
use std::path::Path;
use std::process::Command;

const GENERATOR: &str = "/usr/lib/systemd/system-generators/systemd-fstab-generator";

fn finding<'a>(rep: &'a serde_json::Value, subject: &str) -> &'a serde_json::Value {
    check(rep, "disk.fstab.entries")["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["subject"] == subject))
        .unwrap_or_else(|| panic!("no finding about {subject}: {rep:#}"))
}

/// What systemd-fstab-generator makes of `fstab`: (the mount units local-fs.target requires,
/// every `JobRunningTimeoutSec=` it wrote for a device).
fn generated(fstab: &Path) -> (Vec<String>, Vec<String>) {
    let out = tempfile::tempdir().expect("tempdir");
    let o = out.path().to_str().expect("utf-8");
    let status = Command::new(GENERATOR)
        .args([o, o, o])
        .env("SYSTEMD_FSTAB", fstab)
        .env("SYSTEMD_PROC_CMDLINE", "")
        .status()
        .expect("systemd-fstab-generator");
    assert!(status.success(), "systemd-fstab-generator failed");
    let required = std::fs::read_dir(out.path().join("local-fs.target.requires"))
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    let mut timeouts = Vec::new();
    for e in std::fs::read_dir(out.path()).expect("generated").filter_map(|e| e.ok()) {
        let conf = e.path().join("50-device-timeout.conf");
        if let Ok(text) = std::fs::read_to_string(&conf) {
            let name = e.file_name().to_string_lossy().into_owned();
            for l in text.lines().filter(|l| l.starts_with("JobRunningTimeoutSec=")) {
                timeouts.push(format!("{name}: {l}"));
            }
        }
    }
    (required, timeouts)
}

#[test]
fn a_missing_disk_without_nofail_is_waited_for_as_long_as_systemd_would_then_the_boot_stops() {
    if !require(is_root(), "the fstab lab needs root (loop devices, device nodes)") {
        return;
    }
    let dir = copy_of("healthy");
    let root = dir.path().join("root");
    let images = tempfile::tempdir().expect("tempdir");
    let Some(data) = Disk::new(images.path(), "data.img") else { return };
    let Some(mut logs) = Disk::new(images.path(), "logs.img") else { return };
    let Some(mut spool) = Disk::new(images.path(), "spool.img") else { return };
    let Some(mut backup) = Disk::new(images.path(), "backup.img") else { return };
    data.appear_as(&root, "vdc");
    logs.appear_as(&root, "vdd");
    spool.appear_as(&root, "vde");
    backup.appear_as(&root, "vdf");
    let _ = std::fs::remove_file(root.join("proc/self/mountinfo"));
    let fstab = root.join("etc/fstab");
    std::fs::write(
        &fstab,
        format!(
            "UUID=3f1e0b9c-5a7d-4e2b-9c1a-0d2e4f6a8b1c / ext4 errors=remount-ro 0 1\n\
             UUID={} /data ext4 defaults 0 2\n\
             UUID={} /logs ext4 defaults,x-systemd.device-timeout=5s 0 2\n\
             UUID={} /spool ext4 defaults,x-systemd.device-timeout=0 0 2\n\
             UUID={} /backup ext4 defaults,nofail 0 2\n",
            data.uuid, logs.uuid, spool.uuid, backup.uuid
        ),
    )
    .expect("fstab");

    // All four attached: only the data disk without nofail is a warning, with the wait a
    // detach would cost (systemd's default).
    let Some((rep, _)) = run_json(&root, &["--only", "disk.fstab.entries"]) else { return };
    assert_eq!(status_of(&rep, "disk.fstab.entries"), "warn", "{rep:#}");
    let m = finding(&rep, "/data")["message"].as_str().unwrap_or_default().to_string();
    assert!(m.contains("waits 1min 30s for it (systemd's default, DefaultDeviceTimeoutSec=90s)"), "{m}");
    assert!(m.contains("emergency mode") && m.contains("nofail"), "{m}");

    // The three others detached: the boot waits 5 s for /logs and forever for /spool (a zero
    // timeout is none, not nofail), then stops; /backup has nofail and is only missing.
    logs.detach(&root, "vdd");
    spool.detach(&root, "vde");
    backup.detach(&root, "vdf");
    let Some((rep, _)) = run_json(&root, &["--only", "disk.fstab.entries"]) else { return };
    assert_eq!(status_of(&rep, "disk.fstab.entries"), "crit", "{rep:#}");
    let f = finding(&rep, "/logs");
    assert_eq!(f["severity"], "crit", "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains(&logs.uuid) && m.contains("waits 5s for it (x-systemd.device-timeout=5s)"), "{m}");
    assert!(m.contains("emergency mode"), "{m}");
    let f = finding(&rep, "/spool");
    assert_eq!(f["severity"], "crit", "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("waits forever for it (x-systemd.device-timeout=0)"), "{m}");
    let f = finding(&rep, "/backup");
    assert_eq!(f["severity"], "warn", "{f:#}");
    assert!(f["message"].as_str().is_some_and(|m| !m.contains("emergency")), "{f:#}");

    // The system's own systemd reads the fstab the same way: it requires /data, /logs and
    // /spool for the boot (a failure is emergency mode) but not /backup, and waits 5 s for the
    // device of /logs and without limit (0) for that of /spool.
    if require(Path::new(GENERATOR).exists(), "systemd-fstab-generator is missing (apt-get install systemd)") {
        let (required, timeouts) = generated(&fstab);
        for unit in ["data.mount", "logs.mount", "spool.mount"] {
            assert!(required.contains(&unit.to_string()), "{unit} not required: {required:?}");
        }
        assert!(!required.contains(&"backup.mount".to_string()), "{required:?}");
        let escaped = |uuid: &str| uuid.replace('-', "\\x2d");
        assert!(
            timeouts
                .contains(&format!("dev-disk-by\\x2duuid-{}.device.d: JobRunningTimeoutSec=5s", escaped(&logs.uuid))),
            "{timeouts:?}"
        );
        assert!(
            timeouts
                .contains(&format!("dev-disk-by\\x2duuid-{}.device.d: JobRunningTimeoutSec=0", escaped(&spool.uuid))),
            "{timeouts:?}"
        );
        assert_eq!(timeouts.len(), 2, "no timeout written for /data: systemd's default: {timeouts:?}");
    }

    // A system.conf that shortens every device wait: the message says so, with the line.
    std::fs::create_dir_all(root.join("etc/systemd")).expect("mkdir");
    std::fs::write(root.join("etc/systemd/system.conf"), "[Manager]\n#LogLevel=info\nDefaultDeviceTimeoutSec=20s\n")
        .expect("system.conf");
    let Some((rep, _)) = run_json(&root, &["--only", "disk.fstab.entries"]) else { return };
    let m = finding(&rep, "/data")["message"].as_str().unwrap_or_default().to_string();
    assert!(m.contains("waits 20s for it (/etc/systemd/system.conf:3: DefaultDeviceTimeoutSec=20s)"), "{m}");
}
