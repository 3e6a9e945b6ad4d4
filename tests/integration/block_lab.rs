//! Root-only lab: real loop-device disks. An image partitioned and formatted, then enlarged
//! (`truncate` + `losetup -c`) so the disk is bigger than its partition and filesystem, as after
//! a resize in the console; an XFS disk enlarged the same way; a blank disk; a formatted disk
//! mounted nowhere. Mounts happen in a private mount namespace and vanish with it; the loop
//! devices are detached when the guards drop, also when an assertion fails.

use crate::common::*;
use std::path::Path;
use std::process::Command;

/// A loop device over an image file, detached when dropped (even when the test fails).
pub struct Loop {
    pub dev: String,
}

impl Loop {
    /// Attaches `image` (read-only with `ro`), scanning its partitions.
    pub fn attach(image: &Path, ro: bool) -> Option<Loop> {
        let mut cmd = Command::new("losetup");
        cmd.args(["-f", "--show", "-P"]);
        if ro {
            cmd.arg("-r");
        }
        let out = cmd.arg(image).output().ok()?;
        let dev = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && dev.starts_with("/dev/loop")).then_some(Loop { dev })
    }

    /// The partition nodes appear without udev only after the kernel's rescan: ask for it.
    pub fn partitions(&self) {
        if !Path::new(&format!("{}p1", self.dev)).exists() {
            let _ = Command::new("partx").args(["-a", &self.dev]).status();
        }
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.dev]).status();
    }
}

pub fn sh(script: &str) -> bool {
    let out =
        Command::new("sh").args(["-ec", script]).env("PATH", "/usr/sbin:/sbin:/usr/bin:/bin").output().expect("sh");
    if !out.status.success() {
        eprintln!("{script}\n{}{}", stdout(&out), stderr(&out));
    }
    out.status.success()
}

/// A fresh directory holding `<name>.img`, an ext4 filesystem of `size` (truncate's syntax),
/// attached to a loop device. Fields drop in order: the device is detached before the directory
/// goes.
struct Ext4Disk {
    disk: Loop,
    dir: tempfile::TempDir,
}

/// [`Ext4Disk`]; `None` (skipped, saying why) without root, mkfs.ext4 or a free loop device.
fn ext4_disk(name: &str, size: &str) -> Option<Ext4Disk> {
    if !require(is_root(), "the block-device lab needs root (loop devices, mounts)") {
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf-8");
    if !require(sh("command -v mkfs.ext4 >/dev/null"), "mkfs.ext4 is missing (apt-get install e2fsprogs)") {
        return None;
    }
    assert!(sh(&format!("truncate -s {size} {d}/{name}.img && mkfs.ext4 -q -F {d}/{name}.img")));
    let Some(disk) = Loop::attach(&dir.path().join(format!("{name}.img")), false) else {
        require(false, "losetup could not attach a loop device");
        return None;
    };
    Some(Ext4Disk { disk, dir })
}

/// `script` run by sh in a private mount namespace: its mounts vanish with it.
fn in_private_mounts(script: &str) -> std::process::Output {
    Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", script])
        .env("NO_COLOR", "1")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("block-lab-reports"))
        .output()
        .expect("unshare")
}

fn finding<'a>(rep: &'a serde_json::Value, id: &str, subject: &str) -> &'a serde_json::Value {
    check(rep, id)["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["subject"] == subject))
        .unwrap_or_else(|| panic!("{id}: no finding about {subject}: {:#}", check(rep, id)))
}

fn no_finding(rep: &serde_json::Value, id: &str, subject: &str) {
    let c = check(rep, id);
    assert!(
        !c["findings"].as_array().is_some_and(|a| a.iter().any(|f| f["subject"] == subject)),
        "{id}: unexpected finding about {subject}: {c:#}"
    );
}

