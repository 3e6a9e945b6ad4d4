//! `action.perms`: the owner and mode of a file or directory, for the findings about them: the
//! SSH host keys, the files that decide who may log in (`sec.files.critical-perms`),
//! world-writable files and directories, and the StrictModes chain of an account's
//! authorized_keys (the home, `~/.ssh`, the file).
//!
//! - `edit = "remove", bits = "0007"`: removes mode bits from the finding's subject
//!   (`chmod o-rwx`); a sticky directory shared by everyone (/tmp and the like) is never closed;
//! - `edit = "owner-root"`: gives the subject to root (its group stays);
//! - `edit = "host-key"`: a private SSH host key as sshd wants it: root's, and mode 0600 (its
//!   group bits removed, which OpenSSH refuses; `root:ssh_keys` 0640, RHEL's way, stays);
//! - `edit = "at-most"`: the subject's owner root, its mode no more open than the evidence's
//!   `at most 0640`, and a group that may not have it (`group root or shadow`) replaced by the
//!   first allowed group this system has (the distribution's own: `shadow` on Debian);
//! - `edit = "keys"`: what StrictModes refuses in the chain of the key file the finding names:
//!   group and world write removed, a component inside the home (and the file itself) that
//!   belongs to another account given to the account, and what the account cannot read (a file
//!   owned by root, mode 0600) given to it;
//! - `edit = "keys-entry"`: the one entry `sec.ssh.authorized-keys` names (an account's home, its
//!   `~/.ssh`, or `~/.ssh/authorized_keys{,2}`): write access for the group and others removed
//!   (`chmod go-w`), and the entry given to the account (its uid and primary gid) when neither
//!   it nor root owns it. The account is the one the check examined the entry for (the first
//!   login account, or root, whose home holds it at that place); a system directory (`/`,
//!   `/home`, ...) is never given to an account.
//!
//! `remove` may name the set-id bits too (`bits = "6000"`: `chmod ug-s`, for set-user-ID
//! programs where no package puts them); the old mode, bits included, is the undo.
//!
//! The changes are live steps (`chmod`, `chown` with numeric ids), each with the command that
//! gives the old mode or owner back: the plan shows both, `fix --undo` runs the second. Symbolic
//! links are refused (chmod and chown would change their target); the root directory and the
//! system's own directories are never given to an account.

use super::{Action, Change, Command, Live, Skip, Target};
use crate::host::fsmeta::{self, Kind, Meta, Names, Superuser};
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub edit: Edit,
    /// For `remove`: the bits, in octal (`"0002"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bits: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Edit {
    Remove,
    OwnerRoot,
    HostKey,
    AtMost,
    Keys,
    KeysEntry,
}

/// Shared directories that are world-writable on purpose (with the sticky bit): never closed.
const SHARED: &[&str] = &["/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/dev/mqueue"];

/// Directories of the system itself: never given to an account.
pub(crate) const SYSTEM_DIRS: &[&str] = &[
    "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc", "/root", "/run", "/sbin", "/srv",
    "/sys", "/tmp", "/usr", "/var",
];

/// One path's change: its mode and owner now, and what they become.
#[derive(Debug, Clone, PartialEq)]
struct Want {
    path: String,
    now: Meta,
    mode: u32,
    uid: u32,
    gid: u32,
}

impl Want {
    fn of(path: &str, now: Meta) -> Want {
        Want { path: path.to_string(), now, mode: now.mode, uid: now.uid, gid: now.gid }
    }

    fn changes(&self) -> bool {
        self.mode != self.now.mode || self.uid != self.now.uid || self.gid != self.now.gid
    }

    /// The live steps: chmod first, then chown (their undo runs the other way round, so the
    /// old mode is set last: a chown may clear setuid and setgid bits).
    fn steps(&self, t: &Target) -> Vec<Live> {
        let path = t.host.path(&self.path).to_string_lossy().into_owned();
        let mut out = Vec::new();
        if self.mode != self.now.mode {
            out.push(Live {
                run: Command::new("chmod", &[&format!("{:05o}", self.mode), &path]),
                undo: Some(Command::new("chmod", &[&format!("{:05o}", self.now.mode), &path])),
            });
        }
        if self.uid != self.now.uid || self.gid != self.now.gid {
            out.push(Live {
                run: Command::new("chown", &[&format!("{}:{}", self.uid, self.gid), &path]),
                undo: Some(Command::new("chown", &[&format!("{}:{}", self.now.uid, self.now.gid), &path])),
            });
        }
        out
    }

