//! `ecs-doctor fix` against real disks (root only): two ext4 loop devices in a `--root` tree
//! whose /dev holds their device nodes and udev's by-uuid links. One disk is in /etc/fstab by
//! UUID and is then detached (its node and link go, as the kernel and udev remove them); the
//! other is named by a kernel name, /dev/vdb1, whose UUID the repair reads from the real
//! superblock. The fstab carries an owner, a mode, an xattr, an ACL and the immutable bit.
//! Plan shows the diffs; apply (validated by findmnt) makes the check ok and keeps every
//! attribute; undo restores the sha256, mode, owner, xattrs, ACL and flag.

use super::fix::{copy_of, fix};
use crate::common::*;
use ecs_doctor::repair::files;
use std::path::Path;
use std::process::Command;

/// A loop device over an ext4 image, detached when dropped (even when the test fails).
pub(crate) struct Disk {
    dev: String,
    pub(crate) uuid: String,
    attached: bool,
}

impl Disk {
    pub(crate) fn new(dir: &Path, name: &str) -> Option<Disk> {
        let img = dir.join(name);
        std::fs::File::create(&img).expect("image").set_len(16 << 20).expect("size");
        let made = Command::new("mkfs.ext4").args(["-q", "-F"]).arg(&img).status().is_ok_and(|s| s.success());
        if !require(made, "mkfs.ext4 is missing (apt-get install e2fsprogs)") {
            return None;
        }
        let out = Command::new("losetup").args(["-f", "--show"]).arg(&img).output().ok()?;
        let dev = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !require(out.status.success() && dev.starts_with("/dev/loop"), "losetup could not attach a loop device") {
            return None;
        }
        let mut disk = Disk { dev, uuid: String::new(), attached: true };
        let out = Command::new("blkid").args(["-p", "-o", "value", "-s", "UUID", &disk.dev]).output().ok()?;
        disk.uuid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(!disk.uuid.is_empty(), "blkid found no UUID on {}", disk.dev);
        Some(disk)
    }

    /// Makes `root/dev/<name>` the device's node (as the kernel names it in that system) and
    /// udev's `root/dev/disk/by-uuid/<uuid>` link to it.
    pub(crate) fn appear_as(&self, root: &Path, name: &str) {
        let out = Command::new("stat").args(["-c", "%Hr %Lr", &self.dev]).output().expect("stat");
        let numbers = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let (major, minor) = numbers.split_once(' ').expect("major minor");
        std::fs::create_dir_all(root.join("dev")).expect("dev");
        let node = root.join("dev").join(name);
        let ok = Command::new("mknod").arg(&node).args(["b", major, minor]).status().is_ok_and(|s| s.success());
        assert!(ok, "mknod {}", node.display());
        let by_uuid = root.join("dev/disk/by-uuid");
        std::fs::create_dir_all(&by_uuid).expect("by-uuid");
        std::os::unix::fs::symlink(format!("../../{name}"), by_uuid.join(&self.uuid)).expect("link");
    }

    /// Detaches it, and removes its node and link as the kernel and udev do.
    pub(crate) fn detach(&mut self, root: &Path, name: &str) {
        let ok = Command::new("losetup").args(["-d", &self.dev]).status().is_ok_and(|s| s.success());
        assert!(ok, "losetup -d {}", self.dev);
        self.attached = false;
        std::fs::remove_file(root.join("dev").join(name)).expect("node");
        std::fs::remove_file(root.join("dev/disk/by-uuid").join(&self.uuid)).expect("link");
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        if self.attached {
            let _ = Command::new("losetup").args(["-d", &self.dev]).status();
        }
    }
}

/// A POSIX access ACL as the kernel stores it: owner rw, user 1000 r, group r, mask r, other none.
fn acl() -> Vec<u8> {
    let mut v = 2u32.to_le_bytes().to_vec();
    for (tag, perm, id) in
        [(1u16, 6u16, u32::MAX), (2, 4, 1000), (4, 4, u32::MAX), (0x10, 4, u32::MAX), (0x20, 0, u32::MAX)]
    {
        v.extend_from_slice(&tag.to_le_bytes());
        v.extend_from_slice(&perm.to_le_bytes());
        v.extend_from_slice(&id.to_le_bytes());
    }
    v
}

fn chattr(flag: &str, path: &Path) {
    let ok = Command::new("chattr").arg(flag).arg(path).status().is_ok_and(|s| s.success());
    assert!(ok, "chattr {flag} {}", path.display());
}

/// Clears the immutable bit when dropped, so the temporary tree can be removed even when the
/// test fails.
struct Unfreeze(std::path::PathBuf);

