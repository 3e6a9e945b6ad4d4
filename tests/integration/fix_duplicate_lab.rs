//! `ecs-doctor fix --root` on an /etc/fstab with two lines for one mount point, on the real
//! Debian system disk of `boot_lab` (root only, under the lab lock), broken in an overlay as in
//! `fix_entry_lab`: a provisioning script that appends its line and ran twice. What the boot
//! does with the file is shown by systemd's own fstab generator run on it: before, it refuses
//! the later line ("Duplicate entry") and fails; after the repair it runs clean and mounts the
//! same tmpfs; undo restores the bytes, mode and owner. Two lines naming different devices on
//! this disk (which has no systemd: `mount -a` would mount both) are refused.

use super::boot_lab::attach;
use super::fix_boot_lab::{changed, read, session};
use crate::common::*;

const GENERATOR: &str = "/lib/systemd/system-generators/systemd-fstab-generator";

/// Shell: runs systemd's fstab generator on the disk's /etc/fstab into `$D/NAME.d`, its output
/// in `$D/NAME`, its status in `$D/NAME.rc`, the What= of srv-cache.mount in `$D/NAME.what`.
fn generate(name: &str) -> String {
    format!(
        "mkdir -p $D/{name}.d; rc=0; SYSTEMD_FSTAB=$R/etc/fstab SYSTEMD_PROC_CMDLINE= {GENERATOR} $D/{name}.d $D/{name}.d $D/{name}.d > $D/{name} 2>&1 || rc=$?; echo $rc > $D/{name}.rc\n\
         grep '^What=' $D/{name}.d/srv-cache.mount > $D/{name}.what || true\n"
    )
}

#[test]
fn a_second_line_for_a_mount_point_that_systemd_refuses_is_commented_out_and_the_boot_mounts_the_same() {
    if !require(std::path::Path::new(GENERATOR).exists(), "systemd's fstab generator is missing") {
        return;
    }
    let Some(disk) = attach() else { return };
    let only = "--only disk.fstab.entries";
    let d = session(
        &disk,
        "/etc/fstab",
        &format!(
            "for i in 1 2; do printf 'tmpfs /srv/cache tmpfs defaults,size=64m 0 0\\n' >> $R/etc/fstab; done\n\
             chmod 640 $R/etc/fstab && chown 0:4 $R/etc/fstab\n\
             state state-before\n\
             {}\
             doctor before.json run --no-save --root $R --format json {only}\n\
             doctor plan fix --no-save --root $R {only}\n\
             state state-plan\n\
             doctor apply fix --no-save --root $R {only} --apply --yes\n\
             cp $R/etc/fstab $D/fstab-after\n\
             {}\
             doctor after.json run --no-save --root $R --format json {only}\n\
             state state-after\n\
             doctor undo fix --root $R --undo\n\
             state state-undone\n\
             {}",
            generate("gen-before"),
            generate("gen-after"),
            generate("gen-undone")
        ),
    );
    let before = valid_report(&read(&d, "before.json"));
    assert!(findings(&before, "disk.fstab.entries").contains("DUPLICATE-MOUNT"), "{before:#}");
    // The fault as the boot meets it: the generator refuses the later line and fails.
    assert_ne!(read(&d, "gen-before.rc").trim(), "0", "{}", read(&d, "gen-before"));
    assert!(read(&d, "gen-before").contains("Duplicate entry"), "{}", read(&d, "gen-before"));
    assert_eq!(read(&d, "gen-before.what").trim(), "What=tmpfs");

    let plan = read(&d, "plan");
    for want in [
        "fstab-duplicate-srv-cache  ·  disk.fstab.entries  ·  /srv/cache",
        "(/srv/cache): it mounts tmpfs again, as line ",
        "-tmpfs /srv/cache tmpfs defaults,size=64m 0 0\n",
        "+# tmpfs /srv/cache tmpfs defaults,size=64m 0 0  # ecs-doctor fix: duplicate of line ",
        "validate: findmnt --verify --tab-file ",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}");
    }
    let state = read(&d, "state-before");
    assert!(state.starts_with("/etc/fstab 640 0 4 "), "{state}");
    assert_eq!(read(&d, "state-plan"), state, "the plan changed nothing");
    assert_eq!(read(&d, "apply.rc").trim(), "0", "{}", read(&d, "apply"));
    let fstab = read(&d, "fstab-after");
    assert!(fstab.contains("\ntmpfs /srv/cache tmpfs defaults,size=64m 0 0\n# tmpfs /srv/cache tmpfs"), "{fstab}");
    // The boot after: the generator runs clean and mounts the same tmpfs.
    assert_eq!(read(&d, "gen-after.rc").trim(), "0", "{}", read(&d, "gen-after"));
    assert_eq!(read(&d, "gen-after.what").trim(), "What=tmpfs");
    let after = valid_report(&read(&d, "after.json"));
    assert!(!findings(&after, "disk.fstab.entries").contains("DUPLICATE-MOUNT"), "{after:#}");
    let state_after = read(&d, "state-after");
    assert_eq!(changed(&state, &state_after), ["/etc/fstab"]);
    assert!(state_after.starts_with("/etc/fstab 640 0 4 "), "mode and owner kept: {state_after}");
    assert_eq!(read(&d, "undo.rc").trim(), "0", "{}", read(&d, "undo"));
    assert_eq!(read(&d, "state-undone"), state, "undone: sha256, mode and owner");
    assert_ne!(read(&d, "gen-undone.rc").trim(), "0", "the fault is back");

    // Two lines naming different devices, on a disk without systemd: not guessed.
    let d = session(
        &disk,
        "/etc/fstab",
        &format!(
            "printf 'tmpfs /srv/scratch tmpfs defaults 0 0\\nLABEL=scratch /srv/scratch ext4 defaults,nofail 0 2\\n' >> $R/etc/fstab\n\
             state state-before\n\
             doctor plan fix --no-save --root $R {only}\n\
             doctor apply fix --no-save --root $R {only} --apply --yes\n\
             state state-after\n"
        ),
    );
    let plan = read(&d, "plan");
    assert!(
        plan.contains("(tmpfs) and ")
            && plan.contains("(LABEL=scratch) both mount /srv/scratch, and without systemd mount -a mounts both, the later over the earlier: which one is meant is not guessed"),
        "{plan}"
    );
    assert_eq!(read(&d, "state-after"), read(&d, "state-before"), "nothing changed");
}
