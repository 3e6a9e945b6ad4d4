//! CPU and memory holders with real faults: spinning processes (a perl loop that never sleeps, a
//! copy of perl deleted while it runs, more spinners than CPUs), a forking loop, and a tmpfs
//! filled with data in a private mount namespace. Every process the test
//! starts is killed when the test ends (also on failure); ecs-doctor runs in its own network
//! namespace. A run that misses what it looks for is repeated a bounded number of times; nothing
//! here measures time.

use crate::common::*;
use std::process::{Child, Command, Stdio};

/// A process killed (and reaped) on drop.
struct Spawned(Child);

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(cmd: &mut Command) -> Spawned {
    Spawned(cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn"))
}

/// A perl loop that never sleeps, with `marker` in its command line.
fn spinner(perl: &str, marker: &str) -> Spawned {
    spawn(Command::new(perl).args(["-e", "1 while 1", marker]))
}

fn run(only: &str) -> serde_json::Value {
    let out = doctor(&["run", "--format", "json", "--no-save", "--only", only]).expect("a network namespace");
    valid_report(&stdout(&out))
}

/// The finding of `id` about `subject`, from up to 10 runs (the first run that has one).
fn finding_about(id: &str, subject: &str) -> Option<serde_json::Value> {
    for _ in 0..10 {
        let r = run(id);
        let c = check(&r, id);
        if let Some(f) = c["findings"].as_array().and_then(|f| f.iter().find(|f| f["subject"] == subject)) {
            return Some(f.clone());
        }
    }
    None
}

fn lab_ok() -> bool {
    require(is_root(), "the CPU lab reads other processes' /proc entries as root")
        && require(std::path::Path::new("/usr/bin/perl").exists(), "the spinners are perl (perl-base)")
}

#[test]
fn a_process_pinning_a_core_is_named_and_a_deleted_executable_is_a_warning() {
    if !lab_ok() {
        return;
    }
    let id = "sys.cpu.holders";
    let spin = spinner("/usr/bin/perl", "ecsd-spin-marker");
    let subject = format!("perl (pid {})", spin.0.id());
    let f = finding_about(id, &subject).expect("the spinner was never seen pinning a core in 10 runs");
    assert!(matches!(f["severity"].as_str(), Some("info" | "warn")), "{f:#}");
    assert!(matches!(f["code"].as_str(), Some("CPU-PINNED" | "CPU-PINNED-STARVING")), "{f:#}");
    assert!(f["message"].as_str().unwrap().contains("1 while 1 ecsd-spin-marker"), "{f:#}");
    assert!(f["evidence"].to_string().contains(&format!("/proc/{}/exe -> /usr/bin/perl", spin.0.id())), "{f:#}");
    drop(spin);

    // The same loop from an executable deleted while it runs: a warning whatever the load.
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("ecsd-spin");
    std::fs::copy("/usr/bin/perl", &copy).expect("copy perl");
    let spin = spinner(copy.to_str().unwrap(), "ecsd-deleted-marker");
    // Deleted once it runs (its comm is the copy's name then).
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::fs::read_to_string(format!("/proc/{}/comm", spin.0.id())).unwrap_or_default().trim() != "ecsd-spin" {
        assert!(std::time::Instant::now() < until, "the copy did not start");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    std::fs::remove_file(&copy).expect("delete the copy");
    let subject = format!("ecsd-spin (pid {})", spin.0.id());
    let f = finding_about(id, &subject).expect("the deleted spinner was never seen pinning a core in 10 runs");
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("warn"), Some("CPU-PINNED-UNKNOWN")), "{f:#}");
    assert!(f["message"].as_str().unwrap().contains("(deleted)"), "{f:#}");

    // Starving: more spinners than CPUs, so more tasks are runnable than there are CPUs.
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let low: Vec<Spawned> = (0..=cpus).map(|_| spinner("/usr/bin/perl", "ecsd-low-marker")).collect();
    let spin = spinner("/usr/bin/perl", "ecsd-high-marker");
    let subject = format!("perl (pid {})", spin.0.id());
    let mut starving = None;
    for _ in 0..10 {
        let r = run(id);
        if let Some(f) = check(&r, id)["findings"].as_array().and_then(|f| {
            f.iter().find(|f| f["subject"] == subject.as_str() && f["code"] == "CPU-PINNED-STARVING").cloned()
        }) {
            starving = Some(f);
            break;
        }
    }
    let f = starving.expect("the spinner was never seen starving the others in 10 runs");
    assert_eq!(f["severity"], "warn", "{f:#}");
    assert!(f["evidence"].to_string().contains("procs_running"), "{f:#}");
    drop(low);
}

#[test]
fn a_fork_storm_is_a_warning_naming_the_parent() {
    if !lab_ok() {
        return;
    }
    let id = "sys.process.fork-rate";
    // Children that live 50 ms, so the window's second reading catches some; never waited for.
    let storm = spawn(Command::new("perl").args(["-e", FORK_LOOP, "ecsd-fork-marker"]));
    let mut named = false;
    let mut warned = None;
    for _ in 0..10 {
        let r = run(id);
        let c = check(&r, id).clone();
        if c["status"] == "warn" {
            named |= c["findings"][0]["message"].as_str().unwrap().contains(&format!("perl (pid {})", storm.0.id()));
            warned = Some(c);
            if named {
                break;
            }
        }
    }
    drop(storm);
    let c = warned.expect("the fork loop never made 500 processes a second in 10 runs");
    assert_eq!(c["findings"][0]["code"], "FORK-STORM", "{c:#}");
    assert!(c["findings"][0]["evidence"].to_string().contains("/proc/stat: processes"), "{c:#}");
    assert!(named, "the forking parent was never named: {c:#}");
}

