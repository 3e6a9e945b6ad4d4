//! A disk held at its limit, for real: a loop device (the disk) whose backing store is a second
//! loop device throttled to 40 writes a second by the block layer's own throttle (cgroup v2
//! io.max, or blkio.throttle on cgroup v1) for the cgroup of eight writers that keep it saturated
//! with direct I/O. The upper device is what a cloud disk at its IOPS limit looks like from the
//! guest: busy all the time, eight requests in flight, each waiting for the pace below. There is
//! no device-mapper in the lab kernel (no dm-delay). Everything is undone when the test ends,
//! also on failure. Root only; run under the lab lock.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A loop device, detached on drop.
struct Loop(String);

impl Loop {
    fn attach(backing: &Path, direct: bool) -> Loop {
        let mut cmd = Command::new("losetup");
        cmd.args(["-f", "--show"]);
        if direct {
            cmd.arg("--direct-io=on");
        }
        let out = cmd.arg(backing).output().expect("losetup");
        assert!(out.status.success(), "losetup: {}", String::from_utf8_lossy(&out.stderr));
        Loop(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn name(&self) -> &str {
        self.0.trim_start_matches("/dev/")
    }

    /// `7:3`, from /sys/block/<name>/dev.
    fn maj_min(&self) -> String {
        std::fs::read_to_string(format!("/sys/block/{}/dev", self.name())).expect("/sys/block/*/dev").trim().to_string()
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.0]).status();
    }
}

/// The lab's disk: a loop device (direct I/O) on a second loop device over a sparse 2 GiB file,
/// so the cgroup throttle can be set on the lower one. Fields drop in order: the upper device is
/// detached before the lower one, then the file goes.
struct Stacked {
    disk: Loop,
    lower: Loop,
    _dir: tempfile::TempDir,
}

impl Stacked {
    fn new() -> Stacked {
        let dir = tempfile::tempdir().expect("tempdir");
        let backing = dir.path().join("backing");
        let f = std::fs::File::create(&backing).expect("create the backing file");
        f.set_len(2 << 30).expect("a sparse 2 GiB file");
        let lower = Loop::attach(&backing, false);
        let disk = Loop::attach(Path::new(&lower.0), true);
        Stacked { disk, lower, _dir: dir }
    }
}

/// A cgroup that limits writes to one device, removed on drop (after its processes are gone).
struct Throttle(PathBuf);

impl Throttle {
    fn new(device: &str, iops: u32) -> Option<Throttle> {
        let tag = format!("ecsd-throttle-{}", std::process::id());
        let v1 = Path::new("/sys/fs/cgroup/blkio");
        if v1.join("blkio.throttle.write_iops_device").exists() {
            let dir = v1.join(&tag);
            std::fs::create_dir_all(&dir).expect("mkdir blkio cgroup");
            std::fs::write(dir.join("blkio.throttle.write_iops_device"), format!("{device} {iops}\n"))
                .expect("blkio.throttle.write_iops_device");
            return Some(Throttle(dir));
        }
        let v2 = Path::new("/sys/fs/cgroup");
        let controllers = std::fs::read_to_string(v2.join("cgroup.controllers")).unwrap_or_default();
        if controllers.split_whitespace().any(|c| c == "io") {
            let _ = std::fs::write(v2.join("cgroup.subtree_control"), "+io\n");
            let dir = v2.join(&tag);
            std::fs::create_dir_all(&dir).expect("mkdir cgroup");
            std::fs::write(dir.join("io.max"), format!("{device} wiops={iops}\n")).expect("io.max");
            return Some(Throttle(dir));
        }
        None
    }
}

impl Drop for Throttle {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Processes killed (and reaped) on drop.
struct Writers(Vec<Child>);

impl Writers {
    /// Eight `dd` writers in `throttle`'s cgroup on `disk` (blocks of `bs`, `stride` blocks
    /// apart), returned once the disk has eight writes in flight: saturated, counted, not timed.
    fn saturate(throttle: &Throttle, disk: &Loop, bs: &str, stride: u64) -> Writers {
        let procs = throttle.0.join("cgroup.procs");
        let writers = Writers(
            (0..8u64)
                .map(|i| {
                    let script = format!(
                        "echo $$ > {} && exec dd if=/dev/zero of={} bs={bs} seek={} count=200000 oflag=direct status=none",
                        procs.display(),
                        disk.0,
                        i * stride
                    );
                    Command::new("sh")
                        .args(["-c", &script])
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .spawn()
                        .expect("sh")
                })
                .collect(),
        );
        let inflight = || {
            std::fs::read_to_string(format!("/sys/block/{}/inflight", disk.name()))
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|v| v.parse::<u64>().ok())
                .sum::<u64>()
        };
        let full = (0..500).any(|_| {
            let full = inflight() >= 8;
            if !full {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            full
        });
        assert!(full, "the writers never filled the disk's queue");
        writers
    }
}

impl Drop for Writers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
        }
        for c in &mut self.0 {
            let _ = c.wait();
        }
    }
}

