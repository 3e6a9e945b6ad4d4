//! `action.nologin`: removes the nologin files (`/etc/nologin`, `/run/nologin`) that make
//! pam_nologin and sshd refuse every login but root's. Each is backed up with its content, mode
//! and owner before it goes, and `fix --undo` puts it back byte for byte. A link or anything else
//! that is not a regular file is refused (it is not a nologin left behind by a script).

use super::{Action, Change, FileEdit, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::ssh::login::NOLOGIN_FILES;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Action for Params {
    fn name(&self) -> String {
        "nologin-remove".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let mut files = Vec::new();
        for path in NOLOGIN_FILES {
            let Ok(m) = std::fs::symlink_metadata(t.host.path(path)) else { continue };
            // /var/run is a link to /run on most systems: the same file once.
            if *path == "/var/run/nologin"
                && std::fs::symlink_metadata(t.host.path("/var/run")).is_ok_and(|v| v.file_type().is_symlink())
            {
                continue;
            }
            if !m.file_type().is_file() {
                return Err(Skip::Refused(rtf(l, R::PermsNotPlain, &[("path", path)])));
            }
            files.push(FileEdit { path: path.to_string(), after: None });
        }
        if files.is_empty() {
            return Err(Skip::NotApplicable(rtf(l, R::NologinGone, &[])));
        }
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        Ok(Change {
            summary: rtf(l, R::NologinDo, &[("paths", &paths.join(", "))]),
            files,
            guards_login: true,
            ..Change::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::report::{Finding, Severity};

    #[test]
    fn both_nologin_files_are_removed_and_a_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::create_dir_all(root.join("run")).unwrap();
        let host = Host::new(root);
        let f = Finding {
            severity: Severity::Crit,
            message: "m".into(),
            subject: Some("/etc/passwd".into()),
            code: Some("NOLOGIN".into()),
            evidence: vec![],
            since: None,
        };
        let t = Target::test(&host, "sec.login.nologin", &f);
        assert!(matches!(Params {}.plan(&t), Err(Skip::NotApplicable(_))));
        std::fs::write(root.join("etc/nologin"), "maintenance\n").unwrap();
        std::fs::write(root.join("run/nologin"), "booting\n").unwrap();
        let c = Params {}.plan(&t).unwrap();
        let paths: Vec<_> = c.files.iter().map(|f| (f.path.as_str(), f.after.is_none())).collect();
        assert_eq!(paths, [("/etc/nologin", true), ("/run/nologin", true)]);
        assert!(c.guards_login && c.live.is_empty());
        std::fs::remove_file(root.join("run/nologin")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("run/nologin")).unwrap();
        assert!(matches!(Params {}.plan(&t), Err(Skip::Refused(_))));
    }
}
