//! `action.fstab`: edits one /etc/fstab entry, the one a `disk.fstab.*` finding is about.
//!
//! - `edit = "nofail"`: adds `nofail` to a data disk's options, so the boot goes on without it
//!   (a missing disk, or one that may be detached); to a network share's, with
//!   `x-systemd.mount-timeout=30s` unless it sets one (as the check suggests), so the boot goes on
//!   when the file server does not answer;
//! - `edit = "netdev"`: adds `_netdev` to a share systemd does not know needs the network (a FUSE
//!   filesystem such as ossfs), so it is mounted after the network is up;
//! - `edit = "comment-out"`: comments out the line of a device that is gone;
//! - `edit = "uuid"`: names a disk by its filesystem UUID instead of its kernel name
//!   (`/dev/vdb1`), read from the device's superblock;
//! - `edit = "type"`: the declared type replaced by the one in the device's superblock (an ext4
//!   disk declared `xfs` fails to mount and stops the boot), the device found among the disks
//!   this machine sees as `disk.fstab.types` finds it (under `--root`: by UUID or LABEL);
//! - `edit = "options"`: the options that filesystem refuses removed (`inode64` on ext4,
//!   `nobarrier` on XFS since Linux 4.19), `defaults` when none is left;
//! - `edit = "duplicate"`: comments out the later of two lines for one mount point, when that
//!   changes nothing the boot mounts: both name the same device, or systemd starts the system
//!   (its fstab generator mounts the first line and refuses the later one, "Duplicate entry",
//!   failing the generator run). With another init, `mount -a` mounts both, the later over the
//!   earlier: which one is meant is not guessed, refused.
//!
//! Only the entry's line changes; every other byte of the file stays. The system's own mounts
//! (`/`, `/boot`, `/usr`, `/var`, ...) are never given nofail or commented out: nofail would not
//! help them and commenting them out would break the boot; their type and options are repaired
//! like any other (a root declared with the wrong type is what stops the boot). Validated with `findmnt --verify --tab-file`
//! (its parse errors: its other errors are about the running system, not the file); on a live
//! systemd system `systemctl daemon-reload` then makes systemd read the file again.

use super::lines::{line_of, replace_line};
use super::{Action, Change, Command, FileEdit, Skip, Target};
use crate::host::blockdev::{self, Content};
use crate::host::fstab::{self, DeviceState, Entry};
use crate::i18n::{R, rtf};

edit_params! {
    Nofail,
    CommentOut,
    Uuid,
    Type,
    Options,
    Netdev,
    Duplicate,
}

/// Mount points of the system itself (as in the fstab probe).
const SYSTEM_MOUNTS: &[&str] = &["/", "/boot", "/boot/efi", "/efi", "/usr", "/var"];

/// The subject the fstab probe gives an entry.
fn subject(e: &Entry) -> String {
    if e.is_swap() || !e.file.starts_with('/') { format!("{} (swap)", e.spec) } else { e.file.clone() }
}

/// The line number in a finding's evidence (`/etc/fstab:3: ...`).
fn evidence_line(t: &Target) -> Option<usize> {
    t.finding.evidence.iter().find_map(|e| e.strip_prefix("/etc/fstab:")?.split(':').next()?.parse().ok())
}

