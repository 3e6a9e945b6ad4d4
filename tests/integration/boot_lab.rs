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

pub struct Disk {
    pub lo: Loop,
    pub dir: tempfile::TempDir,
    /// One attachment at a time: two loop devices of the same image carry the same UUID, and a
    /// scenario must find its own.
    _one: std::sync::MutexGuard<'static, ()>,
}

static ONE_DISK: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn attach() -> Option<Disk> {
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
    let mut args = String::from(" --format json");
    for id in only {
        args.push_str(&format!(" --only {id}"));
    }
    let text = run_raw(disk, breakage, &args);
    assert!(text.trim_start().starts_with('{'), "no report:\n{text}");
    valid_report(&text)
}

/// [`run`] with any arguments of `run` (`args` starts with a space); what it printed.
fn run_raw(disk: &Disk, breakage: &str, args: &str) -> String {
    let d = disk.dir.path().join(format!("s{}", rand_tag()));
    std::fs::create_dir_all(&d).expect("mkdir");
    let d = d.to_str().expect("utf-8");
    let script = format!(
        "{}{breakage}\n\
         exec unshare --net {BIN} run --no-save --root {d}/root{args}\n",
        overlay(disk, d)
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .env("PATH", "/usr/sbin:/sbin:/usr/bin:/bin")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("boot-lab-reports"))
        .output()
        .expect("unshare");
    let text = stdout(&out);
    assert!(!text.trim().is_empty(), "no report: {}", stderr(&out));
    text
}

