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
/// The hung-FUSE helper, when this machine can run it (root, built, /dev/fuse); else skips.
fn hung_fuse_helper(what: &str) -> Option<PathBuf> {
    if !lab_available(what) {
        return None;
    }
    let helper = example("lab-hung-fuse");
    if !require(helper.exists(), &format!("{} was not built (cargo test builds examples)", helper.display())) {
        return None;
    }
    if !require(std::path::Path::new("/dev/fuse").exists(), "/dev/fuse is missing (modprobe fuse)") {
        return None;
    }
    Some(helper)
}

fn run_with_hung_fuse(deadline: &str) -> Option<(std::process::Output, Duration, String)> {
    let helper = hung_fuse_helper("the hung-FUSE lab")?;
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

#[test]
fn a_process_stuck_in_d_state_on_a_hung_fuse_mount_is_named() {
    let Some(helper) = hung_fuse_helper("the D-state lab (hung FUSE mount)") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let mnt = dir.path().join("hung");
    std::fs::create_dir_all(&mnt).expect("mkdir");
    let m = mnt.to_str().expect("p");
    // `stat -f` waits for a statfs answer that never comes. A FUSE request first waits
    // interruptibly (state S); once a signal interrupts it and the daemon does not answer the
    // interrupt either, the caller waits killable only: state D, as a process on a dead NFS or
    // FUSE mount. SIGSTOP + SIGCONT is that signal, and leaves the process otherwise untouched.
    // Once the daemon has read the request, not even SIGKILL ends the wait: only an answer or
    // the end of the connection does. So the script must not wait for it (lab-hung-fuse waits for
    // the script: a deadlock); it sends SIGKILL and exits, lab-hung-fuse exits, the kernel aborts
    // the FUSE connection, statfs fails, the killed stat exits and its new parent reaps it.
    let script = format!(
        "stat -f {m} >/dev/null 2>&1 &\n\
         P=$!\n\
         echo \"stuck pid $P\" >&2\n\
         i=0\n\
         while [ $i -lt 50 ]; do\n\
           sleep 0.1\n\
           kill -STOP $P; kill -CONT $P\n\
           sleep 0.05\n\
           grep -q '^State:[[:space:]]*D' /proc/$P/status && break\n\
           i=$((i+1))\n\
         done\n\
         grep '^State:' /proc/$P/status >&2\n\
         sleep 0.5\n\
         unshare --net {BIN} run --format json --no-save --only sys.process.states --deadline 10\n\
         RC=$?\n\
         kill -KILL $P\n\
         exit $RC\n"
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private"])
        .arg(&helper)
        .arg(&mnt)
        .args(["--", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .output()
        .expect("unshare");
    let err = stderr(&out);
    let pid: u32 = err
        .lines()
        .find_map(|l| l.strip_prefix("stuck pid "))
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no pid from the lab script: {err}"));
    // Nothing is left behind: the stuck stat ends with the FUSE connection and is reaped.
    let gone = || std::fs::read_to_string(format!("/proc/{pid}/comm")).map_or(true, |c| c.trim() != "stat");
    let waited = Instant::now();
    while !gone() && waited.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(gone(), "the stuck stat (pid {pid}) is still there");
    assert!(err.contains("State:\tD"), "stat never reached D state: {err}");

    let rep = valid_report(&stdout(&out));
    let c = check(&rep, "sys.process.states");
    assert_eq!(c["status"], "warn", "{c:#}\n{err}");
    let subject = format!("stat (pid {pid})");
    let f = c["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["subject"] == subject.as_str()))
        .unwrap_or_else(|| panic!("no finding about {subject}: {c:#}"));
    assert_eq!(f["severity"], "warn", "{f:#}");
    assert!(f["message"].as_str().is_some_and(|s| s.contains("D state")), "{f:#}");
    let evidence = f["evidence"].to_string();
    assert!(evidence.contains(&format!("/proc/{pid}/stat: pid {pid} ")) && evidence.contains("state D stat"), "{f:#}");
    assert!(c["metrics"]["d_state_total"].as_f64().is_some_and(|n| n >= 1.0), "{c:#}");
}

/// A unique marker for lines this test writes to shared places (the kernel log).
fn marker(tag: &str) -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("ed{tag}{}x{nanos:x}", std::process::id())
}

/// Runs ecs-doctor on the live system as `nobody`, in a private mount namespace where /var/log
/// is `logs` and the journal is hidden, and /dev/kmsg cannot be read (dmesg_restrict, else an
/// unreadable file bound over it). Returns its output.
fn as_nobody_with_var_log(logs: &std::path::Path, args: &[&str]) -> std::process::Output {
    as_nobody_with_var_log_and_path(logs, None, args)
}

/// [`as_nobody_with_var_log`] with `bin` first on ecs-doctor's PATH (for a stand-in journalctl).
fn as_nobody_with_var_log_and_path(
    logs: &std::path::Path,
    bin: Option<&std::path::Path>,
    args: &[&str],
) -> std::process::Output {
    use std::os::unix::fs::PermissionsExt;
    let denied = logs.parent().expect("parent").join("kmsg-denied");
    std::fs::write(&denied, "").expect("write");
    std::fs::set_permissions(&denied, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let mut script = format!(
        "set -e\n\
         mount --bind {logs} /var/log\n\
         if [ -d /run/log/journal ]; then mount -t tmpfs tmpfs /run/log/journal; fi\n\
         if [ \"$(cat /proc/sys/kernel/dmesg_restrict)\" != 1 ]; then mount --bind {denied} /dev/kmsg; fi\n\
         exec unshare --net setpriv --reuid=65534 --regid=65534 --clear-groups {BIN}",
        logs = logs.display(),
        denied = denied.display()
    );
    for a in args {
        script.push_str(&format!(" '{a}'"));
    }
    let mut cmd = Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .env("ECS_DOCTOR_REPORT_DIR", "/nonexistent");
    if let Some(bin) = bin {
        cmd.env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()));
    }
    cmd.output().expect("unshare")
}

/// When /dev/kmsg cannot be read, the kernel log comes from `journalctl -k -b`: here a
/// stand-in journalctl first on PATH that prints kernel lines in journalctl's short-iso format
/// (only when called with the arguments the reader passes), run as `nobody` with /dev/kmsg
/// closed and no log files. A journalctl that does not answer is abandoned after its 3 s limit
/// and the log files are read instead.
#[test]
fn without_access_to_dev_kmsg_the_kernel_log_comes_from_journalctl() {
    use std::os::unix::fs::PermissionsExt;
    if !lab_available("the journalctl fallback lab (private mount namespace, runs as nobody)") {
        return;
    }
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success());
    if !require(setpriv, "setpriv (util-linux) is missing") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let logs = dir.path().join("log");
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&logs).expect("mkdir");
    std::fs::create_dir_all(&bin).expect("mkdir");
    // journalctl's short-iso time: 2026-11-20T03:00:00+0000 (no colon in the offset).
    let recent = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1))
        .to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S%z")
        .to_string();
    let journalctl = bin.join("journalctl");
    write(
        &journalctl,
        &format!(
            "#!/bin/sh
             [ \"$*\" = \"-k -b -o short-iso --no-pager -q --lines=200000\" ] || {{ echo \"unexpected arguments: $*\" >&2; exit 1; }}
             echo '{recent} web-1 kernel: eth0: link up'
             echo '{recent} web-1 kernel: Out of memory: Killed process 4321 (edjournal) total-vm:600000kB, anon-rss:512000kB, file-rss:0kB, shmem-rss:0kB'
"
        ),
    );
    std::fs::set_permissions(&journalctl, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let args = ["run", "--format", "json", "--no-save", "--only", "sys.memory.oom"];
    let out = as_nobody_with_var_log_and_path(&logs, Some(&bin), &args);
    let rep = valid_report(&stdout(&out));
    let c = check(&rep, "sys.memory.oom");
    assert_eq!(c["status"], "crit", "{c:#}\n{}", stderr(&out));
    assert_eq!(subjects(&rep, "sys.memory.oom"), vec!["edjournal"]);
    let evidence = c["findings"][0]["evidence"][0].as_str().unwrap_or_default();
    assert!(evidence.starts_with("journalctl -k -b: "), "{c:#}");
    assert!(evidence.contains("Killed process 4321 (edjournal)"), "{c:#}");

    // A journalctl that hangs: given up after 3 s, the kernel log comes from /var/log.
    write(&journalctl, "#!/bin/sh\nexec sleep 20\n");
    write(
        &logs.join("kern.log"),
        &format!("{recent} web-1 kernel: Out of memory: Killed process 4322 (edfile) total-vm:1kB, anon-rss:1kB\n"),
    );
    std::fs::set_permissions(logs.join("kern.log"), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let started = std::time::Instant::now();
    let out = as_nobody_with_var_log_and_path(&logs, Some(&bin), &args);
    let took = started.elapsed();
    let rep = valid_report(&stdout(&out));
    let c = check(&rep, "sys.memory.oom");
    assert_eq!(subjects(&rep, "sys.memory.oom"), vec!["edfile"], "{c:#}");
    assert!(c["findings"][0]["evidence"][0].as_str().is_some_and(|e| e.starts_with("/var/log/kern.log: ")), "{c:#}");
    assert!(took < std::time::Duration::from_secs(15), "the hung journalctl held the run for {took:?}");
}

#[test]
fn without_access_to_dev_kmsg_the_kernel_log_comes_from_var_log() {
    use std::os::unix::fs::PermissionsExt;
    if !lab_available("the kernel-log fallback lab (private mount namespace, runs as nobody)") {
        return;
    }
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success());
    if !require(setpriv, "setpriv (util-linux) is missing") {
        return;
    }
    // Readable by nobody: the tempdir is created 0700.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let logs = dir.path().join("log");
    std::fs::create_dir_all(&logs).expect("mkdir");
    let recent = {
        let t = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
        t.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string()
    };
    write(
        &logs.join("kern.log"),
        &format!(
            "{recent} web-1 kernel: [ 100.000000] Out of memory: Killed process 4321 (edfallback) total-vm:600000kB, anon-rss:512000kB, file-rss:0kB, shmem-rss:0kB\n"
        ),
    );
    std::fs::set_permissions(logs.join("kern.log"), std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let args = ["run", "--format", "json", "--no-save", "--only", "sys.memory.oom"];
    let out = as_nobody_with_var_log(&logs, &args);
    let rep = valid_report(&stdout(&out));
    let c = check(&rep, "sys.memory.oom");
    assert_eq!(c["status"], "crit", "{c:#}\n{}", stderr(&out));
    assert_eq!(subjects(&rep, "sys.memory.oom"), vec!["edfallback"]);
    let evidence = c["findings"][0]["evidence"][0].as_str().unwrap_or_default();
    assert!(evidence.starts_with("/var/log/kern.log: "), "{c:#}");

    // No log file either: skipped, and the reason says what could not be read and what to do.
    std::fs::remove_file(logs.join("kern.log")).expect("rm");
    let out = as_nobody_with_var_log(&logs, &args);
    let rep = valid_report(&stdout(&out));
    let c = check(&rep, "sys.memory.oom");
    assert_eq!(c["status"], "skipped", "{c:#}");
    let why = c["summary"].as_str().unwrap_or_default();
    assert!(why.contains("/dev/kmsg: permission denied (run as root)"), "{c:#}");
}

/// A loop device over an image file, detached when dropped (even when the test fails).
struct LoopDevice {
    path: String,
}

impl LoopDevice {
    fn attach(image: &std::path::Path) -> Option<LoopDevice> {
        let out = Command::new("losetup").args(["-f", "--show"]).arg(image).output().ok()?;
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && path.starts_with("/dev/loop")).then_some(LoopDevice { path })
    }
}

impl Drop for LoopDevice {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.path]).status();
    }
}

