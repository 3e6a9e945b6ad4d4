//! `ecs-doctor fix` against real enlarged disks (root only, under the lab lock): two loop
//! devices enlarged as a console resize does (`truncate` + `losetup -c`): one partitioned, its
//! ext4 partition ending where the disk used to, not mounted (the offline path: growpart,
//! e2fsck, resize2fs); one XFS on the whole disk, mounted in a private mount namespace (gone with
//! it; xfs_growfs grows it online), where ecs-doctor plans, applies and re-checks.
//!
//! The plan names growpart + e2fsck + resize2fs and xfs_growfs and says they cannot be undone,
//! changing nothing; apply grows both (the superblock's block count and df show the new sizes,
//! disk.block.size is ok: the mounted XFS measured by its own geometry ioctl); undo refuses,
//! naming the step that cannot be reversed.
//!
//! And a full /var (a loop-device ext4 mounted over /var in a private mount namespace): filled
//! with real archived journal files (written by systemd-journal-remote, which rotates them as
//! journald does), real .deb packages in apt's cache (built by dpkg-deb) and filler, until
//! disk.usage.space (or, on a filesystem made with few inodes and many small files,
//! disk.usage.inodes) is critical. The plan names `journalctl --directory=… --vacuum-size=1`
//! and `apt-get clean` with the bytes (inodes) each frees, as the test measures them, and
//! changes nothing; apply deletes exactly the archived journals and the packages (the active
//! journal, apt's lock, the filler and an unrelated cache file keep their bytes) and the check
//! no longer finds /var; undo refuses.
//!
//! And network shares in a rescued disk's /etc/fstab (`--root`): an Alibaba Cloud NAS (NFS)
//! line without nofail and an ossfs (FUSE) line without _netdev. What they do at boot is shown
//! by systemd's own fstab generator run on the file: the NAS mount required by
//! remote-fs.target (the boot fails when the server does not answer) and the ossfs mount pulled
//! in by local-fs.target (before the network); after the repairs, both merely wanted by
//! remote-fs.target. findmnt --verify validates the file; undo restores it byte for byte.

use super::block_lab::{Loop, sh};
use super::fix::{copy_of, fix, tree_state};
use super::journal_lab::JOURNAL_REMOTE;
use crate::common::*;
use std::collections::BTreeMap;
use std::process::Command;

/// Runs `script` as root in a private mount namespace (its mounts go with it), ecs-doctor's
/// reports in the scratch directory and its repair records in `dir`/repairs; it must succeed.
fn in_private_mounts(script: &str, dir: &std::path::Path) {
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", script])
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("fix-disk-lab-reports"))
        .env("ECS_DOCTOR_REPAIR_DIR", dir.join("repairs"))
        .output()
        .expect("unshare");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

/// The script lines that plan, apply (`ids`), re-check and undo `check`, into the files plan,
/// apply, apply-rc, after.json, undo and undo-rc of `d`; `snap` (a shell command) writes the
/// state before, after the plan and after the apply (files before, after-plan, after-apply).
fn fix_steps(d: &str, check: &str, ids: &str, snap: &str) -> String {
    format!(
        "{snap} > {d}/before\n\
         unshare --net {BIN} fix --no-save --only {check} > {d}/plan 2>&1 || true\n\
         {snap} > {d}/after-plan\n\
         rc=0; unshare --net {BIN} fix --no-save --only {check} --apply {ids} --yes > {d}/apply 2>&1 || rc=$?\n\
         echo $rc > {d}/apply-rc\n\
         {snap} > {d}/after-apply\n\
         unshare --net {BIN} run --format json --no-save --only {check} > {d}/after.json || true\n\
         rc=0; unshare --net {BIN} fix --undo > {d}/undo 2>&1 || rc=$?\n\
         echo $rc > {d}/undo-rc\n"
    )
}

