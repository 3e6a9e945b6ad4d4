//! `action.pam_module`: comments out the lines of the SSH login's PAM stack that name a module
//! which is not installed (`sec.pam.modules` PAM_MODULE_MISSING), but only for the modules that
//! decide no login.
//!
//! Why that is the line to draw: a line whose module cannot be loaded fails with
//! `PAM_MODULE_UNKNOWN`, so under `required`, `requisite` (or a bracket that treats that value
//! as `bad`/`die`) it refuses *every* login that reaches it. Removing it lets in whoever passes
//! the rest of the stack. That is only right when the module, had it been installed, would
//! have refused no one either: then the people admitted after are exactly those the intended
//! configuration admits. Modules that only set up or record a session (the environment, the
//! message of the day, mail notice, lastlog, the keyring, the umask, systemd's session, the
//! login uid, the home directory made at first login, X authority, a delay after a failure, a
//! log line) are such modules ([`SESSION_ONLY`]). Every other module may be the one that
//! decides: a second factor (`pam_google_authenticator`), a credential check (`pam_unix`
//! misspelt `pam_unx`: without it the auth stack could let anyone in), an access list
//! (`pam_access`, `pam_listfile`, `pam_succeed_if`), a lockout (`pam_faillock`, `pam_tally2`), a
//! session limit (`pam_limits`' maxlogins), a security context (`pam_selinux`,
//! `pam_namespace`) or an audit (`pam_tty_audit`): commenting it out could admit someone it
//! would refuse, so the plan refuses and says to install the module instead.
//!
//! The stack is read again now (not from the report): each line that names the finding's module
//! with a control that fails on a missing module, whose module is still missing, is commented
//! out in the file that holds it (`# ecs-doctor: module not installed: ` and the line as it
//! was; nothing is deleted), every other byte kept. A line continued with `\` is refused (its
//! rest would become a line of its own). The file may be one the stack includes
//! (`common-session`): the services that share it were refused by the same line. It touches the
//! login path, so the login guard applies: every account that can log in before still can after.

