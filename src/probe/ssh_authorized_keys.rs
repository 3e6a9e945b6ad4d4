//! Who can change the SSH keys that let each account in: for every account that can log in
//! (and root), the owner and mode of its home, `~/.ssh` and `~/.ssh/authorized_keys{,2}`.
//! Anyone who can write one of them can add a key and log in as that account; sshd's StrictModes
//! also refuses keys behind such permissions, which locks the owner out.
//!
//! Group write counts only when the group is not the account's own private group (the
//! user-private-group scheme of Debian and RHEL gives no one else that access).

use super::fsmeta::{self, Kind, Meta, Names, Superuser};
use super::passwd::{self, Account};
use super::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[&str] =
    &["user", "kind", "mode", "owner", "group", "owner_ok", "writable_by_others", "users", "files"];

/// sshd's default AuthorizedKeysFile.
const KEY_FILES: &[&str] = &[".ssh/authorized_keys", ".ssh/authorized_keys2"];

fn examine(
    path: &str,
    kind: &str,
    m: &Meta,
    account: &Account,
    su: &Superuser,
    ids: &Names,
    symlink: bool,
) -> Observation {
    let group = ids.group(m.gid);
    let group_write = m.mode & 0o020 != 0 && !su.group_is_root(m) && !ids.is_private_group(m.gid, &account.name);
    // A sticky directory (like /tmp) lets others create but not replace; not one of ours anyway.
    let others_write = m.mode & 0o002 != 0 && !(m.kind == Kind::Dir && m.mode & fsmeta::S_ISVTX != 0);
    let mode = fsmeta::mode_str(m.mode);
    let owner = ids.user(m.uid);
    let link = if symlink { " (a symlink; its target)" } else { "" };
    Observation::new(path)
        .text("user", &account.name)
        .text("kind", kind)
        .text("mode", &mode)
        .text("owner", &owner)
        .text("group", &group)
        .flag("owner_ok", m.uid == account.uid || su.owns(m))
        .flag("writable_by_others", group_write || others_write)
        .evidence(format!("{path}: mode {mode}, owner {owner}:{group}{link}"))
        .evidence(account.loc.clone())
}

/// `lstat`, following a symlink the way sshd does.
fn look(ctx: &ProbeContext, path: &str) -> Option<(Meta, bool)> {
    let m = fsmeta::lstat(&ctx.host, path).ok()?;
    if m.kind == Kind::Symlink { fsmeta::stat(&ctx.host, path).ok().map(|t| (t, true)) } else { Some((m, false)) }
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let (accounts, _) = passwd::read_accounts(&ctx.host).map_err(|e| ProbeError::io("/etc/passwd", &e))?;
    let su = Superuser::of(&ctx.host);
    let ids = Names::load(&ctx.host);
    let mut homes = BTreeSet::new();
    let mut items = Vec::new();
    let mut users = 0;
    for a in accounts.iter().filter(|a| a.login || a.uid == 0) {
        let home = a.home.trim_end_matches('/');
        if home.is_empty() || !home.starts_with('/') || !homes.insert(home.to_string()) {
            continue; // no home, or one already examined for an earlier account (toor shares /root)
        }
        users += 1;
        let ssh_dir = format!("{home}/.ssh");
        let Some((ssh_meta, ssh_link)) = look(ctx, &ssh_dir) else { continue };
        if let Some((m, link)) = look(ctx, home) {
            items.push(examine(home, "home", &m, a, &su, &ids, link));
        }
        items.push(examine(&ssh_dir, "ssh-dir", &ssh_meta, a, &su, &ids, ssh_link));
        for rel in KEY_FILES {
            let path = format!("{home}/{rel}");
            if let Some((m, link)) = look(ctx, &path) {
                items.push(examine(&path, "authorized-keys", &m, a, &su, &ids, link));
            }
        }
    }
    let scope = Observation::new("/etc/passwd").num("users", users as f64).num("files", items.len() as f64);
    items.insert(0, scope);
    Ok(Observations::of(items))
}
