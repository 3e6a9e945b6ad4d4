//! Where each NIC's interrupts land (/proc/interrupts): the interrupt lines of an interface
//! (named after it, `eth0-TxRx-0`, or after its device, `virtio2-input.0`, `mlx5_comp0@pci:…`),
//! how many interrupts they took since boot on each CPU, and whether irqbalance runs. All of a
//! multi-queue NIC's interrupts on one CPU make that CPU do all the receive work while the others
//! idle: throughput stops growing and latency rises long before the machine looks busy.

use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("cpus", "", "CPUs in /proc/interrupts"),
    Field::num("irq_lines", "", "the interface's interrupt lines (queues)"),
    Field::num("interrupts", "", "interrupts on those lines since boot"),
    Field::text("top_cpu", "the CPU that took the most of them"),
    Field::num("top_cpu_percent", "%", "that CPU's share of them"),
    Field::flag("irqbalance", "1 when an irqbalance process runs"),
];

const PATH: &str = "/proc/interrupts";

/// One line of /proc/interrupts: the IRQ, its counts per CPU and its name (the last word).
#[derive(Debug, Clone, PartialEq)]
pub struct IrqLine {
    pub irq: String,
    pub counts: Vec<u64>,
    pub name: String,
}

pub fn parse_interrupts(text: &str) -> (usize, Vec<IrqLine>) {
    let mut lines = text.lines();
    let cpus = lines.next().map_or(0, |h| h.split_whitespace().filter(|w| w.starts_with("CPU")).count());
    let mut out = Vec::new();
    for l in lines {
        let Some((irq, rest)) = l.split_once(':') else { continue };
        let t: Vec<&str> = rest.split_whitespace().collect();
        if t.len() <= cpus {
            continue;
        }
        let Some(counts) = t[..cpus].iter().map(|c| c.parse::<u64>().ok()).collect::<Option<Vec<u64>>>() else {
            continue;
        };
        let name = t.last().map(|n| n.to_string()).unwrap_or_default();
        out.push(IrqLine { irq: irq.trim().to_string(), counts, name });
    }
    (cpus, out)
}

/// Whether an interrupt line serves interface `iface` whose device is `dev` (`virtio2`,
/// `0000:00:05.0`): its name is the interface's, starts with `<iface>-`, starts with
/// `<dev>-` (not the virtio config line) or names the device after `@`.
pub fn serves(name: &str, iface: &str, dev: Option<&str>) -> bool {
    if name == iface || name.starts_with(&format!("{iface}-")) {
        return true;
    }
    let Some(dev) = dev else { return false };
    (name.starts_with(&format!("{dev}-")) && !name.ends_with("-config"))
        || name.ends_with(&format!("@pci:{dev}"))
        || name.ends_with(&format!("@{dev}"))
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let host = &ctx.host;
    let f = host.read_optional(PATH).map_err(|e| ProbeError::io(PATH, &e))?.ok_or_else(|| {
        ProbeError::Skipped(crate::i18n::Said::new(crate::i18n::Msg::SkipNoProcFile).arg("path", PATH))
    })?;
    let (cpus, lines) = parse_interrupts(&f.text);
    let irqbalance = ctx.processes().ok().is_some_and(|t| t.procs.iter().any(|p| p.comm == "irqbalance"));
    let mut items = Vec::new();
    for iface in host.list_dir("/sys/class/net").unwrap_or_default() {
        if iface == "lo" {
            continue;
        }
        let dev = std::fs::read_link(host.path(format!("/sys/class/net/{iface}/device")))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        let mine: Vec<&IrqLine> = lines.iter().filter(|l| serves(&l.name, &iface, dev.as_deref())).collect();
        if mine.is_empty() {
            // A virtual interface (veth, bridge, tunnel) raises no interrupt of its own.
            items.push(
                Observation::new(&iface).num("cpus", cpus as f64).num("irq_lines", 0.0).flag("irqbalance", irqbalance),
            );
            continue;
        }
        let mut per_cpu = vec![0u64; cpus];
        for l in &mine {
            for (c, n) in l.counts.iter().enumerate() {
                // Saturating: the counts come from a file (corrupt or crafted under `--root`).
                per_cpu[c] = per_cpu[c].saturating_add(*n);
            }
        }
        let total: u64 = per_cpu.iter().fold(0, |a, n| a.saturating_add(*n));
        let (top, top_n) = per_cpu.iter().enumerate().max_by_key(|(_, n)| **n).map_or((0, 0), |(c, n)| (c, *n));
        let mut o = Observation::new(&iface)
            .num("cpus", cpus as f64)
            .num("irq_lines", mine.len() as f64)
            .num("interrupts", total as f64)
            .text("top_cpu", format!("CPU{top}"))
            .flag("irqbalance", irqbalance);
        if total > 0 {
            o = o.num("top_cpu_percent", (top_n as f64 * 1000.0 / total as f64).round() / 10.0);
        }
        for l in mine.iter().take(16) {
            let counts: Vec<String> = l.counts.iter().enumerate().map(|(c, n)| format!("CPU{c} {n}")).collect();
            o = o.evidence(format!("{PATH}: {}: {} ({})", l.irq, l.name, counts.join(", ")));
        }
        if !irqbalance {
            o = o.evidence("no irqbalance process runs".to_string());
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_lines_of_an_interface() {
        let text = "           CPU0       CPU1       \n 28:          0          0 PCI-MSIX-0000:00:01.0   0-edge      virtio2-config\n\
 38:          0      31684 PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0\n 39: 28277 0 PCI-MSIX 2-edge virtio2-output.0\n\
 40: 5 5 PCI-MSI eth1-TxRx-0\n 41: 1 1 PCI-MSI virtio21-input.0\nNMI: 0 0 Non-maskable interrupts\nERR: 0\n";
        let (cpus, lines) = parse_interrupts(text);
        assert_eq!((cpus, lines.len()), (2, 6));
        let mine: Vec<&str> =
            lines.iter().filter(|l| serves(&l.name, "eth0", Some("virtio2"))).map(|l| l.name.as_str()).collect();
        assert_eq!(mine, ["virtio2-input.0", "virtio2-output.0"]);
        assert!(serves("eth1-TxRx-0", "eth1", None));
        assert!(serves("mlx5_comp0@pci:0000:00:05.0", "eth2", Some("0000:00:05.0")));
    }

    /// Counts near 2^64 (a corrupt or crafted /proc/interrupts under `--root`) saturate instead
    /// of overflowing the per-CPU and total sums.
    #[test]
    fn counts_near_the_top_of_u64_saturate() {
        let dir = tempfile::tempdir().unwrap();
        let max = u64::MAX;
        let text = format!("  CPU0 CPU1\n 38: {max} 7 PCI-MSI eth0-rx\n 39: 5 {max} PCI-MSI eth0-tx\n");
        std::fs::create_dir_all(dir.path().join("proc")).unwrap();
        std::fs::create_dir_all(dir.path().join("sys/class/net/eth0")).unwrap();
        std::fs::write(dir.path().join("proc/interrupts"), text).unwrap();
        let ctx = ProbeContext::new(
            crate::host::Host::new(dir.path()),
            std::time::Instant::now() + std::time::Duration::from_secs(5),
            false,
        );
        let obs = observe(&Params::default(), &ctx).unwrap();
        let eth0 = obs.items.iter().find(|o| o.subject == "eth0").unwrap();
        assert_eq!(eth0.values.get("interrupts").and_then(|v| v.as_num()), Some(max as f64));
    }
}
