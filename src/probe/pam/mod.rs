//! PAM, as sshd's logins go through it: the sshd stack ([`stack`]), its modules present or not
//! ([`pam_modules`]), accounts pam_faillock or pam_tally2 lock now ([`pam_lockout`], parsing in
//! [`lockout`]), rules that shut an account out ([`pam_rules`], parsing in [`rules`]) and
//! pam_limits values that close every session ([`pam_limits`], parsing in [`limits`]).
//!
//! What locks or shuts out an account is also offered per account ([`login_blockers`]) for the
//! login matrix.

pub mod limits;
pub mod lockout;
pub mod rules;
pub mod stack;

use crate::host::Host;
use crate::i18n::{Msg, Said};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};

/// The PAM service sshd uses.
pub const SERVICE: &str = "sshd";

/// Text from the examined system made inert ([`crate::fmt::inert`], the shared sanitizer:
/// control characters and bidi overrides shown visibly), so a crafted file or log line cannot
/// drive the terminal.
pub fn printable(s: &str) -> String {
    crate::fmt::inert(s).into_owned()
}

/// The sshd stack, or `skipped` when the system has none. Checks take it from
/// [`ProbeContext::sshd_pam_stack`], read once per run.
pub(crate) fn sshd_stack(host: &Host) -> Result<stack::Stack, ProbeError> {
    let path = format!("/etc/pam.d/{SERVICE}");
    match stack::read(host, SERVICE) {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(ProbeError::Skipped(Said::new(Msg::SkipFileMissing).arg("path", &path))),
        Err(e) => Err(ProbeError::io(&path, &e)),
    }
}

/// What PAM refuses to one account, for the login matrix ([`crate::probe::ssh::login`]): a lock
/// by pam_faillock or pam_tally2 (password logins; a key still works) and the pam_succeed_if,
/// pam_listfile and pam_access rules that shut it out (every login in the account stack,
/// password logins in the auth stack). One of the matrix's [`BLOCKER_SOURCES`].
///
/// [`BLOCKER_SOURCES`]: crate::probe::ssh::login::BLOCKER_SOURCES
pub fn login_blockers(
    ctx: &ProbeContext,
    facts: &crate::probe::ssh::login::AccountFacts,
) -> Vec<crate::probe::ssh::login::Blocker> {
    use crate::probe::ssh::login::Blocker as LoginBlocker;
    let host = &ctx.host;
    let user = &facts.account.name;
    let Ok(st) = ctx.sshd_pam_stack() else { return Vec::new() };
    let mut out = Vec::new();
    let mech = lockout::mechanisms(host, &st);
    if mech.faillock.is_some() || mech.tally2.is_some() {
        let uids = vec![(user.clone(), facts.account.uid)];
        for l in lockout::locks(host, &mech, &uids, now()).0.into_iter().filter(|l| &l.user == user) {
            let reason = match l.unlock_at {
                Some(t) => Said::new(Msg::PamBlockerLockedUntil).arg("until", lockout::show(t)),
                None => Said::new(Msg::PamBlockerLockedForever),
            }
            .arg("module", l.module)
            .arg("failures", l.failures);
            out.push(LoginBlocker {
                check: "sec.pam.lockout",
                reason,
                evidence: l.evidence.iter().map(|e| printable(e)).collect(),
                passwords_only: true,
            });
        }
    }
    let names = crate::host::fsmeta::Names::load(host);
    for e in rules::exclusions(host, &st, std::slice::from_ref(&facts.account), &names) {
        out.push(LoginBlocker {
            check: "sec.pam.rules",
            reason: Said::new(Msg::PamBlockerRule)
                .arg("module", &e.module)
                .arg("group", e.kind.name())
                .arg("rule", printable(&e.rule)),
            evidence: e.evidence.iter().map(|l| printable(l)).collect(),
            passwords_only: e.kind == stack::Kind::Auth,
        });
    }
    if let Ok(Some(m)) = limits_conf_missing(host, &st)
        && m.fails_sessions()
    {
        out.push(LoginBlocker {
            check: "sec.pam.limits",
            reason: Said::new(Msg::PamBlockerLimitsConf).arg("path", printable(&m.path)),
            evidence: m.evidence(),
            passwords_only: false,
        });
    }
    out
}

