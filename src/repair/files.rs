//! Files as a repair touches them: everything about a file that a restore must give back (its
//! bytes, mode, owner, extended attributes with the ACLs and SELinux label among them, and the
//! immutable and append-only flags), and the atomic write that replaces one: a temporary file in
//! the same directory, written, given the owner, mode and attributes, flushed to disk, renamed
//! over the old one, and the directory flushed, so a crash at any point leaves either the old
//! file or the new one, never a part of one.

use serde::{Deserialize, Serialize};
use sha2::Digest;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The attributes of a regular file that a restore gives back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attrs {
    /// Permission bits, setuid/setgid/sticky included (`& 0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Extended attributes (`user.*`, `security.selinux`, `system.posix_acl_access`, ...):
    /// name and value in hex.
    #[serde(default)]
    pub xattrs: Vec<(String, String)>,
    /// The inode flags a write must clear and restore: immutable (`chattr +i`) and
    /// append-only (`chattr +a`), as FS_IOC_GETFLAGS gives them.
    #[serde(default)]
    pub flags: u32,
}

/// The inode flags that stop a rename over a file or its removal.
const GUARD_FLAGS: u32 = 0x10 | 0x20; // FS_IMMUTABLE_FL | FS_APPEND_FL

impl Attrs {
    pub fn immutable(&self) -> bool {
        self.flags & 0x10 != 0
    }
}

/// The sha256 of some bytes, in hex.
pub fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

fn other(msg: String) -> std::io::Error {
    std::io::Error::other(msg)
}

/// A regular file's bytes and attributes; `None` when it does not exist. A symbolic link or
/// anything else that is not a regular file is an error: a rename would replace the link itself.
pub fn capture(path: &Path) -> std::io::Result<Option<(Vec<u8>, Attrs)>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_file() {
        return Err(other(format!("{} is not a regular file (a link or a device): not changed", path.display())));
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut &file, &mut bytes)?;
    Ok(Some((bytes, attrs_of(&file, &meta)?)))
}

fn attrs_of(file: &std::fs::File, meta: &std::fs::Metadata) -> std::io::Result<Attrs> {
    let mut xattrs = Vec::new();
    let mut names = vec![0u8; 64 * 1024];
    let n = match rustix::fs::flistxattr(file, &mut names[..]) {
        Ok(n) => n,
        // A filesystem without xattrs has none to keep.
        Err(rustix::io::Errno::OPNOTSUPP) => 0,
        Err(e) => return Err(e.into()),
    };
    let mut value = vec![0u8; 64 * 1024];
    for name in names[..n].split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name).into_owned();
        match rustix::fs::fgetxattr(file, name.as_str(), &mut value[..]) {
            Ok(len) => xattrs.push((name, hex(&value[..len]))),
            Err(rustix::io::Errno::NODATA) => {}
            Err(e) => return Err(other(format!("reading the attribute {name}: {e}"))),
        }
    }
    // Filesystems without inode flags (tmpfs before 6.0, overlay) have none to keep.
    let flags = rustix::fs::ioctl_getflags(file).map(|f| f.bits() & GUARD_FLAGS).unwrap_or(0);
    Ok(Attrs { mode: meta.mode() & 0o7777, uid: meta.uid(), gid: meta.gid(), xattrs, flags })
}

/// The guard flags of an existing file (0 when it has none or the filesystem has no flags).
fn flags_of(path: &Path) -> u32 {
    std::fs::File::open(path)
        .ok()
        .and_then(|f| rustix::fs::ioctl_getflags(&f).ok())
        .map(|f| f.bits() & GUARD_FLAGS)
        .unwrap_or(0)
}

/// Sets (or clears) the guard flags of a file, keeping its other flags.
fn set_flags(path: &Path, guard: u32) -> std::io::Result<()> {
    let file = std::fs::File::open(path)?;
    let now = match rustix::fs::ioctl_getflags(&file) {
        Ok(f) => f.bits(),
        Err(_) if guard == 0 => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let want = (now & !GUARD_FLAGS) | guard;
    if want != now {
        rustix::fs::ioctl_setflags(&file, rustix::fs::IFlags::from_bits_retain(want))
            .map_err(|e| other(format!("setting the flags of {}: {e}", path.display())))?;
    }
    Ok(())
}

/// Flushes a directory, so a rename or removal in it survives a crash.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

fn parent(path: &Path) -> std::io::Result<&Path> {
    path.parent().ok_or_else(|| other(format!("{} has no directory", path.display())))
}

/// Where crash tests stop the process (`ECS_DOCTOR_TEST_CRASH_AT`): the tool kills itself with
/// SIGKILL at that point, as a power cut or the OOM killer would.
pub fn crash_point(seam: Option<&str>, here: &str) {
    if seam == Some(here) {
        let _ = rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::KILL);
        std::process::abort();
    }
}

