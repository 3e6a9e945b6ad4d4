//! Who can log in over SSH, by which method, and if not, why: the facts of every login-capable
//! account (a login shell, and root always) gathered once per run and shared by the login
//! matrix, the account checks and the key checks.
//!
//! For each account: sshd's effective settings for a connection by that account
//! ([`super::effective`]), its /etc/shadow state, its shell and home, its authorized keys
//! ([`super::ssh_keys`]), the nologin files, and the blockers other checks report
//! ([`BLOCKER_SOURCES`], the seam for PAM). [`evaluate`] turns them into one verdict, in the
//! order sshd decides: access lists, shell, account state, nologin, then the methods left.

use super::effective::{self as sshd_effective, Conn, Effective};
use super::ssh_keys::{self, KeyFile, Owner};
use super::sshd_config;
use crate::host::fsmeta::{Names, Superuser};
use crate::i18n::{Msg, Said};
use crate::probe::accounts::passwd::{self, Account};
use crate::probe::accounts::shadow::{self, Ageing, Password, ShadowEntry};
use crate::probe::{ProbeContext, ProbeError};
use std::os::unix::fs::PermissionsExt;

/// Most accounts examined (each may cost one `sshd -T` run).
const MAX_ACCOUNTS: usize = 64;

/// The sshd configuration read.
pub const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";

/// Where the connection is imagined to come from when nobody says (`why ssh --from`): a
/// documentation address, i.e. "somewhere on the internet".
pub const DEFAULT_FROM: &str = "198.51.100.7";

/// The files pam_nologin (and sshd without PAM) look for.
pub const NOLOGIN_FILES: &[&str] = &["/etc/nologin", "/run/nologin", "/var/run/nologin"];

/// Which account a run asks about and from where (`why ssh --user U --from ADDR`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoginOptions {
    /// The account the customer names: refused → crit with the reason.
    pub user: Option<String>,
    /// The client address to evaluate Match blocks and `user@host` entries for.
    pub from: Option<String>,
}

/// A way in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Method {
    Key,
    Password,
}

impl Method {
    pub fn said(self) -> Said {
        Said::new(match self {
            Method::Key => Msg::LoginMethodKey,
            Method::Password => Msg::LoginMethodPassword,
        })
    }

    fn sshd_name(self) -> &'static [&'static str] {
        match self {
            Method::Key => &["publickey"],
            Method::Password => &["password", "keyboard-interactive"],
        }
    }
}

/// Something outside sshd's configuration that refuses an account (a PAM rule, a faillock
/// tally): other checks' probes add them through [`BLOCKER_SOURCES`].
#[derive(Debug, Clone, PartialEq)]
pub struct Blocker {
    /// The check id that reports it in detail (`sec.pam.faillock`).
    pub check: &'static str,
    pub reason: Said,
    pub evidence: Vec<String>,
    /// Refuses password methods only (a key still works).
    pub passwords_only: bool,
}

/// A source of blockers: called once per account.
pub type BlockerSource = fn(&ProbeContext, &AccountFacts) -> Vec<Blocker>;

/// Every source of blockers outside this module. PAM's checks add theirs here.
pub const BLOCKER_SOURCES: &[BlockerSource] = &[crate::probe::pam::login_blockers];

/// The shell of an account as sshd sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Shell {
    Ok,
    /// Not judged: the examined root holds no programs (a copy of /etc only).
    Unknown,
    Missing,
    NotExecutable(String),
}

/// Everything known about one login-capable account.
#[derive(Debug, Clone)]
pub struct AccountFacts {
    pub account: Account,
    pub groups: Vec<String>,
    pub gids: Vec<u32>,
    /// Its /etc/shadow line; `None` when there is none or shadow could not be read.
    pub shadow: Option<ShadowEntry>,
    pub ageing: Ageing,
    /// The shell path (an empty field means /bin/sh).
    pub shell_path: String,
    pub shell: Shell,
    /// Listed in /etc/shells; `None` when there is no /etc/shells.
    pub in_shells: Option<bool>,
    pub home_exists: bool,
    pub eff: Effective,
    pub key_files: Vec<KeyFile>,
    pub blockers: Vec<Blocker>,
    pub verdict: Verdict,
}