/// An ext4 image of `mib` MiB made with mkfs.ext4 (e2fsprogs), with extra mkfs arguments.
fn ext4_image(dir: &std::path::Path, name: &str, mib: u64, extra: &[&str]) -> Option<PathBuf> {
    let img = dir.join(name);
    let f = std::fs::File::create(&img).expect("create image");
    f.set_len(mib << 20).expect("size image");
    let ok = Command::new("mkfs.ext4")
        .args(["-q", "-F"])
        .args(extra)
        .arg(&img)
        .env("PATH", "/usr/sbin:/sbin:/usr/bin:/bin")
        .status()
        .is_ok_and(|s| s.success());
    require(ok, "mkfs.ext4 is missing (apt-get install e2fsprogs)").then_some(img)
}

#[test]
fn kernel_messages_injected_into_kmsg_are_found_with_their_subjects() {
    if !lab_available("the kernel-log lab (writes to /dev/kmsg)") {
        return;
    }
    let devkmsg = std::fs::read_to_string("/proc/sys/kernel/printk_devkmsg").unwrap_or_default();
    if !require(devkmsg.trim() != "off", "/proc/sys/kernel/printk_devkmsg is off: /dev/kmsg ignores writes") {
        return;
    }
    let m = marker("k");
    let lines = [
        format!("<3>EXT4-fs error (device {m}): ext4_lookup:1855: inode #2: comm ls: deleted inode referenced: 12"),
        format!(
            "<3>Out of memory: Killed process 4242 ({m}) total-vm:2048000kB, anon-rss:1048576kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:2000kB oom_score_adj:0"
        ),
        format!("<3>INFO: task {m}:123 blocked for more than 120 seconds."),
    ];
    {
        use std::io::Write;
        let mut kmsg = std::fs::OpenOptions::new().write(true).open("/dev/kmsg").expect("open /dev/kmsg");
        for l in &lines {
            // One write is one kernel log record. Without the newline the kernel keeps the record
            // open for a continuation, and readers do not see it until the next one arrives.
            kmsg.write_all(format!("{l}\n").as_bytes()).expect("write /dev/kmsg");
        }
    }
    let Some(out) = doctor(&[
        "run",
        "--format",
        "json",
        "--no-save",
        "--only",
        "sys.memory.oom",
        "--only",
        "disk.io.errors",
        "--only",
        "sys.kernel.health",
    ]) else {
        return;
    };
    let rep = valid_report(&stdout(&out));
    let find = |id: &str, subject: &str| -> serde_json::Value {
        check(&rep, id)["findings"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["subject"] == subject).cloned())
            .unwrap_or_else(|| panic!("{id}: no finding about {subject}: {:#}", check(&rep, id)))
    };
    // Just written, so within the last 24 hours: critical.
    let oom = find("sys.memory.oom", &m);
    assert_eq!(oom["severity"], "crit", "{oom:#}");
    assert!(oom["message"].as_str().is_some_and(|s| s.contains("pid 4242") && s.contains("1.0 GiB")), "{oom:#}");
    assert!(oom["evidence"][0].as_str().is_some_and(|e| e.starts_with("/dev/kmsg: ")), "{oom:#}");
    assert!(oom["since"].is_string(), "{oom:#}");
    let io = find("disk.io.errors", &format!("/dev/{m}"));
    assert_eq!(io["severity"], "crit", "{io:#}");
    assert!(io["message"].as_str().is_some_and(|s| s.contains("filesystem error")), "{io:#}");
    let hung = find("sys.kernel.health", &m);
    assert_eq!(hung["severity"], "warn", "{hung:#}");
    assert!(hung["message"].as_str().is_some_and(|s| s.contains("120 s")), "{hung:#}");

    // When it happened: the record's time since boot plus the boot time (/proc/stat btime), so
    // at or after the boot and not after the run (a minute of slack: btime is whole seconds and
    // follows clock steps); the boot time and uptime are in the evidence.
    let btime: i64 = std::fs::read_to_string("/proc/stat")
        .expect("/proc/stat")
        .lines()
        .find_map(|l| l.strip_prefix("btime ").and_then(|v| v.trim().parse().ok()))
        .expect("btime");
    let finished: jiff::Timestamp =
        rep["run"]["finished_at"].as_str().and_then(|t| t.parse().ok()).expect("finished_at");
    for f in [&oom, &hung] {
        let since: jiff::Timestamp = f["since"].as_str().and_then(|t| t.parse().ok()).expect("since");
        assert!(since.as_second() >= btime && since.as_second() <= finished.as_second() + 60, "{f:#}");
        let boot = jiff::Timestamp::from_second(btime).expect("btime").to_string();
        assert!(f["evidence"].to_string().contains(&format!("booted {boot}, up ")), "{f:#}");
        assert!(f["message"].as_str().is_some_and(|m| m.contains(" ago)")), "{f:#}");
    }

    // With windows of zero the same events are already notes: nothing warns.
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[events]\ncrit_hours = 0\nwarn_days = 0\n").expect("write config");
    let Some(out) = doctor(&[
        "run",
        "--format",
        "json",
        "--no-save",
        "--config",
        cfg.to_str().expect("utf-8"),
        "--only",
        "sys.memory.oom",
    ]) else {
        return;
    };
    let rep = valid_report(&stdout(&out));
    let oom = check(&rep, "sys.memory.oom")["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["subject"] == m.as_str()).cloned())
        .unwrap_or_else(|| panic!("no finding about {m}"));
    assert_eq!(oom["severity"], "info", "{oom:#}");
}