#[test]
fn enlarged_disks_blank_disks_and_forgotten_filesystems_are_named_with_the_commands() {
    if !require(is_root(), "the block-device lab needs root (loop devices, mounts)") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf-8");
    let tools = ["sfdisk", "mkfs.ext4", "mkfs.xfs", "partx", "losetup"];
    let have = tools.iter().all(|t| sh(&format!("command -v {t} >/dev/null")));
    if !require(have, "sfdisk (fdisk), mkfs.ext4 (e2fsprogs), mkfs.xfs (xfsprogs), losetup, partx (util-linux)") {
        return;
    }
    // A 64 MiB disk with one partition and ext4 on it; a 320 MiB XFS disk without partitions; a
    // 64 MiB ext4 disk that stays its size (the healthy one); a blank disk; a spare ext4 disk.
    assert!(sh(&format!(
        "truncate -s 64M {d}/grown.img\n\
         echo ',,L' | sfdisk -q {d}/grown.img\n\
         truncate -s 320M {d}/xfs.img && mkfs.xfs -q -f {d}/xfs.img\n\
         truncate -s 64M {d}/fits.img && mkfs.ext4 -q -F {d}/fits.img\n\
         truncate -s 16M {d}/blank.img\n\
         truncate -s 16M {d}/spare.img && mkfs.ext4 -q -F {d}/spare.img\n"
    )));
    let attach = |name: &str| Loop::attach(&dir.path().join(name), false);
    let (Some(grown), Some(xfs), Some(fits), Some(blank), Some(spare)) =
        (attach("grown.img"), attach("xfs.img"), attach("fits.img"), attach("blank.img"), attach("spare.img"))
    else {
        require(false, "losetup could not attach five loop devices");
        return;
    };
    grown.partitions();
    let part = format!("{}p1", grown.dev);
    assert!(sh(&format!("mkfs.ext4 -q -F {part}")), "mkfs.ext4 on {part}");
    // The console resize: the images grow, the kernel is told the new size.
    assert!(sh(&format!(
        "truncate -s 256M {d}/grown.img && losetup -c {g}\n\
         truncate -s 640M {d}/xfs.img && losetup -c {x}\n",
        g = grown.dev,
        x = xfs.dev
    )));
    for m in ["grown", "xfs", "fits"] {
        std::fs::create_dir_all(dir.path().join(m)).expect("mkdir");
    }
    let script = format!(
        "set -e\n\
         mount {part} {d}/grown\n\
         mount {x} {d}/xfs\n\
         mount {f} {d}/fits\n\
         exec unshare --net {BIN} run --format json --no-save --only disk.block\n",
        x = xfs.dev,
        f = fits.dev
    );
    let out = in_private_mounts(&script);
    let rep = valid_report(&stdout(&out));
    let err = stderr(&out);

    assert_eq!(status_of(&rep, "disk.block.size"), "warn", "{rep:#}\n{err}");
    let f = finding(&rep, "disk.block.size", &part);
    assert_eq!(f["severity"], "warn");
    let msg = f["message"].as_str().expect("message");
    assert!(
        msg.contains(&format!("{d}/grown"))
            && msg.contains(&grown.dev)
            && msg.contains(&format!("growpart {} 1 && resize2fs {part}", grown.dev)),
        "{msg}"
    );
    assert!(msg.contains("256.0 MiB"), "the space under it is the enlarged disk: {msg}");
    let f = finding(&rep, "disk.block.size", &xfs.dev);
    let msg = f["message"].as_str().expect("message");
    assert!(msg.contains(&format!("xfs_growfs {d}/xfs")) && !msg.contains("growpart"), "{msg}");
    assert!(msg.contains("640.0 MiB") && msg.contains("320.0 MiB unused"), "{msg}");
    no_finding(&rep, "disk.block.size", &fits.dev);
    no_finding(&rep, "disk.block.size", &blank.dev);

    // Notes, not problems: the check stays ok.
    assert_eq!(status_of(&rep, "disk.block.in-use"), "ok", "{rep:#}");
    let f = finding(&rep, "disk.block.in-use", &blank.dev);
    assert_eq!(f["severity"], "info");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("not in use") && m.contains("16.0 MiB")), "{f:#}");
    let f = finding(&rep, "disk.block.in-use", &spare.dev);
    assert!(f["message"].as_str().is_some_and(|m| m.contains("ext4") && m.contains("not mounted")), "{f:#}");
    for used in [&part, &xfs.dev, &fits.dev] {
        no_finding(&rep, "disk.block.in-use", used);
    }
    // The partitioned disk itself is neither blank nor a filesystem.
    no_finding(&rep, "disk.block.in-use", &grown.dev);
}