/// pam_limits' settings file missing, as the sshd session stack meets it (see [`limits`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LimitsConfMissing {
    /// The file: /etc/security/limits.conf, or the `conf=` argument's.
    pub path: String,
    /// Where a dangling link at `path` points (pam_limits follows it and finds nothing).
    pub link_to: Option<String>,
    /// The pam_limits line that meets it: the first whose failure fails the session, else the
    /// first (`optional`: the session opens, without any limit).
    pub line: stack::Line,
}

impl LimitsConfMissing {
    /// Whether the failing pam_limits fails the session (`required`, `requisite`, a bracket
    /// that makes an error fatal) rather than being passed over (`optional`, `sufficient`).
    pub fn fails_sessions(&self) -> bool {
        self.line.control.fails_on("service_err")
    }

    /// The file as found (missing, or a link to nothing) and the stack's line, printable.
    pub fn evidence(&self) -> Vec<String> {
        let file = match &self.link_to {
            Some(to) => format!("{}: missing (a link to {to}, which does not exist)", self.path),
            None => format!("{}: missing", self.path),
        };
        vec![printable(&file), printable(&self.line.evidence())]
    }
}

/// pam_limits' settings file when it is missing while the sshd session stack runs pam_limits:
/// pam_limits cannot read its settings and returns an error for every session, root's too, so
/// the session fails where its line's control makes that error fatal (see [`limits`]). `None`
/// when the file is there (or, without `conf=`, a vendor copy stands in for it) or no
/// pam_limits runs in the session stack.
pub fn limits_conf_missing(host: &Host, st: &stack::Stack) -> std::io::Result<Option<LimitsConfMissing>> {
    let lines: Vec<&stack::Line> =
        st.lines.iter().filter(|l| l.kind == stack::Kind::Session && l.module_name() == "pam_limits.so").collect();
    let Some(first) = lines.first() else { return Ok(None) };
    let conf = first.arg("conf");
    let path = conf.unwrap_or(limits::CONF);
    // pam_limits opens the file (following links): only its absence counts, not its content.
    match std::fs::metadata(host.path(path)) {
        Ok(_) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    if conf.is_none() && host.path(limits::VENDOR_CONF).is_file() {
        return Ok(None);
    }
    let link_to = std::fs::read_link(host.path(path)).ok().map(|t| t.to_string_lossy().into_owned());
    let line = lines.iter().find(|l| l.control.fails_on("service_err")).unwrap_or(first);
    Ok(Some(LimitsConfMissing { path: path.to_string(), link_to, line: (*line).clone() }))
}

fn now() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_second()).unwrap_or(0)
}

/// `sec.pam.modules`: every module line of the sshd stack whose module is not installed.
pub mod pam_modules {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Params {}

    pub const FIELDS: &[Field] = &[
        Field::text("kind", "missing (a module line), unreadable (a line PAM cannot read) or stack"),
        Field::text("group", "the line's management group: auth, account, session, password"),
        Field::text("control", "the line's control: required, requisite, sufficient, optional, [...]"),
        Field::text("module", "the module as the line names it"),
        Field::text("line", "the line, as file:number: text"),
        Field::flag("refuses", "the line fails the stack when its module cannot be loaded"),
        Field::num("lines", "", "module lines of the stack, includes followed"),
        Field::num("modules", "", "different modules named"),
        Field::text("module_dirs", "the module directories found"),
        Field::num("problems", "", "lines PAM cannot read"),
        Field::text("stack", "the file the stack starts in"),
    ];

    pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
        let st = ctx.sshd_pam_stack()?;
        let dirs = stack::module_dirs(&ctx.host);
        let mut items = Vec::new();
        let mut modules = std::collections::BTreeSet::new();
        // Each module is looked up once: a stack names the same few modules on many lines.
        let mut found: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
        if !dirs.is_empty() {
            for l in &st.lines {
                modules.insert(l.module.clone());
                let there = *found
                    .entry(l.module.as_str())
                    .or_insert_with(|| stack::find_module(&ctx.host, &dirs, &l.module).is_some());
                if there {
                    continue;
                }
                let refuses = !l.quiet_missing && l.control.fails_on("module_unknown");
                if l.quiet_missing {
                    continue; // `-type`: skipped silently by design
                }
                items.push(
                    Observation::new(printable(&l.module))
                        .text("kind", "missing")
                        .text("group", l.kind.name())
                        .text("control", l.control.text())
                        .text("module", printable(&l.module))
                        .text("line", printable(&l.loc))
                        .flag("refuses", refuses)
                        .evidence(printable(&l.evidence()))
                        .evidence(format!("not found in {}", dirs.join(", "))),
                );
            }
        }
        for p in &st.problems {
            items.push(
                Observation::new(printable(p.split(": ").next().unwrap_or(p)))
                    .text("kind", "unreadable")
                    .text("line", printable(p))
                    .flag("refuses", false)
                    .evidence(printable(p)),
            );
        }
        let mut scope = Observation::new(&st.file)
            .num("lines", st.lines.len() as f64)
            .num("modules", modules.len() as f64)
            .num("problems", st.problems.len() as f64)
            .text("stack", &st.file)
            .text("kind", "stack");
        scope = if dirs.is_empty() {
            scope.word("module_dirs", Said::new(Msg::ValNone))
        } else {
            scope.text("module_dirs", dirs.join(", "))
        };
        items.insert(0, scope);
        Ok(Observations::of(items))
    }
}

/// `sec.pam.lockout`: accounts pam_faillock or pam_tally2 lock right now.
pub mod pam_lockout {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Params {}

    pub const FIELDS: &[Field] = &[
        Field::flag("locked", "the account is locked now"),
        Field::text("module", "pam_faillock or pam_tally2"),
        Field::num("failures", "", "failures counted toward the lock"),
        Field::num("deny", "", "failures that lock the account"),
        Field::text("unlock_at", "when the lock ends by itself"),
        Field::flag("permanent", "only an administrator ends the lock (unlock_time 0 or never)"),
        Field::text("last_source", "where the last failure came from (host or tty)"),
        Field::text("last_failure", "the last failure's time"),
        Field::text("mechanism", "the lockout modules of the auth stack and their settings"),
        Field::num("tallies", "", "accounts with recorded failures"),
        Field::num("locked_accounts", "", "accounts locked now"),
        Field::text("stack", "the file the stack starts in"),
    ];

    pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
        let st = ctx.sshd_pam_stack()?;
        let accounts = crate::probe::accounts::passwd::read_accounts(&ctx.host).map(|(a, _)| a).unwrap_or_default();
        let uids: Vec<(String, u32)> = accounts.iter().map(|a| (a.name.clone(), a.uid)).collect();
        let mech = lockout::mechanisms(&ctx.host, &st);
        let (locks, tallies) = lockout::locks(&ctx.host, &mech, &uids, now());
        let mut mechanism = Vec::new();
        if let Some(f) = &mech.faillock {
            mechanism.push(format!("pam_faillock deny={} unlock_time={}", f.deny, f.unlock_time));
        }
        if let Some(t) = &mech.tally2 {
            mechanism.push(format!("pam_tally2 deny={} unlock_time={}", t.deny, t.unlock_time));
        }
        let mut scope = Observation::new(&st.file)
            .text("stack", &st.file)
            .num("tallies", tallies as f64)
            .num("locked_accounts", locks.len() as f64);
        scope = if mechanism.is_empty() {
            scope.word("mechanism", Said::new(Msg::ValNone))
        } else {
            scope.text("mechanism", mechanism.join(", "))
        };
        let mut items = vec![scope];
        for l in locks {
            let mut o = Observation::new(printable(&l.user))
                .flag("locked", true)
                .text("module", l.module)
                .num("failures", l.failures as f64)
                .num("deny", l.deny as f64)
                .flag("permanent", l.unlock_at.is_none())
                .text("unlock_at", l.unlock_at.map(lockout::show).unwrap_or_default())
                .text("last_source", if l.last_source.is_empty() { "-".to_string() } else { printable(&l.last_source) })
                .text("last_failure", lockout::show(l.last_failure))
                .since(Some(lockout::show(l.first_failure)));
            o.evidence = l.evidence.iter().map(|e| printable(e)).collect();
            items.push(o);
        }
        Ok(Observations::of(items))
    }
}

