//! `ecs-doctor fix --root` on a real Debian system disk that does not boot (root only, under the
//! lab lock): the debootstrap'ed bookworm disk of `boot_lab`, attached read-only to a loop
//! device and broken in an overlay in a private mount namespace, as a rescue instance sees a
//! broken server's disk.
//!
//! The faults are made with the distribution's own tools: a newer kernel was installed (its
//! files beside the real one), grub-mkconfig wrote the menu with it as the default (pinned in
//! /etc/default/grub, or `GRUB_DEFAULT=saved` and `grub-set-default`), then its files were removed
//! by hand; an SELinux typo; /etc/adjtime LOCAL. Each: the plan shows the diffs and changes
//! nothing; apply fixes it (the checks are ok when run again under `--root`); undo restores the
//! sha256, mode and owner of every file; the plan follows the rescue run's order.
//!
//! The initramfs: removed (built again from nothing), cut short as a full /boot leaves it (built
//! again, the cut one kept until undo puts it back, sha256 and all), and repacked without
//! virtio_blk on a disk whose initramfs-tools takes only the modules it lists (`MODULES=list`):
//! the driver named in /etc/initramfs-tools/modules and the initramfs built again, with it.

use super::boot_lab::{Disk, attach, overlay, repack};
use crate::common::*;
use std::path::PathBuf;
use std::process::Command;

/// The files the boot repairs touch, as `state` prints them.
const FILES: &str = "/boot/grub/grub.cfg /boot/grub/grubenv /etc/default/grub /etc/selinux/config /etc/adjtime /boot/initrd.img-6.1.0-50-cloud-amd64 /boot/initrd.img-6.1.0-50-cloud-amd64.ecs-doctor-old /etc/initramfs-tools/modules";

/// Runs `script` (sh) in a private mount namespace with the disk under an overlay at `$R`; `$D`
/// is a directory for what it writes, `$BIN` the tool, `$DEV` the disk; `state NAME` writes
/// each of `files`' (space-separated) mode, owner and sha256 (a link: its target) to `$D/NAME`;
/// `doctor OUT ARGS` runs the tool in a network namespace of its own. Returns `$D`.
pub(crate) fn session(disk: &Disk, files: &str, script: &str) -> PathBuf {
    let n = std::fs::read_dir(disk.dir.path()).map(|r| r.count()).unwrap_or(0);
    let d = disk.dir.path().join(format!("s{}.{n}", std::process::id()));
    std::fs::create_dir_all(&d).expect("mkdir");
    let ds = d.to_str().expect("utf-8");
    let full = format!(
        "{}D={ds} DEV={dev} BIN={BIN}\n\
         state() {{ for f in {files}; do if [ -L $R$f ]; then echo \"$f -> $(readlink $R$f) $(stat -c '%u %g' $R$f)\"; elif [ -e $R$f ]; then echo \"$f $(stat -c '%a %u %g' $R$f) $(sha256sum < $R$f | cut -c1-64)\"; else echo \"$f absent\"; fi; done > $D/$1; }}\n\
         doctor() {{ out=$1; shift; rc=0; unshare --net $BIN \"$@\" > $D/$out 2>&1 || rc=$?; echo $rc > $D/$out.rc; }}\n\
         {script}\n",
        overlay(disk, ds),
        dev = disk.lo.dev
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &full])
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .env("PATH", "/usr/sbin:/sbin:/usr/bin:/bin")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("fix-boot-lab-reports"))
        .output()
        .expect("unshare");
    assert!(out.status.success(), "the session failed:\n{}{}", stdout(&out), stderr(&out));
    d
}

pub(crate) fn read(d: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(d.join(name)).unwrap_or_default()
}

/// The lines of `state` output that differ (their paths).
pub(crate) fn changed(a: &str, b: &str) -> Vec<String> {
    a.lines()
        .zip(b.lines())
        .filter(|(x, y)| x != y)
        .map(|(x, _)| x.split(' ').next().unwrap_or("").to_string())
        .collect()
}