impl Action for Params {
    fn name(&self) -> String {
        match self.edit {
            Edit::Nofail => "fstab-nofail",
            Edit::CommentOut => "fstab-comment-out",
            Edit::Uuid => "fstab-uuid",
            Edit::Type => "fstab-type",
            Edit::Options => "fstab-options",
            Edit::Netdev => "fstab-netdev",
            Edit::Duplicate => "fstab-duplicate",
        }
        .into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let path = t.host.path(fstab::PATH);
        let bytes = std::fs::read(&path)
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", fstab::PATH), ("error", &e.to_string())])))?;
        // Parsed as text (a broken byte becomes U+FFFD on its own line); edited as bytes, so
        // every other line stays exactly as it was, garbage included.
        let tab = fstab::parse(&String::from_utf8_lossy(&bytes));
        let wanted = t.finding.subject.clone().unwrap_or_default();
        let candidates: Vec<&Entry> = tab.entries.iter().filter(|e| subject(e) == wanted).collect();
        let entry = match candidates.as_slice() {
            [] => return Err(Skip::Refused(rtf(l, R::FstabNoEntry, &[("subject", &wanted)]))),
            [one] => *one,
            many => match evidence_line(t).and_then(|n| many.iter().find(|e| e.line == n)) {
                Some(e) => *e,
                None => return Err(Skip::Refused(rtf(l, R::FstabAmbiguous, &[("subject", &wanted)]))),
            },
        };
        let line_no = entry.line.to_string();
        let args = [("subject", wanted.as_str()), ("line", line_no.as_str()), ("spec", entry.spec.as_str())];
        if SYSTEM_MOUNTS.contains(&entry.file.as_str()) && !matches!(self.edit, Edit::Type | Edit::Options) {
            return Err(Skip::Refused(rtf(l, R::FstabSystemMount, &args)));
        }
        let inventory = fstab::inventory(t.host);
        let state = fstab::device_state(t.host, entry, &inventory);
        let old_line = line_of(&bytes, entry.line).ok_or_else(|| {
            Skip::Refused(rtf(l, R::NotText, &[("path", &format!("{}:{}", fstab::PATH, entry.line))]))
        })?;
        let (new_line, summary) = match self.edit {
            Edit::Duplicate => {
                let Some(first) =
                    tab.entries.iter().find(|e| e.file == entry.file && !e.is_swap() && e.line < entry.line)
                else {
                    return Err(Skip::NotApplicable(rtf(l, R::FstabNotDuplicate, &args)));
                };
                let first_line = first.line.to_string();
                let mut a = args.to_vec();
                a.extend([("first_line", first_line.as_str()), ("first_spec", first.spec.as_str())]);
                let why = if first.spec == entry.spec {
                    R::FstabDoDuplicateSame
                } else if ["/lib/systemd/systemd", "/usr/lib/systemd/systemd"].iter().any(|p| t.host.path(p).is_file())
                {
                    R::FstabDoDuplicateSystemd
                } else {
                    return Err(Skip::Refused(rtf(l, R::FstabDuplicateUnclear, &a)));
                };
                (super::lines::commented(old_line, &format!("duplicate of line {}", first.line)), rtf(l, why, &a))
            }
            Edit::Nofail => {
                if entry.nofail() {
                    return Err(Skip::NotApplicable(rtf(l, R::FstabHasNofail, &args)));
                }
                if entry.is_swap() || entry.noauto() {
                    return Err(Skip::NotApplicable(rtf(l, R::FstabNotBootBlocking, &args)));
                }
                if entry.is_network() {
                    let mut new = with_option(old_line, "nofail");
                    if !entry.options.iter().any(|o| o.starts_with("x-systemd.mount-timeout=")) {
                        new = with_option(&new, "x-systemd.mount-timeout=30s");
                    }
                    (new, rtf(l, R::FstabDoNofailShare, &args))
                } else {
                    (with_option(old_line, "nofail"), rtf(l, R::FstabDoNofail, &args))
                }
            }
            Edit::Netdev => {
                if entry.has("_netdev") || !entry.is_network() || entry.is_swap() {
                    return Err(Skip::NotApplicable(rtf(l, R::FstabHasNetdev, &args)));
                }
                (with_option(old_line, "_netdev"), rtf(l, R::FstabDoNetdev, &args))
            }
            Edit::CommentOut => {
                if state != DeviceState::Missing {
                    return Err(Skip::NotApplicable(rtf(l, R::FstabDeviceNotMissing, &args)));
                }
                (super::lines::commented(old_line, "device missing"), rtf(l, R::FstabDoCommentOut, &args))
            }
            Edit::Uuid => {
                if !entry.spec.starts_with("/dev/") || entry.tag().is_some() {
                    return Err(Skip::NotApplicable(rtf(l, R::FstabNotKernelName, &args)));
                }
                let uuid = match blockdev::content(t.host, &entry.spec) {
                    Content::Filesystem(sb) if !sb.uuid.is_empty() => sb.uuid,
                    Content::Unreadable(e) => {
                        return Err(Skip::Refused(rtf(l, R::FstabNoUuid, &[("device", &entry.spec), ("error", &e)])));
                    }
                    _ => {
                        let what = rtf(l, R::NoFilesystem, &[]);
                        return Err(Skip::Refused(rtf(
                            l,
                            R::FstabNoUuid,
                            &[("device", &entry.spec), ("error", &what)],
                        )));
                    }
                };
                if let Some(devs) = inventory.by_uuid.get(&uuid.to_ascii_lowercase())
                    && devs.len() > 1
                {
                    return Err(Skip::Refused(rtf(
                        l,
                        R::FstabUuidShared,
                        &[("uuid", &uuid), ("device", &entry.spec), ("devices", &devs.join(", "))],
                    )));
                }
                let new = replace_first_field(old_line, &format!("UUID={uuid}"));
                let mut a = args.to_vec();
                a.push(("uuid", &uuid));
                (new, rtf(l, R::FstabDoUuid, &a))
            }
            Edit::Type | Edit::Options => {
                use crate::probe::disk::fstab_types;
                let Some((device, sb)) = fstab_types::find(&entry.spec, t.host) else {
                    return Err(Skip::Refused(rtf(l, R::FstabTypeUnknown, &args)));
                };
                let mut a = args.to_vec();
                a.extend([("device", device.as_str()), ("actual", sb.fstype), ("declared", entry.vfstype.as_str())]);
                if self.edit == Edit::Type {
                    if fstab_types::compatible(&entry.vfstype, sb.fstype) || sb.fstype == "swap" {
                        return Err(Skip::NotApplicable(rtf(l, R::FstabTypeFine, &a)));
                    }
                    (replace_field(old_line, 2, sb.fstype), rtf(l, R::FstabDoType, &a))
                } else {
                    // Judged against what is on the device: a wrong declared type is the other
                    // repair's, and its options may be right for the real one.
                    let bad = fstab_types::refused_options(sb.fstype, &entry.options).unwrap_or_default();
                    if bad.is_empty() {
                        let why = if fstab_types::compatible(&entry.vfstype, sb.fstype) {
                            R::FstabTypeFine
                        } else {
                            R::FstabOptionsFollowType
                        };
                        return Err(Skip::NotApplicable(rtf(l, why, &a)));
                    }
                    let kept: Vec<&str> =
                        entry.options.iter().map(String::as_str).filter(|o| !bad.contains(o)).collect();
                    let kept = if kept.is_empty() { "defaults".to_string() } else { kept.join(",") };
                    let refused = bad.join(",");
                    a.push(("refused", &refused));
                    (replace_field(old_line, 3, &kept), rtf(l, R::FstabDoOptions, &a))
                }
            }
        };
        let after = replace_line(&bytes, entry.line, &new_line);
        let validate = vec![
            Command::new("findmnt", &["--verify", "--tab-file", &path.to_string_lossy()])
                .ok_when_line("0 parse errors")
                .only_if_passing_before()
                .optional(),
        ];
        let mut commands = Vec::new();
        if t.host.is_live() && std::path::Path::new("/run/systemd/system").is_dir() {
            commands.push(Command::new("systemctl", &["daemon-reload"]).optional());
        }
        Ok(Change {
            summary,
            files: vec![FileEdit { path: fstab::PATH.into(), after: Some(after) }],
            validate,
            live: Vec::new(),
            commands,
            guards_login: false,
        })
    }
}

