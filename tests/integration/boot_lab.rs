//! Root-only lab: a real Debian system disk (`.ci/boot-root`: debootstrap'ed bookworm with the
//! cloud kernel, the initramfs update-initramfs made, grub.cfg from grub-mkconfig with
//! root=UUID) attached read-only to a loop device, as a rescue instance sees a broken server's
//! disk. Each scenario breaks a copy through an overlay in a private mount namespace (the image
//! is never written) and runs `ecs-doctor run --root <overlay>`: initramfs removed, drivers
//! stripped from a repacked initramfs, the kernel of the grub entry removed, root=UUID of no
//! disk, an SELinux typo. The loop device is detached when the guard drops, also on failure.

use crate::common::*;
use crate::integration::block_lab::{Loop, sh};
use std::path::PathBuf;
use std::process::Command;

/// The cached image, built by .ci/boot-root when it is missing (CI builds it before the tests).
fn boot_image() -> Option<PathBuf> {
    let out = Command::new(project_dir().join(".ci/boot-root")).output().ok()?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !out.status.success() || !path.is_file() {
        eprintln!("{}", stderr(&out));
        return None;
    }
    Some(path)
}

struct Disk {
    lo: Loop,
    dir: tempfile::TempDir,
    /// One attachment at a time: two loop devices of the same image carry the same UUID, and a
    /// scenario must find its own.
    _one: std::sync::MutexGuard<'static, ()>,
}

static ONE_DISK: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn attach() -> Option<Disk> {
    if !require(is_root(), "the boot lab needs root (loop devices, overlay mounts)") {
        return None;
    }
    let tools = ["cpio", "zstd", "xz", "lz4", "gzip", "losetup"];
    if !require(
        tools.iter().all(|t| sh(&format!("command -v {t} >/dev/null"))),
        "cpio, zstd, xz (xz-utils), lz4, gzip and losetup are needed",
    ) {
        return None;
    }
    let Some(img) = boot_image() else {
        require(false, "the Debian boot image could not be made (.ci/boot-root: debootstrap, network)");
        return None;
    };
    let one = ONE_DISK.lock().unwrap_or_else(|e| e.into_inner());
    let Some(lo) = Loop::attach(&img, true) else {
        require(false, "losetup could not attach the boot image read-only");
        return None;
    };
    Some(Disk { lo, dir: tempfile::tempdir().expect("tempdir"), _one: one })
}

/// Mounts the disk read-only with an overlay on top at `$R`, runs `breakage` (sh, `$R` is the
/// root) and then ecs-doctor on `$R` with `--only` for each id; all in a private mount namespace.
fn run(disk: &Disk, breakage: &str, only: &[&str]) -> serde_json::Value {
    let d = disk.dir.path().join(format!("s{}", rand_tag()));
    std::fs::create_dir_all(&d).expect("mkdir");
    let d = d.to_str().expect("utf-8");
    let mut args = String::new();
    for id in only {
        args.push_str(&format!(" --only {id}"));
    }
    let script = format!(
        "set -e\n\
         mkdir -p {d}/lower {d}/up {d}/work {d}/root\n\
         mount -o ro {dev} {d}/lower\n\
         mount -t overlay overlay -o lowerdir={d}/lower,upperdir={d}/up,workdir={d}/work {d}/root\n\
         R={d}/root\n\
         {breakage}\n\
         exec unshare --net {BIN} run --format json --no-save --root {d}/root{args}\n",
        dev = disk.lo.dev
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .env("PATH", "/usr/sbin:/sbin:/usr/bin:/bin")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("boot-lab-reports"))
        .output()
        .expect("unshare");
    let text = stdout(&out);
    assert!(text.trim_start().starts_with('{'), "no report: {}\n{text}", stderr(&out));
    valid_report(&text)
}

fn rand_tag() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0)
}

fn finding<'a>(rep: &'a serde_json::Value, id: &str, subject: &str) -> &'a serde_json::Value {
    check(rep, id)["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["subject"] == subject))
        .unwrap_or_else(|| panic!("{id}: no finding about {subject}: {:#}", check(rep, id)))
}

/// Unpacks the image's initramfs (zstd cpio) into `$R/tmp/ird`, runs `edit` there, and repacks it
/// with `pack` (a shell pipeline reading the cpio archive on stdin) over the original.
fn repack(edit: &str, pack: &str) -> String {
    format!(
        "I=$(ls $R/boot/initrd.img-*)\n\
         mkdir -p $R/tmp/ird && cd $R/tmp/ird\n\
         zstd -dc $I | cpio -idm --quiet\n\
         {edit}\n\
         find . | LC_ALL=C sort | cpio -o -H newc --quiet | {pack} > $R/tmp/main.img\n\
         cat $R/tmp/main.img > $I\n\
         cd / && rm -rf $R/tmp/ird $R/tmp/main.img\n"
    )
}

