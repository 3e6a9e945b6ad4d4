//! `action.home`: creates the missing home directory of a login account
//! (`sec.accounts.home`, `HOME_MISSING`) as `useradd -m` would have: owned by the account (its
//! uid and primary gid from /etc/passwd), with the mode /etc/login.defs implies (`HOME_MODE`,
//! else `0777 & ~UMASK`, `UMASK` 022 when unset), and the skeleton (`SKEL=` of
//! /etc/default/useradd, else /etc/skel) copied in with its modes.
//!
//! The skeleton's files are new files of the change (the plan shows each one whole; undo
//! refuses when one changed since, and removes them); the directories their writes make are
//! recorded, and undo removes them again, refusing while the home holds anything the repair did
//! not write (a file the account added since). The owners and modes are live steps (`chown`,
//! `chmod` with numeric ids), each with the command that gives the new entry back to root
//! before it is removed. An empty skeleton makes the home with `mkdir` (undo: `rmdir`, which
//! refuses a directory that is no longer empty).
//!
//! Refused: a home that is not an absolute path or is a system directory (`/`, `/home`, ...), a
//! home whose parent directory is missing (what else is missing is not knowable), a home that
//! is a dangling symbolic link, and a skeleton too large to show in a plan. Symbolic links and
//! special files in the skeleton are not copied, and the plan says which.

use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::host::fsmeta::{self, Kind};
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// The most entries and bytes of a skeleton the plan copies (a plan shows each file whole).
const MAX_ENTRIES: usize = 200;
const MAX_BYTES: u64 = 1024 * 1024;

/// A `KEY value` setting of /etc/login.defs (the last one wins, as in shadow's getdef).
fn login_def(text: &str, key: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some(key)).then(|| w.next().map(str::to_string)).flatten()
        })
        .next_back()
}

/// The mode of a new home, and where it comes from: `HOME_MODE`, else `0777 & ~UMASK`.
pub fn home_mode(login_defs: &str) -> (u32, String) {
    if let Some(m) = login_def(login_defs, "HOME_MODE").and_then(|v| fsmeta::parse_mode(&v)) {
        return (m & 0o777, format!("HOME_MODE {}", fsmeta::mode_str(m)));
    }
    let umask = login_def(login_defs, "UMASK").and_then(|v| fsmeta::parse_mode(&v)).unwrap_or(0o022);
    (0o777 & !umask, format!("UMASK {:03o}", umask & 0o777))
}

/// The skeleton directory: `SKEL=` of /etc/default/useradd, else /etc/skel.
fn skel_dir(defaults: &str) -> String {
    defaults
        .lines()
        .filter_map(|l| l.trim().strip_prefix("SKEL="))
        .map(|v| v.trim().trim_matches('"').trim_end_matches('/').to_string())
        .rfind(|v| v.starts_with('/') && v.len() > 1)
        .unwrap_or_else(|| "/etc/skel".into())
}

/// One entry of the skeleton, relative to it.
#[derive(Debug, PartialEq)]
enum Entry {
    File { rel: String, mode: u32, bytes: Vec<u8> },
    Dir { rel: String, mode: u32 },
    Skipped(String),
}

/// The skeleton's entries, parents before children, in name order.
fn walk(t: &Target, skel: &str) -> Result<Vec<Entry>, Skip> {
    let l = t.lang;
    let mut out = Vec::new();
    let mut total = 0u64;
    let mut todo = vec![String::new()];
    while let Some(rel) = todo.pop() {
        let dir = if rel.is_empty() { skel.to_string() } else { format!("{skel}/{rel}") };
        let mut names = match t.host.list_dir(&dir) {
            Ok(n) => n,
            Err(e) if rel.is_empty() && e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(Skip::Refused(rtf(l, R::CannotRead, &[("path", &dir), ("error", &e.to_string())]))),
        };
        names.sort();
        let mut subdirs = Vec::new();
        for name in names {
            let r = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            let path = format!("{skel}/{r}");
            let m = fsmeta::lstat(t.host, &path)
                .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", &path), ("error", &e.to_string())])))?;
            match m.kind {
                Kind::File => {
                    let len = std::fs::symlink_metadata(t.host.path(&path)).map(|x| x.len()).unwrap_or(0);
                    total += len;
                    if total > MAX_BYTES {
                        return Err(Skip::Refused(rtf(l, R::HomeSkelLarge, &[("skel", skel)])));
                    }
                    let bytes = std::fs::read(t.host.path(&path)).map_err(|e| {
                        Skip::Refused(rtf(l, R::CannotRead, &[("path", &path), ("error", &e.to_string())]))
                    })?;
                    out.push(Entry::File { rel: r, mode: m.mode & 0o777, bytes });
                }
                Kind::Dir => {
                    out.push(Entry::Dir { rel: r.clone(), mode: m.mode & 0o777 });
                    subdirs.push(r);
                }
                _ => out.push(Entry::Skipped(path)),
            }
            if out.len() > MAX_ENTRIES {
                return Err(Skip::Refused(rtf(l, R::HomeSkelLarge, &[("skel", skel)])));
            }
        }
        todo.extend(subdirs.into_iter().rev());
    }
    Ok(out)
}

