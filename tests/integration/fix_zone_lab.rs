//! `ecs-doctor fix --root` on the time zone of the real Debian system disk of `boot_lab` (root
//! only, under the lab lock), broken in an overlay as in `fix_entry_lab`: /etc/localtime linked
//! to a zone that does not exist (a typo in `ln -sf`: every program uses UTC) with /etc/timezone
//! naming the zone meant, and /etc/localtime linked to one zone with /etc/timezone left naming
//! another. `date` run in a chroot of the disk shows the zone programs get before, after the
//! repair and after its undo; `sys.clock.settings` is ok after; undo restores the link, or the
//! bytes, mode and owner.

use super::boot_lab::attach;
use super::fix_boot_lab::{alarm_codes, changed, read, session};
use crate::common::*;

const FILES: &str = "/etc/localtime /etc/timezone";

/// The plan, apply, run, undo sequence, with `date` in a chroot at each step.
const CYCLE: &str = "state state-before\n\
     env -u TZ chroot $R date +%Z > $D/date-before\n\
     doctor before.json run --no-save --root $R --format json --only sys.clock.settings\n\
     doctor plan fix --no-save --root $R --only sys.clock.settings\n\
     state state-plan\n\
     doctor apply fix --no-save --root $R --only sys.clock.settings --apply --yes\n\
     env -u TZ chroot $R date +%Z > $D/date-after\n\
     doctor after.json run --no-save --root $R --format json --only sys.clock.settings\n\
     state state-after\n\
     doctor undo fix --root $R --undo\n\
     state state-undone\n\
     env -u TZ chroot $R date +%Z > $D/date-undone\n\
     doctor undone.json run --no-save --root $R --format json --only sys.clock.settings\n";

fn cycle_holds(d: &std::path::Path, code: &[&str], want: &[&str], dates: [&str; 3], files: &[&str]) {
    let before = valid_report(&read(d, "before.json"));
    assert_eq!(
        alarm_codes("sys.clock.settings", &before),
        code,
        "the fault: {:#}",
        check(&before, "sys.clock.settings")
    );
    let plan = read(d, "plan");
    for w in want {
        assert!(plan.contains(w), "{w:?} not in\n{plan}");
    }
    let state = read(d, "state-before");
    assert_eq!(read(d, "state-plan"), state, "the plan changed nothing");
    assert_eq!(read(d, "apply.rc").trim(), "0", "{}", read(d, "apply"));
    let after = valid_report(&read(d, "after.json"));
    assert_eq!(status_of(&after, "sys.clock.settings"), "ok", "{:#}", check(&after, "sys.clock.settings"));
    assert_eq!(changed(&state, &read(d, "state-after")), files, "{state}\n{}", read(d, "state-after"));
    assert_eq!(read(d, "undo.rc").trim(), "0", "{}", read(d, "undo"));
    assert_eq!(read(d, "state-undone"), state, "undone");
    let undone = valid_report(&read(d, "undone.json"));
    assert_eq!(
        alarm_codes("sys.clock.settings", &undone),
        code,
        "the fault is back: {:#}",
        check(&undone, "sys.clock.settings")
    );
    let got = [read(d, "date-before"), read(d, "date-after"), read(d, "date-undone")];
    assert_eq!(got.map(|s| s.trim().to_string()), dates, "date in a chroot before, after, undone");
}

#[test]
fn a_zone_link_to_a_missing_file_follows_etc_timezone_and_etc_timezone_follows_a_working_link() {
    let Some(disk) = attach() else { return };
    // A typo in `ln -sf`: the zone file is not there, programs use UTC.
    let d = session(
        &disk,
        FILES,
        &format!(
            "echo Asia/Shanghai > $R/etc/timezone\n\
             ln -sfn /usr/share/zoneinfo/Asia/Shangai $R/etc/localtime\n{CYCLE}"
        ),
    );
    // The broken link names another zone than /etc/timezone too: one change repairs both.
    cycle_holds(
        &d,
        &["ZONE-BROKEN", "ZONE-MISMATCH"],
        &[
            "timezone-etc-localtime  ·  sys.clock.settings  ·  /etc/localtime",
            "link /etc/localtime to /usr/share/zoneinfo/Asia/Shanghai (the zone Asia/Shanghai, which /etc/timezone names) instead of /usr/share/zoneinfo/Asia/Shangai, which is not there",
            "timezone-etc-localtime repairs it too: the same change",
        ],
        ["UTC", "CST", "UTC"],
        &["/etc/localtime"],
    );
    let plan = read(&d, "plan");
    assert!(plan.contains("runs: ln -sfn /usr/share/zoneinfo/Asia/Shanghai "), "{plan}");
    assert_eq!(plan.matches("runs: ln -sfn").count(), 2, "planned once (its run and its undo): {plan}");

    // The zone set with `ln -sf` only: /etc/timezone still names the old one.
    let d = session(
        &disk,
        FILES,
        &format!(
            "chmod 640 $R/etc/timezone && chown 0:4 $R/etc/timezone\n\
             ln -sfn /usr/share/zoneinfo/Asia/Shanghai $R/etc/localtime\n{CYCLE}"
        ),
    );
    cycle_holds(
        &d,
        &["ZONE-MISMATCH"],
        &[
            "write Asia/Shanghai in /etc/timezone instead of Etc/UTC: /etc/localtime links to /usr/share/zoneinfo/Asia/Shanghai",
            "-Etc/UTC\n",
            "+Asia/Shanghai\n",
        ],
        ["CST", "CST", "CST"],
        &["/etc/timezone"],
    );
    assert!(read(&d, "state-after").contains("/etc/timezone 640 0 4 "), "mode and owner kept");
}
