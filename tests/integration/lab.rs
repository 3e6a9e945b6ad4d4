//! Root-only lab tests with real faults: full and inode-exhausted filesystems (tmpfs), and a
//! FUSE filesystem whose daemon never answers statfs. Everything happens inside a private mount
//! namespace (`unshare --mount`), so the mounts are invisible to the rest of the machine and
//! vanish with the namespace even when a test fails. ecs-doctor itself runs in its own network
//! namespace. Skipped with a reason without root, unless ECS_DOCTOR_REQUIRE_LAB=1 (CI).

use crate::common::*;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn lab_available(what: &str) -> bool {
    require(is_root(), &format!("{what} needs root (mounts in a private mount namespace)"))
}

fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let target = exe.parent().and_then(|p| p.parent()).expect("target dir");
    target.join("examples").join(name)
}

/// A fixture root whose mount table lists the given mount points (system paths).
fn root_with_mounts(points: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut table = String::new();
    for (i, p) in points.iter().enumerate() {
        std::fs::create_dir_all(dir.path().join(p.trim_start_matches('/'))).expect("mkdir");
        table.push_str(&format!("{} 1 0:{} / {p} rw,relatime shared:{i} - tmpfs tmpfs rw\n", 900 + i, 900 + i));
    }
    write(&dir.path().join("proc/self/mountinfo"), &table);
    dir
}

/// Runs `script` (sh) in a private mount namespace; it ends by exec'ing ecs-doctor with `args`.
fn in_mount_ns(script: &str, args: &[&str]) -> std::process::Output {
    let mut full = format!("set -e\n{script}\nexec unshare --net {BIN}");
    for a in args {
        full.push_str(&format!(" '{a}'"));
    }
    Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &full])
        .env("NO_COLOR", "1")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("lab-reports"))
        .output()
        .expect("unshare")
}

#[test]
fn full_and_inode_exhausted_filesystems_are_critical_and_named() {
    if !lab_available("the full-disk lab") {
        return;
    }
    let dir = root_with_mounts(&["/data-full", "/data-inodes", "/data-ok"]);
    let r = dir.path().to_str().expect("p");
    let script = format!(
        "mount -t tmpfs -o size=1m tmpfs {r}/data-full\n\
         dd if=/dev/zero of={r}/data-full/fill bs=64k count=64 2>/dev/null || true\n\
         mount -t tmpfs -o size=8m,nr_inodes=64 tmpfs {r}/data-inodes\n\
         i=0; while [ $i -lt 80 ]; do touch {r}/data-inodes/f$i 2>/dev/null || true; i=$((i+1)); done\n\
         mount -t tmpfs -o size=8m tmpfs {r}/data-ok\n"
    );
    let out = in_mount_ns(&script, &["run", "--format", "json", "--no-save", "--root", r, "--only", "disk"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let rep = valid_report(&stdout(&out));
    assert_eq!(status_of(&rep, "disk.usage.space"), "crit");
    assert_eq!(subjects(&rep, "disk.usage.space"), vec!["/data-full"]);
    assert_eq!(check(&rep, "disk.usage.space")["metrics"]["used_percent[/data-full]"], 100.0);
    assert_eq!(check(&rep, "disk.usage.space")["findings"][0]["code"], "ENOSPC");
    assert_eq!(status_of(&rep, "disk.usage.inodes"), "crit");
    assert_eq!(subjects(&rep, "disk.usage.inodes"), vec!["/data-inodes"]);
    assert_eq!(status_of(&rep, "disk.mount.hung"), "ok");

    // The passing fixture: the same lab with only the healthy filesystem.
    let ok = root_with_mounts(&["/data-ok"]);
    let r = ok.path().to_str().expect("p");
    let out = in_mount_ns(
        &format!("mount -t tmpfs -o size=8m tmpfs {r}/data-ok"),
        &["run", "--format", "json", "--no-save", "--root", r, "--only", "disk"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let rep = valid_report(&stdout(&out));
    for id in ["disk.usage.space", "disk.usage.inodes", "disk.mount.hung"] {
        assert_eq!(status_of(&rep, id), "ok", "{id}");
    }
}

/// Runs ecs-doctor on the live system with a hung FUSE mount present; returns the output and
/// how long the process took to exit.
fn run_with_hung_fuse(deadline: &str) -> Option<(std::process::Output, Duration, String)> {
    if !lab_available("the hung-FUSE lab") {
        return None;
    }
    let helper = example("lab-hung-fuse");
    if !require(helper.exists(), &format!("{} was not built (cargo test builds examples)", helper.display())) {
        return None;
    }
    if !require(std::path::Path::new("/dev/fuse").exists(), "/dev/fuse is missing (modprobe fuse)") {
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mnt = dir.path().join("hung");
    std::fs::create_dir_all(&mnt).expect("mkdir");
    let started = Instant::now();
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private"])
        .arg(&helper)
        .arg(&mnt)
        .args([
            "--",
            "unshare",
            "--net",
            BIN,
            "run",
            "--format",
            "json",
            "--no-save",
            "--only",
            "disk",
            "--deadline",
            deadline,
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("unshare");
    let elapsed = started.elapsed();
    Some((out, elapsed, mnt.to_string_lossy().into_owned()))
}

#[test]
fn a_fuse_mount_whose_statfs_never_returns_is_reported_and_the_run_exits_on_time() {
    let Some((out, elapsed, mnt)) = run_with_hung_fuse("6") else { return };
    // The statfs timeout (2 s) ends the wait; the process exits well inside the deadline.
    assert!(elapsed < Duration::from_millis(6000 + 1500), "took {elapsed:?}");
    let rep = valid_report(&stdout(&out));
    assert_eq!(status_of(&rep, "disk.mount.hung"), "crit", "{rep:#}");
    assert_eq!(subjects(&rep, "disk.mount.hung"), vec![mnt]);
    assert_eq!(check(&rep, "disk.mount.hung")["findings"][0]["code"], "ETIMEDOUT");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_deadline_shorter_than_the_statfs_timeout_still_holds() {
    let Some((out, elapsed, _)) = run_with_hung_fuse("1") else { return };
    assert!(elapsed < Duration::from_millis(1000 + 1500), "took {elapsed:?} with --deadline 1");
    let rep = valid_report(&stdout(&out));
    let c = check(&rep, "disk.mount.hung");
    assert!(c["status"] == "crit" || c["status"] == "error", "{c:#}");
}