/// The fields of an fstab line with the whitespace between them: (start, end) byte ranges.
fn fields(line: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, line.len()));
    }
    out
}

/// The line with `opt` added to its options field (`defaults,opt` when it has none).
fn with_option(line: &str, opt: &str) -> String {
    let f = fields(line);
    match f.get(3) {
        Some(&(s, e)) => format!("{}{},{opt}{}", &line[..s], &line[s..e], &line[e..]),
        None => format!("{} defaults,{opt}", line.trim_end()),
    }
}

/// The line with its first field replaced.
fn replace_first_field(line: &str, new: &str) -> String {
    replace_field(line, 0, new)
}

/// The line with field `n` (0-based) replaced, the whitespace around it kept.
fn replace_field(line: &str, n: usize, new: &str) -> String {
    match fields(line).get(n) {
        Some(&(s, e)) => format!("{}{new}{}", &line[..s], &line[e..]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::report::{Finding, Severity};

    #[test]
    fn line_edits_keep_every_other_byte() {
        assert_eq!(
            with_option("/dev/vdb1\t/data  ext4 defaults 0 2", "nofail"),
            "/dev/vdb1\t/data  ext4 defaults,nofail 0 2"
        );
        assert_eq!(with_option("/dev/vdb1 /data ext4", "nofail"), "/dev/vdb1 /data ext4 defaults,nofail");
        assert_eq!(replace_first_field("  /dev/vdb1\t/data ext4 rw 0 2", "UUID=u"), "  UUID=u\t/data ext4 rw 0 2");
        assert_eq!(replace_field("UUID=a\t/  xfs\tdefaults 0 1", 2, "ext4"), "UUID=a\t/  ext4\tdefaults 0 1");
    }

    fn finding(subject: &str, line: usize) -> Finding {
        Finding {
            severity: Severity::Crit,
            message: "m".into(),
            subject: Some(subject.into()),
            code: Some("ENODEV".into()),
            evidence: vec![format!("/etc/fstab:{line}: x")],
            since: None,
        }
    }

    fn plan(root: &std::path::Path, edit: Edit, f: &Finding) -> Result<Change, Skip> {
        let host = Host::new(root);
        Params { edit }.plan(&Target::test(&host, "disk.fstab.entries", f))
    }

    #[test]
    fn the_later_line_of_a_mount_point_is_commented_out_only_when_the_boot_mounts_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        let fstab = "tmpfs /srv tmpfs defaults 0 0\nLABEL=srv /srv ext4 defaults 0 2\n";
        std::fs::write(root.join("etc/fstab"), fstab).unwrap();
        // Without systemd, mount -a mounts both: not guessed.
        assert!(
            matches!(plan(root, Edit::Duplicate, &finding("/srv", 2)), Err(Skip::Refused(r)) if r.contains("not guessed"))
        );
        std::fs::create_dir_all(root.join("lib/systemd")).unwrap();
        std::fs::write(root.join("lib/systemd/systemd"), "").unwrap();
        let c = plan(root, Edit::Duplicate, &finding("/srv", 2)).unwrap();
        assert_eq!(
            String::from_utf8(c.files[0].after.clone().unwrap()).unwrap(),
            "tmpfs /srv tmpfs defaults 0 0\n# LABEL=srv /srv ext4 defaults 0 2  # ecs-doctor fix: duplicate of line 1\n"
        );
        assert!(c.summary.contains("systemd mounts line 1 (tmpfs)"), "{}", c.summary);
        // The first line is not the duplicate.
        assert!(matches!(plan(root, Edit::Duplicate, &finding("/srv", 1)), Err(Skip::NotApplicable(_))));
        // The same device twice: the later goes, whatever the init.
        std::fs::remove_file(root.join("lib/systemd/systemd")).unwrap();
        std::fs::write(root.join("etc/fstab"), "tmpfs /srv tmpfs defaults 0 0\ntmpfs /srv tmpfs size=1g 0 0\n")
            .unwrap();
        let c = plan(root, Edit::Duplicate, &finding("/srv", 2)).unwrap();
        assert!(c.summary.contains("it mounts tmpfs again, as line 1 does"), "{}", c.summary);
    }

    #[test]
    fn a_missing_data_disk_gets_nofail_or_is_commented_out_and_the_system_disk_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::create_dir_all(root.join("dev/disk/by-uuid")).unwrap();
        std::fs::write(root.join("dev/vda1"), "").unwrap();
        let fstab = "# comment\nUUID=aaaa-1 / ext4 defaults 0 1\nUUID=bbbb-2 /data ext4 defaults 0 2\n";
        std::fs::write(root.join("etc/fstab"), fstab).unwrap();
        let c = plan(root, Edit::Nofail, &finding("/data", 3)).unwrap();
        let after = String::from_utf8(c.files[0].after.clone().unwrap()).unwrap();
        assert_eq!(after, fstab.replace("defaults 0 2", "defaults,nofail 0 2"));
        assert!(c.summary.contains("nofail") && c.summary.contains("/data"), "{}", c.summary);
        assert!(c.validate[0].line().starts_with("findmnt --verify --tab-file "));
        let c = plan(root, Edit::CommentOut, &finding("/data", 3)).unwrap();
        let after = String::from_utf8(c.files[0].after.clone().unwrap()).unwrap();
        assert!(
            after.contains("\n# UUID=bbbb-2 /data ext4 defaults 0 2  # ecs-doctor fix: device missing\n"),
            "{after}"
        );
        assert!(matches!(plan(root, Edit::Nofail, &finding("/", 2)), Err(Skip::Refused(_))));
        assert!(matches!(plan(root, Edit::Nofail, &finding("/gone", 9)), Err(Skip::Refused(_))));
        assert!(matches!(plan(root, Edit::Uuid, &finding("/data", 3)), Err(Skip::NotApplicable(_))));
        std::fs::write(root.join("etc/fstab"), fstab.replace("defaults 0 2", "defaults,nofail 0 2")).unwrap();
        assert!(matches!(plan(root, Edit::Nofail, &finding("/data", 3)), Err(Skip::NotApplicable(_))));
    }
}
