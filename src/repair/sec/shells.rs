//! `action.shells`: lists an account's login shell in /etc/shells when the shell is real but the
//! list forgot it.
//!
//! `sec.accounts.login-shell` (`SHELL_NOT_LISTED`): the account's shell, as /etc/passwd records
//! it, exists, is executable and is not in /etc/shells, so pam_shells (and FTP servers, chsh)
//! refuse the account. The repair appends exactly that path to /etc/shells; nothing is guessed.
//! A shell anyone but root (the owner of /etc/shells) could change is refused: listing it would make a program another
//! user controls a valid login shell for everyone (`chsh`), so the customer decides. A relative
//! path, or one with spaces or control characters, is refused too (it is no shell a list can
//! name).

use super::{Action, Change, FileEdit, Skip, Target};
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::{MetadataExt, PermissionsExt};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

const SHELLS: &str = "/etc/shells";
const PASSWD: &str = "/etc/passwd";

/// The login shell /etc/passwd records for `user` (`/bin/sh` when empty, as login does).
fn recorded_shell(passwd: &str, user: &str) -> Option<String> {
    let line = passwd.lines().find(|l| l.split(':').next() == Some(user))?;
    let shell = line.split(':').nth(6).unwrap_or("").trim_end_matches('\r');
    Some(if shell.is_empty() { "/bin/sh".into() } else { shell.into() })
}

/// Whether /etc/shells (its text) lists `shell`: a line that is the path, comments ignored.
pub fn listed(shells: &str, shell: &str) -> bool {
    shells.lines().map(|l| l.split('#').next().unwrap_or("").trim()).any(|l| l == shell)
}

/// `bytes` with `line` appended as a line of its own.
fn appended(bytes: &[u8], line: &str) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.extend_from_slice(line.as_bytes());
    out.push(b'\n');
    out
}

fn read(t: &Target, path: &str) -> Result<Vec<u8>, Skip> {
    std::fs::read(t.host.path(path))
        .map_err(|e| Skip::Refused(rtf(t.lang, R::CannotRead, &[("path", path), ("error", &e.to_string())])))
}

fn not_listed(t: &Target, user: &str) -> Result<Change, Skip> {
    let l = t.lang;
    let passwd = read(t, PASSWD)?;
    let Some(shell) = recorded_shell(&String::from_utf8_lossy(&passwd), user) else {
        return Err(Skip::NotApplicable(rtf(l, R::AccountNoEntry, &[("user", user), ("path", PASSWD)])));
    };
    let refuse =
        |why: &str| Skip::Refused(rtf(l, R::ShellsRefused, &[("user", user), ("shell", &shell), ("why", why)]));
    if !shell.starts_with('/') || shell.chars().any(|c| c.is_whitespace() || c.is_control() || c == '#') {
        return Err(refuse(&rtf(l, R::ShellsNotPath, &[])));
    }
    let meta = std::fs::metadata(t.host.path(&shell)).map_err(|e| refuse(&e.to_string()))?;
    if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
        return Err(refuse(&rtf(l, R::ShellsNotProgram, &[])));
    }
    // The program and the directory holding it: the owner's of /etc/shells (root), and nobody
    // else may write them.
    let owner = std::fs::metadata(t.host.path(SHELLS)).map_err(|e| refuse(&e.to_string()))?.uid();
    let dir = std::path::Path::new(&shell).parent().map(|p| p.display().to_string()).unwrap_or_else(|| "/".into());
    for path in [shell.as_str(), dir.as_str()] {
        let m = std::fs::metadata(t.host.path(path)).map_err(|e| refuse(&e.to_string()))?;
        if m.uid() != owner || m.mode() & 0o022 != 0 {
            let mode = format!("{:04o}", m.mode() & 0o7777);
            return Err(refuse(&rtf(
                l,
                R::ShellsForeign,
                &[("path", path), ("uid", &m.uid().to_string()), ("mode", &mode)],
            )));
        }
    }
    let bytes = read(t, SHELLS)?;
    if listed(&String::from_utf8_lossy(&bytes), &shell) {
        return Err(Skip::NotApplicable(rtf(l, R::ShellsAlready, &[("shell", &shell)])));
    }
    Ok(Change {
        summary: rtf(l, R::ShellsDo, &[("user", user), ("shell", &shell)]),
        files: vec![FileEdit { path: SHELLS.into(), after: Some(appended(&bytes, &shell)) }],
        validate: Vec::new(),
        live: Vec::new(),
        commands: Vec::new(),
        guards_login: true,
    })
}