/// One reason an account cannot log in (or a method is not available), with evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub said: Said,
    pub evidence: Vec<String>,
    /// The short machine name of the cause (`allowusers`, `shell-missing`, ...).
    pub code: &'static str,
}

/// The verdict for one account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    /// The methods that get it in (empty: cannot log in).
    pub methods: Vec<Method>,
    /// Why it cannot log in at all (sshd or the account refuses every method).
    pub refused: Vec<Reason>,
    /// Why each missing method is missing.
    pub missing: Vec<Reason>,
    /// The password must be changed first: interactive logins ask for it, others fail.
    pub must_change: Option<Reason>,
}

impl Verdict {
    pub fn can(&self) -> bool {
        self.refused.is_empty() && !self.methods.is_empty()
    }

    /// The main reason it cannot log in, when it cannot.
    pub fn why(&self) -> Option<&Reason> {
        if self.can() { None } else { self.refused.first().or(self.missing.first()) }
    }
}

/// The login facts of the whole system.
#[derive(Debug, Clone)]
pub struct Login {
    pub accounts: Vec<AccountFacts>,
    /// Login-capable accounts beyond [`MAX_ACCOUNTS`], not examined.
    pub not_examined: usize,
    /// A nologin file that exists.
    pub nologin: Option<String>,
    pub root_in_passwd: bool,
    /// `None` when /etc/shadow does not exist or could not be read.
    pub root_in_shadow: Option<bool>,
    pub shadow_note: Option<String>,
    /// The address evaluated.
    pub from: String,
    /// sshd is running here (live) or the examined system is an image (`--root`): a lockout
    /// then is one.
    pub serving: bool,
    /// Accounts also come from a directory service (`passwd:` in /etc/nsswitch.conf names sss,
    /// ldap, winbind, nis ...): they are not examined, so a lockout of the local ones is not
    /// certain. The source names, e.g. `sss`.
    pub remote_accounts: Option<String>,
    /// How the settings were obtained (`sshd -T -C ...` or `sshd_config`) and notes.
    pub source: String,
    pub notes: Vec<String>,
    /// /etc/ssh/sshd_config exists.
    pub sshd_installed: bool,
    /// A `--root` tree without programs (a copy of /etc): shells, homes and keys not judged.
    pub partial: bool,
}

fn shell_state(host: &crate::host::Host, shell: &str) -> Shell {
    match std::fs::metadata(host.path(shell)) {
        Err(_) => Shell::Missing,
        Ok(m) if !m.is_file() || m.permissions().mode() & 0o111 == 0 => {
            Shell::NotExecutable(format!("{shell}: mode {:04o}", m.permissions().mode() & 0o7777))
        }
        Ok(_) => Shell::Ok,
    }
}

/// Whether an sshd process runs here (the live system's process table).
fn sshd_running(ctx: &ProbeContext) -> bool {
    ctx.processes().is_ok_and(|t| t.procs.iter().any(|p| p.comm == "sshd" || p.comm.starts_with("sshd-")))
}

