//! Everything that touches the machine goes through [`Host`], so `--root DIR` can point the
//! whole tool at a fixture tree or a rescued disk mounted elsewhere.

// The guest's network configuration files, compared with what the cloud console assigned.
pub mod netconf;

pub mod blockdev;
pub mod bootloader;
pub mod command;
pub mod endpoint;
pub mod facts;
pub mod firewall;
pub mod fsmeta;
pub mod fstab;
pub mod http;
pub mod ifaddr;
pub mod initramfs;
#[cfg(test)]
pub(crate) mod interrupt;
pub mod journal;
pub mod klog;
pub mod logread;
pub mod metadata;
pub mod mounts;
pub mod netlink;
pub mod pmtu;
pub mod pressure;
pub mod procs;
pub mod sample;
pub mod sntp;
pub mod sockdiag;
pub mod sockets;
pub mod statfs;
pub mod sysctl;
pub mod tail;
pub mod tc;

use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file the tool reads whole; anything longer is cut (and says so) so a corrupt or
/// huge /proc or configuration file cannot exhaust memory. Logs are streamed from a bounded tail
/// ([`tail`]) and the socket tables line by line ([`sockets`]): what is read whole is
/// configuration and /proc text, which is far smaller on any real system (4,000 mounts are
/// 0.6 MB of mountinfo, 10,000 accounts 0.7 MB of passwd, a large sshd_config 10 KB). A file
/// read whole is then decoded and parsed, by several checks at once: 1 MiB keeps a host whose
/// files never end (a rescued disk with symlinks to /dev/zero or /dev/urandom) within the run's
/// memory budget (benches/hostile.sh).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The most read of a file that is small on every real system ([`Host::read_capped`]).
pub const MAX_SMALL_FILE_BYTES: u64 = 64 * 1024;

/// The most read of a mount table (/proc/self/mountinfo, /proc/mounts): 4 MiB are about 25,000
/// mounts (a container host).
pub const MAX_MOUNT_TABLE_BYTES: u64 = 4 * 1024 * 1024;

/// How much of a file is read before deciding whether it is text: a file read whole that holds a
/// NUL byte or is mostly bytes that are not UTF-8 text in its first 64 KiB (a corrupt rescued
/// disk, a symlink to /dev/urandom), or that is not a regular file at all (a device, a pipe: it
/// may never end), is read no further. Random bytes decode to about 2.5 times their size and have
/// a "line" every 256 bytes: a megabyte of them per file, judged by several checks at once, cost
/// seconds and a hundred megabytes (benches/hostile.sh).
pub const TEXT_PROBE_BYTES: u64 = 64 * 1024;

/// Whether `b` looks like something other than text: a NUL byte, or more than one byte in eight
/// that is not UTF-8 or is a control character other than tab, newline, carriage return, form
/// feed and escape.
pub fn looks_binary(b: &[u8]) -> bool {
    if memchr::memchr(0, b).is_some() {
        return true;
    }
    let mut bad = 0usize;
    for chunk in b.utf8_chunks() {
        bad += chunk.invalid().len();
        bad += chunk
            .valid()
            .bytes()
            .filter(|&c| (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) || c == 0x7f)
            .count();
    }
    bad * 8 > b.len()
}

/// How much [`Host::read`] reads of a file: [`MAX_MOUNT_TABLE_BYTES`] of a mount table,
/// [`MAX_FILE_BYTES`] of anything else.
fn default_cap(system_path: &str) -> u64 {
    let mount_table = system_path.ends_with("/mountinfo") || system_path.ends_with("/mounts");
    if system_path.starts_with("/proc/") && mount_table { MAX_MOUNT_TABLE_BYTES } else { MAX_FILE_BYTES }
}

/// The examined system: its root directory, and whether that is the live system we run on.
#[derive(Debug, Clone)]
pub struct Host {
    root: PathBuf,
}

/// A text file read from the host, with where it came from for evidence lines.
#[derive(Debug, Clone)]
pub struct HostFile {
    /// The path as the examined system knows it (`/etc/resolv.conf`), for evidence and subjects.
    pub path: String,
    pub text: String,
    /// True when the file was longer than [`MAX_FILE_BYTES`] and only its start was read.
    pub truncated: bool,
    /// True when reading stopped after [`TEXT_PROBE_BYTES`] because the file is not text or not
    /// a regular file (see [`looks_binary`]); `truncated` is then true too.
    pub not_text: bool,
}

impl Host {
    pub fn new(root: impl Into<PathBuf>) -> Host {
        Host { root: root.into() }
    }