#[test]
fn a_disk_its_filesystem_fills_is_ok() {
    let Some(lab) = ext4_disk("fits", "64M") else { return };
    let (fits, dir) = (&lab.disk, &lab.dir);
    let d = dir.path().to_str().expect("utf-8");
    std::fs::create_dir_all(dir.path().join("fits")).expect("mkdir");
    let script = format!(
        "set -e\nmount {f} {d}/fits\nexec unshare --net {BIN} run --format json --no-save --only disk.block\n",
        f = fits.dev
    );
    let out = in_private_mounts(&script);
    let rep = valid_report(&stdout(&out));
    // This machine's own disks are judged too: a stock machine gives no warning. Loop devices
    // of the other lab tests running at the same time (the enlarged disks above) may.
    for id in ["disk.block.size", "disk.block.in-use"] {
        let c = check(&rep, id);
        assert!(c["status"] == "ok" || c["status"] == "warn", "{c:#}\n{}", stderr(&out));
        for f in c["findings"].as_array().into_iter().flatten() {
            let s = f["subject"].as_str().unwrap_or_default();
            assert!(s.starts_with("/dev/loop"), "{id}: a finding about this machine's own disk: {f:#}");
        }
    }
    no_finding(&rep, "disk.block.size", &fits.dev);
    no_finding(&rep, "disk.block.in-use", &fits.dev);
}

#[test]
fn files_under_a_mount_point_are_found_without_changing_what_anyone_sees() {
    let Some(lab) = ext4_disk("data", "32M") else { return };
    let (disk, dir) = (&lab.disk, &lab.dir);
    let d = dir.path().to_str().expect("utf-8");
    // What the application wrote into /data before the data disk was mounted there, and an
    // empty mount point next to it.
    assert!(sh(&format!(
        "mkdir -p {d}/data/logs/2026 {d}/empty\n\
         head -c 3145728 /dev/zero > {d}/data/backup.tar\n\
         echo started > {d}/data/logs/2026/app.log\n\
         touch -d '2026-01-02 03:04:05' {d}/data/backup.tar"
    )));
    let before = std::fs::metadata(dir.path().join("data/backup.tar")).expect("stat");
    let script = format!(
        "set -e\n\
         mount {dev} {d}/data\n\
         mount -t tmpfs lab-empty {d}/empty\n\
         cat /proc/self/mountinfo > {d}/mounts.before\n\
         unshare --net {BIN} run --format json --no-save --only disk.mount.hidden > {d}/report.json || true\n\
         cat /proc/self/mountinfo > {d}/mounts.after\n",
        dev = disk.dev
    );
    let out = in_private_mounts(&script);
    assert!(out.status.success(), "{}", stderr(&out));
    let rep = valid_report(&std::fs::read_to_string(dir.path().join("report.json")).expect("report"));
    let id = "disk.mount.hidden";
    assert_eq!(status_of(&rep, id), "warn", "{rep:#}");
    let f = finding(&rep, id, &format!("{d}/data"));
    let m = f["message"].as_str().expect("message");
    // backup.tar, logs, logs/2026, logs/2026/app.log.
    assert!(m.contains("4 files and directories") && m.contains("3.0 MiB"), "{m}");
    assert!(
        m.contains(&format!("mounted there from {}", disk.dev))
            && m.contains(&format!("{d}/data/backup.tar (3.0 MiB)")),
        "{m}"
    );
    no_finding(&rep, id, &format!("{d}/empty"));
    // Nothing was mounted or unmounted where anyone could see it, and nothing hidden was touched.
    let (b, a) = (
        std::fs::read_to_string(dir.path().join("mounts.before")).expect("before"),
        std::fs::read_to_string(dir.path().join("mounts.after")).expect("after"),
    );
    assert_eq!(b, a, "the mount table changed");
    let after = std::fs::metadata(dir.path().join("data/backup.tar")).expect("stat");
    assert_eq!(
        (before.accessed().ok(), before.modified().ok()),
        (after.accessed().ok(), after.modified().ok()),
        "the hidden file was opened"
    );
    // Outside the test's private namespace the disk was never mounted: the files are plain.
    assert!(dir.path().join("data/backup.tar").is_file());
}
