//! The SSH server's private host keys (`/etc/ssh/ssh_host_*_key`): who owns them and who else can
//! read or change them. Whoever reads a host key can impersonate the server to every client
//! (a silent man-in-the-middle); whoever writes one can replace it.
//!
//! The rule is sshd's own (`sshkey_perm_ok`): a key owned by root must have no group or other
//! bits at all, whatever its group (Debian's sshd refuses a 0640 `root:root` key: "bad
//! permissions", and starts without it). The one exception is RHEL's patch, which tolerates
//! group *read* for the group named `ssh_keys`: RHEL, CentOS and Alibaba Cloud Linux create keys
//! as 0640 root:ssh_keys for ssh-keysign, and calling that critical would be a false alarm on
//! every such machine (group write or execute is refused there too).

use crate::host::fsmeta::{self, Kind, Names, Superuser};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_dir")]
    pub dir: String,
}

fn default_dir() -> String {
    "/etc/ssh".into()
}

pub const FIELDS: &[Field] = &[
    Field::text("mode", "the key file's mode (octal)"),
    Field::text("owner", "its owner"),
    Field::text("group", "its group"),
    Field::flag("owner_ok", "1 when owned by root"),
    Field::flag("world_access", "1 when others can read or write it"),
    Field::flag("group_access", "1 when its group has any access (beyond ssh_keys reading it) and others none"),
    Field::num("key_count", "", "private host keys found"),
    Field::flag("symlink", "1 when the key is a symbolic link"),
];

/// The group RHEL's sshd lets read host keys (`getgrnam("ssh_keys")` in its `sshkey_perm_ok`).
const KEY_GROUPS: &[&str] = &["ssh_keys"];

/// The group bits sshd refuses on a key of this group: all of them, but read for `ssh_keys`.
pub fn refused_group_bits(mode: u32, group: &str) -> u32 {
    let tolerated = if KEY_GROUPS.contains(&group) { 0o040 } else { 0 };
    mode & 0o070 & !tolerated
}

fn is_private_key_name(name: &str) -> bool {
    name.strip_prefix("ssh_host_").and_then(|r| r.strip_suffix("_key")).is_some_and(|t| !t.is_empty())
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let dir = params.dir.trim_end_matches('/');
    match fsmeta::lstat(&ctx.host, dir) {
        Ok(m) if m.kind == Kind::Dir || m.kind == Kind::Symlink => {}
        Ok(_) | Err(_) => {
            return Err(ProbeError::Skipped(Said::new(Msg::SkipSshNotInstalled).arg("path", dir)));
        }
    }
    let names = ctx.host.list_dir(dir).map_err(|e| ProbeError::io(dir, &e))?;
    let keys: Vec<String> = names.into_iter().filter(|n| is_private_key_name(n)).collect();
    let su = Superuser::of(&ctx.host);
    let ids = Names::load(&ctx.host);
    let mut items = Vec::new();
    for name in &keys {
        let path = format!("{dir}/{name}");
        let Ok(link) = fsmeta::lstat(&ctx.host, &path) else { continue };
        // sshd follows a symlinked key; so do we, and say so.
        let m = if link.kind == Kind::Symlink { fsmeta::stat(&ctx.host, &path).unwrap_or(link) } else { link };
        let group = ids.group(m.gid);
        let mode = fsmeta::mode_str(m.mode);
        items.push(
            Observation::new(&path)
                .text("mode", &mode)
                .text("owner", ids.user(m.uid))
                .text("group", &group)
                .flag("owner_ok", su.owns(&m))
                .flag("world_access", m.mode & 0o007 != 0)
                // A key open to everyone is one finding (world), not two.
                .flag("group_access", refused_group_bits(m.mode, &group) != 0 && m.mode & 0o007 == 0)
                .flag("symlink", link.kind == Kind::Symlink)
                .num("key_count", keys.len() as f64)
                .evidence(format!("{path}: mode {mode}, owner {}:{group}", ids.user(m.uid))),
        );
    }
    if items.is_empty() {
        // No keys and no server configuration: the SSH client package alone made /etc/ssh.
        if fsmeta::lstat(&ctx.host, &format!("{dir}/sshd_config")).is_err() {
            return Err(ProbeError::Skipped(
                Said::new(Msg::SkipSshNotInstalled).arg("path", format!("{dir}/sshd_config")),
            ));
        }
        items.push(Observation::new(dir).num("key_count", 0.0));
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        assert!(is_private_key_name("ssh_host_ed25519_key"));
        assert!(!is_private_key_name("ssh_host_ed25519_key.pub"));
        assert!(!is_private_key_name("ssh_host__key"));
        assert!(!is_private_key_name("sshd_config"));
    }

    #[test]
    fn group_bits_as_sshd_judges_them() {
        assert_eq!(refused_group_bits(0o640, "root"), 0o040, "Debian's sshd refuses 0640 root:root");
        assert_eq!(refused_group_bits(0o640, "ssh_keys"), 0, "RHEL's tolerates ssh_keys reading it");
        assert_eq!(refused_group_bits(0o660, "ssh_keys"), 0o020, "but not writing it");
        assert_eq!(refused_group_bits(0o600, "adm"), 0);
    }
}