/// Reads everything and evaluates every account. Cached per run by [`ProbeContext::login`].
pub fn scan(ctx: &ProbeContext) -> Result<Login, ProbeError> {
    let host = &ctx.host;
    let (settings, sshd_installed) = match sshd_config::read_settings(host, SSHD_CONFIG) {
        Ok(s) => (s, true),
        // The account checks still apply; the matrix says sshd is not installed.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (sshd_config::Settings::default(), false),
        Err(e) => return Err(ProbeError::io(SSHD_CONFIG, &e)),
    };
    let (accounts, _) = passwd::read_accounts(host).map_err(|e| ProbeError::io("/etc/passwd", &e))?;
    let (shadow, shadow_note) = match shadow::read_shadow(host) {
        Ok(s) => (s, None),
        Err(e) => (None, Some(format!("/etc/shadow: {e}"))),
    };
    let ids = Names::load(host);
    let su = Superuser::of(host);
    let shells: Option<Vec<String>> = host
        .read_optional("/etc/shells")
        .ok()
        .flatten()
        .map(|f| f.text.lines().map(str::trim).filter(|l| l.starts_with('/')).map(str::to_string).collect());
    let nologin = NOLOGIN_FILES.iter().find(|p| host.path(p).exists()).map(|p| p.to_string());
    let today = shadow::today();
    // A `--root` tree without programs is a copy of the configuration only: shells and home
    // directories are not there to be judged.
    let partial = !host.is_live() && !host.path("/usr/bin").is_dir() && !host.path("/bin").is_dir();
    let from = ctx.login.from.clone().unwrap_or_else(|| DEFAULT_FROM.to_string());
    let capable: Vec<&Account> = accounts.iter().filter(|a| a.login || a.uid == 0).collect();
    let mut out = Vec::new();
    let mut sources = Vec::new();
    let mut notes = Vec::new();
    for a in capable.iter().take(MAX_ACCOUNTS) {
        let mut gids = vec![a.gid];
        gids.extend(ids.members.iter().filter(|(_, m)| m.iter().any(|x| x == &a.name)).map(|(g, _)| *g));
        gids.sort_unstable();
        gids.dedup();
        let groups: Vec<String> = gids.iter().map(|g| ids.group(*g)).collect();
        let conn = Conn { user: a.name.clone(), groups: groups.clone(), host: from.clone(), addr: from.clone() };
        let eff = sshd_effective::effective(ctx, SSHD_CONFIG, &settings, &conn);
        if sources.is_empty() {
            sources.push(eff.by.clone());
        }
        if let Some(n) = &eff.note
            && !notes.contains(n)
        {
            notes.push(n.clone());
        }
        let shell_path = if a.shell.is_empty() { "/bin/sh".to_string() } else { a.shell.clone() };
        let shell = if partial { Shell::Unknown } else { shell_state(host, &shell_path) };
        let in_shells = shells.as_ref().map(|s| s.contains(&shell_path));
        let home_exists = partial || (!a.home.is_empty() && host.path(&a.home).is_dir());
        let sh = shadow.as_ref().and_then(|m| m.get(&a.name)).cloned();
        let ageing = sh.as_ref().map(|s| s.ageing(today)).unwrap_or_default();
        let patterns: Vec<String> = eff.values.get("authorizedkeysfile").cloned().unwrap_or_else(|| {
            sshd_effective::DEFAULTS
                .iter()
                .find(|(k, _)| *k == "authorizedkeysfile")
                .map(|(_, v)| v.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default()
        });
        let owner = Owner { user: &a.name, uid: a.uid, gids: &gids, home: &a.home };
        let key_files: Vec<KeyFile> = ssh_keys::key_paths(&patterns, &a.name, a.uid, &a.home)
            .iter()
            .map(|p| ssh_keys::examine(host, p, &owner, &su, &ids))
            .collect();
        let mut facts = AccountFacts {
            account: (*a).clone(),
            groups,
            gids,
            shadow: sh,
            ageing,
            shell_path,
            shell,
            in_shells,
            home_exists,
            eff,
            key_files,
            blockers: Vec::new(),
            verdict: Verdict::default(),
        };
        for source in BLOCKER_SOURCES {
            let found = source(ctx, &facts);
            facts.blockers.extend(found);
        }
        facts.verdict = evaluate(&facts, nologin.as_deref(), shadow.is_some(), &from);
        if partial && facts.verdict.missing.first().is_some_and(|r| r.code == "keys-none") {
            // No home directories in the tree: the keys are not there to be seen, not missing.
            facts.verdict.missing.remove(0);
            if facts.verdict.refused.is_empty() && !facts.verdict.methods.contains(&Method::Key) {
                facts.verdict.methods.insert(0, Method::Key);
            }
        }
        out.push(facts);
    }
    let serving = !host.is_live() || sshd_running(ctx);
    let remote_accounts = host.read_optional("/etc/nsswitch.conf").ok().flatten().and_then(|f| remote_sources(&f.text));
    Ok(Login {
        not_examined: capable.len().saturating_sub(MAX_ACCOUNTS),
        accounts: out,
        nologin,
        root_in_passwd: accounts.iter().any(|a| a.name == "root" && a.uid == 0),
        root_in_shadow: shadow.as_ref().map(|s| s.contains_key("root")),
        shadow_note,
        from,
        serving,
        remote_accounts,
        source: sources.first().cloned().unwrap_or_else(|| "sshd_config".into()),
        notes,
        sshd_installed,
        partial,
    })
}

/// The account sources of the `passwd:` line of nsswitch.conf other than local files.
pub fn remote_sources(nsswitch: &str) -> Option<String> {
    const LOCAL: &[&str] = &["files", "compat", "systemd", "altfiles", "cache", "usrfiles"];
    let line = nsswitch.lines().map(str::trim).find(|l| l.starts_with("passwd:"))?;
    let remote: Vec<&str> =
        line["passwd:".len()..].split_whitespace().filter(|w| !w.starts_with('[') && !LOCAL.contains(w)).collect();
    (!remote.is_empty()).then(|| remote.join(" "))
}

fn reason(said: Said, code: &'static str, evidence: Vec<String>) -> Reason {
    Reason { said, evidence, code }
}

/// The verdict for one account, in the order sshd decides.
pub fn evaluate(f: &AccountFacts, nologin: Option<&str>, shadow_known: bool, from: &str) -> Verdict {
    let a = &f.account;
    let eff = &f.eff;
    let conn = Conn { user: a.name.clone(), groups: f.groups.clone(), host: from.into(), addr: from.into() };
    let mut v = Verdict::default();
    let loc = a.loc.clone();
    // sshd's allowed_user(): DenyUsers, AllowUsers, DenyGroups, AllowGroups, in that order.
    if let Some(e) = sshd_effective::user_entry(eff.list("denyusers"), &conn) {
        v.refused.push(reason(
            Said::new(Msg::LoginWhyDenyUsers).arg("entry", e),
            "denyusers",
            vec![eff.where_set("denyusers")],
        ));
    }
    let allow = eff.list("allowusers");
    if !allow.is_empty() && sshd_effective::user_entry(allow, &conn).is_none() {
        v.refused.push(reason(
            Said::new(Msg::LoginWhyNotAllowUsers).arg("list", allow.join(" ")),
            "allowusers",
            vec![eff.where_set("allowusers")],
        ));
    }
    let deny_g = eff.list("denygroups");
    if let Some(g) = f.groups.iter().find(|g| deny_g.iter().any(|p| sshd_effective::wildcard(p, g))) {
        v.refused.push(reason(
            Said::new(Msg::LoginWhyDenyGroups).arg("group", g),
            "denygroups",
            vec![eff.where_set("denygroups")],
        ));
    }
    let allow_g = eff.list("allowgroups");
    if !allow_g.is_empty() && !f.groups.iter().any(|g| allow_g.iter().any(|p| sshd_effective::wildcard(p, g))) {
        v.refused.push(reason(
            Said::new(Msg::LoginWhyNotAllowGroups).arg("list", allow_g.join(" ")).arg("groups", f.groups.join(" ")),
            "allowgroups",
            vec![eff.where_set("allowgroups")],
        ));
    }
    match &f.shell {
        Shell::Ok | Shell::Unknown => {}
        Shell::Missing => v.refused.push(reason(
            Said::new(Msg::LoginWhyShellMissing).arg("shell", &f.shell_path),
            "shell-missing",
            vec![loc.clone()],
        )),
        Shell::NotExecutable(line) => v.refused.push(reason(
            Said::new(Msg::LoginWhyShellNotExecutable).arg("shell", &f.shell_path),
            "shell-not-executable",
            vec![loc.clone(), line.clone()],
        )),
    }
    if a.uid == 0 && eff.get("permitrootlogin") == "no" {
        v.refused.push(reason(
            Said::new(Msg::LoginWhyRootNo),
            "permitrootlogin",
            vec![eff.where_set("permitrootlogin")],
        ));
    }
    let shadow_loc = || f.shadow.as_ref().map(|s| vec![s.loc.clone()]).unwrap_or_default();
    if f.ageing.account_expired {
        let day = f.shadow.as_ref().and_then(|s| s.expire).unwrap_or(0);
        v.refused.push(reason(
            Said::new(Msg::LoginWhyAccountExpired).arg("date", shadow::day_str(day)),
            "account-expired",
            shadow_loc(),
        ));
    } else if f.ageing.inactive {
        v.refused.push(reason(Said::new(Msg::LoginWhyInactive), "password-inactive", shadow_loc()));
    } else if f.ageing.password_expired || f.ageing.must_change {
        let msg = if f.ageing.must_change { Msg::LoginWhyMustChange } else { Msg::LoginWhyPasswordExpired };
        v.must_change = Some(reason(Said::new(msg), "password-expired", shadow_loc()));
    }
    if let Some(path) = nologin
        && a.uid != 0
    {
        v.refused.push(reason(Said::new(Msg::LoginWhyNologin).arg("path", path), "nologin", vec![path.to_string()]));
    }
    for b in f.blockers.iter().filter(|b| !b.passwords_only) {
        v.refused.push(reason(b.reason.clone(), "blocker", b.evidence.clone()));
    }
    // The methods left.
    let root_rule = if a.uid == 0 { eff.get("permitrootlogin").to_string() } else { "yes".into() };
    let strict = eff.yes("strictmodes");
    let mut key_ok = false;
    if !eff.yes("pubkeyauthentication") {
        v.missing.push(reason(
            Said::new(Msg::LoginNoPubkey),
            "pubkey-off",
            vec![eff.where_set("pubkeyauthentication")],
        ));
    } else if eff.get("authorizedkeyscommand") != "none" && !eff.get("authorizedkeyscommand").is_empty() {
        key_ok = true; // keys come from a program we do not run
    } else {
        let usable: usize = f.key_files.iter().map(|k| k.usable(strict)).sum();
        if usable > 0 {
            key_ok = true;
        } else {
            v.missing.push(key_problem(f, strict));
        }
    }
    if key_ok && root_rule == "forced-commands-only" {
        // Only keys with command="..." work: we count it as a key login.
    }
    let mut pw_ok = false;
    let uses_pam = eff.yes("usepam");
    let pw_on = eff.yes("passwordauthentication") || (uses_pam && eff.yes("kbdinteractiveauthentication"));
    let password = f.shadow.as_ref().map(|s| s.password());
    if !pw_on {
        v.missing.push(reason(
            Said::new(Msg::LoginNoPasswordAuth),
            "password-off",
            vec![eff.where_set("passwordauthentication"), eff.where_set("kbdinteractiveauthentication")],
        ));
    } else if a.uid == 0 && root_rule != "yes" {
        v.missing.push(reason(
            Said::new(Msg::LoginRootKeysOnly).arg("value", &root_rule),
            "root-keys-only",
            vec![eff.where_set("permitrootlogin")],
        ));
    } else if let Some(b) = f.blockers.iter().find(|b| b.passwords_only) {
        v.missing.push(reason(b.reason.clone(), "blocker", b.evidence.clone()));
    } else {
        match password {
            Some(Password::Usable) => pw_ok = true,
            Some(Password::Empty) if eff.yes("permitemptypasswords") => pw_ok = true,
            Some(Password::Empty) => {
                v.missing.push(reason(Said::new(Msg::LoginPasswordEmpty), "password-empty", shadow_loc()))
            }
            Some(Password::Locked) => {
                v.missing.push(reason(Said::new(Msg::LoginPasswordLocked), "password-locked", shadow_loc()))
            }
            Some(Password::NoPassword) => {
                v.missing.push(reason(Said::new(Msg::LoginPasswordNone), "password-none", shadow_loc()))
            }
            None if !shadow_known => pw_ok = true, // not seen: not judged as missing
            None => v.missing.push(reason(Said::new(Msg::LoginPasswordNone), "password-none", vec![loc.clone()])),
        }
    }
    // Without PAM, sshd itself refuses a locked account whatever the method.
    if !uses_pam && password == Some(Password::Locked) {
        v.refused.push(reason(Said::new(Msg::LoginPasswordLocked), "password-locked", shadow_loc()));
    }
    let mut methods = Vec::new();
    if key_ok {
        methods.push(Method::Key);
    }
    if pw_ok {
        methods.push(Method::Password);
    }
    // AuthenticationMethods: some list must be made entirely of methods it has.
    let lists = eff.values.get("authenticationmethods").cloned().unwrap_or_default();
    if !lists.is_empty() && !lists.iter().any(|l| l == "any") {
        let has = |m: &str| methods.iter().any(|x| x.sshd_name().iter().any(|n| m.starts_with(n)));
        let ok = lists.iter().any(|l| l.split(',').all(has));
        if !ok && !methods.is_empty() {
            v.missing.insert(
                0,
                reason(
                    Said::new(Msg::LoginAuthMethods).arg("value", lists.join(" ")),
                    "authenticationmethods",
                    vec![eff.where_set("authenticationmethods")],
                ),
            );
            methods.clear();
        }
    }
    v.methods = methods;
    v
}

/// Why no key works, from the key files.
fn key_problem(f: &AccountFacts, strict: bool) -> Reason {
    let existing: Vec<&KeyFile> = f.key_files.iter().filter(|k| k.exists).collect();
    if let Some(k) = existing.iter().find(|k| k.unreadable.is_some()) {
        let mut ev = k.evidence.clone();
        ev.extend(k.unreadable.clone());
        return reason(Said::new(Msg::LoginKeysUnreadable).arg("path", &k.path), "keys-unreadable", ev);
    }
    if strict && let Some(k) = existing.iter().find(|k| k.bad_modes.is_some()) {
        let bad = k.bad_modes.clone().unwrap_or_default();
        let mut ev = k.evidence.clone();
        ev.push(format!("StrictModes yes: {bad}"));
        let at = bad.split(':').next().unwrap_or("").to_string();
        return reason(Said::new(Msg::LoginKeysBadModes).arg("path", &k.path).arg("at", at), "keys-modes", ev);
    }
    if let Some(k) = existing.iter().find(|k| !k.lines.broken.is_empty() || !k.lines.crlf.is_empty()) {
        let mut ev = k.evidence.clone();
        ev.extend(k.lines.broken.iter().map(|(n, why)| format!("{}:{n}: {why}", k.path)));
        return reason(Said::new(Msg::LoginKeysNoValid).arg("path", &k.path), "keys-invalid", ev);
    }
    if let Some(k) = existing.first() {
        return reason(Said::new(Msg::LoginKeysEmpty).arg("path", &k.path), "keys-empty", k.evidence.clone());
    }
    let paths: Vec<&str> = f.key_files.iter().map(|k| k.path.as_str()).collect();
    let path = paths.first().copied().unwrap_or("~/.ssh/authorized_keys");
    reason(Said::new(Msg::LoginKeysNone).arg("path", path), "keys-none", vec![f.eff.where_set("authorizedkeysfile")])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn facts(name: &str, uid: u32, hash: &str, keys: usize, settings: &[(&str, &str)]) -> AccountFacts {
        let mut values = BTreeMap::new();
        for (k, v) in settings {
            values.insert(k.to_string(), v.split_whitespace().map(str::to_string).collect());
        }
        let shadow = shadow::parse_shadow(&format!("{name}:{hash}:19000:0:99999:7:::")).remove(name);
        let mut kf =
            KeyFile { path: format!("/home/{name}/.ssh/authorized_keys"), exists: keys > 0, ..Default::default() };
        kf.lines.valid = keys;
        AccountFacts {
            account: Account {
                name: name.into(),
                uid,
                gid: uid,
                home: format!("/home/{name}"),
                shell: "/bin/bash".into(),
                login: true,
                loc: format!("/etc/passwd:1: {name}"),
            },
            groups: vec![name.into()],
            gids: vec![uid],
            ageing: shadow.as_ref().map(|s| s.ageing(20_000)).unwrap_or_default(),
            shadow,
            shell_path: "/bin/bash".into(),
            shell: Shell::Ok,
            in_shells: Some(true),
            home_exists: true,
            eff: Effective { values, ..Default::default() },
            key_files: vec![kf],
            blockers: Vec::new(),
            verdict: Verdict::default(),
        }
    }

    const HASH: &str = "$6$salt$abcdefghijklmnopq";

    #[test]
    fn methods_and_refusals() {
        let v = |f: &AccountFacts| evaluate(f, None, true, DEFAULT_FROM);
        let ok = v(&facts("ops", 1000, HASH, 1, &[("usepam", "yes")]));
        assert_eq!(ok.methods, vec![Method::Key, Method::Password]);
        assert!(ok.can());
        let f = facts("ops", 1000, HASH, 1, &[("allowusers", "admin deploy@10.0.0.0/8")]);
        let r = v(&f);
        assert!(!r.can());
        assert_eq!(r.why().map(|x| x.code), Some("allowusers"));
        let r = v(&facts("root", 0, HASH, 0, &[("permitrootlogin", "no")]));
        assert_eq!(r.why().map(|x| x.code), Some("permitrootlogin"));
        // prohibit-password (the default) with no key: nothing left.
        let r = v(&facts("root", 0, HASH, 0, &[]));
        assert!(!r.can());
        assert_eq!(r.missing.iter().map(|m| m.code).collect::<Vec<_>>(), ["keys-none", "root-keys-only"]);
        // No key and passwords off.
        let r = v(&facts(
            "ops",
            1000,
            HASH,
            0,
            &[("passwordauthentication", "no"), ("kbdinteractiveauthentication", "no")],
        ));
        assert!(!r.can());
        assert_eq!(r.why().map(|x| x.code), Some("keys-none"));
        // Locked: keys still work with PAM, nothing works without.
        let locked = format!("!{HASH}");
        assert_eq!(v(&facts("ops", 1000, &locked, 1, &[("usepam", "yes")])).methods, vec![Method::Key]);
        assert!(!v(&facts("ops", 1000, &locked, 1, &[("usepam", "no")])).can());
        // AuthenticationMethods needing both.
        let r = v(&facts("ops", 1000, "*", 1, &[("authenticationmethods", "publickey,password")]));
        assert_eq!(r.why().map(|x| x.code), Some("authenticationmethods"));
        // nologin spares root only.
        let f = facts("ops", 1000, HASH, 1, &[]);
        assert_eq!(evaluate(&f, Some("/etc/nologin"), true, DEFAULT_FROM).why().map(|x| x.code), Some("nologin"));
        let f = facts("root", 0, HASH, 1, &[]);
        assert!(evaluate(&f, Some("/etc/nologin"), true, DEFAULT_FROM).can());
    }

    #[test]
    fn deny_and_group_rules_in_sshd_order() {
        let v = |f: &AccountFacts| evaluate(f, None, true, DEFAULT_FROM);
        let r = v(&facts("ops", 1000, HASH, 1, &[("denyusers", "guest o*")]));
        assert_eq!(r.why().map(|x| x.code), Some("denyusers"));
        let mut f = facts("ops", 1000, HASH, 1, &[("allowgroups", "wheel admins")]);
        assert_eq!(v(&f).why().map(|x| x.code), Some("allowgroups"));
        f.groups.push("wheel".into());
        assert!(v(&f).can(), "a supplementary group counts");
        let mut f = facts("ops", 1000, HASH, 1, &[("denygroups", "contractors")]);
        assert!(v(&f).can());
        f.groups.push("contractors".into());
        assert_eq!(v(&f).why().map(|x| x.code), Some("denygroups"));
        // user@host: only from the office network.
        let f = facts("ops", 1000, HASH, 1, &[("allowusers", "ops@10.0.0.0/8")]);
        assert_eq!(v(&f).why().map(|x| x.code), Some("allowusers"));
        assert!(evaluate(&f, None, true, "10.1.2.3").can());
        // Keys off and no password: nothing left.
        let r = v(&facts("ops", 1000, "*", 1, &[("pubkeyauthentication", "no")]));
        assert_eq!(r.missing.iter().map(|m| m.code).collect::<Vec<_>>(), ["pubkey-off", "password-none"]);
        // Keyboard-interactive through PAM is a password method too.
        let r = v(&facts("ops", 1000, HASH, 0, &[("passwordauthentication", "no"), ("usepam", "yes")]));
        assert_eq!(r.methods, vec![Method::Password]);
    }

    #[test]
    fn directory_services_are_named() {
        assert_eq!(remote_sources("# x\npasswd:         files systemd\ngroup: files\n"), None);
        assert_eq!(remote_sources("passwd: files sss [NOTFOUND=return] ldap\n").as_deref(), Some("sss ldap"));
        assert_eq!(remote_sources("group: files\n"), None);
    }

    #[test]
    fn blockers_from_other_checks_refuse() {
        let mut f = facts("ops", 1000, HASH, 1, &[]);
        f.blockers.push(Blocker {
            check: "sec.pam.example",
            reason: Said::new(Msg::ValItems).arg("items", "pam says no"),
            evidence: vec![],
            passwords_only: false,
        });
        let r = evaluate(&f, None, true, DEFAULT_FROM);
        assert_eq!(r.why().map(|x| x.code), Some("blocker"));
    }
}
