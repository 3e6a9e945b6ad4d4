//! Space held by deleted files that processes still keep open: `df` counts it as used, `du`
//! cannot find it, and it comes back only when the process closes the file or exits. Totals
//! per filesystem, with the processes and files that hold the most.
//!
//! Sizes come from a stat through /proc/PID/fd/N, which asks the file's filesystem; that is
//! done only on local filesystems, never on network or FUSE ones that may not answer.

use crate::fmt::human_bytes;
use crate::host::fstab::NETWORK_FSTYPES;
use crate::i18n::{Msg, Said};
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError, ProbeSpec};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::os::unix::fs::MetadataExt;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("deleted_bytes", "bytes", "space held by deleted files still open, on this filesystem"),
    Field::num("deleted_percent", "%", "that space as a share of the filesystem's size"),
    Field::flag("size_known", "1 when the filesystem's size is known (so the percentage is)"),
    Field::num("files", "", "deleted files still open on this filesystem"),
    Field::num("processes", "", "processes holding them open"),
    Field::text("top", "the processes holding the most, with their sizes"),
    Field::num("unmeasured", "", "deleted files whose size could not be read"),
    Field::text("fstype", "the filesystem type"),
    Field::num("total_deleted_bytes", "bytes", "space held by deleted open files on all filesystems"),
    Field::num("total_files", "", "deleted open files on all filesystems"),
];

/// Files listed as evidence per filesystem.
const MAX_LISTED: usize = 8;

fn stat_is_safe(fstype: Option<&str>) -> bool {
    match fstype {
        Some(t) => !NETWORK_FSTYPES.contains(&t) && !t.starts_with("fuse") && t != "autofs",
        None => false,
    }
}

struct Held {
    pid: u32,
    fd: u32,
    path: String,
    bytes: u64,
}

#[derive(Default)]
struct PerFs {
    fstype: String,
    bytes: u64,
    files: Vec<Held>,
    unmeasured: usize,
    pids: HashSet<u32>,
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let of = ctx.open_files()?;
    let procs = ctx.processes().ok();
    let name = |pid: u32| {
        procs
            .as_ref()
            .and_then(|t| t.get(pid).map(|p| p.comm.clone()))
            .or_else(|| ctx.host.read_line(&format!("/proc/{pid}/comm")))
            .unwrap_or_else(|| "?".into())
    };
    let mut by_fs: BTreeMap<String, PerFs> = BTreeMap::new();
    // One file open many times (threads, dup'ed fds, forked workers) counts once.
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    let mounts = ctx.mounts().ok();
    for d in &of.deleted {
        // Placed by the fd's mount id; on kernels without one, by the longest matching mount point.
        let place = match (&d.mount_point, &d.fstype) {
            (Some(m), Some(t)) => Some((m.clone(), t.clone())),
            _ => mounts.as_ref().and_then(|t| {
                t.mounts
                    .iter()
                    .filter(|m| {
                        m.mount_point == "/"
                            || d.path == m.mount_point
                            || d.path.starts_with(&format!("{}/", m.mount_point))
                    })
                    .max_by_key(|m| m.mount_point.len())
                    .map(|m| (m.mount_point.clone(), m.fstype.clone()))
            }),
        };
        let (mount, fstype) = match place {
            Some((m, t)) => (m, Some(t)),
            None => ("unknown filesystem".to_string(), None),
        };
        let entry = by_fs.entry(mount).or_default();
        entry.fstype = fstype.clone().unwrap_or_else(|| "unknown".into());
        entry.pids.insert(d.pid);
        if !stat_is_safe(fstype.as_deref()) {
            entry.unmeasured += 1;
            continue;
        }
        let Ok(meta) = std::fs::metadata(ctx.host.path(format!("/proc/{}/fd/{}", d.pid, d.fd))) else { continue };
        if !seen.insert((meta.dev(), meta.ino())) {
            continue;
        }
        // Allocated blocks, not the apparent size: a sparse file holds less than its length.
        let bytes = meta.blocks().saturating_mul(512);
        entry.bytes += bytes;
        entry.files.push(Held { pid: d.pid, fd: d.fd, path: d.path.clone(), bytes });
    }
    // Filesystem sizes from the statfs pass disk.usage.space shares.
    let sizes: BTreeMap<String, f64> = toml::from_str::<ProbeSpec>("[filesystems]")
        .ok()
        .and_then(|spec| ctx.observe_shared(&spec).ok())
        .map(|obs| {
            obs.items.iter().filter_map(|o| Some((o.subject.clone(), o.values.get("size_bytes")?.as_num()?))).collect()
        })
        .unwrap_or_default();

    let total: u64 = by_fs.values().map(|f| f.bytes).sum();
    let mut summary = Observation::new("deleted open files")
        .num("total_deleted_bytes", total as f64)
        .num("total_files", by_fs.values().map(|f| f.files.len() + f.unmeasured).sum::<usize>() as f64);
    if of.unreadable > 0 {
        summary = summary.evidence(format!(
            "/proc: the open files of {} processes could not be read{}",
            of.unreadable,
            if ctx.privileged { "" } else { " (run as root to see every process)" }
        ));
    }
    let mut items = vec![summary];
    for (mount, mut fs) in by_fs {
        fs.files.sort_by_key(|f| std::cmp::Reverse(f.bytes));
        let mut per_pid: BTreeMap<u32, u64> = BTreeMap::new();
        for f in &fs.files {
            *per_pid.entry(f.pid).or_default() += f.bytes;
        }
        let mut top: Vec<(u32, u64)> = per_pid.into_iter().collect();
        top.sort_by_key(|t| std::cmp::Reverse(t.1));
        let top_text: Vec<String> = top
            .iter()
            .take(3)
            .map(|(pid, b)| format!("{} (pid {pid}, {})", name(*pid), human_bytes(*b as f64)))
            .collect();
        let mut o = Observation::new(&mount)
            .num("deleted_bytes", fs.bytes as f64)
            .num("files", (fs.files.len() + fs.unmeasured) as f64)
            .num("processes", fs.pids.len() as f64)
            .num("unmeasured", fs.unmeasured as f64)
            .text("fstype", &fs.fstype);
        o = if top_text.is_empty() {
            o.word("top", Said::new(Msg::ValNoneMeasured))
        } else {
            o.text("top", top_text.join(", "))
        };
        match sizes.get(&mount) {
            Some(size) if *size > 0.0 => {
                o = o.flag("size_known", true).num("deleted_percent", (fs.bytes as f64 * 1000.0 / size).round() / 10.0);
            }
            _ => o = o.flag("size_known", false),
        }
        for f in fs.files.iter().take(MAX_LISTED) {
            o = o.evidence(format!(
                "/proc/{}/fd/{}: {} (deleted), {}, held by {} (pid {})",
                f.pid,
                f.fd,
                f.path,
                human_bytes(f.bytes as f64),
                name(f.pid),
                f.pid
            ));
        }
        if fs.files.len() > MAX_LISTED {
            o = o.evidence(format!("... {} more deleted files", fs.files.len() - MAX_LISTED));
        }
        if fs.unmeasured > 0 {
            o = o.evidence(format!(
                "{} deleted files on {} ({}) not measured: network or FUSE filesystem",
                fs.unmeasured, mount, fs.fstype
            ));
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
