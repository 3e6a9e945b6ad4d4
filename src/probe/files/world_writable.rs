//! World-writable files, and world-writable directories without the sticky bit, where the system
//! looks for programs and configuration: the PATH directories and /etc. Any local user (a web
//! application's account, say) can replace such a program or setting, and the next time root runs
//! it the user is root.
//!
//! The walk is bounded (entries, depth, time), never follows symlinks (they are always mode 0777
//! and mean nothing) and stays on the filesystem it started on. PATH directories are examined
//! one level deep, /etc to the configured depth.

use crate::host::fsmeta::{self, Kind, Limits, Names, WalkStats};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Directories examined one level deep (besides the PATH of /etc/environment).
    #[serde(default = "default_path_dirs")]
    pub path_dirs: Vec<String>,
    /// Directories examined recursively.
    #[serde(default = "default_trees")]
    pub trees: Vec<String>,
    #[serde(default = "default_max_entries")]
    pub max_entries: usize,
    #[serde(default = "default_max_depth")]
    pub max_depth: usize,
}

fn default_path_dirs() -> Vec<String> {
    ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"].map(String::from).to_vec()
}

fn default_trees() -> Vec<String> {
    vec!["/etc".into()]
}

fn default_max_entries() -> usize {
    200_000
}

fn default_max_depth() -> usize {
    12
}

pub const FIELDS: &[Field] = &[
    Field::flag("world_writable", "1 for an entry any user can write (and not sticky)"),
    Field::text("kind", "file or directory"),
    Field::text("mode", "the entry's mode (octal)"),
    Field::text("owner", "the entry's owner"),
    Field::num("entries", "", "entries examined"),
    Field::text("note", "why part of the tree was not walked (limits, unreadable directories)"),
];

/// Time the walk may take before it reports what it has.
const BUDGET: Duration = Duration::from_secs(5);

/// PATH directories named in /etc/environment (`PATH="/a:/b"`), absolute ones only.
fn environment_path(ctx: &ProbeContext) -> Vec<String> {
    let Ok(f) = ctx.host.read("/etc/environment") else { return Vec::new() };
    f.text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("PATH="))
        .flat_map(|v| v.trim_matches(['"', '\'']).split(':').map(str::to_string).collect::<Vec<_>>())
        .filter(|d| d.starts_with('/'))
        .collect()
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let ids = Names::load(&ctx.host);
    let mut items = Vec::new();
    let mut stats = WalkStats::default();
    let fences = fsmeta::Fences::of(ctx.mounts().ok().as_deref());
    let mut seen = BTreeSet::new();
    let mut record = |path: &str, m: &fsmeta::Meta| {
        let hit = match m.kind {
            Kind::File => m.world_writable(),
            Kind::Dir => m.world_writable() && m.mode & fsmeta::S_ISVTX == 0,
            _ => false,
        };
        if hit && seen.insert(path.to_string()) {
            let mode = fsmeta::mode_str(m.mode);
            let owner = ids.user(m.uid);
            let kind = if m.kind == Kind::Dir { "directory" } else { "file" };
            items.push(
                Observation::new(path)
                    .flag("world_writable", true)
                    .text("kind", kind)
                    .text("mode", &mode)
                    .text("owner", &owner)
                    .evidence(format!("{path}: {kind}, mode {mode}, owner {owner}:{}", ids.group(m.gid))),
            );
        }
    };
    let mut path_dirs: Vec<String> = params.path_dirs.clone();
    path_dirs.extend(environment_path(ctx));
    let mut dirs_done = BTreeSet::new();
    let shallow = Limits::new(params.max_entries, 1, BUDGET, ctx.deadline);
    for dir in &path_dirs {
        let dir = dir.trim_end_matches('/');
        if let Some((mp, fstype)) = fences.remote_at(dir) {
            stats.remote.push(format!("{dir} (on {fstype} at {mp})"));
            continue;
        }
        // Merged /usr: /bin is a symlink to usr/bin, which is examined under its own name.
        let Ok(m) = fsmeta::lstat(&ctx.host, dir) else { continue };
        if m.kind != Kind::Dir || !dirs_done.insert(dir.to_string()) {
            continue;
        }
        record(dir, &m);
        fsmeta::walk(&ctx.host, dir, &fences, &shallow, &mut stats, &mut record);
    }
    let deep = Limits { max_depth: params.max_depth, ..shallow };
    for tree in &params.trees {
        if let Some((mp, fstype)) = fences.remote_at(tree) {
            stats.remote.push(format!("{tree} (on {fstype} at {mp})"));
            continue;
        }
        let Ok(m) = fsmeta::lstat(&ctx.host, tree) else { continue };
        if m.kind == Kind::Dir {
            record(tree, &m);
            fsmeta::walk(&ctx.host, tree, &fences, &deep, &mut stats, &mut record);
        }
    }
    let scope = super::walk_scope(&stats, "PATH directories and /etc");
    items.insert(0, scope);
    Ok(Observations::of(items))
}