    /// `/etc/shadow: 0644 root:shadow → 0640 root:shadow`.
    fn said(&self, ids: &Names) -> String {
        let who = |uid: u32, gid: u32| format!("{}:{}", ids.user(uid), ids.group(gid));
        format!(
            "{}: {} {} → {} {}",
            self.path,
            fsmeta::mode_str(self.now.mode),
            who(self.now.uid, self.now.gid),
            fsmeta::mode_str(self.mode),
            who(self.uid, self.gid)
        )
    }
}

/// The subject's metadata: it must exist and not be a symbolic link.
fn meta_of(t: &Target, path: &str) -> Result<Meta, Skip> {
    let l = t.lang;
    let m = fsmeta::lstat(t.host, path)
        .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", path), ("error", &e.to_string())])))?;
    if m.kind == Kind::Symlink || m.kind == Kind::Other {
        return Err(Skip::Refused(rtf(l, R::PermsNotPlain, &[("path", path)])));
    }
    Ok(m)
}

fn subject<'a>(t: &'a Target) -> Result<&'a str, Skip> {
    t.finding
        .subject
        .as_deref()
        .filter(|s| s.starts_with('/'))
        .ok_or_else(|| Skip::NotApplicable(rtf(t.lang, R::PermsNoPath, &[])))
}

/// `; at most 0640 (group root or shadow)` in the finding's evidence: the mode and the groups.
fn at_most(t: &Target, path: &str) -> Option<(u32, Vec<String>)> {
    t.finding.evidence.iter().find_map(|e| {
        let rest = e.strip_prefix(path)?.strip_prefix(':')?;
        let (_, rule) = rest.split_once("; at most ")?;
        let (mode, groups) = rule.split_once(" (group ")?;
        let groups = groups.strip_suffix(')')?.split(" or ").map(str::to_string).collect();
        Some((fsmeta::parse_mode(mode)?, groups))
    })
}

/// An account of /etc/passwd with its groups (primary and supplementary).
struct Who {
    uid: u32,
    gid: u32,
    gids: Vec<u32>,
    home: String,
}

/// The AuthorizedKeysFile patterns of sshd's main settings (outside Match blocks), sshd's
/// default when none is set.
pub(super) fn key_file_patterns(t: &Target) -> Vec<String> {
    let settings = crate::probe::ssh::sshd_config::read_settings(t.host, super::sshd::CONFIG).ok();
    settings
        .as_ref()
        .and_then(|s| s.entries.iter().find(|e| e.keyword == "authorizedkeysfile" && e.criteria.is_none()))
        .map(|e| e.value.split_whitespace().map(str::to_string).collect())
        .unwrap_or_else(|| vec![".ssh/authorized_keys".into(), ".ssh/authorized_keys2".into()])
}

/// The account a key file belongs to: the one whose AuthorizedKeysFile paths name it, else the
/// one whose home it is in.
fn owner_of_keys(t: &Target, path: &str, ids: &Names) -> Option<Who> {
    let (accounts, _) = crate::probe::accounts::passwd::read_accounts(t.host).ok()?;
    let patterns = key_file_patterns(t);
    let by_pattern = accounts
        .iter()
        .find(|a| crate::probe::ssh::ssh_keys::key_paths(&patterns, &a.name, a.uid, &a.home).iter().any(|p| p == path));
    let by_home =
        || accounts.iter().filter(|a| inside(path, &a.home)).max_by_key(|a| a.home.trim_end_matches('/').len());
    let a = by_pattern.or_else(by_home)?;
    let mut gids = vec![a.gid];
    gids.extend(ids.members.iter().filter(|(_, m)| m.contains(&a.name)).map(|(g, _)| *g));
    Some(Who { uid: a.uid, gid: a.gid, gids, home: a.home.trim_end_matches('/').to_string() })
}

