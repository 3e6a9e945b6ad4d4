//! `ecs-doctor fix --root` on GRUB defaults that do not boot the real Debian system disk of
//! `boot_lab` (root only, under the lab lock): the disk attached read-only to a loop device and
//! broken in an overlay in a private mount namespace, as a rescue instance sees it.
//!
//! The menus are written by the disk's own grub-mkconfig: a GRUB_DEFAULT pinned to a kernel
//! removed since (`DEFAULT-UNKNOWN`), and a newer kernel installed whose initramfs was not there
//! when the menu was made (`NO-INITRD`). Each: the plan shows the diffs and changes nothing;
//! apply makes `sys.boot.entry` ok under `--root`; undo restores sha256, mode and owner.

use super::boot_lab::attach;
use super::fix_boot_lab::{alarm_codes, changed, grub_menu, read, session};
use crate::common::*;

/// The files the repairs may touch, as `state` prints them.
const FILES: &str = "/boot/grub/grub.cfg /boot/grub/grubenv /etc/default/grub";

/// The plan, apply, run, undo sequence each scenario goes through, for `sys.boot.entry`.
const CYCLE: &str = "state state-before\n\
     doctor before.json run --no-save --root $R --format json --only sys.boot.entry\n\
     doctor plan fix --no-save --root $R --only sys.boot.entry\n\
     state state-plan\n\
     doctor apply fix --no-save --root $R --only sys.boot.entry --apply --yes\n\
     doctor after.json run --no-save --root $R --format json --only sys.boot.entry\n\
     cp $R/boot/grub/grub.cfg $D/grub.cfg-after\n\
     chroot $R grub-script-check /boot/grub/grub.cfg > $D/script-check 2>&1; echo $? > $D/script-check.rc\n\
     state state-after\n\
     doctor undo fix --root $R --undo\n\
     state state-undone\n\
     doctor undone.json run --no-save --root $R --format json --only sys.boot.entry\n";

/// Checks the plan, apply and undo of one scenario: `want` in the plan, `files` changed.
fn cycle_holds(d: &std::path::Path, code: &str, want: &[String], files: &[&str]) {
    let before = valid_report(&read(d, "before.json"));
    assert_eq!(alarm_codes("sys.boot.entry", &before), [code], "the fault: {:#}", check(&before, "sys.boot.entry"));
    let plan = read(d, "plan");
    for w in want {
        assert!(plan.contains(w.as_str()), "{w:?} not in\n{plan}");
    }
    let state = read(d, "state-before");
    assert_eq!(state.lines().count(), 3, "{state}");
    assert_eq!(read(d, "state-plan"), state, "the plan changed nothing");
    assert_eq!(read(d, "apply.rc").trim(), "0", "{}", read(d, "apply"));
    let after = valid_report(&read(d, "after.json"));
    assert_eq!(status_of(&after, "sys.boot.entry"), "ok", "{:#}", check(&after, "sys.boot.entry"));
    assert_eq!(read(d, "script-check.rc").trim(), "0", "GRUB reads it: {}", read(d, "script-check"));
    let state_after = read(d, "state-after");
    assert_eq!(changed(&state, &state_after), files, "{state}\n{state_after}");
    assert_eq!(read(d, "undo.rc").trim(), "0", "{}", read(d, "undo"));
    assert_eq!(read(d, "state-undone"), state, "undone: sha256, mode and owner");
    let undone = valid_report(&read(d, "undone.json"));
    assert_eq!(
        alarm_codes("sys.boot.entry", &undone),
        [code],
        "the fault is back: {:#}",
        check(&undone, "sys.boot.entry")
    );
}