use super::{Action, Change, FileEdit, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::pam::stack;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// Modules that set up or record a session and refuse no one (by file name, without `.so`).
pub const SESSION_ONLY: &[&str] = &[
    "pam_env",
    "pam_motd",
    "pam_mail",
    "pam_lastlog",
    "pam_lastlog2",
    "pam_keyinit",
    "pam_umask",
    "pam_systemd",
    "pam_loginuid",
    "pam_mkhomedir",
    "pam_oddjob_mkhomedir",
    "pam_xauth",
    "pam_echo",
    "pam_warn",
    "pam_faildelay",
    "pam_gnome_keyring",
];

/// What a commented-out line starts with (followed by the line as it was).
pub const COMMENT: &str = "# ecs-doctor: module not installed: ";

/// `file` and line number of a stack line's `file:N: text`.
fn place(loc: &str) -> Option<(String, usize)> {
    let (head, _) = loc.split_once(": ")?;
    let (file, n) = head.rsplit_once(':')?;
    Some((file.to_string(), n.parse().ok()?))
}

/// The module's name without directory and `.so`.
fn bare(module: &str) -> &str {
    let name = module.rsplit('/').next().unwrap_or(module);
    name.strip_suffix(".so").unwrap_or(name)
}

impl Action for Params {
    fn name(&self) -> String {
        "pam-comment-out-missing".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let module = t.finding.subject.clone().unwrap_or_default();
        let st = match stack::read(t.host, crate::probe::pam::SERVICE) {
            Ok(Some(s)) => s,
            Ok(None) => return Err(Skip::NotApplicable(rtf(l, R::PamModuleGone, &[("module", &module)]))),
            Err(e) => {
                let path = format!("/etc/pam.d/{}", crate::probe::pam::SERVICE);
                return Err(Skip::Refused(rtf(l, R::CannotRead, &[("path", &path), ("error", &e.to_string())])));
            }
        };
        let dirs = stack::module_dirs(t.host);
        let lines: Vec<&stack::Line> = st
            .lines
            .iter()
            .filter(|x| {
                x.module == module
                    && !x.quiet_missing
                    && x.control.fails_on("module_unknown")
                    && !dirs.is_empty()
                    && stack::find_module(t.host, &dirs, &x.module).is_none()
            })
            .collect();
        if lines.is_empty() {
            return Err(Skip::NotApplicable(rtf(l, R::PamModuleGone, &[("module", &module)])));
        }
        if !SESSION_ONLY.contains(&bare(&module)) {
            let line = lines[0].loc.clone();
            return Err(Skip::Refused(rtf(
                l,
                R::PamModuleDecides,
                &[("module", &module), ("group", lines[0].kind.name()), ("line", &line)],
            )));
        }
        // The physical lines to comment out, by file.
        let mut by_file: Vec<(String, Vec<usize>)> = Vec::new();
        for x in &lines {
            let Some((file, n)) = place(&x.loc) else {
                return Err(Skip::Refused(rtf(l, R::PamModuleNoPlace, &[("module", &module), ("line", &x.loc)])));
            };
            match by_file.iter_mut().find(|(f, _)| *f == file) {
                Some((_, ns)) => ns.push(n),
                None => by_file.push((file, vec![n])),
            }
        }
        let mut files = Vec::new();
        let mut shown = Vec::new();
        for (file, ns) in &by_file {
            let bytes = std::fs::read(t.host.path(file))
                .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", file), ("error", &e.to_string())])))?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let mut out: Vec<String> = text.split('\n').map(str::to_string).collect();
            for n in ns {
                let Some(line) = out.get(n.wrapping_sub(1)).cloned() else {
                    let at = format!("{file}:{n}");
                    return Err(Skip::Refused(rtf(l, R::PamModuleNoPlace, &[("module", &module), ("line", &at)])));
                };
                let at = format!("{file}:{n}: {}", line.trim());
                if !line.contains(module.as_str()) || line.trim_end().ends_with('\\') {
                    return Err(Skip::Refused(rtf(l, R::PamModuleNoPlace, &[("module", &module), ("line", &at)])));
                }
                out[n - 1] = format!("{COMMENT}{line}");
                shown.push(format!("{file}:{n}"));
            }
            files.push(FileEdit { path: file.clone(), after: Some(out.join("\n").into_bytes()) });
        }
        Ok(Change {
            summary: rtf(l, R::PamModuleDo, &[("module", &module), ("lines", &shown.join(", "))]),
            files,
            guards_login: true,
            ..Change::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::testing::{after, finding, plan, root};

    const SSHD: &str = "@include common-auth\naccount required pam_nologin.so\n@include common-session\n";

    fn host(session: &str) -> (tempfile::TempDir, crate::host::Host) {
        let dir = root(&[
            ("/etc/pam.d/sshd", SSHD),
            ("/etc/pam.d/common-auth", "auth required pam_unx.so nullok\n"),
            ("/etc/pam.d/common-session", session),
            ("/lib/x86_64-linux-gnu/security/pam_unix.so", ""),
            ("/lib/x86_64-linux-gnu/security/pam_nologin.so", ""),
            ("/lib/x86_64-linux-gnu/security/pam_env.so", ""),
        ]);
        let host = crate::host::Host::new(dir.path());
        (dir, host)
    }

    #[test]
    fn a_missing_session_module_is_commented_out_in_the_file_that_holds_it() {
        let (_dir, host) =
            host("# the session\r\nsession required pam_env.so\nsession   required  pam_lastlog2.so silent\n");
        let f = finding("pam_lastlog2.so", "m", &[]);
        let c = plan(&Params {}, &host, "sec.pam.modules", &f).expect("plan");
        assert_eq!(c.files[0].path, "/etc/pam.d/common-session");
        assert_eq!(
            after(&c),
            format!(
                "# the session\r\nsession required pam_env.so\n{COMMENT}session   required  pam_lastlog2.so silent\n"
            )
        );
        assert!(c.guards_login && c.summary.contains("/etc/pam.d/common-session:3"), "{}", c.summary);
    }

    #[test]
    fn a_module_that_may_decide_who_logs_in_is_refused_and_an_installed_one_not_applicable() {
        let (_dir, host) = host("session required pam_env.so\n");
        let c = plan(&Params {}, &host, "sec.pam.modules", &finding("pam_unx.so", "m", &[]));
        assert!(matches!(&c, Err(Skip::Refused(r)) if r.contains("pam_unx.so") && r.contains("auth")), "{c:?}");
        let c = plan(&Params {}, &host, "sec.pam.modules", &finding("pam_env.so", "m", &[]));
        assert!(matches!(c, Err(Skip::NotApplicable(_))), "{c:?}");
    }

    #[test]
    fn an_optional_line_and_a_continued_line_are_not_commented_out() {
        let (_dir, host) = host("session optional pam_motd.so\nsession required pam_mail.so \\\n  standard\n");
        let c = plan(&Params {}, &host, "sec.pam.modules", &finding("pam_motd.so", "m", &[]));
        assert!(matches!(c, Err(Skip::NotApplicable(_))), "optional refuses no one: {c:?}");
        let c = plan(&Params {}, &host, "sec.pam.modules", &finding("pam_mail.so", "m", &[]));
        assert!(matches!(c, Err(Skip::Refused(_))), "{c:?}");
    }
}