/// Shell lines (`set -e` first) that mount the disk read-only at `D/lower` with an overlay on top
/// at `$R` (`D/root`), writes going to `D/up`.
pub fn overlay(disk: &Disk, d: &str) -> String {
    format!(
        "set -e\n\
         mkdir -p {d}/lower {d}/up {d}/work {d}/root\n\
         mount -o ro {dev} {d}/lower\n\
         mount -t overlay overlay -o lowerdir={d}/lower,upperdir={d}/up,workdir={d}/work {d}/root\n\
         R={d}/root\n",
        dev = disk.lo.dev
    )
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
pub fn repack(edit: &str, pack: &str) -> String {
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

/// The checks that read what the running kernel shows (/proc, /sys): a rescued disk has none of
/// it, and this machine's own is not the disk's.
const KERNEL_VIEW: [&str; 7] = [
    "net.addr.assigned",
    "net.link.state",
    "net.route.default",
    "sys.cpu.load",
    "sys.memory.available",
    "sys.memory.holders",
    "sys.kernel.health",
];

#[test]
fn no_check_errs_on_the_healthy_rescued_disk_and_the_running_kernels_view_is_skipped() {
    let Some(disk) = attach() else { return };
    // The whole catalog, as a rescue run does it.
    let rep = run(&disk, "true", &[]);
    let checks = rep["checks"].as_array().expect("checks");
    assert!(checks.len() > 50, "the whole catalog ran: {}", checks.len());
    for c in checks {
        assert_ne!(c["status"], "error", "{} errs on the healthy disk under --root: {c:#}", c["id"]);
    }
    no_problem(&rep, &KERNEL_VIEW);
    for id in KERNEL_VIEW.iter().filter(|id| **id != "sys.kernel.health") {
        assert_eq!(status_of(&rep, id), "skipped", "{id}: {:#}", check(&rep, id));
        let s = check(&rep, id)["summary"].as_str().unwrap_or_default().to_string();
        assert!(s.contains("--root") && (s.contains("/proc/") || s.contains("/sys/")), "{id}: {s}");
    }
    // Nothing runs on it: no "0 processes, all fine".
    for id in ["sys.process.states", "sec.process.suspicious", "sys.cpu.holders"] {
        assert_eq!(status_of(&rep, id), "skipped", "{id}: {:#}", check(&rep, id));
    }
}

#[test]
fn kdump_under_root_is_read_from_the_disks_boot_configuration_not_this_machines_kernel() {
    let Some(disk) = attach() else { return };
    let id = "sys.kernel.health";
    // This machine runs without crashkernel= (the assertion below would prove nothing otherwise).
    let live = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    assert!(!live.contains("crashkernel="), "{live}");
    // A kernel log without events gives the check something to read; kdump-tools enabled.
    let dump = "mkdir -p $R/var/log && printf 'Dec  5 09:00:00 ecs-rescued kernel: [    0.000000] Linux version 6.1.0-50-cloud-amd64\\n' > $R/var/log/kern.log\n\
                mkdir -p $R/etc/systemd/system/multi-user.target.wants\n\
                ln -s /lib/systemd/system/kdump-tools.service $R/etc/systemd/system/multi-user.target.wants/\n";
    let summary = |rep: &serde_json::Value| check(rep, id)["summary"].as_str().unwrap_or_default().to_string();

    // crashkernel= on the default GRUB entry of the disk.
    let rep = run(
        &disk,
        &format!("{dump}sed -i 's#\\(linux\\t*/boot/vmlinuz[^ ]* .*\\)$#\\1 crashkernel=256M#' $R/boot/grub/grub.cfg"),
        &[id],
    );
    assert_eq!(status_of(&rep, id), "ok", "{rep:#}");
    let s = summary(&rep);
    assert!(s.contains("kdump: enabled, memory reserved (crashkernel=)"), "{s}");

    // The same disk without it: kdump enabled but nothing reserved, from the disk's own entry.
    let rep = run(&disk, dump, &[id]);
    let s = summary(&rep);
    assert!(s.contains("kdump: enabled, but no memory reserved (no crashkernel=)"), "{s}");

    // No grub.cfg (GRUB not yet configured): /etc/default/grub's GRUB_CMDLINE_LINUX.
    let rep = run(
        &disk,
        &format!(
            "{dump}rm $R/boot/grub/grub.cfg\n\
             printf 'GRUB_DEFAULT=0\\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\\nGRUB_CMDLINE_LINUX=\"console=ttyS0 crashkernel=512M\"\\n' > $R/etc/default/grub"
        ),
        &[id],
    );
    let s = summary(&rep);
    assert!(s.contains("kdump: enabled, memory reserved (crashkernel=)"), "{s}");
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

/// A journal of two boots written by systemd-journal-remote into `dir/<machine-id>/`: the last
/// boot recorded on the disk ends with `last_words` (ident, kernel?, message), the one before it
/// shut down cleanly. The entries end an hour ago.
fn two_boot_journal(dir: &std::path::Path, last_words: &[(&str, bool, &str)]) -> bool {
    use crate::integration::journal_lab::{BOOTED, CLEAN_SHUTDOWN, now_usec, write_boots};
    let end = now_usec() - 3_600_000_000;
    let mut earlier = BOOTED.to_vec();
    earlier.extend_from_slice(CLEAN_SHUTDOWN);
    let mut last = BOOTED.to_vec();
    last.extend_from_slice(last_words);
    write_boots(
        dir,
        &[
            ("1111111111111111111111111111aaaa", end - 86_400_000_000, &earlier),
            ("2222222222222222222222222222bbbb", end - 600_000_000, &last),
        ],
    )
}

#[test]
fn the_last_boot_of_the_disk_ended_in_a_panic_an_oom_or_without_a_shutdown() {
    let Some(disk) = attach() else { return };
    let id = "sys.boot.previous";
    let copy = |dir: &std::path::Path| {
        format!(
            "rm -rf $R/var/log/journal && mkdir -p $R/var/log/journal && cp -r {}/. $R/var/log/journal/",
            dir.display()
        )
    };

    // The healthy image: no journal of a previous boot, no crash: quiet.
    let rep = run(&disk, "true", &[id]);
    assert_eq!(status_of(&rep, id), "ok", "{rep:#}");
    assert!(check(&rep, id)["findings"].as_array().is_none_or(|f| f.is_empty()), "{rep:#}");

    // A kernel panic at the end of the last boot, in the disk's persistent journal.
    let j = tempfile::tempdir().expect("tempdir");
    let panic = "Kernel panic - not syncing: Fatal exception in interrupt";
    if !two_boot_journal(
        j.path(),
        &[("kernel", true, "BUG: unable to handle page fault for address: ffff8880deadbeef"), ("kernel", true, panic)],
    ) {
        return;
    }
    let rep = run(&disk, &copy(j.path()), &[id]);
    let f = finding(&rep, id, "previous boot");
    assert_eq!(f["severity"], "warn", "{rep:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(
        m.starts_with("the last reboot was a crash at ") && m.contains(panic) && m.contains("journalctl -D"),
        "{m}"
    );
    assert!(m.contains("-b 0"), "the rescued disk's last boot: {m}");

    // Out of memory just before the end, no shutdown.
    let j = tempfile::tempdir().expect("tempdir");
    let oom = "Out of memory: Killed process 4242 (java) total-vm:8388608kB, anon-rss:7340032kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:14500kB oom_score_adj:0";
    two_boot_journal(
        j.path(),
        &[
            (
                "kernel",
                true,
                "java invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0",
            ),
            ("kernel", true, oom),
        ],
    );
    let rep = run(&disk, &copy(j.path()), &[id]);
    let f = finding(&rep, id, "previous boot");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("ran out of memory") && m.contains("Killed process 4242 (java)")),
        "{f:#}"
    );

    // Stopped mid-way (a forced restart): a note. A clean shutdown: nothing.
    let j = tempfile::tempdir().expect("tempdir");
    two_boot_journal(j.path(), &[("cron", false, "(root) CMD (run-parts --report /etc/cron.hourly)")]);
    let rep = run(&disk, &copy(j.path()), &[id]);
    assert_eq!(status_of(&rep, id), "ok", "{rep:#}");
    let f = finding(&rep, id, "previous boot");
    assert_eq!(f["severity"], "info", "{f:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("without a shutdown")), "{f:#}");
    let j = tempfile::tempdir().expect("tempdir");
    two_boot_journal(
        j.path(),
        &[
            ("systemd", false, "Stopping ssh.service - OpenBSD Secure Shell server..."),
            ("systemd-journald", false, "Journal stopped"),
        ],
    );
    let rep = run(&disk, &copy(j.path()), &[id]);
    assert!(check(&rep, id)["findings"].as_array().is_none_or(|f| f.is_empty()), "{rep:#}");
    assert!(check(&rep, id)["summary"].as_str().is_some_and(|s| s.contains("ended: clean")), "{rep:#}");

    // No journal, but systemd-pstore archived the kernel's last words an hour ago.
    let rep = run(
        &disk,
        "rm -rf $R/var/log/journal; mkdir -p $R/var/lib/systemd/pstore/1733400000\n\
         printf 'Panic#1 Part1\\n<6>[ 99.000000] systemd[1]: Started cron.service\\n<0>[ 1234.567890] Kernel panic - not syncing: hung_task: blocked tasks\\n' > $R/var/lib/systemd/pstore/1733400000/dmesg-efi-173340000001\n\
         touch -d '1 hour ago' $R/var/lib/systemd/pstore/1733400000/dmesg-efi-173340000001",
        &[id],
    );
    let f = finding(&rep, id, "previous boot");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("Kernel panic - not syncing: hung_task: blocked tasks") && m.contains("pstore"), "{m}");
    assert!(f["evidence"].to_string().contains("/var/lib/systemd/pstore/1733400000/dmesg-efi-173340000001"), "{f:#}");

    // A crash dump kdump saved yesterday (RHEL's layout).
    let rep = run(
        &disk,
        "D=$R/var/crash/127.0.0.1-2026-12-05-10:00:00; mkdir -p $D && head -c 4096 /dev/zero > $D/vmcore\n\
         printf '[ 500.1] Kernel panic - not syncing: softlockup: hung tasks\\n' > $D/vmcore-dmesg.txt\n\
         touch -d '1 day ago' $D/vmcore",
        &[id, "sys.kernel.health"],
    );
    let f = finding(&rep, id, "previous boot");
    assert!(
        f["message"].as_str().is_some_and(|m| m.contains("softlockup: hung tasks") && m.contains("kdump crash dump")),
        "{f:#}"
    );

    // kdump enabled without memory reserved for it; then with crashkernel= on the default entry.
    let enable = "mkdir -p $R/etc/systemd/system/multi-user.target.wants && ln -s /lib/systemd/system/kdump-tools.service $R/etc/systemd/system/multi-user.target.wants/kdump-tools.service\n\
                  printf 'USE_KDUMP=1\\n' > $R/etc/default/kdump-tools";
    let rep = run(&disk, enable, &[id]);
    let f = finding(&rep, id, "kdump");
    assert_eq!(f["severity"], "warn", "{rep:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("no crashkernel=")), "{f:#}");
    assert!(f["evidence"].to_string().contains("kdump-tools.service: enabled"), "{f:#}");
    let rep = run(
        &disk,
        &format!(
            "{enable}\nsed -i 's#\\(linux\\t*/boot/vmlinuz[^ ]* .*\\)$#\\1 crashkernel=256M#' $R/boot/grub/grub.cfg"
        ),
        &[id],
    );
    assert!(check(&rep, id)["findings"].as_array().is_none_or(|f| f.is_empty()), "{rep:#}");
    assert!(
        check(&rep, id)["summary"].as_str().is_some_and(|s| s.contains("memory reserved (crashkernel=)")),
        "{rep:#}"
    );
}

/// Shell lines that run cloud-init's four boot stages in a chroot of `$R` (the image's own
/// cloud-init 22.4 with a NoCloud seed), as one boot of the instance would.
///
/// cloud-init sets the hostname and may bring interfaces up: it runs in a UTS, network and IPC
/// namespace of its own so nothing of it reaches this machine (the image's own /dev nodes are
/// enough, the machine's /dev is not bound in).
const CLOUD_INIT_BOOT: &str = "mount -t proc proc $R/proc && mount -t tmpfs run $R/run\n\
     for s in 'init --local' 'init' 'modules --mode config' 'modules --mode final'; do unshare --uts --net --ipc chroot $R cloud-init $s >/dev/null 2>&1 || true; done\n\
     umount $R/run $R/proc\n";

fn seed(instance: &str, marker: &str) -> String {
    format!(
        "mkdir -p $R/var/lib/cloud/seed/nocloud\n\
         printf 'locale: C.UTF-8\\n' > $R/etc/cloud/cloud.cfg.d/99-lab-locale.cfg\n\
         printf 'instance-id: {instance}\\nlocal-hostname: ecs-rescued\\n' > $R/var/lib/cloud/seed/nocloud/meta-data\n\
         printf '#!/bin/sh\\necho {marker} > /root/{marker}\\n' > $R/var/lib/cloud/seed/nocloud/user-data\n"
    )
}

#[test]
fn user_data_changed_after_the_first_boot_never_runs_and_a_missing_datasource_applies_nothing() {
    let Some(disk) = attach() else { return };
    let id = "sys.cloud-init.result";
    let script = "/var/lib/cloud/instance/scripts/part-001";
    // First boot of instance i-lab-ud-0001 with user data A: it runs, all is well.
    let first = format!("{}{CLOUD_INIT_BOOT}test -f $R/root/script-a", seed("i-lab-ud-0001", "script-a"));
    let rep = run(&disk, &first, &[id]);
    assert_eq!(status_of(&rep, id), "ok", "{rep:#}");
    assert!(check(&rep, id)["findings"].as_array().is_none_or(|f| f.is_empty()), "{rep:#}");

    // The user data changed "in the console" (the seed), then a reboot: cloud-init keeps the
    // per-instance semaphore, script B never runs.
    let changed = format!("{first}\n{}{CLOUD_INIT_BOOT}test ! -f $R/root/script-b", seed("i-lab-ud-0001", "script-b"));
    let rep = run(&disk, &changed, &[id]);
    assert_eq!(status_of(&rep, id), "warn", "{rep:#}");
    let f = finding(&rep, id, script);
    let m = f["message"].as_str().unwrap_or_default();
    assert!(
        m.contains("changed after cloud-init ran its scripts for instance i-lab-ud-0001")
            && m.contains("/var/lib/cloud/seed/nocloud/user-data")
            && m.contains("/var/lib/cloud/instances/i-lab-ud-0001/sem/config_scripts_user"),
        "{m}"
    );
    let ev = f["evidence"].to_string();
    assert!(
        ev.contains("config-scripts-user already ran (freq=once-per-instance)") && ev.contains("echo script-b"),
        "{f:#}"
    );

    // A reboot with the same user data: only a note that the scripts did not run again.
    let same = format!("{first}\n{CLOUD_INIT_BOOT}");
    let rep = run(&disk, &same, &[id]);
    assert_eq!(status_of(&rep, id), "ok", "{rep:#}");
    let f = finding(&rep, id, script);
    assert_eq!(f["severity"], "info", "{f:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("did not run at the last boot")), "{f:#}");

    // A new instance made from this disk (another instance id) runs the user data again.
    let new_instance =
        format!("{first}\n{}{CLOUD_INIT_BOOT}test -f $R/root/script-b", seed("i-lab-ud-0002", "script-b"));
    let rep = run(&disk, &new_instance, &[id]);
    assert!(check(&rep, id)["findings"].as_array().is_none_or(|f| f.is_empty()), "{rep:#}");

    // The metadata did not answer at boot (no seed): DataSourceNone, nothing applied.
    let none = format!(
        "{first}\nrm -rf $R/var/lib/cloud/seed $R/var/lib/cloud/instance $R/var/lib/cloud/instances $R/var/lib/cloud/data\n\
         printf 'datasource_list: [ NoCloud, None ]\\n' > $R/etc/cloud/cloud.cfg.d/98-lab-datasource.cfg\n{CLOUD_INIT_BOOT}"
    );
    let rep = run(&disk, &none, &[id]);
    assert_eq!(status_of(&rep, id), "warn", "{rep:#}");
    let f = check(&rep, id)["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["message"].as_str().is_some_and(|m| m.contains("DataSourceNone"))))
        .unwrap_or_else(|| panic!("no DataSourceNone finding: {rep:#}"));
    assert!(f["message"].as_str().is_some_and(|m| m.contains("nothing the console set")), "{f:#}");
}

/// The README's "Rescue a server that does not boot" shows this run: each check line it shows is
/// in the real output with the same mark, title and id, and the same message up to what differs
/// from run to run (the time, the overlay's path); its first next step is the run's.
fn readme_shows(text: &str) {
    let readme = std::fs::read_to_string(project_dir().join("README.md")).expect("README.md");
    let section = readme.split("## Rescue a server that does not boot").nth(1).expect("the rescue section");
    let block = section.split("```console").nth(1).and_then(|b| b.split("```").next()).expect("its console block");
    let shown: Vec<&str> = block.lines().filter(|l| l.starts_with("  [")).collect();
    assert!(shown.len() >= 5, "{block}");
    // What differs between runs: a time, and where the disk is mounted.
    let stable = |l: &str| {
        let l = l.split(" at 20").next().unwrap_or(l).to_string();
        l.split(" (seen in ").next().unwrap_or(&l).to_string()
    };
    for line in shown {
        let found =
            text.lines().any(|l| stable(l) == stable(line) && l.ends_with(line.rsplit("  ").next().unwrap_or("")));
        assert!(found, "the README shows a line this run does not print:\n{line}\n\nthe run:\n{text}");
    }
    let first_step = |t: &str| {
        t.split("Next steps:")
            .nth(1)
            .and_then(|n| n.lines().find(|l| !l.trim().is_empty()))
            .map(str::trim)
            .map(str::to_string)
    };
    assert_eq!(first_step(block), first_step(text), "the README's next step");
}

#[test]
fn the_rescue_run_of_a_broken_disk_says_what_to_repair_first() {
    let Some(disk) = attach() else { return };
    // Three faults at three stages of the boot, and the last boot ended in a panic: the kernel's
    // initramfs removed, the root filesystem's UUID mistyped in fstab, an SELinux typo.
    let j = tempfile::tempdir().expect("tempdir");
    if !two_boot_journal(
        j.path(),
        &[("kernel", true, "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)")],
    ) {
        return;
    }
    let breakage = format!(
        "rm $R/boot/initrd.img-*\n\
         sed -i 's#^UUID=[0-9a-f-]* / #UUID=0badc0de-0000-4000-8000-00000000f00d / #' $R/etc/fstab\n\
         printf 'SELINUX=enforcin\\n' > $R/etc/selinux/config\n\
         mkdir -p $R/var/log/journal && cp -r {}/. $R/var/log/journal/",
        j.path().display()
    );
    let text = run_raw(&disk, &breakage, " --format text");
    // The first thing to repair is the first stage the boot fails at: GRUB's entry.
    let next = text.split("Next steps:").nth(1).unwrap_or_else(|| panic!("no next steps:\n{text}"));
    assert!(next.trim_start().starts_with("ecs-doctor explain sys.boot.entry"), "{text}");
    readme_shows(&text);
    let rep = run(&disk, &breakage, &[]);
    for (id, status) in [
        ("sys.boot.entry", "crit"),
        ("disk.fstab.entries", "crit"),
        ("sys.boot.selinux", "crit"),
        ("sys.boot.previous", "warn"),
        // A rescued disk has nothing mounted or running: skipped with the reason, never an error.
        ("disk.mount.hung", "skipped"),
        ("disk.mount.read-only", "skipped"),
        ("disk.mount.hidden", "skipped"),
        ("disk.usage.space", "skipped"),
        ("disk.usage.inodes", "skipped"),
        ("disk.usage.deleted-open", "skipped"),
    ] {
        assert_eq!(status_of(&rep, id), status, "{id}: {:#}", check(&rep, id));
    }
    let f = finding(&rep, "sys.boot.previous", "previous boot");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("Unable to mount root fs")), "{f:#}");
}