    pub fn live() -> Host {
        Host::new("/")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// True when examining the system we run on (no `--root`, or `--root /`).
    pub fn is_live(&self) -> bool {
        self.root == Path::new("/")
    }

    /// Where an absolute path of the examined system lives on this machine.
    pub fn path(&self, system_path: impl AsRef<Path>) -> PathBuf {
        let p = system_path.as_ref();
        let rel = p.strip_prefix("/").unwrap_or(p);
        if rel.as_os_str().is_empty() { self.root.clone() } else { self.root.join(rel) }
    }

    /// Reads a text file of the examined system, at most [`MAX_FILE_BYTES`], replacing bytes
    /// that are not UTF-8 (log and config files are not always clean).
    pub fn read(&self, system_path: &str) -> std::io::Result<HostFile> {
        self.read_capped(system_path, default_cap(system_path))
    }

    /// Like [`Host::read`], at most `max` bytes: for files that are small on any real system
    /// (a process's `stat`, `status`, `cmdline`; one-line files), so one that never ends (a
    /// symlink to /dev/zero on a rescued disk) costs `max`, not [`MAX_FILE_BYTES`].
    ///
    /// A file longer than [`TEXT_PROBE_BYTES`] (when `max` allows more) is read further only when
    /// its first part is text and it is a regular file (see [`TEXT_PROBE_BYTES`]).
    pub fn read_capped(&self, system_path: &str, max: u64) -> std::io::Result<HostFile> {
        let mut file = std::fs::File::open(self.path(system_path))?;
        // Room for a whole /proc file up front: one read and the one that sees the end, not
        // a small probe read first (10,000 processes are 30,000 such files).
        let mut bytes = Vec::with_capacity(4096);
        let probe = max.min(TEXT_PROBE_BYTES);
        (&mut file).take(probe.saturating_add(1)).read_to_end(&mut bytes)?;
        let mut not_text = false;
        if bytes.len() as u64 > probe && max > probe {
            let regular = file.metadata().map(|m| m.is_file()).unwrap_or(false);
            if !regular || looks_binary(&bytes[..probe as usize]) {
                not_text = true;
                bytes.truncate(probe as usize);
            } else {
                file.take(max - probe).read_to_end(&mut bytes)?;
            }
        }
        let truncated = not_text || bytes.len() as u64 > max;
        if bytes.len() as u64 > max {
            bytes.truncate(max as usize);
        }
        // Valid UTF-8 (nearly always) becomes the String without a second copy.
        let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(HostFile { path: system_path.to_string(), text, truncated, not_text })
    }

    /// Like [`Host::read`], but a missing file is `None` rather than an error.
    pub fn read_optional(&self, system_path: &str) -> std::io::Result<Option<HostFile>> {
        match self.read(system_path) {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// First line of a small file, trimmed; `None` when missing, unreadable or empty.
    pub fn read_line(&self, system_path: &str) -> Option<String> {
        let f = self.read_capped(system_path, MAX_SMALL_FILE_BYTES).ok()?;
        let line = f.text.lines().next()?.trim().to_string();
        (!line.is_empty()).then_some(line)
    }

    /// Lists a directory of the examined system, sorted; missing is empty.
    pub fn list_dir(&self, system_path: &str) -> std::io::Result<Vec<String>> {
        let mut names = Vec::new();
        match std::fs::read_dir(self.path(system_path)) {
            Ok(rd) => {
                for entry in rd {
                    names.push(entry?.file_name().to_string_lossy().into_owned());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        names.sort();
        Ok(names)
    }
}

/// The errno-style name of an I/O error, for a finding's `code` a support engineer can search.
pub fn errno_name(err: &std::io::Error) -> String {
    if let Some(raw) = err.raw_os_error() {
        return errno_name_raw(raw);
    }
    match err.kind() {
        std::io::ErrorKind::NotFound => "ENOENT".into(),
        std::io::ErrorKind::PermissionDenied => "EACCES".into(),
        std::io::ErrorKind::TimedOut => "ETIMEDOUT".into(),
        std::io::ErrorKind::InvalidData => "EINVAL".into(),
        _ => "EIO".into(),
    }
}

/// Names of the errno values a diagnosis meets; others are shown as `errno N`.
pub fn errno_name_raw(raw: i32) -> String {
    let name = match raw {
        1 => "EPERM",
        2 => "ENOENT",
        5 => "EIO",
        6 => "ENXIO",
        13 => "EACCES",
        19 => "ENODEV",
        20 => "ENOTDIR",
        22 => "EINVAL",
        28 => "ENOSPC",
        30 => "EROFS",
        40 => "ELOOP",
        107 => "ENOTCONN",
        110 => "ETIMEDOUT",
        112 => "EHOSTDOWN",
        116 => "ESTALE",
        _ => return format!("errno {raw}"),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_what_is_not() {
        assert!(!looks_binary(b"PermitRootLogin no\n# comment\tand tab\r\n\x1b[0m colour\n"));
        assert!(!looks_binary("中文注释 résumé\n".repeat(100).as_bytes()));
        assert!(looks_binary(b"text\0more"));
        let noise: Vec<u8> = (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80).collect();
        assert!(looks_binary(&noise));
        // A few stray bytes in a long text file do not make it binary.
        let mut mostly = "a normal line of a config file\n".repeat(100).into_bytes();
        mostly[10] = 0xff;
        assert!(!looks_binary(&mostly));
    }

    /// A file read whole is read past its first 64 KiB only when that part is text and the file
    /// is a regular file: random bytes, NUL bytes and devices that never end cost 64 KiB.
    #[test]
    fn files_that_are_not_text_are_read_no_further_than_the_probe() {
        let dir = tempfile::tempdir().unwrap();
        let text = "x = 1\n".repeat(50_000);
        std::fs::write(dir.path().join("big.conf"), &text).unwrap();
        let mut noise = text.clone().into_bytes();
        noise[100] = 0;
        std::fs::write(dir.path().join("nul.conf"), &noise).unwrap();
        std::os::unix::fs::symlink("/dev/urandom", dir.path().join("random.conf")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.conf")).unwrap();
        let host = Host::new(dir.path());
        let f = host.read("/big.conf").unwrap();
        assert_eq!((f.text.len(), f.truncated, f.not_text), (text.len(), false, false));
        for p in ["/nul.conf", "/random.conf", "/zero.conf"] {
            let f = host.read(p).unwrap();
            assert!(f.truncated && f.not_text, "{p}");
            assert!(f.text.len() <= 3 * TEXT_PROBE_BYTES as usize, "{p}: {}", f.text.len());
        }
        // A small cap is read as before: the probe is no larger than the cap.
        let f = host.read_capped("/random.conf", 100).unwrap();
        assert!(f.truncated && !f.not_text);
    }
}
