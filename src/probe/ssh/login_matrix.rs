//! The login matrix: one verdict per login-capable account (can it log in over SSH, by which
//! method, and if not, why), from [`super::login`]. One observation for the whole system (how
//! many accounts can log in: none is a lockout) and one per account; the matrix itself goes to
//! the report as a table.

use super::login::{AccountFacts, Login};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError, TableSpec};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("accounts", "", "login-capable accounts"),
    Field::num("able", "", "of those, accounts that can log in over SSH"),
    Field::flag("locked_out", "1 when no account can log in over SSH"),
    Field::flag("serving", "1 when sshd is running or enabled"),
    Field::flag("remote_accounts", "1 when nsswitch.conf also takes accounts from a directory service (not examined)"),
    Field::text("why_all", "why each account cannot log in, in short"),
    Field::text("source", "where the SSH settings came from: sshd -T or the files"),
    Field::text("from", "the client address the settings were evaluated for"),
    Field::text("user", "the account"),
    Field::flag("can", "1 when the account can log in over SSH"),
    Field::text("methods", "how: key, password, keyboard-interactive"),
    Field::text("reason", "why it cannot"),
    Field::flag("named", "1 when the account was named (why ssh --user) or is root"),
    Field::flag("must_change", "1 when the password must be changed at login"),
    Field::text("cause", "the code of why it cannot (allowusers, expired, ...)"),
];

/// The subject of the whole-system observation.
pub const SCOPE: &str = "ssh logins";

fn methods_said(f: &AccountFacts) -> Said {
    if f.verdict.methods.is_empty() {
        return Said::new(Msg::ValNone);
    }
    Said::new(Msg::ValItems).words("items", f.verdict.methods.iter().map(|m| m.said()).collect())
}

/// Why the account cannot log in: the refusals, else every missing method.
fn reason_said(f: &AccountFacts) -> Said {
    let v = &f.verdict;
    let parts: Vec<Said> = if v.can() {
        match &v.must_change {
            Some(r) => vec![r.said.clone()],
            None => Vec::new(),
        }
    } else if !v.refused.is_empty() {
        v.refused.iter().map(|r| r.said.clone()).collect()
    } else {
        v.missing.iter().map(|r| r.said.clone()).collect()
    };
    if parts.is_empty() {
        return Said::new(Msg::LoginDash);
    }
    Said::new(Msg::ValItems).list("items", parts)
}

fn evidence_of(f: &AccountFacts) -> Vec<String> {
    let v = &f.verdict;
    let mut ev = Vec::new();
    let reasons = if v.can() {
        v.must_change.iter().collect::<Vec<_>>()
    } else if v.refused.is_empty() {
        v.missing.iter().collect()
    } else {
        v.refused.iter().collect()
    };
    for r in reasons {
        for l in &r.evidence {
            if !ev.contains(l) {
                ev.push(l.clone());
            }
        }
    }
    if !ev.contains(&f.account.loc) {
        ev.push(f.account.loc.clone());
    }
    ev
}

fn account_obs(f: &AccountFacts, named: bool) -> Observation {
    let v = &f.verdict;
    let code = v.why().map(|r| r.code).unwrap_or(if v.must_change.is_some() { "password-expired" } else { "ok" });
    let mut o = Observation::new(&f.account.name)
        .text("user", &f.account.name)
        .flag("can", v.can())
        .flag("named", named)
        .flag("must_change", v.must_change.is_some())
        .word("methods", methods_said(f))
        .word("reason", reason_said(f))
        .text("cause", code);
    for l in evidence_of(f) {
        o = o.evidence(l);
    }
    o
}

fn can_cell(f: &AccountFacts) -> Said {
    if f.verdict.can() && f.verdict.must_change.is_some() {
        Said::new(Msg::LoginAfterChange)
    } else if f.verdict.can() {
        Said::new(Msg::LoginYes)
    } else {
        Said::new(Msg::LoginNo)
    }
}