/// `chown uid:gid path` (undo: back to root), then `chmod mode path` (undo: `undo_mode`).
fn give(path: &str, uid: u32, gid: u32, mode: u32, undo_mode: u32) -> Vec<Live> {
    vec![
        Live {
            run: Command::new("chown", &[&format!("{uid}:{gid}"), path]),
            undo: Some(Command::new("chown", &["0:0", path])),
        },
        Live {
            run: Command::new("chmod", &[&format!("{mode:05o}"), path]),
            undo: Some(Command::new("chmod", &[&format!("{undo_mode:05o}"), path])),
        },
    ]
}

impl Action for Params {
    fn name(&self) -> String {
        "home-create".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let user = t.finding.subject.clone().unwrap_or_default();
        let (accounts, _) = crate::probe::accounts::passwd::read_accounts(t.host)
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", "/etc/passwd"), ("error", &e.to_string())])))?;
        let Some(a) = accounts.iter().find(|a| a.name == user) else {
            return Err(Skip::NotApplicable(rtf(l, R::AccountNoEntry, &[("user", &user), ("path", "/etc/passwd")])));
        };
        let home = a.home.trim_end_matches('/').to_string();
        if !home.starts_with('/') || home.contains("/../") || super::perms::SYSTEM_DIRS.contains(&home.as_str()) {
            return Err(Skip::Refused(rtf(l, R::HomeNotOwnDir, &[("user", &user), ("home", &a.home)])));
        }
        match fsmeta::lstat(t.host, &home) {
            Ok(m) if m.kind == Kind::Symlink => {
                return Err(Skip::Refused(rtf(l, R::HomeDanglingLink, &[("home", &home)])));
            }
            Ok(_) => return Err(Skip::NotApplicable(rtf(l, R::AccountFine, &[("user", &user)]))),
            Err(_) => {}
        }
        let parent = fsmeta::parent(&home).to_string();
        if !fsmeta::stat(t.host, &parent).is_ok_and(|m| m.kind == Kind::Dir) {
            return Err(Skip::Refused(rtf(l, R::HomeNoParent, &[("home", &home), ("parent", &parent)])));
        }
        let defs = std::fs::read_to_string(t.host.path("/etc/login.defs")).unwrap_or_default();
        let (mode, why_mode) = home_mode(&defs);
        let skel = skel_dir(&std::fs::read_to_string(t.host.path("/etc/default/useradd")).unwrap_or_default());
        let entries = walk(t, &skel)?;
        let (uid, gid) = (a.uid, a.gid);
        let at = |rel: &str| format!("{home}/{rel}");
        let host_path = |p: &str| t.host.path(p).to_string_lossy().into_owned();
        let mut files = Vec::new();
        let mut live = Vec::new();
        let mut skipped = Vec::new();
        // A directory holding no file of the skeleton is not made by a write: mkdir for it.
        let made_by_write = |rel: &str| {
            entries.iter().any(|e| matches!(e, Entry::File { rel: f, .. } if f.starts_with(&format!("{rel}/"))))
        };
        let any_file = entries.iter().any(|e| matches!(e, Entry::File { .. }));
        if any_file {
            // The write makes the home (root's, 0700): given to the account.
            live.extend(give(&host_path(&home), uid, gid, mode, 0o700));
        } else {
            live.push(Live {
                run: Command::new("mkdir", &["-m", &format!("{mode:04o}"), &host_path(&home)]),
                undo: Some(Command::new("rmdir", &[&host_path(&home)])),
            });
            live.push(Live {
                run: Command::new("chown", &[&format!("{uid}:{gid}"), &host_path(&home)]),
                undo: Some(Command::new("chown", &["0:0", &host_path(&home)])),
            });
        }
        for e in &entries {
            match e {
                Entry::File { rel, mode: m, bytes } => {
                    files.push(FileEdit { path: at(rel), after: Some(bytes.clone()) });
                    live.extend(give(&host_path(&at(rel)), uid, gid, *m, 0o644));
                }
                Entry::Dir { rel, mode: m } if made_by_write(rel) => {
                    live.extend(give(&host_path(&at(rel)), uid, gid, *m, 0o700));
                }
                Entry::Dir { rel, .. } => skipped.push(format!("{skel}/{rel}")),
                Entry::Skipped(p) => skipped.push(p.clone()),
            }
        }
        let count = files.len().to_string();
        let mut summary = rtf(
            l,
            R::HomeDo,
            &[
                ("home", &home),
                ("user", &user),
                ("ids", &format!("{uid}:{gid}")),
                ("mode", &fsmeta::mode_str(mode)),
                ("why", &why_mode),
                ("files", &count),
                ("skel", &skel),
            ],
        );
        if !skipped.is_empty() {
            summary.push_str(&rtf(l, R::HomeSkipped, &[("paths", &skipped.join(", "))]));
        }
        Ok(Change { summary, files, validate: Vec::new(), live, commands: Vec::new(), guards_login: true })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::repair::testing::{finding, plan, root};

    #[test]
    fn the_home_mode_is_what_login_defs_implies() {
        assert_eq!(home_mode("UMASK\t\t022\n#HOME_MODE\t0700\n").0, 0o755);
        assert_eq!(home_mode("UMASK 077\n"), (0o700, "UMASK 077".to_string()));
        assert_eq!(home_mode("UMASK 022\nHOME_MODE 0750\n"), (0o750, "HOME_MODE 0750".to_string()));
        assert_eq!(home_mode("").0, 0o755, "shadow's default UMASK 022");
        assert_eq!(skel_dir("GROUP=100\nSKEL=/etc/skel2\n"), "/etc/skel2");
        assert_eq!(skel_dir("# SKEL=/x\n"), "/etc/skel");
    }

    #[test]
    fn the_home_is_planned_with_the_skeleton_owned_by_the_account_and_refused_where_unknowable() {
        let dir = root(&[
            (
                "/etc/passwd",
                "bob:x:1001:1002::/home/bob:/bin/bash\nodd:x:1003:1003::/:/bin/sh\nfar:x:1004:1004::/srv/a/far:/bin/sh\n",
            ),
            ("/etc/login.defs", "UMASK 022\n"),
            ("/etc/skel/.profile", "# profile\n"),
            ("/etc/skel/.config/app.conf", "x=1\n"),
        ]);
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        let host = Host::new(dir.path());
        let p = Params {};
        let c = plan(&p, &host, "sec.accounts.home", &finding("bob", "m", &[])).unwrap();
        let paths: Vec<&str> = c.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["/home/bob/.profile", "/home/bob/.config/app.conf"]);
        let runs: Vec<String> = c.live.iter().map(|l| l.run.line()).collect();
        let home = dir.path().join("home/bob").display().to_string();
        assert_eq!(runs[0], format!("chown 1001:1002 {home}"));
        assert_eq!(runs[1], format!("chmod 00755 {home}"));
        assert!(runs.contains(&format!("chown 1001:1002 {home}/.config")), "{runs:?}");
        assert!(runs.contains(&format!("chmod 00644 {home}/.profile")), "{runs:?}");
        assert!(c.live.iter().all(|l| l.undo.is_some()));
        assert!(c.summary.contains("mode 0755 (UMASK 022 in /etc/login.defs)"), "{}", c.summary);
        assert!(c.guards_login);

        assert!(matches!(plan(&p, &host, "sec.accounts.home", &finding("odd", "m", &[])), Err(Skip::Refused(_))));
        let far = plan(&p, &host, "sec.accounts.home", &finding("far", "m", &[]));
        assert!(matches!(&far, Err(Skip::Refused(r)) if r.contains("/srv/a")), "{far:?}");
        std::fs::create_dir_all(dir.path().join("home/bob")).unwrap();
        assert!(matches!(plan(&p, &host, "sec.accounts.home", &finding("bob", "m", &[])), Err(Skip::NotApplicable(_))));
    }

    #[test]
    fn an_empty_skeleton_makes_the_home_with_mkdir_and_rmdir_as_undo() {
        let dir =
            root(&[("/etc/passwd", "bob:x:1001:1001::/home/bob:/bin/bash\n"), ("/etc/login.defs", "HOME_MODE 0700\n")]);
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        let host = Host::new(dir.path());
        let c = plan(&Params {}, &host, "sec.accounts.home", &finding("bob", "m", &[])).unwrap();
        let home = dir.path().join("home/bob").display().to_string();
        assert!(c.files.is_empty());
        assert_eq!(c.live[0].run.line(), format!("mkdir -m 0700 {home}"));
        assert_eq!(c.live[0].undo.as_ref().map(|u| u.line()), Some(format!("rmdir {home}")));
    }
}