/// `sec.pam.rules`: login accounts that pam_succeed_if, pam_listfile or pam_access shut out.
pub mod pam_rules {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Params {}

    pub const FIELDS: &[Field] = &[
        Field::flag("excluded", "a rule shuts the account out"),
        Field::text("module", "pam_succeed_if, pam_listfile or pam_access"),
        Field::text("group", "the stack of the rule: auth (password logins) or account (every login)"),
        Field::text("rule", "the condition, list or access.conf line that refuses"),
        Field::num("accounts", "", "login accounts"),
        Field::num("excluded_accounts", "", "login accounts some rule shuts out"),
        Field::flag("all_excluded", "no login account is left"),
        Field::text("stack", "the file the stack starts in"),
    ];

    pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
        let st = ctx.sshd_pam_stack()?;
        let accounts = crate::probe::accounts::passwd::read_accounts(&ctx.host)
            .map(|(a, _)| a)
            .map_err(|e| ProbeError::io("/etc/passwd", &e))?;
        let names = crate::host::fsmeta::Names::load(&ctx.host);
        let ex = rules::exclusions(&ctx.host, &st, &accounts, &names);
        let login: Vec<&str> = accounts.iter().filter(|a| a.login || a.uid == 0).map(|a| a.name.as_str()).collect();
        let mut shut: Vec<&str> =
            ex.iter().filter(|e| e.kind == stack::Kind::Account).map(|e| e.user.as_str()).collect();
        shut.sort_unstable();
        shut.dedup();
        let mut any: Vec<&str> = ex.iter().map(|e| e.user.as_str()).collect();
        any.sort_unstable();
        any.dedup();
        let all = !login.is_empty() && login.iter().all(|u| shut.contains(u));
        let mut scope = Observation::new(&st.file)
            .text("stack", &st.file)
            .num("accounts", login.len() as f64)
            .num("excluded_accounts", any.len() as f64)
            .flag("all_excluded", all);
        if all {
            for e in &ex {
                for l in &e.evidence {
                    if !scope.evidence.contains(l) {
                        scope = scope.evidence(printable(l));
                    }
                }
            }
        }
        let mut items = vec![scope];
        for e in ex {
            let mut o = Observation::new(printable(&e.user))
                .flag("excluded", true)
                .text("module", e.module)
                .text("group", e.kind.name())
                .text("rule", printable(&e.rule));
            o.evidence = e.evidence.iter().map(|l| printable(l)).collect();
            items.push(o);
        }
        Ok(Observations::of(items))
    }
}

/// `sec.pam.limits`: pam_limits lines it cannot apply (sessions closed) or skips.
pub mod pam_limits {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
    #[serde(deny_unknown_fields)]
    pub struct Params {}

    pub const FIELDS: &[Field] = &[
        Field::text("kind", "nofile-above-nr-open, no-logins, malformed or conf-missing"),
        Field::text("domain", "whom the line applies to: a user, @group, * or a range"),
        Field::text("value", "the line's value"),
        Field::text("why", "what is wrong with the line"),
        Field::flag("refuses_sessions", "pam_limits refuses the sessions the line applies to"),
        Field::flag("not_applied", "the session opens without this limit"),
        Field::flag("skipped_line", "pam_limits cannot parse the line and skips it"),
        Field::num("nr_open", "", "the kernel's fs.nr_open"),
        Field::num("files", "", "limits files read"),
        Field::flag("in_stack", "pam_limits is in the sshd session stack"),
        Field::text("pam_limits", "where pam_limits.so is"),
        Field::text("control", "the control of the pam_limits line in the sshd session stack (conf-missing)"),
    ];