#[test]
fn an_enlarged_disk_is_grown_partition_and_filesystem_offline_ext4_and_online_xfs_and_undo_refuses() {
    if !require(is_root(), "the disk fix lab needs root (loop devices, mounts)") {
        return;
    }
    for tool in ["growpart", "resize2fs", "xfs_growfs", "sfdisk"] {
        let found =
            ["/usr/sbin", "/sbin", "/usr/bin", "/bin"].iter().any(|d| std::path::Path::new(d).join(tool).is_file());
        if !require(found, &format!("{tool} is missing (cloud-guest-utils, e2fsprogs, xfsprogs, fdisk)")) {
            return;
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    assert!(sh(&format!(
        "truncate -s 64M {d}/grown.img\n\
         echo ',,L' | sfdisk -q {d}/grown.img\n\
         truncate -s 320M {d}/xfs.img && mkfs.xfs -q -f {d}/xfs.img\n"
    )));
    let attach = |name: &str| Loop::attach(&dir.path().join(name), false);
    let (Some(grown), Some(xfs)) = (attach("grown.img"), attach("xfs.img")) else {
        assert!(!lab_required(), "losetup could not attach the images");
        return;
    };
    grown.partitions();
    let part = format!("{}p1", grown.dev);
    assert!(sh(&format!("mkfs.ext4 -q -F {part}")), "mkfs.ext4 on {part}");
    assert!(sh(&format!(
        "truncate -s 256M {d}/grown.img && losetup -c {g}\n\
         truncate -s 640M {d}/xfs.img && losetup -c {x}\n\
         mkdir {d}/xfs {d}/repairs\n",
        g = grown.dev,
        x = xfs.dev
    )));
    let slug = |dev: &str| dev.trim_start_matches('/').replace('/', "-");
    let (ext_id, xfs_id) = (format!("disk-grow-{}", slug(&part)), format!("disk-grow-{}", slug(&xfs.dev)));
    // Everything in one private mount namespace: the mounts are gone with it.
    let script = format!(
        "set -e\n\
         mount {x} {d}/xfs\n\
         sizes() {{ dumpe2fs -h {part} 2>/dev/null | awk -F: '/^Block count/ {{c=$2}} /^Block size/ {{b=$2}} END {{print c*b}}'; df -B1 --output=size {d}/xfs | tail -n 1; }}\n\
         {steps}",
        x = xfs.dev,
        steps = fix_steps(&d, "disk.block.size", &format!("{ext_id} {xfs_id}"), "sizes"),
    );
    in_private_mounts(&script, dir.path());
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    let sizes = |name: &str| -> Vec<u64> { read(name).split_whitespace().filter_map(|n| n.parse().ok()).collect() };

    let plan = read("plan");
    for want in [
        format!("{ext_id}  ·  disk.block.size  ·  {part}"),
        format!("runs: growpart {} 1", grown.dev),
        format!("runs: e2fsck -f -p {part}"),
        format!("runs: resize2fs {part}"),
        format!("{xfs_id}  ·  disk.block.size  ·  {}", xfs.dev),
        format!("runs: xfs_growfs {d}/xfs"),
        "cannot be undone: undo restores the files only".to_string(),
        "it cannot be undone, and nothing to give back".to_string(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}");
    }
    let before = sizes("before");
    assert_eq!(before.len(), 2, "{}", read("before"));
    assert_eq!(sizes("after-plan"), before, "the plan grows nothing");

    assert_eq!(read("apply-rc").trim(), "0", "{}", read("apply"));
    let after = sizes("after-apply");
    assert_eq!(after.len(), 2, "{}", read("after-apply"));
    assert!(after[0] > 200 << 20 && before[0] < 64 << 20, "ext4 grew offline: {before:?} → {after:?}");
    assert!(after[1] > 512 << 20 && before[1] < 330 << 20, "xfs grew online: {before:?} → {after:?}");
    let rep = valid_report(&read("after.json"));
    assert_eq!(status_of(&rep, "disk.block.size"), "ok", "{rep:#}");

    let undo = read("undo");
    assert_ne!(read("undo-rc").trim(), "0", "{undo}");
    assert!(undo.contains("which cannot be reversed: not undone"), "{undo}");
}

const MACHINE: &str = "0123456789abcdef0123456789abcdef";

/// `n` journal entries in journal export format, ending now.
fn journal_export(n: usize) -> String {
    let now = super::journal_lab::now_usec();
    let mut out = String::new();
    for i in 0..n {
        out.push_str(&format!(
            "__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID={MACHINE}\n_HOSTNAME=lab\n\
             SYSLOG_IDENTIFIER=filler\nPRIORITY=6\nMESSAGE=entry {i} {} {}\n\n",
            now - (n - i) as i64 * 1000,
            1_000_000 + i,
            "x".repeat(200),
            i * 7919 % 100_003
        ));
    }
    out
}

/// Each file under the listing's root: (size in 512-byte blocks, sha256).
fn listing(text: &str) -> BTreeMap<String, (u64, String)> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ' ');
            let (blocks, sha, path) = (f.next()?, f.next()?, f.next()?);
            Some((path.to_string(), (blocks.parse().ok()?, sha.to_string())))
        })
        .collect()
}