fn table(login: &Login) -> TableSpec {
    let columns = vec![
        Said::new(Msg::LoginColAccount),
        Said::new(Msg::LoginColCan),
        Said::new(Msg::LoginColMethods),
        Said::new(Msg::LoginColWhyNot),
    ];
    let rows = login
        .accounts
        .iter()
        .map(|f| {
            vec![Said::new(Msg::ValItems).arg("items", &f.account.name), can_cell(f), methods_said(f), reason_said(f)]
        })
        .collect();
    TableSpec { columns, rows }
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let login = ctx.login_facts()?;
    if !login.sshd_installed {
        return Err(ProbeError::Skipped(Said::new(Msg::SkipSshNotInstalled).arg("path", super::login::SSHD_CONFIG)));
    }
    let named = ctx.login.user.as_deref();
    let able = login.accounts.iter().filter(|f| f.verdict.can()).count();
    let whys: Vec<Said> = login
        .accounts
        .iter()
        .filter(|f| !f.verdict.can())
        .map(|f| {
            let first = f.verdict.why().map(|r| r.said.clone()).unwrap_or_else(|| Said::new(Msg::LoginDash));
            Said::new(Msg::LoginEachWhy).arg("user", &f.account.name).nest("reason", first)
        })
        .collect();
    let mut scope = Observation::new(SCOPE)
        .num("accounts", login.accounts.len() as f64)
        .num("able", able as f64)
        .flag("locked_out", able == 0)
        .flag("serving", login.serving)
        .flag("remote_accounts", login.remote_accounts.is_some())
        .text("source", &login.source)
        .text("from", &login.from)
        .word(
            "why_all",
            if whys.is_empty() { Said::new(Msg::LoginDash) } else { Said::new(Msg::ValItems).list("items", whys) },
        )
        .subject_words(Said::new(Msg::LoginScope));
    scope = scope.evidence(format!("settings from {} for a connection from {}", login.source, login.from));
    for f in &login.accounts {
        let how = if f.verdict.can() {
            f.verdict.methods.iter().map(|m| format!("{m:?}").to_lowercase()).collect::<Vec<_>>().join("+")
        } else {
            format!("refused ({})", f.verdict.why().map(|r| r.code).unwrap_or("?"))
        };
        scope = scope.evidence(format!("{}: {how}", f.account.name));
        if !f.verdict.can() {
            for l in evidence_of(f).into_iter().take(3) {
                scope = scope.evidence(format!("  {l}"));
            }
        }
    }
    for n in &login.notes {
        scope = scope.evidence(n.clone());
    }
    if login.not_examined > 0 {
        scope = scope.evidence(format!("{} more login accounts not examined", login.not_examined));
    }
    if let Some(r) = &login.remote_accounts {
        scope = scope.evidence(format!("/etc/nsswitch.conf: passwd also from {r}: those accounts are not examined"));
    }
    if login.partial {
        scope =
            scope.evidence("the examined tree holds no programs: shells, homes and keys were not judged".to_string());
    }
    if !login.serving {
        scope = scope.evidence("no sshd process runs here".to_string());
    }
    let mut items = vec![scope];
    items.extend(login.accounts.iter().map(|f| account_obs(f, named == Some(f.account.name.as_str()))));
    if let Some(user) = named
        && !login.accounts.iter().any(|f| f.account.name == user)
    {
        let (accounts, _) =
            crate::probe::accounts::passwd::read_accounts(&ctx.host).map_err(|e| ProbeError::io("/etc/passwd", &e))?;
        let (said, ev) = match accounts.iter().find(|a| a.name == user) {
            Some(a) => (Said::new(Msg::LoginWhyNoLoginShell).arg("shell", &a.shell), vec![a.loc.clone()]),
            None => (Said::new(Msg::LoginWhyNoAccount), vec![format!("/etc/passwd: no line for {user}")]),
        };
        let mut o = Observation::new(user)
            .text("user", user)
            .flag("can", false)
            .flag("named", true)
            .flag("must_change", false)
            .word("methods", Said::new(Msg::ValNone))
            .word("reason", said)
            .text("cause", "no-account");
        for l in ev {
            o = o.evidence(l);
        }
        items.push(o);
    }
    let mut obs = Observations::of(items);
    obs.table = Some(table(&login));
    Ok(obs)
}

/// The verdict lines of the matrix in English, for `why ssh` and logs: `user: key+password`.
pub fn summary_lines(login: &Login) -> Vec<String> {
    login
        .accounts
        .iter()
        .map(|f| {
            let r = reason_said(f).render(crate::i18n::Lang::En);
            let m = methods_said(f).render(crate::i18n::Lang::En);
            format!("{}: {} ({m}) {r}", f.account.name, can_cell(f).render(crate::i18n::Lang::En))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::probe::ssh::login::LoginOptions;
    use crate::report::{Severity, Status};
    use std::time::{Duration, Instant};

    fn write(root: &std::path::Path, path: &str, text: &str) {
        let p = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    /// The named account (`why ssh --user U`) refused is critical with the reason; an account
    /// that does not exist or has no login shell too; the others stay notes.
    #[test]
    fn the_named_account_refused_is_critical_with_its_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let r = dir.path();
        write(r, "/etc/ssh/sshd_config", "AllowUsers root\nUsePAM yes\n");
        write(
            r,
            "/etc/passwd",
            "root:x:0:0::/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/bash\nsvc:x:1001:1001::/srv:/usr/sbin/nologin\n",
        );
        write(
            r,
            "/etc/shadow",
            "root:$6$s$0123456789abcdef:19000:0:99999:7:::\nops:$6$s$0123456789abcdef:19000:0:99999:7:::\n",
        );
        let catalog = crate::catalog::Catalog::load(&[]).expect("built-in catalog");
        let check = catalog.get("sec.login.matrix").expect("sec.login.matrix");
        let run = |user: Option<&str>| {
            let ctx = ProbeContext::new(Host::new(r), Instant::now() + Duration::from_secs(10), false)
                .with_login(LoginOptions { user: user.map(str::to_string), from: None });
            crate::engine::judge::judge(check, observe(&Params {}, &ctx), crate::i18n::Lang::En, 0)
        };
        let quiet = run(None);
        assert_eq!(quiet.status, Status::Ok, "{quiet:#?}");
        assert!(quiet.findings.iter().all(|f| f.severity == Severity::Info));
        let named = run(Some("ops"));
        assert_eq!(named.status, Status::Crit);
        assert_eq!(named.findings[0].subject.as_deref(), Some("ops"));
        assert_eq!(
            named.findings[0].message,
            "ops cannot log in over SSH: AllowUsers does not name it (`AllowUsers root`)"
        );
        assert_eq!(named.findings[0].code.as_deref(), Some("allowusers"));
        let ghost = run(Some("ghost"));
        assert_eq!(ghost.findings[0].message, "ghost cannot log in over SSH: there is no such account");
        let svc = run(Some("svc"));
        assert_eq!(
            svc.findings[0].message,
            "svc cannot log in over SSH: its shell /usr/sbin/nologin does not allow logins"
        );
        assert_eq!(svc.status, Status::Crit);
    }
}
