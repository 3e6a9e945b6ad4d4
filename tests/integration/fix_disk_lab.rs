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

use super::block_lab::{Loop, sh};
use crate::common::*;
use std::process::Command;

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
         sizes > {d}/df-before\n\
         unshare --net {BIN} fix --no-save --only disk.block.size > {d}/plan 2>&1 || true\n\
         sizes > {d}/df-plan\n\
         rc=0; unshare --net {BIN} fix --no-save --only disk.block.size --apply {ext_id} {xfs_id} --yes > {d}/apply 2>&1 || rc=$?\n\
         echo $rc > {d}/apply-rc\n\
         sizes > {d}/df-after\n\
         unshare --net {BIN} run --format json --no-save --only disk.block.size > {d}/after.json || true\n\
         rc=0; unshare --net {BIN} fix --undo > {d}/undo 2>&1 || rc=$?\n\
         echo $rc > {d}/undo-rc\n",
        x = xfs.dev,
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .env("NO_COLOR", "1")
        .env("LANG", "C.UTF-8")
        .env("ECS_DOCTOR_REPORT_DIR", scratch_dir().join("fix-disk-lab-reports"))
        .env("ECS_DOCTOR_REPAIR_DIR", dir.path().join("repairs"))
        .output()
        .expect("unshare");
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
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
        "cannot be undone (nothing to give back)".to_string(),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}");
    }
    let before = sizes("df-before");
    assert_eq!(before.len(), 2, "{}", read("df-before"));
    assert_eq!(sizes("df-plan"), before, "the plan grows nothing");

    assert_eq!(read("apply-rc").trim(), "0", "{}", read("apply"));
    let after = sizes("df-after");
    assert_eq!(after.len(), 2, "{}", read("df-after"));
    assert!(after[0] > 200 << 20 && before[0] < 64 << 20, "ext4 grew offline: {before:?} → {after:?}");
    assert!(after[1] > 512 << 20 && before[1] < 330 << 20, "xfs grew online: {before:?} → {after:?}");
    let rep = valid_report(&read("after.json"));
    assert_eq!(status_of(&rep, "disk.block.size"), "ok", "{rep:#}");

    let undo = read("undo");
    assert_ne!(read("undo-rc").trim(), "0", "{undo}");
    assert!(undo.contains("which cannot be reversed: not undone"), "{undo}");
}