/// The two tests of this lab one at a time: a disk one of them saturates would be a finding in
/// the other's idle run.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn lab_ok() -> bool {
    require(is_root(), "the throttle lab needs root (loop devices, cgroups)")
        && require(Command::new("losetup").arg("-V").output().is_ok(), "losetup (util-linux) is not installed")
}

fn run() -> serde_json::Value {
    let out = doctor(&["run", "--format", "json", "--no-save", "--only", "disk.io.throttle"]).expect("a namespace");
    valid_report(&stdout(&out))
}

#[test]
fn a_disk_held_at_its_iops_limit_is_named_with_its_ceiling() {
    let _one = one_at_a_time();
    if !lab_ok() {
        return;
    }
    let stack = Stacked::new();
    let (disk, lower) = (&stack.disk, &stack.lower);
    let subject = disk.0.clone();

    // Idle: nothing is judged.
    let r = run();
    assert_eq!(status_of(&r, "disk.io.throttle"), "ok", "{r:#}");

    let throttle = Throttle::new(&lower.maj_min(), 40);
    let Some(throttle) = throttle else {
        assert!(!lab_required(), "no blkio throttle (cgroup v1) or io controller (cgroup v2) here");
        eprintln!("skipped: no blkio throttle (cgroup v1) or io controller (cgroup v2)");
        return;
    };
    // Saturated: eight writes in flight on the disk (counted, not timed).
    let writers = Writers::saturate(&throttle, disk, "64k", 2000);

    let mut found = None;
    for _ in 0..5 {
        let r = run();
        let c = check(&r, "disk.io.throttle").clone();
        if let Some(f) = c["findings"].as_array().and_then(|f| f.iter().find(|f| f["subject"] == subject.as_str())) {
            found = Some((f.clone(), c.clone()));
            break;
        }
    }
    drop(writers);
    let (f, c) = found.expect("the throttled disk was never found at its limit in 5 runs");
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("warn"), Some("DISK-AT-LIMIT")), "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.starts_with(&format!("{subject} is held at a ceiling of ")), "{f:#}");
    let iops: f64 = m
        .trim_start_matches(&format!("{subject} is held at a ceiling of "))
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .expect("the ceiling's IOPS");
    assert!(iops > 0.0 && iops <= 120.0, "a ceiling near the 40 writes a second of the throttle: {f:#}");
    assert!(f["evidence"].to_string().contains("I/Os in flight at the start of the window"), "{f:#}");
    // The throttled device below is not the one named (its I/O waits in the throttle, not in flight).
    let named: Vec<&str> =
        c["findings"].as_array().into_iter().flatten().filter_map(|f| f["subject"].as_str()).collect();
    assert!(!named.contains(&lower.0.as_str()), "{c:#}");
}

/// The lab disk's size as the ECS stand-in describes it: an ESSD PL0 of 20 GiB may do
/// min{1,800 + 12 × 20, 10,000} = 2,040 IOPS, the pace the lab throttles it to.
const PL0_GIB: u32 = 20;
const PL0_IOPS: u32 = 2040;

/// One disk of `DescribeDisks` in the official shape.
fn described(id: &str, device: &str, serial: &str, category: &str, level: &str, size: u32) -> serde_json::Value {
    serde_json::json!({
        "DiskId": id, "SerialNumber": serial, "Category": category, "PerformanceLevel": level, "Size": size,
        "Type": "data", "Device": device, "Status": "In_use", "InstanceId": super::secgroup_lab::INSTANCE,
        "RegionId": super::secgroup_lab::REGION, "ZoneId": "cn-lab-a", "Portable": true, "MultiAttach": "Disabled",
        "Tags": {"Tag": []}, "OperationLocks": {"OperationLock": []}
    })
}