/// Shell lines: `$V` the disk's kernel, `$U` its filesystem's UUID; `setup` run, then the menu
/// written by the disk's own grub-mkconfig with `grub_default` in /etc/default/grub, then
/// `teardown`.
///
/// grub-mkconfig asks grub-probe about the disk under /, an overlay on a loop device it cannot
/// name: for that one run grub-probe answers as on a one-disk instance (as .ci/boot-root does
/// when it makes the image); everything in grub.cfg is Debian's own scripts'.
pub(crate) fn grub_menu(grub_default: &str, setup: &str, teardown: &str) -> String {
    format!(
        "V=$(cd $R/boot && ls vmlinuz-* | sed 's/^vmlinuz-//' | head -n 1)\n\
         U=$(blkid -s UUID -o value $DEV)\n\
         {setup}\n\
         printf '# written by the lab\\nGRUB_DEFAULT=\"%s\"\\nGRUB_TIMEOUT=5\\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\\nGRUB_CMDLINE_LINUX=\"\"\\n' \"{grub_default}\" > $R/etc/default/grub\n\
         mv $R/usr/sbin/grub-probe $R/usr/sbin/grub-probe.real\n\
         cat > $R/usr/sbin/grub-probe <<PROBE\n\
#!/bin/sh\n\
t=''\n\
for a in \"\\$@\"; do case \"\\$a\" in --target=*) t=\"\\${{a#--target=}}\";; esac; done\n\
p=''\n\
for a in \"\\$@\"; do [ \"\\$p\" = -t ] && t=\"\\$a\"; p=\"\\$a\"; done\n\
case \"\\$t\" in device) echo /dev/vda1;; fs) echo ext2;; fs_uuid) echo $U;; fs_label) echo ecs-root;; partmap) echo msdos;; drive) echo '(hd0,msdos1)';; bios_hints|compatibility_hint) echo hd0,msdos1;; hints_string) echo --hint-bios=hd0,msdos1;; disk) echo /dev/vda;; partuuid|abstraction) echo;; *) exit 1;; esac\n\
PROBE\n\
         chmod 755 $R/usr/sbin/grub-probe\n\
         mkdir -p $R/dev/disk/by-uuid && : > $R/dev/vda1 && ln -sfn ../../vda1 $R/dev/disk/by-uuid/$U\n\
         chroot $R grub-mkconfig -o /boot/grub/grub.cfg 2>/dev/null\n\
         mv $R/usr/sbin/grub-probe.real $R/usr/sbin/grub-probe\n\
         rm -rf $R/dev/disk $R/dev/vda1\n\
         {teardown}\n"
    )
}