/// Writes `bytes` to `path` atomically with the given attributes: temporary file in the same
/// directory, fsync, rename, fsync of the directory. An immutable or append-only file has the
/// flag cleared for the rename and set again on the new file. A missing directory is made,
/// private to root (0700). `crash` is the test seam.
pub fn write_atomic(path: &Path, bytes: &[u8], attrs: &Attrs, crash: Option<&str>) -> std::io::Result<()> {
    let dir = parent(path)?;
    if !dir.exists() {
        // A new file in a directory of the tool's own (the quarantine): private to root.
        std::fs::create_dir_all(dir)?;
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.ecs-doctor-{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        f.write_all(bytes)?;
        std::os::unix::fs::fchown(&f, Some(attrs.uid), Some(attrs.gid))?;
        f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(attrs.mode))?;
        for (k, v) in &attrs.xattrs {
            let value = unhex(v).ok_or_else(|| other(format!("the attribute {k} is not hex in the manifest")))?;
            rustix::fs::fsetxattr(&f, k.as_str(), &value, rustix::fs::XattrFlags::empty())
                .map_err(|e| other(format!("setting the attribute {k} on {}: {e}", tmp.display())))?;
        }
        f.sync_all()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    crash_point(crash, "before-rename");
    let old_flags = if std::fs::symlink_metadata(path).is_ok() { flags_of(path) } else { 0 };
    if old_flags != 0
        && let Err(e) = set_flags(path, 0)
    {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        if old_flags != 0 {
            let _ = set_flags(path, old_flags);
        }
        return Err(e);
    }
    sync_dir(dir)?;
    crash_point(crash, "after-rename");
    set_flags(path, attrs.flags)
}

/// Removes the temporary files a killed write left beside `path` (`.<name>.ecs-doctor-<pid>.tmp`).
pub fn remove_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return };
    let prefix = format!(".{}.ecs-doctor-", name.to_string_lossy());
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with(&prefix) && n.ends_with(".tmp") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// Removes a file (a repair's new file, on undo), clearing its guard flags first.
pub fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    if flags_of(path) != 0 {
        set_flags(path, 0)?;
    }
    std::fs::remove_file(path)?;
    sync_dir(parent(path)?)
}

/// The attributes a new file gets: those of the directory's owner, mode 0644, no flags.
pub fn new_file_attrs(path: &Path) -> Attrs {
    let (uid, gid) =
        path.parent().and_then(|d| std::fs::metadata(d).ok()).map(|m| (m.uid(), m.gid())).unwrap_or((0, 0));
    Attrs { mode: 0o644, uid, gid, xattrs: Vec::new(), flags: 0 }
}

/// Writes a file of the tool's own (a backup, a manifest) durably: temporary file, fsync,
/// rename, fsync of the directory; private to root.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = parent(path)?;
    let tmp: PathBuf =
        dir.join(format!(".{}.tmp", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()));
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex(&hex(&[0, 1, 0xab, 0xff])), Some(vec![0, 1, 0xab, 0xff]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "the FIPS 180-2 test vector"
        );
    }

    #[test]
    fn an_atomic_write_keeps_mode_and_xattrs_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("fstab");
        std::fs::write(&p, "old\n").unwrap();
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
        let f = std::fs::File::open(&p).unwrap();
        let with_xattr = rustix::fs::fsetxattr(&f, "user.ecs", b"v1", rustix::fs::XattrFlags::empty()).is_ok();
        let (bytes, attrs) = capture(&p).unwrap().unwrap();
        assert_eq!((bytes.as_slice(), attrs.mode), (&b"old\n"[..], 0o640));
        assert_eq!(attrs.xattrs.iter().any(|(k, v)| k == "user.ecs" && v == "7631"), with_xattr);
        write_atomic(&p, b"new\n", &attrs, None).unwrap();
        let (bytes, after) = capture(&p).unwrap().unwrap();
        assert_eq!((bytes.as_slice(), &after), (&b"new\n"[..], &attrs));
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["fstab"]);
        remove(&p).unwrap();
        assert!(capture(&p).unwrap().is_none());
    }

    #[test]
    fn a_symlink_is_not_captured() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real"), "x").unwrap();
        std::os::unix::fs::symlink("real", dir.path().join("link")).unwrap();
        assert!(capture(&dir.path().join("link")).is_err());
    }
}
