//! The clock settings on the live system: a private mount namespace lays an overlay over /etc
//! (the machine's /etc underneath, untouched) and writes the lab's /etc/adjtime, /etc/localtime
//! and /etc/timezone there; ecs-doctor runs inside it without --root. The machine's clock and
//! time zone are never changed, and the overlay vanishes with the namespace even when the test
//! fails. Skipped with a reason without root, unless ECS_DOCTOR_REQUIRE_LAB=1 (CI).

use crate::common::*;
use std::process::Command;

const ID: &str = "sys.clock.settings";

/// Runs ecs-doctor on the live system with /etc overlaid and `setup` (sh) run on the overlay.
fn with_lab_etc(setup: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let (upper, work) = (dir.path().join("upper"), dir.path().join("work"));
    std::fs::create_dir_all(&upper).expect("mkdir upper");
    std::fs::create_dir_all(&work).expect("mkdir work");
    let script = format!(
        "set -e\nmount -t overlay overlay -o lowerdir=/etc,upperdir={},workdir={} /etc\n{setup}\n\
         exec unshare --net {BIN} run --format json --no-save --only {ID}",
        upper.display(),
        work.display()
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .output()
        .expect("unshare");
    let text = stdout(&out);
    assert!(!text.is_empty(), "no report: {}", stderr(&out));
    valid_report(&text)
}

#[test]
fn a_hardware_clock_in_local_time_and_disagreeing_zones_are_named_on_the_live_system() {
    if !require(is_root(), "the clock lab needs root (an overlay on /etc in a private mount namespace)") {
        return;
    }
    // The 8-hour jump: a UTC+8 server whose RTC is kept in local time, and a zone set by hand in
    // /etc/localtime while /etc/timezone still names the image's UTC.
    let rep = with_lab_etc(
        "printf '0.000000 1796522759 0.000000\\n1796522759\\nLOCAL\\n' > /etc/adjtime\n\
         ln -sfn /usr/share/zoneinfo/Asia/Shanghai /etc/localtime\n\
         echo Etc/UTC > /etc/timezone",
    );
    let c = check(&rep, ID);
    assert_eq!(c["status"], "warn", "{c:#}");
    assert_eq!(subjects(&rep, ID), vec!["/etc/adjtime", "/etc/localtime"], "{c:#}");
    let text = c.to_string();
    assert!(text.contains("/etc/adjtime:3: LOCAL"), "{c:#}");
    assert!(text.contains("/etc/timezone:1: Etc/UTC"), "{c:#}");

    // The same zone everywhere and the RTC in UTC: quiet.
    let rep = with_lab_etc(
        "printf '0.000000 1796522759 0.000000\\n1796522759\\nUTC\\n' > /etc/adjtime\n\
         ln -sfn /usr/share/zoneinfo/Asia/Shanghai /etc/localtime\n\
         echo Asia/Shanghai > /etc/timezone",
    );
    let c = check(&rep, ID);
    assert_eq!(c["status"], "ok", "{c:#}");
}