/// The finding codes of check `id` at warn or crit in a report.
pub(crate) fn alarm_codes(id: &str, rep: &serde_json::Value) -> Vec<String> {
    check(rep, id)["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["severity"] == "warn" || f["severity"] == "crit")
                .map(|f| f["code"].as_str().unwrap_or("-").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The newer kernel whose files are removed after grub-mkconfig made it the default.
pub const GONE: &str = "6.1.0-99-cloud-amd64";

/// Shell lines: kernel [`GONE`] installed beside the disk's own (its files copies of it), the
/// menu written by the disk's own grub-mkconfig with `grub_default` in /etc/default/grub (then
/// `grub-set-default` when it is `saved`), and the kernel's files removed by hand
/// ([`grub_menu`]).
pub fn newer_kernel_removed(grub_default: &str) -> String {
    let set_saved = if grub_default == "saved" {
        format!("chroot $R grub-set-default \"gnulinux-advanced-$U>gnulinux-{GONE}-advanced-$U\"\n")
    } else {
        String::new()
    };
    grub_menu(
        grub_default,
        &format!("cp $R/boot/vmlinuz-$V $R/boot/vmlinuz-{GONE} && cp $R/boot/initrd.img-$V $R/boot/initrd.img-{GONE}"),
        &format!("{set_saved}rm $R/boot/vmlinuz-{GONE} $R/boot/initrd.img-{GONE}"),
    )
}

/// Mode and owner of each line of `state` output (the sha256 left out).
fn modes(s: &str) -> Vec<String> {
    s.lines().map(|l| l.split(' ').take(4).collect::<Vec<_>>().join(" ")).collect()
}

#[test]
fn a_grub_default_to_a_removed_kernel_an_selinux_typo_and_adjtime_local_are_repaired_in_boot_order_and_undone() {
    let Some(disk) = attach() else { return };
    let only = "--only sys.boot --only sys.clock.settings";
    let d = session(
        &disk,
        FILES,
        &format!(
            "U=$(blkid -s UUID -o value $DEV)\n\
             {}\
             printf 'SELINUX=enforcin\\n' > $R/etc/selinux/config && chmod 600 $R/etc/selinux/config\n\
             printf '0.000000 1733400000 0.000000\\n1733400000\\nLOCAL\\n' > $R/etc/adjtime && chown 0:4 $R/etc/adjtime && chmod 640 $R/etc/adjtime\n\
             state state-before\n\
             doctor rescue run --no-save --root $R\n\
             doctor plan fix --no-save --root $R {only}\n\
             state state-plan\n\
             doctor apply fix --no-save --root $R {only} --apply --yes\n\
             doctor after.json run --no-save --root $R --format json {only}\n\
             state state-after\n\
             for i in 1 2 3; do doctor undo$i fix --root $R --undo; done\n\
             state state-undone\n\
             doctor undone.json run --no-save --root $R --format json {only}\n",
            newer_kernel_removed(&format!("gnulinux-advanced-$U>gnulinux-{GONE}-advanced-$U"))
        ),
    );
    // The rescue run says to repair GRUB's entry first; the plan goes in that order.
    let rescue = read(&d, "rescue");
    let next = rescue.split("Next steps:").nth(1).unwrap_or_else(|| panic!("no next steps:\n{rescue}"));
    assert!(next.trim_start().starts_with("ecs-doctor explain sys.boot.entry"), "{rescue}");
    let plan = read(&d, "plan");
    let at = |what: &str| plan.find(what).unwrap_or_else(|| panic!("{what:?} not in\n{plan}"));
    assert!(
        at("·  sys.boot.entry  ·") < at("·  sys.boot.selinux  ·")
            && at("·  sys.boot.selinux  ·") < at("·  sys.clock.settings  ·"),
        "boot order: {plan}"
    );
    for want in [
        format!("GRUB's default instead of 'GNU/Linux, with Linux {GONE}', whose kernel /boot/vmlinuz-{GONE} is gone"),
        format!(">gnulinux-{GONE}-advanced-"),
        "-   set default=\"gnulinux-advanced-".into(),
        "+   set default=\"gnulinux-advanced-".into(),
        ">gnulinux-6.1.0-50-cloud-amd64-advanced-".into(),
        "-GRUB_DEFAULT=\"gnulinux-advanced-".into(),
        "+GRUB_DEFAULT=\"gnulinux-advanced-".into(),
        "/usr/bin/grub-script-check /boot/grub/grub.cfg".into(),
        "-SELINUX=enforcin\n".into(),
        "+SELINUX=enforcing\n".into(),
        "is a typo of enforcing".into(),
        "-LOCAL\n".into(),
        "+UTC\n".into(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}");
    }
    assert_eq!(read(&d, "plan.rc").trim(), "2", "the plan exits like run: critical\n{plan}");
    let before = read(&d, "state-before");
    assert_eq!(before.lines().count(), FILES.split(' ').count(), "{before}");
    assert_eq!(read(&d, "state-plan"), before, "the plan changed nothing");

    assert_eq!(read(&d, "apply.rc").trim(), "0", "{}", read(&d, "apply"));
    let after = valid_report(&read(&d, "after.json"));
    for id in ["sys.boot.entry", "sys.boot.selinux", "sys.clock.settings"] {
        assert_eq!(status_of(&after, id), "ok", "{id} after the repairs: {:#}", check(&after, id));
    }
    let state_after = read(&d, "state-after");
    assert_eq!(
        changed(&before, &state_after),
        ["/boot/grub/grub.cfg", "/etc/default/grub", "/etc/selinux/config", "/etc/adjtime"],
        "{before}\n{state_after}"
    );
    assert_eq!(modes(&state_after), modes(&before), "modes and owners kept");

    for i in 1..=3 {
        assert_eq!(read(&d, &format!("undo{i}.rc")).trim(), "0", "{}", read(&d, &format!("undo{i}")));
    }
    assert_eq!(read(&d, "state-undone"), before, "undone: sha256, mode and owner");
    let undone = valid_report(&read(&d, "undone.json"));
    for id in ["sys.boot.entry", "sys.boot.selinux"] {
        assert_eq!(status_of(&undone, id), "crit", "{id}: {undone:#}");
    }
    assert_eq!(status_of(&undone, "sys.clock.settings"), "warn", "{undone:#}");
}

#[test]
fn a_saved_entry_of_a_removed_kernel_is_moved_in_grubenv_and_an_selinux_word_that_is_no_typo_becomes_permissive() {
    let Some(disk) = attach() else { return };
    let only = "--only sys.boot.entry --only sys.boot.selinux";
    let d = session(
        &disk,
        FILES,
        &format!(
            "{}\
             printf '# This file controls the state of SELinux on the system.\\nSELINUX=0\\nSELINUXTYPE=default\\n' > $R/etc/selinux/config\n\
             mkdir -p $R/etc/selinux/default/policy\n\
             state state-before\n\
             doctor plan fix --no-save --root $R {only}\n\
             state state-plan\n\
             doctor apply fix --no-save --root $R {only} --apply --yes\n\
             doctor after.json run --no-save --root $R --format json {only}\n\
             chroot $R grub-editenv /boot/grub/grubenv list > $D/editenv\n\
             state state-after\n\
             for i in 1 2; do doctor undo$i fix --root $R --undo; done\n\
             state state-undone\n",
            newer_kernel_removed("saved")
        ),
    );
    let plan = read(&d, "plan");
    for want in [
        "--- a/boot/grub/grubenv".to_string(),
        "-saved_entry=gnulinux-advanced-".into(),
        format!(">gnulinux-{GONE}-advanced-"),
        "+saved_entry=gnulinux-advanced-".into(),
        "validate: chroot ".into(),
        "/usr/bin/grub-editenv /boot/grub/grubenv list".into(),
        "SELINUX=0 on line 2 of /etc/selinux/config is no mode and not clearly a typo of one: write SELINUX=permissive"
            .into(),
        "+SELINUX=permissive\n".into(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}");
    }
    assert!(!plan.contains("--- a/boot/grub/grub.cfg"), "GRUB_DEFAULT=saved: grub.cfg stays\n{plan}");
    let before = read(&d, "state-before");
    assert_eq!(read(&d, "state-plan"), before, "the plan changed nothing");
    assert_eq!(read(&d, "apply.rc").trim(), "0", "{}", read(&d, "apply"));
    let after = valid_report(&read(&d, "after.json"));
    for id in ["sys.boot.entry", "sys.boot.selinux"] {
        assert_eq!(status_of(&after, id), "ok", "{id} after the repairs: {:#}", check(&after, id));
    }
    // GRUB's own tool reads the block the repair wrote.
    let env = read(&d, "editenv");
    assert!(
        env.contains("saved_entry=gnulinux-advanced-") && env.contains(">gnulinux-6.1.0-50-cloud-amd64-advanced-"),
        "{env}"
    );
    let state_after = read(&d, "state-after");
    assert_eq!(changed(&before, &state_after), ["/boot/grub/grubenv", "/etc/selinux/config"], "{state_after}");
    for i in 1..=2 {
        assert_eq!(read(&d, &format!("undo{i}.rc")).trim(), "0", "{}", read(&d, &format!("undo{i}")));
    }
    assert_eq!(read(&d, "state-undone"), before, "undone: sha256, mode and owner");
}

#[test]
fn a_removed_initramfs_is_built_again_in_a_chroot_with_the_binds_undone_and_undo_removes_it() {
    let Some(disk) = attach() else { return };
    let only = "--only sys.boot.entry --only sys.boot.initramfs";
    let d = session(
        &disk,
        FILES,
        &format!(
            "rm $R/boot/initrd.img-*\n\
             mounts() {{ grep -c \" $R/\" /proc/self/mountinfo > $D/$1 || true; }}\n\
             state state-before; mounts mounts-before\n\
             doctor plan fix --no-save --root $R {only}\n\
             state state-plan; mounts mounts-plan\n\
             doctor apply fix --no-save --root $R {only} --apply --yes\n\
             state state-after; mounts mounts-after\n\
             doctor after.json run --no-save --root $R --format json {only}\n\
             doctor undo fix --root $R --undo\n\
             state state-undone; mounts mounts-undone\n\
             doctor undone.json run --no-save --root $R --format json {only}\n"
        ),
    );
    let plan = read(&d, "plan");
    let r = format!("{}/root", d.display());
    for want in [
        "initramfs-build-gnu-linux  ·  sys.boot.entry  ·  GNU/Linux".to_string(),
        "build /boot/initrd.img-6.1.0-50-cloud-amd64 again for kernel 6.1.0-50-cloud-amd64".into(),
        format!("runs: mount --bind /dev {r}/dev"),
        format!("undo runs: umount {r}/dev"),
        format!("runs: chroot {r} /usr/sbin/update-initramfs -c -k 6.1.0-50-cloud-amd64"),
        format!("undo runs: chroot {r} /usr/sbin/update-initramfs -d -k 6.1.0-50-cloud-amd64"),
        format!("runs: umount {r}/sys"),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}");
    }
    let before = read(&d, "state-before");
    assert!(before.contains("/boot/initrd.img-6.1.0-50-cloud-amd64 absent"), "{before}");
    assert_eq!(read(&d, "state-plan"), before, "the plan changed nothing");
    let mounts = read(&d, "mounts-before");
    assert_eq!(read(&d, "mounts-plan"), mounts, "the plan mounted nothing");

    assert_eq!(read(&d, "apply.rc").trim(), "0", "{}", read(&d, "apply"));
    assert_eq!(read(&d, "mounts-after"), mounts, "/dev, /proc and /sys unbound after the build");
    let after = valid_report(&read(&d, "after.json"));
    assert_eq!(status_of(&after, "sys.boot.entry"), "ok", "{after:#}");
    // The new initramfs is the disk's own build: the cloud's drivers are in it.
    assert_eq!(status_of(&after, "sys.boot.initramfs"), "ok", "{after:#}");
    let built = read(&d, "state-after");
    assert!(!built.contains("initrd.img-6.1.0-50-cloud-amd64 absent"), "{built}");

    assert_eq!(read(&d, "undo.rc").trim(), "0", "{}", read(&d, "undo"));
    assert_eq!(read(&d, "state-undone"), before, "undo removed what the build made");
    assert_eq!(read(&d, "mounts-undone"), mounts, "undo unbound what it bound");
    let undone = valid_report(&read(&d, "undone.json"));
    assert_eq!(status_of(&undone, "sys.boot.entry"), "crit", "{undone:#}");
}

#[test]
fn the_root_filesystem_declared_with_another_type_or_options_it_refuses_is_repaired_from_its_superblock() {
    let Some(disk) = attach() else { return };
    let only = "--only disk.fstab.types";
    let d = session(
        &disk,
        FILES,
        &format!(
            "fstate() {{ echo \"$(stat -c '%a %u %g' $R/etc/fstab) $(sha256sum < $R/etc/fstab | cut -c1-64)\" > $D/$1; }}\n\
             fstate original\n\
             sed -i 's# / ext4 # / xfs #' $R/etc/fstab && chmod 640 $R/etc/fstab && chown 0:4 $R/etc/fstab\n\
             fstate type-before\n\
             doctor type-plan fix --no-save --root $R {only}\n\
             fstate type-plan-state\n\
             doctor type-apply fix --no-save --root $R {only} --apply fstab-type-root --yes\n\
             cp $R/etc/fstab $D/type-fstab\n\
             doctor type-after.json run --no-save --root $R --format json {only}\n\
             doctor type-undo fix --root $R --undo\n\
             fstate type-undone\n\
             sed -i 's# / xfs # / ext4 #; s#defaults,errors=remount-ro#noatime,inode64,errors=remount-ro#' $R/etc/fstab\n\
             fstate options-before\n\
             doctor options-plan fix --no-save --root $R {only}\n\
             doctor options-apply fix --no-save --root $R {only} --apply fstab-options-root --yes\n\
             cp $R/etc/fstab $D/options-fstab\n\
             doctor options-after.json run --no-save --root $R --format json {only}\n\
             doctor options-undo fix --root $R --undo\n\
             fstate options-undone\n"
        ),
    );
    let dev = &disk.lo.dev;
    let plan = read(&d, "type-plan");
    for want in [
        "fstab-type-root  ·  disk.fstab.types  ·  /".to_string(),
        format!("mount / as ext4, the type in {dev}'s superblock, instead of xfs (line 1 of /etc/fstab)"),
        " / xfs defaults,errors=remount-ro 0 1\n".into(),
        " / ext4 defaults,errors=remount-ro 0 1\n".into(),
        "validate: findmnt --verify --tab-file ".into(),
        // errors= is refused by the declared xfs only: the type repair is the one to make.
        "they suit ext4, the real one, which fstab-type writes".into(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}");
    }
    let before = read(&d, "type-before");
    assert_eq!(read(&d, "type-plan-state"), before, "the plan changed nothing");
    assert_eq!(read(&d, "type-apply.rc").trim(), "0", "{}", read(&d, "type-apply"));
    assert!(read(&d, "type-fstab").contains(" / ext4 defaults,errors=remount-ro 0 1"), "{}", read(&d, "type-fstab"));
    let after = valid_report(&read(&d, "type-after.json"));
    assert_eq!(status_of(&after, "disk.fstab.types"), "ok", "{after:#}");
    assert_eq!(read(&d, "type-undo.rc").trim(), "0", "{}", read(&d, "type-undo"));
    assert_eq!(read(&d, "type-undone"), before, "undone: sha256, mode and owner");
    assert!(before.starts_with("640 0 4 "), "{before}");

    let plan = read(&d, "options-plan");
    for want in [
        "fstab-options-root  ·  disk.fstab.types  ·  /",
        "remove inode64, which ext4 refuses, from the options of / (line 1 of /etc/fstab)",
        " / ext4 noatime,inode64,errors=remount-ro 0 1\n",
        " / ext4 noatime,errors=remount-ro 0 1\n",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}");
    }
    assert_eq!(read(&d, "options-apply.rc").trim(), "0", "{}", read(&d, "options-apply"));
    let after = valid_report(&read(&d, "options-after.json"));
    assert_eq!(status_of(&after, "disk.fstab.types"), "ok", "{after:#}");
    assert_eq!(read(&d, "options-undo.rc").trim(), "0", "{}", read(&d, "options-undo"));
    assert_eq!(read(&d, "options-undone"), read(&d, "options-before"), "undone");
    assert_ne!(read(&d, "options-before"), read(&d, "original"));
}

/// The disk's initramfs and its kernel.
const INITRD: &str = "/boot/initrd.img-6.1.0-50-cloud-amd64";
const KVER: &str = "6.1.0-50-cloud-amd64";

#[test]
fn an_initramfs_cut_short_or_repacked_without_the_disk_driver_is_built_again_and_undo_puts_the_old_one_back() {
    let Some(disk) = attach() else { return };
    let only = "--only sys.boot.initramfs";
    // The healthy disk: nothing to repair.
    let d = session(&disk, FILES, &format!("doctor plan fix --no-save --root $R {only}\n"));
    let plan = read(&d, "plan");
    assert!(!plan.contains("initramfs-"), "a repair planned on the healthy disk:\n{plan}");

    // Repacked without virtio_blk, on a disk whose initramfs-tools is told to take only the
    // modules it lists (MODULES=list): building it again as it is would leave the driver out
    // again, so the rebuilt one holds it only through the line the repair adds to the list.
    let without_virtio = format!(
        "sed -i 's/^MODULES=.*/MODULES=list/' $R/etc/initramfs-tools/initramfs.conf\n{}",
        repack("find . -name 'virtio_blk.ko*' -delete", "zstd -q -1")
    );
    // A full /boot leaves an initramfs cut short.
    let cut_short = format!("truncate -s $(( $(stat -c %s $R{INITRD}) / 2 )) $R{INITRD}\n");
    // (the fault, the repair to apply, the finding's subject and code)
    let cases = [
        (cut_short, "initramfs-rebuild-boot-initrd-img-6-1-0-50-cloud-amd64", INITRD, "EINVAL"),
        (without_virtio, "initramfs-driver-virtio-blk", "virtio_blk", "DRIVER-MISSING"),
    ];
    for (fault, id, subject, code) in cases {
        let d = session(
            &disk,
            FILES,
            &format!(
                "{fault}\
                 mounts() {{ grep -c \" $R/\" /proc/self/mountinfo > $D/$1 || true; }}\n\
                 listing() {{ chroot $R lsinitramfs {INITRD} > $D/$1 2>&1 || true; }}\n\
                 state state-before; mounts mounts-before; listing listing-before\n\
                 doctor before.json run --no-save --root $R --format json {only}\n\
                 doctor plan fix --no-save --root $R {only}\n\
                 state state-plan; mounts mounts-plan\n\
                 doctor apply fix --no-save --root $R {only} --apply {id} --yes\n\
                 state state-after; mounts mounts-after; listing listing-after\n\
                 doctor after.json run --no-save --root $R --format json {only}\n\
                 doctor undo fix --root $R --undo\n\
                 state state-undone; mounts mounts-undone\n\
                 doctor undone.json run --no-save --root $R --format json {only}\n"
            ),
        );
        let alarm = |rep: &serde_json::Value| {
            check(rep, "sys.boot.initramfs")["findings"]
                .as_array()
                .and_then(|f| f.iter().find(|f| f["subject"] == subject).cloned())
                .filter(|f| f["severity"] == "crit")
        };
        let before = valid_report(&read(&d, "before.json"));
        let found = alarm(&before).unwrap_or_else(|| panic!("no crit about {subject}: {before:#}"));
        assert_eq!(found["code"], code, "{found:#}");

        let plan = read(&d, "plan");
        let r = format!("{}/root", d.display());
        let mut wants = vec![
            format!("{id}  ·  sys.boot.initramfs  ·  {subject}"),
            format!("runs: cp -a {r}{INITRD} {r}{INITRD}.ecs-doctor-old"),
            format!("undo runs: mv -f {r}{INITRD}.ecs-doctor-old {r}{INITRD}"),
            format!("runs: mount --bind /dev {r}/dev"),
            format!("runs: chroot {r} /usr/sbin/update-initramfs -u -k {KVER}"),
            format!("undo runs: cp -a {r}{INITRD}.ecs-doctor-old {r}{INITRD}"),
            format!("runs: umount {r}/sys"),
        ];
        if subject == "virtio_blk" {
            wants.push("+virtio_blk".into());
            wants.push("/etc/initramfs-tools/modules".into());
        }
        for want in wants {
            assert!(plan.contains(&want), "{want:?} not in\n{plan}");
        }
        let state = read(&d, "state-before");
        assert!(state.contains(&format!("{INITRD}.ecs-doctor-old absent")), "{state}");
        assert_eq!(read(&d, "state-plan"), state, "the plan changed nothing");
        let mounts = read(&d, "mounts-before");
        assert_eq!(read(&d, "mounts-plan"), mounts, "the plan mounted nothing");

        assert_eq!(read(&d, "apply.rc").trim(), "0", "{}", read(&d, "apply"));
        assert_eq!(read(&d, "mounts-after"), mounts, "/dev, /proc and /sys unbound after the build");
        let after = valid_report(&read(&d, "after.json"));
        assert!(alarm(&after).is_none(), "{subject} still: {:#}", check(&after, "sys.boot.initramfs"));
        let built = read(&d, "state-after");
        let line = |s: &str, f: &str| s.lines().find(|l| l.split(' ').next() == Some(f)).unwrap_or("").to_string();
        // The old initramfs kept beside the new one, byte for byte.
        let old_hash = line(&state, INITRD).rsplit(' ').next().unwrap_or("").to_string();
        assert_eq!(
            line(&built, &format!("{INITRD}.ecs-doctor-old")).rsplit(' ').next(),
            Some(old_hash.as_str()),
            "{built}"
        );
        assert_ne!(line(&built, INITRD), line(&state, INITRD), "built again: {built}");
        let listed = read(&d, "listing-after");
        if subject == "virtio_blk" {
            assert!(!read(&d, "listing-before").contains("virtio_blk.ko"), "{}", read(&d, "listing-before"));
            assert!(listed.contains("/virtio_blk.ko"), "the rebuilt initramfs lacks virtio_blk:\n{listed}");
            let modules = line(&built, "/etc/initramfs-tools/modules");
            assert_ne!(modules, line(&state, "/etc/initramfs-tools/modules"), "{built}");
        } else {
            // The disk's own build of the disk's own config: the check is ok again.
            assert_eq!(status_of(&after, "sys.boot.initramfs"), "ok", "{after:#}");
            assert!(listed.contains("/virtio_blk.ko"), "{listed}");
            assert_eq!(changed(&state, &built), [INITRD.to_string(), format!("{INITRD}.ecs-doctor-old")], "{built}");
        }

        assert_eq!(read(&d, "undo.rc").trim(), "0", "{}", read(&d, "undo"));
        let said = if subject == "virtio_blk" {
            "undone; /etc/initramfs-tools/modules restored byte for byte"
        } else {
            "undone; what it ran reversed"
        };
        assert!(read(&d, "undo").contains(said), "{}", read(&d, "undo"));
        assert_eq!(read(&d, "state-undone"), state, "undo put the old initramfs (and the modules list) back");
        assert_eq!(read(&d, "mounts-undone"), mounts, "undo unbound what it bound");
        let undone = valid_report(&read(&d, "undone.json"));
        assert!(alarm(&undone).is_some(), "the fault is back after undo: {undone:#}");
    }
}