/// The lab disk held at an ESSD PL0's limit, with the ECS API stand-in (every request's signature
/// checked) as the metadata service and the API, in a network namespace of the test's own: the
/// finding names the device, the category and its limit; the same ceiling on a disk that may do
/// far more says the limit is elsewhere; without credentials it names the permission; an idle
/// disk is quiet and asks the API nothing.
#[test]
fn a_disk_at_its_cloud_category_limit_is_named_with_the_category_and_the_limit() {
    use super::secgroup_lab::{EcsStandIn, EcsState};
    let _one = one_at_a_time();
    if !lab_ok() {
        return;
    }
    in_private_netns(|| {
        let stack = Stacked::new();
        let (disk, lower) = (&stack.disk, &stack.lower);
        let subject = disk.0.clone();
        let system = described("d-lab0system000000001", "/dev/xvda", "lab0system000000001", "cloud_essd", "PL1", 40);
        let pl0 = described("d-lab0data00000000001", &subject, "", "cloud_essd", "PL0", PL0_GIB);
        let state = EcsState { role: true, disks: vec![system.clone(), pl0], ..Default::default() };
        let api = EcsStandIn::start(state);
        let url = api.url();
        let run_with = |extra: &[&str]| {
            let mut args = vec!["run", "--format", "json", "--no-save", "--only", "disk.io.throttle"];
            args.extend_from_slice(extra);
            let out = doctor_here(&args).env("ECS_DOCTOR_ECS_ENDPOINT", &url).output().expect("ecs-doctor");
            valid_report(&stdout(&out))
        };
        let run = || run_with(&["--metadata-url", &url]);
        let described_disks = || api.actions().iter().filter(|a| a.starts_with("DescribeDisks")).count();

        // Idle: quiet, and nothing is asked of the API.
        let r = run();
        assert_eq!(status_of(&r, "disk.io.throttle"), "ok", "{r:#}");
        assert_eq!(described_disks(), 0, "{:?}", api.actions());

        let Some(throttle) = Throttle::new(&lower.maj_min(), PL0_IOPS) else {
            assert!(!lab_required(), "no blkio throttle (cgroup v1) or io controller (cgroup v2) here");
            eprintln!("skipped: no blkio throttle (cgroup v1) or io controller (cgroup v2)");
            return;
        };
        let writers = Writers::saturate(&throttle, disk, "4k", 32000);
        let held = |r: &serde_json::Value| {
            check(r, "disk.io.throttle")["findings"]
                .as_array()
                .and_then(|f| f.iter().find(|f| f["subject"] == subject.as_str()).cloned())
        };
        let find = || (0..5).find_map(|_| held(&run()));

        // At the PL0 limit: the device, the category, the limit and what to do.
        let f = find().expect("the throttled disk was never found at its limit in 5 runs");
        let m = f["message"].as_str().unwrap_or_default().to_string();
        eprintln!("{m}");
        assert_eq!(f["code"], "DISK-AT-LIMIT", "{f:#}");
        assert!(m.starts_with(&format!("{subject} is held at a ceiling of ")), "{m}");
        assert!(
            m.contains(&format!(
                "this disk (d-lab0data00000000001: ESSD PL0, {PL0_GIB} GiB) is at its ESSD PL0 limit of {PL0_IOPS} IOPS: resize it or raise its performance level"
            )),
            "{m}"
        );
        assert!(
            f["evidence"].to_string().contains("DescribeDisks: d-lab0data00000000001 cloud_essd PL0 20 GiB"),
            "{f:#}"
        );
        assert!(described_disks() >= 1);

        // The same ceiling on a disk that may do far more: the limit is elsewhere.
        let pl1 = described("d-lab0data00000000001", &subject, "", "cloud_essd", "PL1", 500);
        api.state().disks = vec![system, pl1];
        let f = find().expect("the throttled disk was not found at its ceiling again");
        let m = f["message"].as_str().unwrap_or_default().to_string();
        eprintln!("{m}");
        assert!(m.contains("(d-lab0data00000000001: ESSD PL1, 500 GiB) may do 26800 IOPS and 350 MB/s"), "{m}");
        assert!(m.contains("well above this ceiling: the limit is elsewhere"), "{m}");

        // --offline, and no cloud detected (no metadata URL; DMI does not say Alibaba here):
        // nothing at all is asked, not even the metadata service.
        let asked = api.state().requests.len();
        let find_with = |extra: &[&str]| (0..5).find_map(|_| held(&run_with(extra)));
        let f = find_with(&["--offline", "--metadata-url", &url]).expect("not found at its ceiling with --offline");
        let m = f["message"].as_str().unwrap_or_default().to_string();
        assert!(m.contains("--offline: the disk's category was not looked up"), "{m}");
        let f = find_with(&[]).expect("not found at its ceiling off the cloud");
        let m = f["message"].as_str().unwrap_or_default().to_string();
        assert!(m.ends_with("; its IOPS or throughput limit caps it (the cloud disk's category and size, the instance type's disk limit, a cgroup's io.max)"), "{m}");
        assert_eq!(api.state().requests.len(), asked, "{:?}", api.state().requests);

        // No credentials: nothing is asked, and the permission that would let it look is named.
        api.state().role = false;
        let before = described_disks();
        let f = find().expect("the throttled disk was not found at its ceiling without credentials");
        let m = f["message"].as_str().unwrap_or_default().to_string();
        eprintln!("{m}");
        assert!(m.contains("no credentials to look up the disk's category") && m.contains("ecs:DescribeDisks"), "{m}");
        assert_eq!(described_disks(), before, "no DescribeDisks without credentials");
        drop(writers);
        let st = api.state();
        assert!(st.problems.is_empty(), "the ECS stand-in saw: {:?}", st.problems);
    });
}
