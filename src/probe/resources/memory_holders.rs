//! Memory held outside processes, which `ps` and `top` never show: huge pages reserved at boot or
//! by a sysctl (HugePages_Total × Hugepagesize, taken whether used or not), unreclaimable kernel
//! slab (SUnreclaim, with the largest caches of /proc/slabinfo when it can be read: root only),
//! and shared memory (Shmem: tmpfs files, SysV segments, memfd), with the fullest tmpfs mounts
//! and the largest SysV segments. One observation per holder with its share of memory and the
//! share available, so a check judges a large holder only when memory is short.
//!
//! /proc/meminfo is read once per run (shared with `meminfo`).

use crate::host::Host;
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("held_bytes", "bytes", "memory the holder takes"),
    Field::num("held_percent", "%", "as a share of all memory"),
    Field::num("available_percent", "%", "memory available (MemAvailable) as a share of all memory"),
    Field::num("total_bytes", "bytes", "all memory (MemTotal)"),
    Field::text("largest", "the largest part of it (a slab cache, a tmpfs mount, a SysV segment), or none"),
    Field::text("fix", "the command that shows or releases it"),
    Field::text("holders", "every holder with its size"),
    Field::num(
        "outside_percent",
        "%",
        "huge pages, unreclaimable slab and shared memory together, as a share of all memory",
    ),
];

/// `Key: 123 kB` lines into bytes (`HugePages_*` are counts).
pub fn parse_meminfo(text: &str) -> std::collections::HashMap<String, u64> {
    let mut m = std::collections::HashMap::new();
    for line in text.lines() {
        let Some((k, rest)) = line.split_once(':') else { continue };
        let mut w = rest.split_whitespace();
        let Some(Ok(v)) = w.next().map(str::parse::<u64>) else { continue };
        let bytes = match w.next() {
            Some("kB") => v.saturating_mul(1024),
            None => v,
            Some(_) => continue,
        };
        m.insert(k.trim().to_string(), bytes);
    }
    m
}

/// A slab cache's name and the bytes its slabs take.
pub fn slab_caches(text: &str, page_size: u64) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("slabinfo") || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        // name active_objs num_objs objsize objperslab pagesperslab : tunables ... : slabdata active_slabs num_slabs sharedavail
        let Some(i) = f.iter().position(|w| *w == "slabdata") else { continue };
        let (Some(pps), Some(slabs)) =
            (f.get(5).and_then(|v| v.parse::<u64>().ok()), f.get(i + 2).and_then(|v| v.parse::<u64>().ok()))
        else {
            continue;
        };
        out.push((f[0].to_string(), slabs.saturating_mul(pps).saturating_mul(page_size)));
    }
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// SysV shared memory segments (/proc/sysvipc/shm): (key, shmid, bytes, owner pid).
fn sysv_segments(host: &Host) -> Vec<(String, String, u64, String)> {
    let Ok(f) = host.read("/proc/sysvipc/shm") else { return Vec::new() };
    let mut out: Vec<(String, String, u64, String)> = f
        .text
        .lines()
        .skip(1)
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            Some((w.first()?.to_string(), w.get(1)?.to_string(), w.get(3)?.parse().ok()?, w.get(4)?.to_string()))
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.2));
    out
}

fn mib(b: u64) -> String {
    crate::fmt::human_bytes(b as f64)
}

