//! Set-user-ID and set-group-ID programs where no package puts them: /tmp, /var/tmp, /dev/shm
//! and /home. A root-owned setuid copy of a shell in /tmp is the classic way an intruder keeps
//! root after the hole they came in through is closed.
//!
//! The walk is bounded (entries, depth, time), never follows symlinks and does not enter other
//! filesystems mounted below a starting directory (a user's NFS share under /home).

use crate::host::fsmeta::{self, Kind, Limits, Names, Superuser, WalkStats};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_dirs")]
    pub dirs: Vec<String>,
    #[serde(default = "default_max_entries")]
    pub max_entries: usize,
    #[serde(default = "default_max_depth")]
    pub max_depth: usize,
}

fn default_dirs() -> Vec<String> {
    ["/tmp", "/var/tmp", "/dev/shm", "/home"].map(String::from).to_vec()
}

fn default_max_entries() -> usize {
    300_000
}

fn default_max_depth() -> usize {
    16
}

pub const FIELDS: &[Field] = &[
    Field::flag("setid", "1 for a set-user-ID or set-group-ID file"),
    Field::text("bits", "which: setuid, setgid or both"),
    Field::text("mode", "the file's mode (octal)"),
    Field::text("owner", "the file's owner"),
    Field::flag("root_owned", "1 when it runs with root's powers (setuid root)"),
    Field::num("entries", "", "entries examined"),
    Field::text("note", "why part of the tree was not walked (limits, unreadable directories)"),
];

/// Time the walk may take before it reports what it has.
const BUDGET: Duration = Duration::from_secs(5);

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let ids = Names::load(&ctx.host);
    let su = Superuser::of(&ctx.host);
    let mut items = Vec::new();
    let mut stats = WalkStats::default();
    let fences = fsmeta::Fences::of(ctx.mounts().ok().as_deref());
    let limits = Limits::new(params.max_entries, params.max_depth, BUDGET, ctx.deadline);
    let mut record = |path: &str, m: &fsmeta::Meta| {
        if m.kind != Kind::File || m.mode & (fsmeta::S_ISUID | fsmeta::S_ISGID) == 0 {
            return;
        }
        let bits = match (m.mode & fsmeta::S_ISUID != 0, m.mode & fsmeta::S_ISGID != 0) {
            (true, true) => "setuid and setgid",
            (true, false) => "setuid",
            _ => "setgid",
        };
        let mode = fsmeta::mode_str(m.mode);
        let owner = ids.user(m.uid);
        let group = ids.group(m.gid);
        // Setuid root, or setgid to root's group, gives root's powers.
        let root_power =
            (m.mode & fsmeta::S_ISUID != 0 && su.owns(m)) || (m.mode & fsmeta::S_ISGID != 0 && su.group_is_root(m));
        items.push(
            Observation::new(path)
                .flag("setid", true)
                .text("bits", bits)
                .text("mode", &mode)
                .text("owner", &owner)
                .flag("root_owned", root_power)
                .evidence(format!("{path}: mode {mode}, owner {owner}:{group}")),
        );
    };
    for dir in &params.dirs {
        fsmeta::walk(&ctx.host, dir, &fences, &limits, &mut stats, &mut record);
    }
    let scope = super::walk_scope(&stats, params.dirs.join(", "));
    items.insert(0, scope);
    Ok(Observations::of(items))
}
