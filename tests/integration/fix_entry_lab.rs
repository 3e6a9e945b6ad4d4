//! `ecs-doctor fix --root` on GRUB defaults that do not boot the real Debian system disk of
//! `boot_lab` (root only, under the lab lock): the disk attached read-only to a loop device and
//! broken in an overlay in a private mount namespace, as a rescue instance sees it.
//!
//! The menus are written by the disk's own grub-mkconfig: a GRUB_DEFAULT pinned to a kernel
//! removed since (`DEFAULT-UNKNOWN`), and a newer kernel installed whose initramfs was not there
//! when the menu was made (`NO-INITRD`). Each: the plan shows the diffs and changes nothing;
//! apply makes `sys.boot.entry` ok under `--root`; undo restores sha256, mode and owner.

use super::boot_lab::{Disk, attach, overlay};
use crate::common::*;
use std::path::PathBuf;
use std::process::Command;

/// The files the repairs may touch, as `state` prints them.
const FILES: &str = "/boot/grub/grub.cfg /boot/grub/grubenv /etc/default/grub";

/// Runs `script` (sh) in a private mount namespace with the disk under an overlay at `$R`; `$D`
/// is a directory for what it writes, `$BIN` the tool, `$DEV` the disk; `state NAME` writes
/// each of `files`' (space-separated) mode, owner and sha256 (a link: its target) to `$D/NAME`;
/// `doctor OUT ARGS` runs the tool in a network namespace of its own. Returns `$D`.
pub(crate) fn session(disk: &Disk, files: &str, script: &str) -> PathBuf {
    let n = std::fs::read_dir(disk.dir.path()).map(|r| r.count()).unwrap_or(0);
    let d = disk.dir.path().join(format!("e{}.{n}", std::process::id()));
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
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("fix-entry-lab-reports"))
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
/// name: for that one run grub-probe answers as on a one-disk instance (as .ci/boot-root and
/// `fix_boot_lab` do); everything in grub.cfg is Debian's own scripts'.
fn menu_made(grub_default: &str, setup: &str, teardown: &str) -> String {
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

/// The finding codes of `sys.boot.entry` at warn or crit in a report.
fn codes(rep: &serde_json::Value) -> Vec<String> {
    check(rep, "sys.boot.entry")["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["severity"] == "warn" || f["severity"] == "crit")
                .map(|f| f["code"].as_str().unwrap_or("-").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Checks the plan, apply and undo of one scenario: `want` in the plan, `files` changed.
fn cycle_holds(d: &std::path::Path, code: &str, want: &[String], files: &[&str]) {
    let before = valid_report(&read(d, "before.json"));
    assert_eq!(codes(&before), [code], "the fault: {:#}", check(&before, "sys.boot.entry"));
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
    assert_eq!(codes(&undone), [code], "the fault is back: {:#}", check(&undone, "sys.boot.entry"));
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
        &format!("{}chmod 640 $R/etc/default/grub && chown 0:4 $R/etc/default/grub\n{CYCLE}", menu_made(gone, "", "")),
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
        &format!("{}{CYCLE}", menu_made("0", "cp $R/boot/vmlinuz-$V $R/boot/vmlinuz-6.1.0-99-cloud-amd64", "")),
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
            menu_made("0", "", "")
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