/// The sysctl lines and kernel arguments that reserve huge pages.
fn hugepage_settings(host: &Host) -> Vec<String> {
    let mut out = Vec::new();
    let mut files = vec!["/etc/sysctl.conf".to_string()];
    for dir in ["/etc/sysctl.d", "/run/sysctl.d", "/usr/lib/sysctl.d"] {
        files.extend(
            host.list_dir(dir)
                .unwrap_or_default()
                .into_iter()
                .filter(|n| n.ends_with(".conf"))
                .map(|n| format!("{dir}/{n}")),
        );
    }
    for p in files {
        let Ok(Some(f)) = host.read_optional(&p) else { continue };
        for (n, raw) in f.text.lines().enumerate() {
            let l = raw.trim();
            if !l.starts_with('#') && (l.starts_with("vm.nr_hugepages") || l.starts_with("vm/nr_hugepages")) {
                out.push(format!("{p}:{}: {raw}", n + 1));
            }
        }
    }
    if let Some(cmdline) = host.read_line("/proc/cmdline") {
        let args: Vec<&str> = cmdline
            .split_whitespace()
            .filter(|a| a.starts_with("hugepages=") || a.starts_with("hugepagesz="))
            .collect();
        if !args.is_empty() {
            out.push(format!("/proc/cmdline: {}", args.join(" ")));
        }
    }
    out
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if let Some(skip) = ctx.kernel_state_absent("/proc/meminfo") {
        return Err(skip);
    }
    let file = ctx.read_once("/proc/meminfo")?;
    let m = parse_meminfo(&file.text);
    let get = |k: &str| m.get(k).copied();
    let Some(total) = get("MemTotal").filter(|t| *t > 0) else {
        return Err(ProbeError::failed(
            "EINVAL",
            crate::i18n::Said::new(crate::i18n::Msg::FailNoMemTotal).arg("path", "/proc/meminfo"),
        ));
    };
    let available = get("MemAvailable")
        .unwrap_or_else(|| get("MemFree").unwrap_or(0) + get("Cached").unwrap_or(0) + get("Buffers").unwrap_or(0));
    let pct = |b: u64| (b as f64 * 1000.0 / total as f64).round() / 10.0;
    let avail_pct = pct(available);
    let base = |subject: &str, held: u64| {
        Observation::new(subject)
            .num("held_bytes", held as f64)
            .num("held_percent", pct(held))
            .num("available_percent", avail_pct)
            .num("total_bytes", total as f64)
            .evidence(format!("/proc/meminfo: MemTotal: {} kB, MemAvailable: {} kB", total / 1024, available / 1024))
    };
    let mut items = Vec::new();

    // Huge pages: every size (Hugetlb, 4.14+), else the default size's pool.
    let huge_count = get("HugePages_Total").unwrap_or(0);
    let huge = get("Hugetlb")
        .filter(|b| *b > 0)
        .unwrap_or_else(|| huge_count.saturating_mul(get("Hugepagesize").unwrap_or(0)));
    let mut h = base("HugePages", huge)
        .text("largest", format!("{huge_count} pages of {}", mib(get("Hugepagesize").unwrap_or(0))))
        .text("fix", "`sysctl -w vm.nr_hugepages=0`")
        .evidence(format!(
            "/proc/meminfo: HugePages_Total: {huge_count}, HugePages_Free: {}, HugePages_Rsvd: {}, Hugepagesize: {} kB",
            get("HugePages_Free").unwrap_or(0),
            get("HugePages_Rsvd").unwrap_or(0),
            get("Hugepagesize").unwrap_or(0) / 1024
        ));
    if huge > 0 {
        for l in hugepage_settings(&ctx.host) {
            h = h.evidence(l);
        }
    }
    items.push(h);

    // Unreclaimable slab, with its largest caches when /proc/slabinfo can be read.
    let sunreclaim = get("SUnreclaim").unwrap_or(0);
    let mut s = base("slab (SUnreclaim)", sunreclaim).text("fix", "`slabtop -s c`").evidence(format!(
        "/proc/meminfo: Slab: {} kB, SUnreclaim: {} kB",
        get("Slab").unwrap_or(0) / 1024,
        sunreclaim / 1024
    ));
    match ctx.host.read("/proc/slabinfo") {
        Ok(f) => {
            let page = rustix::param::page_size() as u64;
            // Caches the kernel can reclaim (dentries, inodes, buffer heads) are SReclaimable,
            // not part of this holder: SLUB marks them in /sys/kernel/slab/NAME/reclaim_account.
            let reclaimable = |name: &str| {
                ctx.host.read_line(&format!("/sys/kernel/slab/{name}/reclaim_account")).is_some_and(|v| v == "1")
            };
            let caches: Vec<(String, u64)> =
                slab_caches(&f.text, page).into_iter().filter(|(n, _)| !reclaimable(n)).take(5).collect();
            s = s.text(
                "largest",
                caches.first().map(|(n, b)| format!("{n} ({})", mib(*b))).unwrap_or_else(|| "none".into()),
            );
            for (n, b) in caches.iter().take(5) {
                s = s.evidence(format!("/proc/slabinfo: {n} takes {}", mib(*b)));
            }
        }
        Err(e) => {
            s = s.text("largest", "unknown").evidence(format!("/proc/slabinfo: {e}"));
        }
    }
    items.push(s);

    // Shared memory: tmpfs files, SysV segments, memfd.
    let shmem = get("Shmem").unwrap_or(0);
    let mut parts: Vec<(String, u64)> = Vec::new();
    if let Ok(mounts) = ctx.mounts() {
        for mnt in mounts.mounts.iter().filter(|m| m.fstype == "tmpfs") {
            if let Ok(st) = rustix::fs::statvfs(ctx.host.path(&mnt.mount_point)) {
                let used = st.f_blocks.saturating_sub(st.f_bfree).saturating_mul(st.f_frsize.max(1));
                if used > 0 && !parts.iter().any(|(n, _)| *n == format!("tmpfs {}", mnt.mount_point)) {
                    parts.push((format!("tmpfs {}", mnt.mount_point), used));
                }
            }
        }
    }
    for (key, id, bytes, cpid) in sysv_segments(&ctx.host).into_iter().take(5) {
        parts.push((format!("SysV segment {id} (key {key}, created by pid {cpid})"), bytes));
    }
    parts.sort_by_key(|p| std::cmp::Reverse(p.1));
    let mut sh = base("Shmem (tmpfs, SysV, memfd)", shmem)
        .text("largest", parts.first().map(|(n, b)| format!("{n} ({})", mib(*b))).unwrap_or_else(|| "none".into()))
        .text("fix", "`du -xsh /dev/shm/* /run/*; ipcs -m`")
        .evidence(format!("/proc/meminfo: Shmem: {} kB", shmem / 1024));
    for (n, b) in parts.iter().take(5) {
        sh = sh.evidence(format!("{n}: {}", mib(*b)));
    }
    items.push(sh);

    let outside = huge.saturating_add(sunreclaim).saturating_add(shmem);
    let listed = items
        .iter()
        .map(|o| {
            let held = o.values.get("held_bytes").and_then(|v| v.as_num()).unwrap_or(0.0) as u64;
            let largest =
                o.values.get("largest").map(|v| v.as_text()).filter(|l| l != "none" && !l.starts_with("0 pages"));
            match largest {
                Some(l) if held > 0 => format!("{} {} (largest: {l})", o.subject, mib(held)),
                _ => format!("{} {}", o.subject, mib(held)),
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let summary = Observation::new("memory outside processes")
        .num("outside_percent", pct(outside))
        .num("available_percent", avail_pct)
        .num("total_bytes", total as f64)
        .text("holders", listed);
    items.insert(0, summary);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_slab_caches_by_size() {
        let text = "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n\
            kmalloc-64        1000   1024     64   64    1 : tunables    0    0    0 : slabdata     16     16      0\n\
            leaky_cache     500000 500000    512   32    4 : tunables    0    0    0 : slabdata  15625  15625      0\n\
            garbage\n";
        let c = slab_caches(text, 4096);
        assert_eq!(c[0], ("leaky_cache".to_string(), 15625 * 4 * 4096));
        assert_eq!(c[1], ("kmalloc-64".to_string(), 16 * 4096));
        assert_eq!(c.len(), 2);
        let m = parse_meminfo("MemTotal: 100 kB\nHugePages_Total:  3\nbad\n");
        assert_eq!((m["MemTotal"], m["HugePages_Total"]), (102400, 3));
    }
}
