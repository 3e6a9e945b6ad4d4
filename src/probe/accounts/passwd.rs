//! Local accounts from /etc/passwd: one observation per account, plus one for the file itself
//! that counts the lines no tool could parse.

use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("name", "the account name"),
    Field::num("uid", "", "the numeric user id"),
    Field::num("gid", "", "the primary group id"),
    Field::text("home", "the home directory"),
    Field::text("shell", "the login shell"),
    Field::flag("login_shell", "1 when the shell lets the account log in (not nologin or false)"),
    Field::num("invalid_lines", "", "lines of /etc/passwd that could not be parsed"),
    Field::flag("disabled", "1 when /etc/shadow says the account has expired: PAM refuses every login, keys included"),
];

const PATH: &str = "/etc/passwd";

/// One local account of /etc/passwd.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
    /// Whether the shell lets the account log in (not nologin, false or sync).
    pub login: bool,
    /// `/etc/passwd:N: line`, for evidence.
    pub loc: String,
}

/// The accounts of /etc/passwd, and the lines no tool could parse (as `file:line: text`).
/// NIS compat entries (`+`, `-`) are not local accounts and are left out.
pub fn read_accounts(host: &crate::host::Host) -> std::io::Result<(Vec<Account>, Vec<String>)> {
    let file = host.read(PATH)?;
    let mut accounts = Vec::new();
    let mut invalid = Vec::new();
    for (n, line) in file.text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let loc = format!("{PATH}:{}: {line}", n + 1);
        let f: Vec<&str> = line.split(':').collect();
        if f.first().is_some_and(|n| n.starts_with('+') || n.starts_with('-')) {
            continue;
        }
        let (Some(uid), Some(gid)) =
            (f.get(2).and_then(|v| v.parse::<u32>().ok()), f.get(3).and_then(|v| v.parse::<u32>().ok()))
        else {
            invalid.push(loc);
            continue;
        };
        if f.len() != 7 || f[0].is_empty() {
            invalid.push(loc);
            continue;
        }
        let shell = f[6];
        let login =
            !(shell.ends_with("/nologin") || shell.ends_with("/false") || shell.is_empty() || shell.ends_with("/sync"));
        accounts.push(Account {
            name: f[0].to_string(),
            uid,
            gid,
            home: f[5].to_string(),
            shell: shell.to_string(),
            login,
            loc,
        });
    }
    Ok((accounts, invalid))
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let (accounts, invalid) = read_accounts(&ctx.host).map_err(|e| ProbeError::io(PATH, &e))?;
    // An unreadable /etc/shadow (not root) disables nobody: the accounts are judged as they are.
    let shadow = super::shadow::read_shadow(&ctx.host).ok().flatten().unwrap_or_default();
    let today = super::shadow::today();
    let mut items: Vec<Observation> = accounts
        .into_iter()
        .map(|a| {
            let expired = shadow.get(&a.name).filter(|e| e.ageing(today).account_expired);
            let mut o = Observation::new(&a.name).flag("disabled", expired.is_some());
            if let Some(e) = expired {
                o = o.field_evidence("disabled", e.loc.clone());
            }
            o.text("name", &a.name)
                .num("uid", a.uid as f64)
                .num("gid", a.gid as f64)
                .text("home", a.home)
                .text("shell", a.shell)
                .flag("login_shell", a.login)
                .evidence(a.loc)
        })
        .collect();
    let mut file_obs = Observation::new(PATH).num("invalid_lines", invalid.len() as f64);
    for loc in invalid {
        file_obs = file_obs.evidence(loc);
    }
    items.push(file_obs);
    Ok(Observations::of(items))
}
