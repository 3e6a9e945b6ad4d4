//! `action.limits`: pam_limits' files (/etc/security/limits.conf, limits.d/*.conf), for the
//! `sec.pam.limits` findings, whose subject is the line (`file:line`).
//!
//! - `edit = "nr-open"`: a hard `nofile` above the kernel's `fs.nr_open` (setrlimit refuses it:
//!   upstream pam_limits then refuses the session, Debian's opens it without the limit) gets
//!   `fs.nr_open` as its value, the largest the kernel grants; the line's domain, type and item
//!   stay, the old line is kept above it as a comment.
//! - `edit = "comment-out"`: a `maxlogins 0` line (every session of its accounts refused) is
//!   commented out.
//!
//! Both change the login path: the login matrix guards them (an account that can log in now
//! must still can after).

use super::lines::{commented, line_of, replace_line};
use super::{Action, Change, FileEdit, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::pam::limits::{DEFAULT_NR_OPEN, check};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub edit: Edit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Edit {
    NrOpen,
    CommentOut,
}

/// The files pam_limits reads.
fn is_limits_file(path: &str) -> bool {
    path == "/etc/security/limits.conf"
        || (path.starts_with("/etc/security/limits.d/") && path.ends_with(".conf") && !path.contains("/../"))
}

impl Action for Params {
    fn name(&self) -> String {
        match self.edit {
            Edit::NrOpen => "limits-nofile-nr-open".into(),
            Edit::CommentOut => "limits-comment-out".into(),
        }
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let subject = t.finding.subject.clone().unwrap_or_default();
        let Some((path, n)) =
            subject.rsplit_once(':').and_then(|(p, n)| Some((p.to_string(), n.parse::<usize>().ok()?)))
        else {
            return Err(Skip::NotApplicable(rtf(l, R::LimitsNoLine, &[("subject", &subject)])));
        };
        if !is_limits_file(&path) {
            return Err(Skip::NotApplicable(rtf(l, R::LimitsNoLine, &[("subject", &subject)])));
        }
        let bytes = std::fs::read(t.host.path(&path))
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", &path), ("error", &e.to_string())])))?;
        let Some(raw) = line_of(&bytes, n).map(str::to_string) else {
            return Err(Skip::Refused(rtf(l, R::NotText, &[("path", &subject)])));
        };
        let nr_open =
            t.host.read_line("/proc/sys/fs/nr_open").and_then(|v| v.parse::<u64>().ok()).unwrap_or(DEFAULT_NR_OPEN);
        // The line as pam_limits reads it now: still the problem the finding names?
        let problem = check(&path, &raw, nr_open).into_iter().next().map(|p| p.kind);
        let want = match self.edit {
            Edit::NrOpen => "nofile-above-nr-open",
            Edit::CommentOut => "no-logins",
        };
        if problem != Some(want) {
            return Err(Skip::NotApplicable(rtf(l, R::LimitsLineFine, &[("at", &subject), ("line", raw.trim())])));
        }
        let (new, summary) = match self.edit {
            Edit::NrOpen => {
                let body = raw.split('#').next().unwrap_or_default();
                let f: Vec<&str> = body.split_whitespace().collect();
                let [domain, kind, item, _] = f[..] else {
                    return Err(Skip::Refused(rtf(l, R::NotText, &[("path", &subject)])));
                };
                let line = format!("{domain} {kind} {item} {nr_open}");
                let new = format!("{}\n{line}", commented(raw.trim_end(), &format!("above fs.nr_open {nr_open}")));
                (
                    new,
                    rtf(l, R::LimitsDoNrOpen, &[("at", &subject), ("line", &line), ("nr_open", &nr_open.to_string())]),
                )
            }
            Edit::CommentOut => (
                commented(raw.trim_end(), "it refused every session"),
                rtf(l, R::LimitsDoCommentOut, &[("at", &subject), ("line", raw.trim())]),
            ),
        };
        Ok(Change {
            summary,
            files: vec![FileEdit { path: path.clone(), after: Some(replace_line(&bytes, n, &new)) }],
            guards_login: true,
            ..Change::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::repair::testing::{after, finding, root};

    fn plan(edit: Edit, text: &str, subject: &str) -> Result<Change, Skip> {
        let dir = root(&[("/etc/security/limits.conf", text), ("/proc/sys/fs/nr_open", "1048576\n")]);
        let f = finding(subject, "m", &[]);
        crate::repair::testing::plan(&Params { edit }, &Host::new(dir.path()), "sec.pam.limits", &f)
    }

    #[test]
    fn a_nofile_above_nr_open_gets_nr_open_and_maxlogins_0_is_commented_out() {
        let text = "# limits\n*  hard  nofile  2000000  # tuning\nalice hard maxlogins 0\n";
        let c = plan(Edit::NrOpen, text, "/etc/security/limits.conf:2").unwrap();
        assert_eq!(
            after(&c),
            "# limits\n# *  hard  nofile  2000000  # tuning  # ecs-doctor fix: above fs.nr_open 1048576\n* hard nofile 1048576\nalice hard maxlogins 0\n"
        );
        assert!(c.guards_login);
        let c = plan(Edit::CommentOut, text, "/etc/security/limits.conf:3").unwrap();
        assert!(
            String::from_utf8(c.files[0].after.clone().unwrap())
                .unwrap()
                .ends_with("\n# alice hard maxlogins 0  # ecs-doctor fix: it refused every session\n")
        );
        assert!(matches!(plan(Edit::NrOpen, text, "/etc/security/limits.conf:3"), Err(Skip::NotApplicable(_))));
        assert!(matches!(plan(Edit::NrOpen, text, "/etc/passwd:1"), Err(Skip::NotApplicable(_))));
    }
}