    const NR_OPEN: &str = "/proc/sys/fs/nr_open";

    pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
        let host = &ctx.host;
        let (nr_open, nr_note) = match host.read_line(NR_OPEN).and_then(|l| l.parse::<u64>().ok()) {
            Some(n) => (n, format!("{NR_OPEN}: {n}")),
            None => {
                (limits::DEFAULT_NR_OPEN, format!("fs.nr_open: {} (the kernel's default)", limits::DEFAULT_NR_OPEN))
            }
        };
        // pam_limits in the sshd session stack, and the file it reads (`conf=`).
        let st = ctx.sshd_pam_stack().unwrap_or_default();
        let first = st.lines.iter().find(|l| l.kind == stack::Kind::Session && l.module_name() == "pam_limits.so");
        let in_stack = first.is_some();
        let conf = first.and_then(|l| l.arg("conf")).map(str::to_string);
        // How this system's pam_limits meets an EPERM (see [`limits`]); unknown: as upstream's.
        let dirs = stack::module_dirs(host);
        let module = stack::find_module(host, &dirs, "pam_limits.so");
        let skips = module.as_ref().is_some_and(|m| {
            let mut bytes = Vec::new();
            std::fs::File::open(host.path(m))
                .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 4 << 20), &mut bytes))
                .is_ok()
                && limits::skips_eperm(&bytes)
        });
        let module_note = match &module {
            Some(m) if skips => {
                format!("{m}: skips a limit setrlimit refuses with EPERM and opens the session (Debian's patch)")
            }
            Some(m) => format!("{m}: refuses the session when setrlimit fails (upstream Linux-PAM)"),
            None => "pam_limits.so: not found; judged as upstream Linux-PAM (refuses the session)".to_string(),
        };
        let mut items = Vec::new();
        let main = conf.clone().unwrap_or_else(|| limits::CONF.to_string());
        if let Some(m) = limits_conf_missing(host, &st).map_err(|e| ProbeError::io(&main, &e))? {
            let fails = m.fails_sessions();
            let mut o = Observation::new(&m.path)
                .text("kind", "conf-missing")
                .text("control", m.line.control.text())
                .flag("refuses_sessions", fails)
                .flag("not_applied", !fails);
            o.evidence = m.evidence();
            items.push(o);
        }
        let mut read = Vec::new();
        for path in limits::files(host, conf.as_deref()) {
            let text = match host.read_optional(&path) {
                Ok(Some(f)) => f.text,
                Ok(None) => continue,
                Err(e) => return Err(ProbeError::io(&path, &e)),
            };
            read.push(path.clone());
            for p in limits::check(&path, &text, nr_open) {
                let nofile = p.kind == "nofile-above-nr-open";
                let refuses = p.kind == "no-logins" || (nofile && !skips);
                let mut o = Observation::new(&p.at)
                    .text("kind", p.kind)
                    .text("domain", printable(&p.domain))
                    .text("value", printable(&p.value))
                    .text("why", printable(&p.why))
                    .num("nr_open", nr_open as f64)
                    .flag("refuses_sessions", refuses)
                    .flag("not_applied", nofile && skips)
                    .flag("skipped_line", p.kind == "malformed")
                    .evidence(printable(&p.evidence));
                if nofile {
                    o = o.evidence(nr_note.clone()).evidence(module_note.clone());
                }
                items.push(o);
            }
        }
        if read.is_empty() && items.is_empty() {
            return Err(ProbeError::Skipped(Said::new(Msg::SkipFileMissing).arg("path", main)));
        }
        let scope = Observation::new(read.first().cloned().unwrap_or(main))
            .num("files", read.len() as f64)
            .num("nr_open", nr_open as f64)
            .flag("in_stack", in_stack)
            .text("pam_limits", module.unwrap_or_default())
            .evidence(nr_note)
            .evidence(module_note);
        items.insert(0, scope);
        Ok(Observations::of(items))
    }
}