impl Action for Params {
    fn name(&self) -> String {
        "shells".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let user = t.finding.subject.clone().unwrap_or_default();
        match (t.check, t.finding.code.as_deref()) {
            ("sec.accounts.login-shell", Some("SHELL_NOT_LISTED")) => not_listed(t, &user),
            _ => Err(Skip::NotApplicable(rtf(t.lang, R::AccountFine, &[("user", &user)]))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::testing::{after, plan};

    fn put(root: &std::path::Path, path: &str, text: &str, mode: u32) {
        let p = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }

    fn finding(user: &str) -> crate::report::Finding {
        let mut f = crate::repair::testing::finding(user, "not listed", &[]);
        f.code = Some("SHELL_NOT_LISTED".into());
        f
    }

    #[test]
    fn the_recorded_shell_is_appended_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let r = dir.path();
        put(r, "/etc/passwd", "root:x:0:0::/root:/bin/bash\nann:x:1000:1000::/home/ann:/usr/bin/zsh\r\n", 0o644);
        put(r, "/etc/shells", "# /etc/shells\n/bin/sh\n/bin/bash", 0o644);
        put(r, "/usr/bin/zsh", "#!/bin/sh\n", 0o755);
        put(r, "/bin/bash", "#!/bin/sh\n", 0o644);
        let host = crate::host::Host::new(r);
        let p = Params {};
        let c = plan(&p, &host, "sec.accounts.login-shell", &finding("ann")).expect("planned");
        assert_eq!(after(&c), "# /etc/shells\n/bin/sh\n/bin/bash\n/usr/bin/zsh\n");
        assert!(c.guards_login && c.files.len() == 1 && c.files[0].path == SHELLS);
        // Listed already (a comment after it does not hide it): nothing to do.
        put(r, "/etc/shells", "/usr/bin/zsh # mine\n", 0o644);
        assert!(matches!(plan(&p, &host, "sec.accounts.login-shell", &finding("ann")), Err(Skip::NotApplicable(_))));
        // Not executable: refused (that is another finding).
        put(r, "/etc/passwd", "root:x:0:0::/root:/bin/bash\n", 0o644);
        assert!(matches!(plan(&p, &host, "sec.accounts.login-shell", &finding("root")), Err(Skip::Refused(_))));
        assert!(matches!(plan(&p, &host, "sec.accounts.login-shell", &finding("nobody")), Err(Skip::NotApplicable(_))));
        assert!(listed("/bin/sh\n  /bin/bash  \n", "/bin/bash") && !listed("#/bin/bash\n", "/bin/bash"));
        assert_eq!(appended(b"", "/x"), b"/x\n");
    }

    #[test]
    fn a_shell_others_can_change_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let r = dir.path();
        put(r, "/etc/passwd", "ann:x:1000:1000::/home/ann:/opt/sh/zsh\nbo:x:1001:1001::/home/bo:zsh\n", 0o644);
        put(r, "/etc/shells", "/bin/sh\n", 0o644);
        put(r, "/opt/sh/zsh", "#!/bin/sh\n", 0o775);
        let host = crate::host::Host::new(r);
        let p = Params {};
        let Err(Skip::Refused(why)) = plan(&p, &host, "sec.accounts.login-shell", &finding("ann")) else {
            panic!("a group-writable shell was listed");
        };
        assert!(why.contains("/opt/sh/zsh") && why.contains("0775"), "{why}");
        let Err(Skip::Refused(why)) = plan(&p, &host, "sec.accounts.login-shell", &finding("bo")) else {
            panic!("a relative shell was listed");
        };
        assert!(why.contains("not an absolute path"), "{why}");
    }
}