#[test]
fn an_ext4_loop_device_mounted_read_only_against_fstab_is_critical() {
    if !lab_available("the read-only mount lab (loop device)") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(img) = ext4_image(dir.path(), "ro.img", 16, &[]) else { return };
    let Some(dev) = LoopDevice::attach(&img) else {
        require(false, "losetup could not attach a loop device");
        return;
    };
    let root = dir.path().join("root");
    let r = root.to_str().expect("p");
    std::fs::create_dir_all(root.join("data")).expect("mkdir");
    std::fs::create_dir_all(root.join("proc/self")).expect("mkdir");
    write(&root.join("etc/fstab"), &format!("{} /data ext4 defaults 0 2\n", dev.path));
    // The mount table the check sees is the kernel's own line for this mount, moved to /data.
    let script = format!(
        "mount -o ro {dev} {r}/data\n\
         grep ' {r}/data ' /proc/self/mountinfo | sed 's# {r}/data # /data #' > {r}/proc/self/mountinfo\n",
        dev = dev.path
    );
    let out =
        in_mount_ns(&script, &["run", "--format", "json", "--no-save", "--root", r, "--only", "disk.mount.read-only"]);
    let rep = valid_report(&stdout(&out));
    assert_eq!(status_of(&rep, "disk.mount.read-only"), "crit", "{rep:#}\n{}", stderr(&out));
    assert_eq!(subjects(&rep, "disk.mount.read-only"), vec!["/data"]);
    let f = &check(&rep, "disk.mount.read-only")["findings"][0];
    assert!(f["message"].as_str().is_some_and(|m| m.contains(&dev.path) && m.contains("line 1")), "{f:#}");
    assert_eq!(out.status.code(), Some(2));

    // Mounted read-write as fstab says: fine.
    let script = format!(
        "mount {dev} {r}/data\n\
         grep ' {r}/data ' /proc/self/mountinfo | sed 's# {r}/data # /data #' > {r}/proc/self/mountinfo\n",
        dev = dev.path
    );
    let out =
        in_mount_ns(&script, &["run", "--format", "json", "--no-save", "--root", r, "--only", "disk.mount.read-only"]);
    let rep = valid_report(&stdout(&out));
    assert_eq!(status_of(&rep, "disk.mount.read-only"), "ok", "{rep:#}");
}

