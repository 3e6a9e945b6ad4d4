//! Owner and mode of the files that define who may do what (passwd, shadow, group, gshadow,
//! sudoers, sshd_config), against the most permissive mode each may have. The check file lists
//! the files; a file that does not exist here is not judged (gshadow and sudoers are optional).
//!
//! Anyone who can write one of these files is root; anyone who can read shadow can crack its
//! hashes offline. Group access is fine for root's group and the groups the check file names
//! (`shadow` on Debian). Owners are judged as in [`crate::host::fsmeta`] ("root", or the owner of the
//! examined root directory under `--root`).

use crate::host::fsmeta::{self, Kind, Names, Superuser};
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileRule {
    pub path: String,
    /// The most permissive mode allowed, in octal (`"0644"`).
    pub max_mode: String,
    /// Groups besides root's that may own the file (`shadow`).
    #[serde(default)]
    pub groups: Vec<String>,
    /// The file holds secrets: any read access beyond root and the allowed groups is exposure.
    #[serde(default)]
    pub secret: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub files: Vec<FileRule>,
}

pub const FIELDS: &[Field] = &[
    Field::text("mode", "the file's mode (octal)"),
    Field::text("max_mode", "the most open mode that is safe for this file"),
    Field::text("owner", "the file's owner"),
    Field::text("group", "the file's group"),
    Field::flag("owner_ok", "1 when the owner is root"),
    Field::flag("others_can_modify", "1 when a user other than root can change the file"),
    Field::flag("secret_exposed", "1 when a file with password hashes is readable by others"),
    Field::flag("too_open", "1 when the mode is more open than max_mode"),
    Field::num("files_checked", "", "files examined"),
];

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let su = Superuser::of(&ctx.host);
    let ids = Names::load(&ctx.host);
    let mut items = Vec::new();
    for rule in &params.files {
        let Some(max) = fsmeta::parse_mode(&rule.max_mode) else {
            return Err(ProbeError::failed(
                "EINVAL",
                Said::new(Msg::FailBadMode).arg("path", &rule.path).arg("mode", format!("{:?}", rule.max_mode)),
            ));
        };
        let m = match fsmeta::lstat(&ctx.host, &rule.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(ProbeError::io(&rule.path, &e)),
        };
        if m.kind == Kind::Symlink {
            continue; // not how these files are installed; the target is someone else's file
        }
        let group = ids.group(m.gid);
        let group_ok = su.group_is_root(&m) || rule.groups.contains(&group);
        let others_can_modify = m.mode & 0o002 != 0 || (m.mode & 0o020 != 0 && !group_ok);
        let secret_exposed = rule.secret && (m.mode & 0o004 != 0 || (m.mode & 0o040 != 0 && !group_ok));
        let owner_ok = su.owns(&m);
        let too_open = m.mode & !max & 0o7777 != 0 && !others_can_modify && !secret_exposed;
        let mode = fsmeta::mode_str(m.mode);
        let owner = ids.user(m.uid);
        items.push(
            Observation::new(&rule.path)
                .text("mode", &mode)
                .text("max_mode", fsmeta::mode_str(max))
                .text("owner", &owner)
                .text("group", &group)
                .flag("owner_ok", owner_ok)
                .flag("others_can_modify", others_can_modify)
                .flag("secret_exposed", secret_exposed)
                .flag("too_open", too_open)
                // The rule too, for the repair (`action.perms`, edit `at-most`).
                .evidence(format!(
                    "{}: mode {mode}, owner {owner}:{group}; at most {} (group {})",
                    rule.path,
                    fsmeta::mode_str(max),
                    std::iter::once("root")
                        .chain(rule.groups.iter().map(String::as_str))
                        .collect::<Vec<_>>()
                        .join(" or ")
                )),
        );
    }
    let n = items.len() as f64;
    for o in &mut items {
        o.values.insert("files_checked".into(), crate::probe::Value::Num(n));
    }
    Ok(Observations::of(items))
}