impl Drop for Unfreeze {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn a_detached_disk_and_a_kernel_name_are_repaired_validated_and_undone_with_every_attribute() {
    if !require(is_root(), "the fix lab needs root (loop devices, device nodes, chattr +i)") {
        return;
    }
    let dir = copy_of("healthy");
    let root = dir.path().join("root");
    let images = tempfile::tempdir().expect("tempdir");
    let Some(mut data) = Disk::new(images.path(), "data.img") else { return };
    let Some(logs) = Disk::new(images.path(), "logs.img") else { return };
    data.appear_as(&root, "vdc");
    logs.appear_as(&root, "vdb1");
    let fstab = root.join("etc/fstab");
    let _ = std::fs::remove_file(root.join("proc/self/mountinfo"));
    std::fs::write(
        &fstab,
        format!(
            "# data disks\nUUID={}\t/data\text4\tdefaults\t0\t2\n/dev/vdb1 /logs ext4 defaults,nofail 0 2\n",
            data.uuid
        ),
    )
    .expect("fstab");
    // root:adm 0640 with an xattr, an ACL and the immutable bit.
    std::os::unix::fs::chown(&fstab, Some(0), Some(4)).expect("chown");
    std::fs::set_permissions(&fstab, std::os::unix::fs::PermissionsExt::from_mode(0o640)).expect("chmod");
    {
        let f = std::fs::File::open(&fstab).expect("open");
        let flags = rustix::fs::XattrFlags::empty();
        rustix::fs::fsetxattr(&f, "user.ecs-lab", b"keep me", flags).expect("user xattr");
        rustix::fs::fsetxattr(&f, "system.posix_acl_access", &acl(), flags).expect("ACL (ext4 with acl)");
    }
    chattr("+i", &fstab);
    let _unfreeze = Unfreeze(fstab.clone());
    let original = files::capture(&fstab).expect("capture").expect("fstab");
    assert!(original.1.immutable() && original.1.xattrs.len() >= 2, "{:?}", original.1);
    let r = root.to_str().expect("p");

    // The disk is detached: the boot would stop in emergency mode.
    data.detach(&root, "vdc");
    let Some((rep, _)) = run_json(&root, &["--only", "disk.fstab.entries"]) else { return };
    assert_eq!(status_of(&rep, "disk.fstab.entries"), "crit", "{rep:#}");

    let Some(out) = fix(&root, &["--only", "disk.fstab.entries"], &[]) else { return };
    let plan = stdout(&out);
    for want in [
        "fstab-nofail-data  ·  disk.fstab.entries  ·  /data".to_string(),
        format!("    -UUID={}\t/data\text4\tdefaults\t0\t2", data.uuid),
        format!("    +UUID={}\t/data\text4\tdefaults,nofail\t0\t2", data.uuid),
        format!("    +# UUID={}\t/data\text4\tdefaults\t0\t2  # ecs-doctor fix: device missing", data.uuid),
        "fstab-uuid-logs  ·  disk.fstab.entries  ·  /logs".to_string(),
        format!("    +UUID={} /logs ext4 defaults,nofail 0 2", logs.uuid),
    ] {
        assert!(plan.contains(&want), "{want:?} not in\n{plan}");
    }

    let spawned = images.path().join("spawned.log");
    let Some(out) = fix(
        &root,
        &["--only", "disk.fstab.entries", "--apply", "fstab-comment-out-data", "fstab-uuid-logs", "--yes", "--no-save"],
        &[("ECS_DOCTOR_TEST_SPAWN_LOG", spawned.to_str().expect("p"))],
    ) else {
        return;
    };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let validated = std::fs::read_to_string(&spawned).unwrap_or_default();
    assert_eq!(validated.matches(&format!("findmnt --verify --tab-file {r}/etc/fstab")).count(), 4, "{validated}");
    let Some((rep, _)) = run_json(&root, &["--only", "disk.fstab.entries"]) else { return };
    assert_eq!(status_of(&rep, "disk.fstab.entries"), "ok", "{rep:#}");
    let (bytes, attrs) = files::capture(&fstab).expect("capture").expect("fstab");
    assert_eq!(
        String::from_utf8_lossy(&bytes),
        format!(
            "# data disks\n# UUID={}\t/data\text4\tdefaults\t0\t2  # ecs-doctor fix: device missing\nUUID={} /logs ext4 defaults,nofail 0 2\n",
            data.uuid, logs.uuid
        )
    );
    assert_eq!(attrs, original.1, "owner, mode, xattrs, ACL and the immutable bit are kept");

    for _ in 0..2 {
        let Some(out) = fix(&root, &["--undo"], &[]) else { return };
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let (bytes, attrs) = files::capture(&fstab).expect("capture").expect("fstab");
    assert_eq!(files::sha256(&bytes), files::sha256(&original.0), "undone byte for byte");
    assert_eq!(attrs, original.1, "owner, mode, xattrs, ACL and the immutable bit restored");
    // The records are inside the examined root, private to root.
    let records = root.join("var/lib/ecs-doctor/repairs");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&records).expect("records").permissions());
    assert_eq!(mode & 0o777, 0o700);
}