/// An early-microcode archive (uncompressed cpio) put in front of the initramfs, as
/// intel-microcode/amd64-microcode and dracut do.
const MICROCODE_PREFIX: &str = "mkdir -p $R/tmp/uc/kernel/x86/microcode && head -c 3000 /dev/urandom > $R/tmp/uc/kernel/x86/microcode/GenuineIntel.bin\n\
     (cd $R/tmp/uc && find . | cpio -o -H newc --quiet) > $R/tmp/uc.cpio\n\
     cat $R/tmp/uc.cpio $I > $R/tmp/both.img && cat $R/tmp/both.img > $I && rm -rf $R/tmp/uc $R/tmp/uc.cpio $R/tmp/both.img\n";

const BOOT: [&str; 3] = ["sys.boot.entry", "sys.boot.initramfs", "sys.boot.selinux"];

fn no_problem(rep: &serde_json::Value, ids: &[&str]) {
    for id in ids {
        let s = status_of(rep, id);
        assert!(s == "ok" || s == "skipped", "{id} is {s} on the healthy image: {:#}", check(rep, id));
    }
}

#[test]
fn the_healthy_debian_disk_boots_as_far_as_the_checks_can_tell() {
    let Some(disk) = attach() else { return };
    let rep = run(&disk, "true", &["sys.boot", "disk.fstab"]);
    no_problem(&rep, &BOOT);
    no_problem(&rep, &["disk.fstab.entries", "disk.fstab.types"]);
    assert_eq!(status_of(&rep, "disk.fstab.types"), "ok", "{:#}", check(&rep, "disk.fstab.types"));
    assert_eq!(status_of(&rep, "disk.fstab.entries"), "ok", "{:#}", check(&rep, "disk.fstab.entries"));
    assert_eq!(status_of(&rep, "sys.boot.entry"), "ok", "{:#}", check(&rep, "sys.boot.entry"));
    assert_eq!(status_of(&rep, "sys.boot.initramfs"), "ok", "{:#}", check(&rep, "sys.boot.initramfs"));
    // nvme is built into Debian's cloud kernel; virtio_blk comes from the initramfs.
    let c = check(&rep, "sys.boot.initramfs").to_string();
    assert!(!c.contains("\"warn\"") && !c.contains("\"crit\""), "{c}");
}

#[test]
fn a_removed_initramfs_a_removed_kernel_and_a_root_uuid_of_no_disk_are_critical() {
    let Some(disk) = attach() else { return };
    let rep = run(&disk, "rm $R/boot/initrd.img-*", &["sys.boot.entry"]);
    assert_eq!(status_of(&rep, "sys.boot.entry"), "crit", "{rep:#}");
    let f = finding(&rep, "sys.boot.entry", "GNU/Linux");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("initramfs /boot/initrd.img-6.")), "{f:#}");

    // The grub entry still names the kernel that was removed.
    let rep = run(&disk, "rm $R/boot/vmlinuz-*", &["sys.boot.entry"]);
    assert_eq!(status_of(&rep, "sys.boot.entry"), "crit", "{rep:#}");
    let f = finding(&rep, "sys.boot.entry", "GNU/Linux");
    let msg = f["message"].as_str().expect("message");
    assert!(msg.contains("kernel /boot/vmlinuz-6.") && msg.contains("file not found"), "{msg}");

    // root=UUID= of a filesystem no disk of this machine carries.
    let rep = run(
        &disk,
        "sed -i 's/root=UUID=[0-9a-f-]*/root=UUID=0badc0de-0000-4000-8000-000000000000/' $R/boot/grub/grub.cfg",
        &["sys.boot.entry"],
    );
    assert_eq!(status_of(&rep, "sys.boot.entry"), "crit", "{rep:#}");
    let f = finding(&rep, "sys.boot.entry", "GNU/Linux");
    assert!(
        f["message"].as_str().is_some_and(|m| m.contains("root=UUID=0badc0de-0000-4000-8000-000000000000")),
        "{f:#}"
    );
    assert!(f["evidence"].to_string().contains(&disk.lo.dev), "the disks it looked at are named: {f:#}");
}

#[test]
fn an_initramfs_without_the_virtio_drivers_is_critical_whatever_its_compression() {
    let Some(disk) = attach() else { return };
    let strip = "find . -name 'virtio_blk.ko*' -delete; find . -name 'virtio_net.ko*' -delete";
    // Repacked with xz behind an early-microcode archive.
    let rep = run(&disk, &format!("{}{MICROCODE_PREFIX}", repack(strip, "xz -C crc32 -0")), &["sys.boot.initramfs"]);
    assert_eq!(status_of(&rep, "sys.boot.initramfs"), "crit", "{rep:#}");
    let f = finding(&rep, "sys.boot.initramfs", "virtio_blk");
    assert_eq!(f["severity"], "crit");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("/boot/initrd.img-6.")), "{f:#}");
    assert!(f["evidence"].to_string().contains("cpio + xz"), "{f:#}");
    assert_eq!(finding(&rep, "sys.boot.initramfs", "virtio_net")["severity"], "warn");

    // The same drivers kept, repacked with gzip and with the kernel's legacy lz4: fine.
    for pack in ["gzip -1", "lz4 -l -q"] {
        let rep = run(&disk, &repack("true", pack), &["sys.boot.initramfs"]);
        assert_eq!(status_of(&rep, "sys.boot.initramfs"), "ok", "{pack}: {rep:#}");
    }
    // zstd behind a microcode archive, drivers stripped: crit again.
    let rep = run(&disk, &format!("{}{MICROCODE_PREFIX}", repack(strip, "zstd -q -1")), &["sys.boot.initramfs"]);
    assert_eq!(finding(&rep, "sys.boot.initramfs", "virtio_blk")["severity"], "crit", "{rep:#}");
}