/// Whether `path` is `dir` or under it (never for the root directory or a system directory).
fn inside(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    !dir.is_empty() && !SYSTEM_DIRS.contains(&dir) && (path == dir || path.starts_with(&format!("{dir}/")))
}

/// The account whose home, `~/.ssh` or `~/.ssh/authorized_keys{,2}` is `path`, as
/// `sec.ssh.authorized-keys` examines them: login accounts and root, the first with that home.
fn owner_of_entry(t: &Target, path: &str) -> Option<(u32, u32)> {
    let (accounts, _) = crate::probe::accounts::passwd::read_accounts(t.host).ok()?;
    let mut seen = std::collections::BTreeSet::new();
    for a in accounts.iter().filter(|a| a.login || a.uid == 0) {
        let home = a.home.trim_end_matches('/');
        if home.is_empty() || !home.starts_with('/') || !seen.insert(home.to_string()) {
            continue;
        }
        let entries = [
            home.to_string(),
            format!("{home}/.ssh"),
            format!("{home}/.ssh/authorized_keys"),
            format!("{home}/.ssh/authorized_keys2"),
        ];
        if entries.iter().any(|e| e == path) {
            return Some((a.uid, a.gid));
        }
    }
    None
}

/// `keys-entry`: the entry closed to the group and others, and given to its account when
/// neither it nor root owns it.
fn keys_entry(t: &Target, path: &str, su: &Superuser, ids: &Names) -> Result<Want, Skip> {
    let l = t.lang;
    let (uid, gid) =
        owner_of_entry(t, path).ok_or_else(|| Skip::Refused(rtf(l, R::PermsNoAccount, &[("path", path)])))?;
    let m = meta_of(t, path)?;
    let mut w = Want { mode: m.mode & !0o022, ..Want::of(path, m) };
    if m.kind == Kind::Dir && m.mode & 0o002 != 0 && (m.mode & fsmeta::S_ISVTX != 0 || SHARED.contains(&path)) {
        return Err(Skip::Refused(rtf(l, R::PermsShared, &[("path", path)])));
    }
    if m.uid != uid && !su.owns(&m) {
        if SYSTEM_DIRS.contains(&path) {
            return Err(Skip::Refused(rtf(l, R::PermsForeignAbove, &[("path", path), ("owner", &ids.user(m.uid))])));
        }
        w.uid = uid;
        w.gid = gid;
    }
    Ok(w)
}

/// The changes StrictModes and readability need along the chain of `path`, the key file of `who`.
fn keys_chain(t: &Target, path: &str, who: &Who, ids: &Names) -> Result<Vec<Want>, Skip> {
    let l = t.lang;
    let su = Superuser::of(t.host);
    let mut out = Vec::new();
    let mut at = path.to_string();
    loop {
        let m = meta_of(t, &at)?;
        let mut w = Want::of(&at, m);
        let is_file = at == path;
        let mine = is_file || inside(&at, &who.home);
        let owner_ok = m.uid == who.uid || su.owns(&m);
        if !owner_ok {
            if !mine {
                return Err(Skip::Refused(rtf(l, R::PermsForeignAbove, &[("path", &at), ("owner", &ids.user(m.uid))])));
            }
            w.uid = who.uid;
            w.gid = who.gid;
        }
        // Group write goes too, also for the account's private group (Debian's sshd accepts
        // that, others do not).
        w.mode &= !0o020;
        if m.mode & 0o002 != 0 {
            if m.mode & fsmeta::S_ISVTX != 0 || SHARED.contains(&at.as_str()) {
                return Err(Skip::Refused(rtf(l, R::PermsShared, &[("path", &at)])));
            }
            w.mode &= !0o002;
        }
        // The account must read the file and search every directory above it: a component of
        // its own (inside the home, or the file) owned by root is given to it.
        let want = if is_file { 0o4 } else { 0o1 };
        let can = |w: &Want| {
            who.uid == 0
                || if w.uid == who.uid {
                    (w.mode >> 6) & want != 0
                } else if who.gids.contains(&w.gid) {
                    (w.mode >> 3) & want != 0
                } else {
                    w.mode & want != 0
                }
        };
        if !can(&w) {
            if !mine {
                return Err(Skip::Refused(rtf(l, R::PermsForeignAbove, &[("path", &at), ("owner", &ids.user(m.uid))])));
            }
            w.uid = who.uid;
            w.gid = who.gid;
            w.mode |= want << 6;
        }
        if w.changes() {
            out.push(w);
        }
        if at == who.home || at == "/" {
            break;
        }
        at = fsmeta::parent(&at).to_string();
    }
    Ok(out)
}

