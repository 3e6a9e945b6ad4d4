//! The mount table of the examined system, read once per run and shared by every probe.

use super::Host;

/// One line of /proc/self/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub mount_point: String,
    pub fstype: String,
    pub source: String,
    /// Per-mount options (ro/rw, nosuid, ...).
    pub options: Vec<String>,
    /// Major:minor of the device, which tells bind mounts of one filesystem apart from others.
    pub majmin: String,
    /// Options of the filesystem itself (mountinfo's last field): `ro` here with `rw` in
    /// `options` is the kernel's emergency read-only remount after errors. Empty from /proc/mounts.
    pub super_options: Vec<String>,
}

impl Mount {
    pub fn read_only(&self) -> bool {
        self.options.iter().any(|o| o == "ro")
    }
}

/// The parsed table plus the lines that could not be parsed (reported, never fatal).
#[derive(Debug, Clone, Default)]
pub struct MountTable {
    pub mounts: Vec<Mount>,
    pub source: String,
    pub bad_lines: Vec<String>,
}

/// Most malformed lines kept (each cut to [`MAX_BAD_LINE_CHARS`]): a corrupt or endless mount
/// table costs its reading, not a copy of itself.
const MAX_BAD_LINES: usize = 20;
const MAX_BAD_LINE_CHARS: usize = 200;

impl MountTable {
    fn bad_line(&mut self, path: &str, n: usize, line: &str) {
        if self.bad_lines.len() < MAX_BAD_LINES {
            let shown: String = line.chars().take(MAX_BAD_LINE_CHARS).collect();
            self.bad_lines.push(format!("{path}:{n}: {shown}"));
        }
    }
}

/// Reads /proc/self/mountinfo (else /proc/mounts) under the host root.
pub fn read(host: &Host) -> std::io::Result<MountTable> {
    if let Some(file) = host.read_optional("/proc/self/mountinfo")? {
        let mut table = MountTable { source: file.path.clone(), ..Default::default() };
        for (n, line) in file.text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match parse_mountinfo_line(line) {
                Some(m) => table.mounts.push(m),
                None => table.bad_line(&file.path, n + 1, line),
            }
        }
        return Ok(table);
    }
    let file = host.read("/proc/mounts")?;
    let mut table = MountTable { source: file.path.clone(), ..Default::default() };
    for (n, line) in file.text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 4 {
            if !line.trim().is_empty() {
                table.bad_line(&file.path, n + 1, line);
            }
            continue;
        }
        table.mounts.push(Mount {
            source: unescape(f[0]),
            mount_point: unescape(f[1]),
            fstype: f[2].to_string(),
            options: f[3].split(',').map(str::to_string).collect(),
            majmin: String::new(),
            super_options: Vec::new(),
        });
    }
    Ok(table)
}

/// `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`
pub fn parse_mountinfo_line(line: &str) -> Option<Mount> {
    let mut fields = line.split(' ');
    let _id = fields.next()?.parse::<u64>().ok()?;
    let _parent = fields.next()?.parse::<u64>().ok()?;
    let majmin = fields.next()?;
    if !majmin.contains(':') {
        return None;
    }
    let _root = fields.next()?;
    let mount_point = unescape(fields.next()?);
    if !mount_point.starts_with('/') {
        return None;
    }
    let options: Vec<String> = fields.next()?.split(',').map(str::to_string).collect();
    // Optional fields end at a lone "-".
    loop {
        if fields.next()? == "-" {
            break;
        }
    }
    let fstype = fields.next()?.to_string();
    let source = unescape(fields.next().unwrap_or("none"));
    let super_options = fields.next().map(|o| o.split(',').map(str::to_string).collect()).unwrap_or_default();
    Some(Mount { mount_point, fstype, source, options, majmin: majmin.to_string(), super_options })
}

/// Undoes the kernel's octal escapes (`\040` for a space, `\011` tab, `\012` newline, `\134` backslash).
pub fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 < bytes.len() && bytes[i + 1..i + 4].iter().all(|b| (b'0'..=b'7').contains(b)) {
            let v = (bytes[i + 1] - b'0') as u32 * 64 + (bytes[i + 2] - b'0') as u32 * 8 + (bytes[i + 3] - b'0') as u32;
            if let Ok(b) = u8::try_from(v) {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_escaped_spaces_and_optional_fields() {
        let m = parse_mountinfo_line("36 35 98:0 / /mnt/my\\040disk rw,noatime shared:1 master:2 - ext4 /dev/vdb1 rw")
            .unwrap();
        assert_eq!(m.mount_point, "/mnt/my disk");
        assert_eq!(m.fstype, "ext4");
        assert_eq!(m.source, "/dev/vdb1");
        assert!(!m.read_only());
        assert_eq!(m.super_options, vec!["rw"]);
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for line in
            ["", "garbage", "1 2 3 4", "1 2 8:1 / /x rw", "1 2 8:1 / relative rw - ext4 x", "\u{fffd}\u{fffd} 1"]
        {
            assert!(parse_mountinfo_line(line).is_none(), "{line:?}");
        }
        assert_eq!(unescape("a\\04"), "a\\04");
        assert_eq!(unescape("\\134x"), "\\x");
    }

    /// A mount table that never ends (a symlink to /dev/zero on a rescued disk) or is all
    /// garbage is read up to the cap, and only a few of its bad lines, cut short, are kept.
    #[test]
    fn endless_and_garbage_tables_stay_bounded() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("proc/self")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("proc/self/mountinfo")).unwrap();
        let t = read(&Host::new(dir.path())).unwrap();
        assert!(t.mounts.is_empty());
        assert_eq!(t.bad_lines.len(), 1, "one endless line of NULs");
        assert!(t.bad_lines[0].chars().count() < 260);
        std::fs::remove_file(dir.path().join("proc/self/mountinfo")).unwrap();
        let garbage = "x".repeat(1000) + "\n";
        std::fs::write(dir.path().join("proc/self/mountinfo"), garbage.repeat(10_000)).unwrap();
        let t = read(&Host::new(dir.path())).unwrap();
        assert_eq!(t.bad_lines.len(), MAX_BAD_LINES);
        assert!(t.bad_lines.iter().all(|l| l.chars().count() < 260));
    }
}