#[test]
fn a_filled_tmpfs_is_named_among_the_memory_held_outside_processes() {
    if !require(is_root(), "mounting a tmpfs in a private mount namespace needs root") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mnt = dir.path().to_str().unwrap().to_string();
    let script = format!(
        "set -e\nmount -t tmpfs -o size=80m ecsd-lab {mnt}\ndd if=/dev/urandom of={mnt}/fill bs=1M count=48 status=none\nexec \"$@\""
    );
    let mut full = Command::new("unshare");
    full.args(["--net", "--mount", "--propagation", "private", "sh", "-c", &script, "lab", BIN]);
    full.args(["run", "--format", "json", "--no-save", "--only", "sys.memory.holders"]);
    full.env("NO_COLOR", "1")
        .env_remove("ECS_DOCTOR_CONFIG")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("reports"));
    let out = full.output().expect("unshare");
    let r = valid_report(&stdout(&out));
    let c = check(&r, "sys.memory.holders");
    assert_eq!(c["status"], "ok", "{c:#}");
    let summary = c["summary"].as_str().unwrap();
    assert!(summary.contains(&format!("tmpfs {mnt} (48.0 MiB)")), "{summary}");
    assert!(std::fs::read_dir(dir.path()).expect("the machine's directory").next().is_none(), "the tmpfs leaked");
}

#[test]
fn a_quiet_pid_namespace_has_no_cpu_or_memory_holder_to_report() {
    if !require(is_root(), "a private PID namespace needs root") {
        return;
    }
    let out = Command::new("unshare")
        .args(["--net", "--pid", "--fork", "--mount-proc", BIN, "run", "--format", "json", "--no-save"])
        .args(["--only", "sys.cpu.holders", "--only", "sys.memory.holders"])
        .env("NO_COLOR", "1")
        .env_remove("ECS_DOCTOR_CONFIG")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("reports"))
        .output()
        .expect("unshare");
    let r = valid_report(&stdout(&out));
    for id in ["sys.cpu.holders", "sys.memory.holders"] {
        let c = check(&r, id);
        assert_eq!(c["status"], "ok", "{c:#}");
        assert!(c["findings"].as_array().is_none_or(|f| f.is_empty()), "{c:#}");
    }
}

/// A perl loop forking children that live 50 ms (`marker` in its command line).
const FORK_LOOP: &str = "$SIG{CHLD}='IGNORE'; while (1) { my $p = fork; if (defined $p && $p == 0) { select(undef, undef, undef, 0.05); exit 0 } }";

/// ecs-doctor's sys.process.fork-rate in a PID namespace of its own (a container's view: its
/// own /proc), started by `sh -c SCRIPT` as the namespace's first process (the fork loop's code
/// is `$ECSD_FORK_LOOP` there).
fn fork_rate_in_pid_namespace(script: &str) -> serde_json::Value {
    let out = Command::new("unshare")
        .args(["--net", "--pid", "--fork", "--mount-proc", "sh", "-c", script, "lab", BIN])
        .args(["run", "--format", "json", "--no-save", "--only", "sys.process.fork-rate"])
        .env("ECSD_FORK_LOOP", FORK_LOOP)
        .env("NO_COLOR", "1")
        .env_remove("ECS_DOCTOR_CONFIG")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("reports"))
        .output()
        .expect("unshare");
    valid_report(&stdout(&out))
}

/// /proc/stat's counter is the machine's: a fork storm on the host, seen from a PID namespace
/// of its own, is never blamed on that namespace (info, "outside"); the same storm inside the
/// namespace warns and names its parent there.
#[test]
fn a_fork_storm_outside_a_pid_namespace_is_not_blamed_on_it() {
    if !lab_ok() {
        return;
    }
    let id = "sys.process.fork-rate";
    let storm = spawn(Command::new("perl").args(["-e", FORK_LOOP, "ecsd-fork-outside"]));
    let mut outside = None;
    for _ in 0..10 {
        let r = fork_rate_in_pid_namespace("exec \"$@\"");
        let c = check(&r, id).clone();
        assert_ne!(c["status"], "warn", "a storm outside the namespace was blamed on it: {c:#}");
        if let Some(f) = c["findings"].as_array().and_then(|f| f.first()).filter(|f| f["code"] == "FORK-STORM-OUTSIDE")
        {
            outside = Some(f.clone());
            break;
        }
    }
    drop(storm);
    let f = outside.expect("the host's fork loop never made 500 processes a second in 10 runs");
    assert_eq!(f["severity"], "info", "{f:#}");
    assert!(f["message"].as_str().unwrap_or_default().contains("none of them seen in this PID namespace"), "{f:#}");
    assert!(f["evidence"].to_string().contains("/proc/self/ns/pid -> pid:["), "{f:#}");

    // The storm inside the namespace (its pid there is 2: sh is 1 and execs ecs-doctor).
    let script = "perl -e \"$ECSD_FORK_LOOP\" ecsd-fork-inside & exec \"$@\"";
    let mut inside = None;
    for _ in 0..10 {
        let r = fork_rate_in_pid_namespace(script);
        let c = check(&r, id).clone();
        if c["status"] == "warn" {
            inside = Some(c);
            break;
        }
    }
    let c = inside.expect("the namespace's fork loop never warned in 10 runs");
    let f = &c["findings"][0];
    assert_eq!(f["code"], "FORK-STORM", "{c:#}");
    assert!(
        f["message"].as_str().unwrap_or_default().contains("this PID namespace (a container) takes part: perl (pid"),
        "{f:#}"
    );
}
