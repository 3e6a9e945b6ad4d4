//! `action.limits`: pam_limits' files (/etc/security/limits.conf, limits.d/*.conf), for the
//! `sec.pam.limits` findings, whose subject is the line (`file:line`).
//!
//! - `edit = "nr-open"`: a hard `nofile` above the kernel's `fs.nr_open` (setrlimit refuses it:
//!   upstream pam_limits then refuses the session, Debian's opens it without the limit) gets
//!   `fs.nr_open` as its value, the largest the kernel grants; the line's domain, type and item
//!   stay, the old line is kept above it as a comment.
//! - `edit = "comment-out"`: a `maxlogins 0` line (every session of its accounts refused) is
//!   commented out.
//! - `edit = "create-conf"`: pam_limits' settings file is missing (the finding's subject is the
//!   file), so pam_limits fails every session: the file is created with no limits in it (one
//!   comment), which is pam_limits' default when the file is there; undo removes it. A dangling
//!   link is left alone (the write would replace the link, and what it pointed to may be the
//!   settings someone wants back): the plan says so.
//!
//! All three change the login path: the login matrix guards them (an account that can log in now
//! must still can after).

use super::lines::{commented, line_of, replace_line};
use super::{Action, Change, FileEdit, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::pam::limits::{DEFAULT_NR_OPEN, check};

edit_params! {
    NrOpen,
    CommentOut,
    CreateConf,
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
            Edit::CreateConf => "limits-create-conf".into(),
        }
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let subject = t.finding.subject.clone().unwrap_or_default();
        let want = match self.edit {
            Edit::NrOpen => "nofile-above-nr-open",
            Edit::CommentOut => "no-logins",
            Edit::CreateConf => return create_conf(t, &subject),
        };
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
            Edit::CommentOut | Edit::CreateConf => (
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

/// What the created settings file says: why it is there, and that it sets nothing.
fn conf_text(path: &str) -> String {
    format!(
        "# {path}: created by `ecs-doctor fix` (sec.pam.limits, PAM_LIMITS_CONF_MISSING).\n\
         # It was missing, and pam_limits fails every session without it. It sets no limits, pam_limits'\n\
         # default; put back the lines you had here (`<domain> <soft|hard|-> <item> <value>`).\n"
    )
}

/// `create-conf`: the missing settings file of the finding, created with no limits in it, when
/// the sshd session stack's pam_limits still misses exactly that file now.
fn create_conf(t: &Target, subject: &str) -> Result<Change, Skip> {
    let l = t.lang;
    let gone = || Err(Skip::NotApplicable(rtf(l, R::LimitsConfThere, &[("path", subject)])));
    let st = match crate::probe::pam::stack::read(t.host, crate::probe::pam::SERVICE) {
        Ok(Some(st)) => st,
        Ok(None) => return gone(),
        Err(e) => {
            return Err(Skip::Refused(rtf(
                l,
                R::CannotRead,
                &[("path", "/etc/pam.d/sshd"), ("error", &e.to_string())],
            )));
        }
    };
    let missing = crate::probe::pam::limits_conf_missing(t.host, &st)
        .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", subject), ("error", &e.to_string())])))?;
    let Some(m) = missing.filter(|m| m.path == subject) else {
        return gone();
    };
    if let Some(to) = &m.link_to {
        return Err(Skip::Refused(rtf(l, R::LimitsConfLink, &[("path", subject), ("to", to)])));
    }
    // Only a plain absolute path into a directory that exists: the repair makes no directories
    // (a new one would be private to root, and pam_limits' own directory is never missing).
    let dir = std::path::Path::new(subject).parent().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
    let plain = subject.starts_with('/') && !subject.split('/').any(|c| c == ".." || c == ".");
    if !plain || !t.host.path(&dir).is_dir() {
        return Err(Skip::Refused(rtf(l, R::LimitsConfNoDir, &[("path", subject), ("dir", &dir)])));
    }
    Ok(Change {
        summary: rtf(l, R::LimitsDoCreateConf, &[("path", subject), ("line", &m.line.evidence())]),
        files: vec![FileEdit { path: subject.to_string(), after: Some(conf_text(subject).into_bytes()) }],
        guards_login: true,
        ..Change::default()
    })
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

    #[test]
    fn a_missing_limits_conf_is_created_empty_unless_it_is_a_dangling_link() {
        let sshd = "session required pam_limits.so\n";
        let conf = "/etc/security/limits.conf";
        let run = |dir: &tempfile::TempDir, subject: &str| {
            let f = finding(subject, "m", &[]);
            let p = Params { edit: Edit::CreateConf };
            crate::repair::testing::plan(&p, &Host::new(dir.path()), "sec.pam.limits", &f)
        };
        let dir =
            root(&[("/etc/pam.d/sshd", sshd), ("/etc/security/limits.d/90-nofile.conf", "* soft nofile 65535\n")]);
        let c = run(&dir, conf).unwrap();
        assert_eq!(c.files.len(), 1);
        assert_eq!(c.files[0].path, conf);
        let text = after(&c);
        assert!(text.lines().all(|l| l.starts_with('#')), "no limits, only a comment: {text}");
        assert!(check(conf, &text, DEFAULT_NR_OPEN).is_empty());
        assert!(c.guards_login && c.validate.is_empty() && c.commands.is_empty());
        assert!(c.summary.contains("create /etc/security/limits.conf"), "{}", c.summary);
        assert!(c.summary.contains("/etc/pam.d/sshd:1: session required pam_limits.so"), "{}", c.summary);
        // Not the file the stack misses: nothing to do.
        assert!(matches!(run(&dir, "/etc/security/other.conf"), Err(Skip::NotApplicable(_))));

        // There again: nothing to create.
        std::fs::write(dir.path().join("etc/security/limits.conf"), "").unwrap();
        assert!(matches!(run(&dir, conf), Err(Skip::NotApplicable(_))));

        // A link to nothing is not replaced, and the plan names where it points.
        std::fs::remove_file(dir.path().join("etc/security/limits.conf")).unwrap();
        std::os::unix::fs::symlink("limits.conf.orig", dir.path().join("etc/security/limits.conf")).unwrap();
        match run(&dir, conf) {
            Err(Skip::Refused(why)) => assert!(why.contains("a link to limits.conf.orig"), "{why}"),
            other => panic!("{other:?}"),
        }

        // A `conf=` file in a directory that does not exist: refused, not made.
        let dir = root(&[("/etc/pam.d/sshd", "session required pam_limits.so conf=/etc/limits/sshd.conf\n")]);
        match run(&dir, "/etc/limits/sshd.conf") {
            Err(Skip::Refused(why)) => assert!(why.contains("(/etc/limits)"), "{why}"),
            other => panic!("{other:?}"),
        }
        // `optional`: the session opens without limits; the file is still created for them.
        let dir = root(&[("/etc/pam.d/sshd", "session optional pam_limits.so\n"), ("/etc/security/.keep", "")]);
        assert!(run(&dir, conf).is_ok());
    }
}