#[test]
fn an_selinux_typo_is_critical_and_says_what_to_repair() {
    let Some(disk) = attach() else { return };
    let rep = run(
        &disk,
        "printf 'SELINUX=enforcing\\nSELINUXTYPE=disabled\\n' > $R/etc/selinux/config",
        &["sys.boot.selinux"],
    );
    assert_eq!(status_of(&rep, "sys.boot.selinux"), "crit", "{rep:#}");
    let f = finding(&rep, "sys.boot.selinux", "SELINUXTYPE=disabled");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("line 2") && m.contains("Failed to load")), "{f:#}");
    let rep = run(&disk, "printf 'SELINUX=enforcin\\n' > $R/etc/selinux/config", &["sys.boot.selinux"]);
    assert_eq!(finding(&rep, "sys.boot.selinux", "SELINUX=enforcin")["severity"], "crit", "{rep:#}");
}

#[test]
fn an_fstab_type_or_option_the_root_filesystem_refuses_is_critical() {
    let Some(disk) = attach() else { return };
    // The system disk's own ext4 root declared as xfs.
    let rep = run(&disk, "sed -i 's# / ext4 # / xfs #' $R/etc/fstab", &["disk.fstab.types"]);
    assert_eq!(status_of(&rep, "disk.fstab.types"), "crit", "{rep:#}");
    let f = finding(&rep, "disk.fstab.types", "/");
    let msg = f["message"].as_str().expect("message");
    assert!(msg.contains("as xfs") && msg.contains(&format!("{} holds ext4", disk.lo.dev)), "{msg}");
    // An XFS-only option on ext4.
    let rep = run(&disk, "sed -i 's#defaults,errors=remount-ro#defaults,inode64#' $R/etc/fstab", &["disk.fstab.types"]);
    let f = finding(&rep, "disk.fstab.types", "/");
    assert_eq!(f["severity"], "crit", "{rep:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("inode64")), "{f:#}");
}

#[test]
fn fstab_uuids_and_labels_are_looked_for_on_the_disks_the_rescue_instance_sees() {
    let Some(disk) = attach() else { return };
    // The root filesystem's UUID mistyped: no disk here carries it, and / has no nofail.
    let rep = run(
        &disk,
        "sed -i 's#^UUID=[0-9a-f-]* / #UUID=0badc0de-0000-4000-8000-00000000f00d / #' $R/etc/fstab",
        &["disk.fstab.entries", "disk.mount", "disk.usage"],
    );
    assert_eq!(status_of(&rep, "disk.fstab.entries"), "crit", "{rep:#}");
    let f = finding(&rep, "disk.fstab.entries", "/");
    assert_eq!(f["code"], "ENODEV", "{f:#}");
    assert!(
        f["message"].as_str().is_some_and(|m| m.contains("UUID=0badc0de-0000-4000-8000-00000000f00d")
            && m.contains("line 1")
            && m.contains("will not boot")),
        "{f:#}"
    );
    let ev = f["evidence"].to_string();
    assert!(ev.contains("/etc/fstab:1: UUID=0badc0de") && ev.contains(&disk.lo.dev), "the disks looked at: {f:#}");
    // A rescued disk has nothing mounted and nothing running: skipped with the reason, no error.
    for id in
        ["disk.mount.hung", "disk.mount.read-only", "disk.usage.space", "disk.usage.inodes", "disk.usage.deleted-open"]
    {
        assert_eq!(status_of(&rep, id), "skipped", "{id}: {:#}", check(&rep, id));
    }

    // By LABEL: the image's own label is found; a label no disk has is not; a data disk that is
    // not attached to the rescue instance is only a note.
    let rep = run(
        &disk,
        "sed -i 's#^UUID=[0-9a-f-]* / #LABEL=ecs-root / #' $R/etc/fstab\n\
         echo 'LABEL=ecs-boot /boot ext4 defaults 0 2' >> $R/etc/fstab\n\
         echo 'UUID=d0d0cafe-0000-4000-8000-000000000001 /data ext4 defaults,nofail 0 2' >> $R/etc/fstab",
        &["disk.fstab.entries"],
    );
    assert_eq!(status_of(&rep, "disk.fstab.entries"), "crit", "{rep:#}");
    let subjects = subjects(&rep, "disk.fstab.entries");
    assert!(!subjects.contains(&"/".to_string()), "LABEL=ecs-root is the attached disk: {rep:#}");
    let f = finding(&rep, "disk.fstab.entries", "/boot");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("LABEL=ecs-boot") && m.contains("line 2")), "{f:#}");
    assert_eq!(finding(&rep, "disk.fstab.entries", "/data")["severity"], "info", "{rep:#}");
}