impl Action for Params {
    fn name(&self) -> String {
        match self.edit {
            Edit::Remove => "perms-remove",
            Edit::OwnerRoot => "perms-owner-root",
            Edit::HostKey => "perms-host-key",
            Edit::AtMost => "perms-at-most",
            Edit::Keys => "perms-keys",
            Edit::KeysEntry => "perms-keys-entry",
        }
        .into()
    }

    fn validate(&self) -> Result<(), String> {
        match (self.edit, &self.bits) {
            (Edit::Remove, Some(b)) if fsmeta::parse_mode(b).is_some_and(|m| m != 0 && m <= 0o7777) => Ok(()),
            (Edit::Remove, _) => {
                Err("edit = \"remove\" needs bits = \"<octal mode bits>\" (\"0002\", \"6000\" for the set-id bits)"
                    .into())
            }
            (_, Some(_)) => Err("bits is only for edit = \"remove\"".into()),
            _ => Ok(()),
        }
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let path = subject(t)?;
        let ids = Names::load(t.host);
        let su = Superuser::of(t.host);
        let wants = match self.edit {
            Edit::Remove => {
                let m = meta_of(t, path)?;
                let bits = self.bits.as_deref().and_then(fsmeta::parse_mode).unwrap_or(0);
                if bits & 0o002 != 0 && m.kind == Kind::Dir && (m.mode & fsmeta::S_ISVTX != 0 || SHARED.contains(&path))
                {
                    return Err(Skip::Refused(rtf(l, R::PermsShared, &[("path", path)])));
                }
                vec![Want { mode: m.mode & !bits, ..Want::of(path, m) }]
            }
            Edit::OwnerRoot => {
                let m = meta_of(t, path)?;
                vec![Want { uid: if su.owns(&m) { m.uid } else { su.uid }, ..Want::of(path, m) }]
            }
            Edit::HostKey => {
                let m = meta_of(t, path)?;
                let group = if ids.group(m.gid) == "ssh_keys" { 0o030 } else { 0o070 };
                let uid = if su.owns(&m) { m.uid } else { su.uid };
                vec![Want { mode: m.mode & !(0o7107 | group), uid, ..Want::of(path, m) }]
            }
            Edit::AtMost => {
                let m = meta_of(t, path)?;
                let (max, groups) =
                    at_most(t, path).ok_or_else(|| Skip::Refused(rtf(l, R::PermsNoRule, &[("path", path)])))?;
                let mut w = Want { mode: m.mode & (max | !0o777), ..Want::of(path, m) };
                if !su.owns(&m) {
                    w.uid = su.uid;
                }
                if !(su.group_is_root(&m) || groups.contains(&ids.group(m.gid))) && m.mode & 0o070 != 0 {
                    // The distribution's own group for it when this system has one, else root's.
                    w.gid = groups
                        .iter()
                        .filter(|g| g.as_str() != "root")
                        .find_map(|g| ids.groups.iter().find(|(_, n)| *n == g).map(|(gid, _)| *gid))
                        .unwrap_or(su.gid);
                }
                vec![w]
            }
            Edit::Keys => {
                let who = owner_of_keys(t, path, &ids)
                    .ok_or_else(|| Skip::Refused(rtf(l, R::PermsNoAccount, &[("path", path)])))?;
                keys_chain(t, path, &who, &ids)?
            }
            Edit::KeysEntry => vec![keys_entry(t, path, &su, &ids)?],
        };
        let wants: Vec<Want> = wants.into_iter().filter(Want::changes).collect();
        if wants.is_empty() {
            return Err(Skip::NotApplicable(rtf(l, R::PermsAlready, &[("path", path)])));
        }
        let said: Vec<String> = wants.iter().map(|w| w.said(&ids)).collect();
        Ok(Change {
            summary: rtf(l, R::PermsDo, &[("changes", &said.join("; "))]),
            files: Vec::new(),
            validate: Vec::new(),
            live: wants.iter().flat_map(|w| w.steps(t)).collect(),
            commands: Vec::new(),
            guards_login: matches!(self.edit, Edit::Keys | Edit::KeysEntry | Edit::AtMost),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::report::{Finding, Severity};
    use std::os::unix::fs::PermissionsExt;

    fn finding(subject: &str, evidence: &[&str]) -> Finding {
        Finding {
            severity: Severity::Crit,
            message: "m".into(),
            subject: Some(subject.into()),
            code: None,
            evidence: evidence.iter().map(|s| s.to_string()).collect(),
            since: None,
        }
    }

    fn chmod(p: &std::path::Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn plan(p: &Params, host: &Host, f: &Finding) -> Result<Change, Skip> {
        p.plan(&Target::test(host, "c", f))
    }

    fn runs(c: &Change) -> Vec<String> {
        c.live
            .iter()
            .map(|l| format!("{} / {}", l.run.line(), l.undo.as_ref().map(|u| u.line()).unwrap_or_default()))
            .collect()
    }

    #[test]
    fn bits_are_removed_with_the_old_mode_as_undo_and_shared_directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc/app")).unwrap();
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        chmod(&root.join("etc/app"), 0o777);
        chmod(&root.join("tmp"), 0o777);
        let host = Host::new(root);
        let p = Params { edit: Edit::Remove, bits: Some("0002".into()) };
        let c = plan(&p, &host, &finding("/etc/app", &[])).unwrap();
        let at = root.join("etc/app").display().to_string();
        assert_eq!(runs(&c), [format!("chmod 00775 {at} / chmod 00777 {at}")]);
        assert!(!c.guards_login && c.files.is_empty());
        assert!(matches!(plan(&p, &host, &finding("/tmp", &[])), Err(Skip::Refused(_))), "/tmp stays shared");
        chmod(&root.join("etc/app"), 0o1777);
        assert!(matches!(plan(&p, &host, &finding("/etc/app", &[])), Err(Skip::Refused(_))), "sticky: shared");
        std::os::unix::fs::symlink("app", root.join("etc/link")).unwrap();
        assert!(matches!(plan(&p, &host, &finding("/etc/link", &[])), Err(Skip::Refused(_))), "a link");
        assert!(p.validate().is_ok());
        assert!(Params { edit: Edit::Remove, bits: None }.validate().is_err());
        assert!(Params { edit: Edit::Keys, bits: Some("0002".into()) }.validate().is_err());
    }

    #[test]
    fn at_most_reads_the_rule_from_the_evidence() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/sudoers"), "x").unwrap();
        chmod(&root.join("etc/sudoers"), 0o640);
        let host = Host::new(root);
        let f = finding("/etc/sudoers", &["/etc/sudoers: mode 0640, owner root:root; at most 0440 (group root)"]);
        assert_eq!(at_most(&Target::test(&host, "c", &f), "/etc/sudoers").map(|r| r.0), Some(0o440));
        let c = plan(&Params { edit: Edit::AtMost, bits: None }, &host, &f).unwrap();
        assert!(runs(&c)[0].starts_with("chmod 00440 "), "{:?}", runs(&c));
        let none = finding("/etc/sudoers", &["/etc/sudoers: mode 0640"]);
        assert!(matches!(plan(&Params { edit: Edit::AtMost, bits: None }, &host, &none), Err(Skip::Refused(_))));
    }

    #[test]
    fn a_key_file_others_can_write_is_closed_and_its_owner_is_the_account() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let uid = rustix::process::getuid().as_raw();
        let gid = rustix::process::getgid().as_raw();
        std::fs::create_dir_all(root.join("etc/ssh")).unwrap();
        std::fs::create_dir_all(root.join("home/al/.ssh")).unwrap();
        std::fs::write(root.join("etc/passwd"), format!("al:x:{uid}:{gid}::/home/al:/bin/sh\n")).unwrap();
        std::fs::write(root.join("etc/group"), format!("al:x:{gid}:\n")).unwrap();
        std::fs::write(root.join("etc/ssh/sshd_config"), "").unwrap();
        std::fs::write(root.join("home/al/.ssh/authorized_keys"), "k").unwrap();
        chmod(&root.join("home/al/.ssh/authorized_keys"), 0o666);
        chmod(&root.join("home/al/.ssh"), 0o777);
        chmod(&root.join("home/al"), 0o755);
        let host = Host::new(root);
        let f = finding("/home/al/.ssh/authorized_keys", &[]);
        let c = plan(&Params { edit: Edit::Keys, bits: None }, &host, &f).unwrap();
        let r = runs(&c);
        assert_eq!(r.len(), 2, "{r:?}");
        assert!(
            r[0].starts_with("chmod 00644 ") && r[0].contains("/home/al/.ssh/authorized_keys / chmod 00666"),
            "{r:?}"
        );
        assert!(r[1].starts_with("chmod 00755 ") && r[1].ends_with("/home/al/.ssh"), "{r:?}");
        assert!(c.guards_login);
        let nobody = finding("/srv/keys/x", &[]);
        assert!(matches!(plan(&Params { edit: Edit::Keys, bits: None }, &host, &nobody), Err(Skip::Refused(_))));
    }

    #[test]
    fn one_key_entry_is_closed_and_given_back_and_set_id_bits_go() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let uid = rustix::process::getuid().as_raw();
        let gid = rustix::process::getgid().as_raw();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::create_dir_all(root.join("home/al/.ssh")).unwrap();
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        std::fs::write(root.join("etc/passwd"), format!("al:x:{uid}:{gid}::/home/al:/bin/sh\n")).unwrap();
        std::fs::write(root.join("home/al/.ssh/authorized_keys"), "k").unwrap();
        chmod(&root.join("home/al/.ssh/authorized_keys"), 0o666);
        chmod(&root.join("home/al/.ssh"), 0o777);
        chmod(&root.join("home/al"), 0o775);
        let host = Host::new(root);
        let p = Params { edit: Edit::KeysEntry, bits: None };
        let one = |path: &str| plan(&p, &host, &finding(path, &[])).map(|c| runs(&c));
        let at = |p: &str| root.join(p.trim_start_matches('/')).display().to_string();
        let keys = "/home/al/.ssh/authorized_keys";
        assert_eq!(one(keys).unwrap(), [format!("chmod 00644 {} / chmod 00666 {}", at(keys), at(keys))]);
        assert_eq!(one("/home/al/.ssh").unwrap(), [format!("chmod 00755 {0} / chmod 00777 {0}", at("/home/al/.ssh"))]);
        assert_eq!(one("/home/al").unwrap(), [format!("chmod 00755 {0} / chmod 00775 {0}", at("/home/al"))]);
        assert!(matches!(one("/home/al/notes"), Err(Skip::Refused(_))), "not an entry of the account's keys");
        assert!(plan(&p, &host, &finding(keys, &[])).unwrap().guards_login);

        std::fs::write(root.join("tmp/sh"), "x").unwrap();
        chmod(&root.join("tmp/sh"), 0o6755);
        let setid = Params { edit: Edit::Remove, bits: Some("6000".into()) };
        assert!(setid.validate().is_ok());
        let c = plan(&setid, &host, &finding("/tmp/sh", &[])).unwrap();
        assert_eq!(runs(&c), [format!("chmod 00755 {0} / chmod 06755 {0}", at("/tmp/sh"))]);
        assert!(Params { edit: Edit::Remove, bits: Some("17777".into()) }.validate().is_err());
    }
}