#[test]
fn a_deleted_file_a_child_keeps_open_is_found_on_its_filesystem() {
    if !lab_available("the deleted-open-file lab") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mnt = dir.path().join("held");
    std::fs::create_dir_all(&mnt).expect("mkdir");
    let m = mnt.to_str().expect("p");
    // A child keeps a 40 MiB file open after it is deleted (it inherits the descriptor the shell
    // opened, which the shell then closes); ecs-doctor runs beside it in the same private mount
    // namespace; the child is killed before the namespace goes away.
    let script = format!(
        "set -e\n\
         mount -t tmpfs -o size=64m tmpfs {m}\n\
         dd if=/dev/zero of={m}/app.log bs=1M count=40 2>/dev/null\n\
         exec 3<{m}/app.log\n\
         sleep 60 &\n\
         HOLDER=$!\n\
         exec 3<&-\n\
         rm {m}/app.log\n\
         set +e\n\
         unshare --net {BIN} run --format json --no-save --only disk.usage.deleted-open\n\
         RC=$?\n\
         kill $HOLDER\n\
         exit $RC\n"
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .output()
        .expect("unshare");
    let rep = valid_report(&stdout(&out));
    let c = check(&rep, "disk.usage.deleted-open");
    let f = c["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["subject"] == m))
        .unwrap_or_else(|| panic!("no finding about {m}: {c:#}\n{}", stderr(&out)));
    assert_eq!(f["severity"], "warn", "{f:#}");
    let msg = f["message"].as_str().expect("message");
    assert!(msg.contains("40.0 MiB") && msg.contains("sleep (pid "), "{msg}");
    assert!(f["evidence"].to_string().contains(&format!("{m}/app.log (deleted)")), "{f:#}");
}

#[test]
fn ext4_loop_devices_full_and_out_of_inodes_are_critical() {
    if !lab_available("the ext4 full-disk lab (loop devices)") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let Some(full_img) = ext4_image(dir.path(), "full.img", 16, &[]) else { return };
    let Some(inodes_img) = ext4_image(dir.path(), "inodes.img", 16, &["-N", "64"]) else { return };
    let (Some(full), Some(inodes)) = (LoopDevice::attach(&full_img), LoopDevice::attach(&inodes_img)) else {
        require(false, "losetup could not attach loop devices");
        return;
    };
    let root = dir.path().join("root");
    let r = root.to_str().expect("p");
    for d in ["data-full", "data-inodes", "proc/self"] {
        std::fs::create_dir_all(root.join(d)).expect("mkdir");
    }
    // The mount table is the kernel's own lines for these mounts (under the root's paths).
    let script = format!(
        "mount {full} {r}/data-full\n\
         dd if=/dev/zero of={r}/data-full/fill bs=1M count=32 2>/dev/null || true\n\
         mount {inodes} {r}/data-inodes\n\
         i=0; while [ $i -lt 100 ]; do touch {r}/data-inodes/f$i 2>/dev/null || true; i=$((i+1)); done\n\
         grep -E ' {r}/data-(full|inodes) ' /proc/self/mountinfo | sed 's# {r}/# /#' > {r}/proc/self/mountinfo\n",
        full = full.path,
        inodes = inodes.path
    );
    let out = in_mount_ns(&script, &["run", "--format", "json", "--no-save", "--root", r, "--only", "disk.usage"]);
    let rep = valid_report(&stdout(&out));
    assert_eq!(status_of(&rep, "disk.usage.space"), "crit", "{rep:#}\n{}", stderr(&out));
    assert_eq!(subjects(&rep, "disk.usage.space"), vec!["/data-full"]);
    let f = &check(&rep, "disk.usage.space")["findings"][0];
    assert!(f["message"].as_str().is_some_and(|m| m.contains("100%") && m.contains(&full.path)), "{f:#}");
    assert_eq!(status_of(&rep, "disk.usage.inodes"), "crit");
    assert_eq!(subjects(&rep, "disk.usage.inodes"), vec!["/data-inodes"]);
}

/// systemd keeps unit states in memory and is not PID 1 on every test machine: in a private mount
/// namespace a tmpfs /run with /run/systemd/system says "booted with systemd", and a `systemctl`
/// stand-in first on PATH lists failed units the way `systemctl list-units --state=failed --plain`
/// does. A failed unit is a warning; a failed unit that can cut the instance off (sshd) is
/// critical; none is ok.
#[test]
fn failed_units_are_critical_when_they_cut_the_instance_off() {
    if !lab_available("the systemd-units lab") {
        return;
    }
    let id = "sys.systemd.failed-units";
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("bin");
    let listing = dir.path().join("units.txt");
    let systemctl = bin.join("systemctl");
    write(
        &systemctl,
        &format!("#!/bin/sh\n[ \"$1 $2\" = \"list-units --state=failed\" ] || exit 1\ncat {}\n", listing.display()),
    );
    std::fs::set_permissions(&systemctl, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
    let script = format!(
        "mount -t tmpfs -o size=1m tmpfs /run\nmkdir -p /run/systemd/system\nexport PATH={}:$PATH",
        bin.display()
    );
    for (units, status, named) in [
        ("", "ok", vec![]),
        ("nginx.service loaded failed failed A high performance web server\n", "warn", vec!["nginx.service"]),
        (
            "\u{25cf} ssh.service loaded failed failed OpenBSD Secure Shell server\nnginx.service loaded failed failed nginx\n",
            "crit",
            vec!["ssh.service", "nginx.service"],
        ),
    ] {
        write(&listing, units);
        let out = in_mount_ns(&script, &["run", "--format", "json", "--no-save", "--only", id]);
        let rep = valid_report(&stdout(&out));
        let c = check(&rep, id);
        assert_eq!(c["status"], status, "{c:#}\n{}", stderr(&out));
        assert_eq!(subjects(&rep, id), named, "{c:#}");
        if status == "crit" {
            let ssh = &c["findings"][0];
            assert_eq!(ssh["severity"], "crit", "{c:#}");
            let ev = ssh["evidence"].to_string();
            assert!(ev.contains("systemctl list-units --state=failed: ssh.service loaded failed failed"), "{ev}");
        }
    }
}