#[test]
fn a_grub_default_pinned_to_a_kernel_removed_since_becomes_the_newest_installed_one_and_is_undone() {
    let Some(disk) = attach() else { return };
    // A kernel 6.1.0-77 was pinned (GRUB_DEFAULT names its entry), then removed with the
    // menu generated again: grub.cfg's default names no entry.
    let gone = "gnulinux-advanced-$U>gnulinux-6.1.0-77-cloud-amd64-advanced-$U";
    let d = session(
        &disk,
        FILES,
        &format!("{}chmod 640 $R/etc/default/grub && chown 0:4 $R/etc/default/grub\n{CYCLE}", grub_menu(gone, "", "")),
    );
    // The first entry of the menu is the newest kernel's (Debian's "simple" entry): chosen by
    // its id, which the next update-grub writes again.
    let want = [
        "grub-default-boot-grub-grub-cfg  ·  sys.boot.entry  ·  /boot/grub/grub.cfg".to_string(),
        "make 'GNU/Linux' (kernel 6.1.0-50-cloud-amd64, the newest installed) GRUB's default: the default now (/boot/grub/grub.cfg:"
            .into(),
        ">gnulinux-6.1.0-77-cloud-amd64-advanced-".into(),
        "names no entry and GRUB falls back to the first one; written in /boot/grub/grub.cfg, /etc/default/grub".into(),
        "-   set default=\"gnulinux-advanced-".into(),
        "+   set default=\"gnulinux-simple-".into(),
        "-GRUB_DEFAULT=\"gnulinux-advanced-".into(),
        "+GRUB_DEFAULT=\"gnulinux-simple-".into(),
        "/usr/bin/grub-script-check /boot/grub/grub.cfg".into(),
    ];
    cycle_holds(&d, "DEFAULT-UNKNOWN", &want, &["/boot/grub/grub.cfg", "/etc/default/grub"]);
    let cfg = read(&d, "grub.cfg-after");
    let simple = cfg.lines().find(|l| l.starts_with("menuentry ")).unwrap_or_default();
    assert!(simple.contains("'gnulinux-simple-"), "the entry chosen is the first: {cfg}");
    assert!(cfg.contains("linux\t/boot/vmlinuz-6.1.0-50-cloud-amd64 "), "{cfg}");
    assert!(read(&d, "state-before").contains("/etc/default/grub 640 0 4 "), "{}", read(&d, "state-before"));
    assert!(read(&d, "state-after").contains("/etc/default/grub 640 0 4 "), "mode and owner kept");
}

#[test]
fn a_default_entry_without_an_initramfs_gives_way_to_the_newest_entry_that_has_one_and_is_undone() {
    let Some(disk) = attach() else { return };
    // Kernel 6.1.0-99 installed (a copy of the disk's own), its initramfs not built when the
    // menu was made: GRUB_DEFAULT=0 starts it without one.
    let d = session(
        &disk,
        FILES,
        &format!("{}{CYCLE}", grub_menu("0", "cp $R/boot/vmlinuz-$V $R/boot/vmlinuz-6.1.0-99-cloud-amd64", "")),
    );
    let want = [
        "(kernel 6.1.0-50-cloud-amd64, the newest whose initramfs is there) GRUB's default instead of ".to_string(),
        "which loads no initramfs; written in /boot/grub/grub.cfg; build that kernel's initramfs before the next update-grub"
            .into(),
        "-   set default=\"0\"".into(),
        ">gnulinux-6.1.0-50-cloud-amd64-advanced-".into(),
    ];
    cycle_holds(&d, "NO-INITRD", &want, &["/boot/grub/grub.cfg"]);
}

#[test]
fn a_root_uuid_no_disk_carries_becomes_the_root_of_the_systems_own_fstab_and_is_undone() {
    let Some(disk) = attach() else { return };
    // The menu was written when the root filesystem had another UUID (made again from a
    // backup, or `tune2fs -U`), fstab updated since and the menu not: root=UUID= names a
    // filesystem no disk carries, on every kernel line, and GRUB_CMDLINE_LINUX pins it too.
    let old = "0b5e7a4c-5d2a-4c1e-9a63-2f0c1d8e9b17";
    let d = session(
        &disk,
        FILES,
        &format!(
            "{}sed -i \"s/root=UUID=$U/root=UUID={old}/\" $R/boot/grub/grub.cfg\n\
             sed -i 's/^GRUB_CMDLINE_LINUX=\"\"/GRUB_CMDLINE_LINUX=\"root=UUID={old}\"/' $R/etc/default/grub\n\
             echo $U > $D/uuid\n{CYCLE}",
            grub_menu("0", "", "")
        ),
    );
    let u = read(&d, "uuid").trim().to_string();
    let dev = &disk.lo.dev;
    let want = [
        format!(
            "boot root=UUID={u} (the / of /etc/fstab, {dev}) instead of root=UUID={old}, which no filesystem here has; written in /boot/grub/grub.cfg, /etc/default/grub"
        ),
        format!("+\tlinux\t/boot/vmlinuz-6.1.0-50-cloud-amd64 root=UUID={u} ro "),
        format!("-GRUB_CMDLINE_LINUX=\"root=UUID={old}\""),
        format!("+GRUB_CMDLINE_LINUX=\"root=UUID={u}\""),
    ];
    cycle_holds(&d, "ENODEV", &want, &["/boot/grub/grub.cfg", "/etc/default/grub"]);
    let cfg = read(&d, "grub.cfg-after");
    assert!(!cfg.contains(old), "every kernel line: {cfg}");
    assert!(cfg.matches(&format!("root=UUID={u} ")).count() >= 2, "{cfg}");
}