/// A full /var, space (`inodes` false) or inodes, cleaned by `fix` (see the module's doc).
fn full_var_is_cleaned(inodes: bool) {
    let check = if inodes { "disk.usage.inodes" } else { "disk.usage.space" };
    if !require(is_root(), "the cleanup fix lab needs root (loop devices, mounts)") {
        return;
    }
    for tool in [JOURNAL_REMOTE, "/usr/bin/dpkg-deb", "/usr/bin/apt-get", "/usr/bin/journalctl"] {
        if !require(std::path::Path::new(tool).exists(), &format!("{tool} is missing")) {
            return;
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    std::fs::write(dir.path().join("in.export"), journal_export(20_000)).expect("export");
    // Two real packages of random (incompressible) bytes, and a third one half downloaded.
    let mkfs = if inodes { "mkfs.ext4 -q -F -N 64" } else { "mkfs.ext4 -q -F" };
    assert!(sh(&format!(
        "truncate -s 64M {d}/var.img && {mkfs} {d}/var.img\n\
         for p in alpha beta gamma; do\n\
           mkdir -p {d}/$p/DEBIAN {d}/$p/usr/share/$p\n\
           printf 'Package: %s\\nVersion: 1.0\\nArchitecture: all\\nMaintainer: lab <lab@example.com>\\nDescription: lab\\n' $p > {d}/$p/DEBIAN/control\n\
           head -c 2500000 /dev/urandom > {d}/$p/usr/share/$p/data\n\
           dpkg-deb -Znone --build {d}/$p {d}/${{p}}_1.0_all.deb >/dev/null\n\
         done\n\
         mkdir {d}/repairs\n"
    )));
    let Some(var) = Loop::attach(&dir.path().join("var.img"), false) else {
        assert!(!lab_required(), "losetup could not attach the image");
        return;
    };
    // The filler: one big file (space), or a small file per free inode but a few (inodes).
    let fill = if inodes {
        "n=$(df --output=iavail /var | tail -n 1); i=0; while [ $i -lt $((n - 2)) ]; do echo $i > /var/lib/filler/f$i; i=$((i+1)); done"
    } else {
        "fallocate -l $(( $(df -B1 --output=avail /var | tail -n 1) - 1048576 )) /var/lib/filler/blob"
    };
    let script = format!(
        "set -e\n\
         mount {dev} /var\n\
         mkdir -p /var/log/journal/{MACHINE} /var/cache/apt/archives/partial /var/lib/filler /var/cache/keep\n\
         : > /var/cache/apt/archives/lock\n\
         {JOURNAL_REMOTE} --output=/var/log/journal/{MACHINE}/remote.journal {d}/in.export 2> {d}/journal-remote.log\n\
         cp {d}/alpha_1.0_all.deb {d}/beta_1.0_all.deb /var/cache/apt/archives/\n\
         cp {d}/gamma_1.0_all.deb /var/cache/apt/archives/partial/\n\
         echo keep > /var/cache/keep/file\n\
         {fill}\n\
         sync\n\
         list() {{ find /var -xdev -type f | sort | while read -r f; do echo \"$(stat -c %b \"$f\") $(sha256sum < \"$f\" | cut -d' ' -f1) $f\"; done; }}\n\
         unshare --net {BIN} run --format json --no-save --only {check} > {d}/before.json || true\n\
         {steps}",
        dev = var.dev,
        steps = fix_steps(&d, check, "cleanup-var", "list"),
    );
    in_private_mounts(&script, dir.path());
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    let before = listing(&read("before"));
    let journal_dir = format!("/var/log/journal/{MACHINE}");
    let archived: Vec<&String> = before.keys().filter(|p| p.starts_with(&journal_dir) && p.contains('@')).collect();
    assert!(
        archived.len() >= 3,
        "journal-remote rotated the journal: {:?}\n{}",
        before.keys(),
        read("journal-remote.log")
    );
    let packages: Vec<&String> = before.keys().filter(|p| p.ends_with(".deb")).collect();
    assert_eq!(packages.len(), 3, "{before:?}");
    let blocks = |files: &[&String]| files.iter().map(|p| before[*p].0).sum::<u64>() * 512;

    // Before: /var is critical.
    let rep = valid_report(&read("before.json"));
    let var_finding = |rep: &serde_json::Value| {
        crate::common::check(rep, check)["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["subject"] == "/var").cloned())
    };
    let f = var_finding(&rep).unwrap_or_else(|| panic!("no /var finding in {rep:#}"));
    assert_eq!(f["severity"], "crit", "{f:#}");

    // The plan: each command with what it frees, measured; nothing changed.
    let plan = read("plan");
    let (journal_amount, apt_amount) = if inodes {
        (format!("{} inodes", archived.len()), "3 inodes".to_string())
    } else {
        (ecs_doctor::host::blockdev::human(blocks(&archived)), ecs_doctor::host::blockdev::human(blocks(&packages)))
    };
    for want in [
        format!("cleanup-var  ·  {check}  ·  /var"),
        format!(
            "journalctl --directory={journal_dir} --vacuum-size=1 deletes {} archived journal file(s) in {journal_dir}, freeing {journal_amount}",
            archived.len()
        ),
        format!("apt-get clean deletes 3 downloaded package file(s) in /var/cache/apt/archives, freeing {apt_amount}"),
        "by deleting files for good, which cannot be undone".to_string(),
        format!("runs: journalctl --directory={journal_dir} --vacuum-size=1"),
        "runs: apt-get clean".to_string(),
        "cannot be undone".to_string(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}");
    }
    assert!(!plan.contains("still leaves /var full"), "{plan}");
    assert_eq!(read("after-plan"), read("before"), "the plan deletes nothing");

    // Apply: exactly the archived journals and the packages are gone, the rest keeps its bytes.
    assert_eq!(read("apply-rc").trim(), "0", "{}", read("apply"));
    let after = listing(&read("after-apply"));
    for (path, v) in &before {
        let gone = archived.contains(&path) || packages.contains(&path);
        assert_eq!(after.get(path), if gone { None } else { Some(v) }, "{path}");
    }
    // apt-get takes its lists lock (an empty file) as it cleans: the only file that may appear.
    let new: Vec<&String> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    assert!(new.iter().all(|p| *p == "/var/lib/apt/lists/lock" && after[*p].0 == 0), "new files: {new:?}");
    for kept in ["/var/cache/apt/archives/lock", "/var/cache/keep/file", &format!("{journal_dir}/remote.journal")] {
        assert!(after.contains_key(kept), "{kept} kept");
    }
    let rep = valid_report(&read("after.json"));
    assert!(
        var_finding(&rep).is_none(),
        "{check} still finds /var: {:#}\n{}",
        var_finding(&rep).unwrap_or_default(),
        read("plan")
    );

    let undo = read("undo");
    assert_ne!(read("undo-rc").trim(), "0", "{undo}");
    assert!(undo.contains("which cannot be reversed: not undone"), "{undo}");
}

#[test]
fn a_full_var_is_cleaned_of_archived_journals_and_downloaded_packages_and_undo_refuses() {
    full_var_is_cleaned(false);
}

#[test]
fn a_var_out_of_inodes_is_cleaned_of_archived_journals_and_downloaded_packages() {
    full_var_is_cleaned(true);
}

/// When everything the cleanup may delete is not enough, the plan says the filesystem stays full.
#[test]
fn a_var_that_the_cleanup_cannot_empty_enough_is_said_to_stay_full() {
    if !require(is_root(), "the cleanup fix lab needs root (loop devices, mounts)") {
        return;
    }
    if !require(std::path::Path::new("/usr/bin/apt-get").exists(), "apt-get is missing") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    assert!(sh(&format!("truncate -s 64M {d}/var.img && mkfs.ext4 -q -F {d}/var.img")));
    let Some(var) = Loop::attach(&dir.path().join("var.img"), false) else {
        assert!(!lab_required(), "losetup could not attach the image");
        return;
    };
    let script = format!(
        "set -e\n\
         mount {dev} /var\n\
         mkdir -p /var/cache/apt/archives/partial /var/lib/filler\n\
         head -c 300000 /dev/urandom > /var/cache/apt/archives/big_1.0_all.deb\n\
         fallocate -l $(( $(df -B1 --output=avail /var | tail -n 1) - 65536 )) /var/lib/filler/blob\n\
         unshare --net {BIN} fix --no-save --only disk.usage.space > {d}/plan 2>&1 || true\n\
         test -f /var/cache/apt/archives/big_1.0_all.deb\n",
        dev = var.dev,
    );
    in_private_mounts(&script, dir.path());
    let plan = std::fs::read_to_string(dir.path().join("plan")).unwrap_or_default();
    for want in [
        "cleanup-var  ·  disk.usage.space  ·  /var",
        "runs: apt-get clean",
        "that still leaves /var full (",
        "full from 95%",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}");
    }
}

const FSTAB_GENERATOR: &str = "/lib/systemd/system-generators/systemd-fstab-generator";

/// The mount units systemd's fstab generator makes of `fstab` and what pulls each in
/// (`remote-fs.target.requires/srv-share.mount`), sorted.
fn generated(fstab: &std::path::Path) -> Vec<String> {
    let out = tempfile::tempdir().expect("tempdir");
    let dirs: Vec<std::path::PathBuf> = ["normal", "early", "late"].iter().map(|d| out.path().join(d)).collect();
    for d in &dirs {
        std::fs::create_dir(d).expect("mkdir");
    }
    let ran = Command::new(FSTAB_GENERATOR)
        .args(&dirs)
        .env("SYSTEMD_FSTAB", fstab)
        .env("SYSTEMD_PROC_CMDLINE", "")
        .output()
        .expect("systemd-fstab-generator");
    assert!(ran.status.success(), "{}", stderr(&ran));
    let mut links = Vec::new();
    for target in std::fs::read_dir(&dirs[0]).expect("generated").map(|e| e.expect("entry").path()) {
        if target.is_dir() {
            for unit in std::fs::read_dir(&target).expect("target dir").map(|e| e.expect("entry")) {
                let t = target.file_name().unwrap_or_default().to_string_lossy().into_owned();
                links.push(format!("{t}/{}", unit.file_name().to_string_lossy()));
            }
        }
    }
    links.retain(|l| l.ends_with(".mount"));
    links.sort();
    links
}

#[test]
fn network_shares_get_nofail_and_netdev_as_systemds_generator_shows_and_undo_restores() {
    if !require(std::path::Path::new(FSTAB_GENERATOR).exists(), "systemd's fstab generator is missing") {
        return;
    }
    let dir = copy_of("healthy");
    let root = dir.path().join("root");
    let fstab = root.join("etc/fstab");
    let healthy = std::fs::read_to_string(&fstab).expect("fstab");
    let nas = "0a1b2c-xyz12.cn-hangzhou.nas.aliyuncs.com:/ /srv/share nfs vers=3,nolock,proto=tcp,noresvport 0 0";
    let oss = "ossfs#my-bucket /mnt/oss fuse.ossfs allow_other,nofail 0 0";
    std::fs::write(&fstab, format!("{healthy}{nas}\n{oss}\n")).expect("fstab");
    let original = std::fs::read(&fstab).expect("fstab");
    assert_eq!(
        generated(&fstab),
        [
            "local-fs.target.requires/-.mount",
            "local-fs.target.wants/data.mount",
            "local-fs.target.wants/mnt-oss.mount",
            "remote-fs.target.requires/srv-share.mount"
        ],
        "before: the NAS holds up the boot, ossfs is mounted before the network"
    );
    let Some((rep, _)) = run_json(&root, &["--only", "disk.fstab.entries"]) else { return };
    let findings = crate::common::check(&rep, "disk.fstab.entries")["findings"].as_array().cloned().unwrap_or_default();
    let codes: Vec<(String, String)> = findings
        .iter()
        .map(|f| (f["subject"].as_str().unwrap_or("").to_string(), f["code"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(codes, [("/srv/share".into(), "SHARE-NO-NOFAIL".into()), ("/mnt/oss".into(), "NO-NETDEV".into())]);

    let before = tree_state(&root);
    let Some(out) = fix(&root, &["--only", "disk.fstab.entries"], &[]) else { return };
    let plan = stdout(&out);
    for want in [
        "fstab-nofail-srv-share  ·  disk.fstab.entries  ·  /srv/share",
        "add nofail (and a 30 s mount timeout when it has none) to line 4 of /etc/fstab (/srv/share)",
        &format!("    -{nas}"),
        "    +0a1b2c-xyz12.cn-hangzhou.nas.aliyuncs.com:/ /srv/share nfs vers=3,nolock,proto=tcp,noresvport,nofail,x-systemd.mount-timeout=30s 0 0",
        "fstab-netdev-mnt-oss  ·  disk.fstab.entries  ·  /mnt/oss",
        "add _netdev to line 5 of /etc/fstab (/mnt/oss): systemd mounts it after the network is up",
        "    +ossfs#my-bucket /mnt/oss fuse.ossfs allow_other,nofail,_netdev 0 0",
        "validate: findmnt --verify --tab-file",
    ] {
        assert!(plan.contains(want), "{want:?} not in\n{plan}");
    }
    assert_eq!(tree_state(&root), before, "the plan changes nothing");

    let Some(out) = fix(
        &root,
        &[
            "--only",
            "disk.fstab.entries",
            "--apply",
            "fstab-nofail-srv-share",
            "fstab-netdev-mnt-oss",
            "--yes",
            "--no-save",
        ],
        &[],
    ) else {
        return;
    };
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let Some((rep, _)) = run_json(&root, &["--only", "disk.fstab.entries"]) else { return };
    assert_eq!(status_of(&rep, "disk.fstab.entries"), "ok", "{rep:#}");
    assert_eq!(
        generated(&fstab),
        [
            "local-fs.target.requires/-.mount",
            "local-fs.target.wants/data.mount",
            "remote-fs.target.wants/mnt-oss.mount",
            "remote-fs.target.wants/srv-share.mount"
        ],
        "after: neither holds up the boot, both wait for the network"
    );

    for _ in 0..2 {
        let Some(out) = fix(&root, &["--undo"], &[]) else { return };
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read(&fstab).expect("fstab"), original, "undone byte for byte");
}
