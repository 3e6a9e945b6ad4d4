//! The drivers the default entry's initramfs must hold for the root disk and the network of a
//! cloud instance: virtio_blk (every virtio system disk), nvme (NVMe system disks), virtio_net,
//! xen-blkfront (Xen instances). A driver built into the kernel (`modules.builtin`) needs no
//! module. Without the disk's driver the boot stops in the initramfs waiting for the root
//! device: the classic result of an initramfs rebuilt on another machine or with
//! `hostonly` after a migration.

use crate::host::{bootloader, initramfs};
use crate::i18n::Msg;
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("role", "disk-virtio, disk-nvme, net-virtio or disk-xen: what the driver is for"),
    Field::flag("missing", "1 when the driver is neither in the initramfs nor built into the kernel"),
    Field::flag("builtin", "1 when the kernel has it built in"),
    Field::text("initrd", "the initramfs read"),
    Field::text("layers", "how its archives are stored (cpio, gzip, xz, zstd, lz4)"),
    Field::text("kernel_version", "the kernel the entry loads"),
    Field::flag("unreadable", "1 when the initramfs cannot be unpacked"),
    Field::text("error", "why it cannot be unpacked"),
];

/// The drivers, the module file's name as modprobe normalises it, and what each is for.
const DRIVERS: &[(&str, &str, &str)] = &[
    ("virtio_blk", "virtio_blk", "disk-virtio"),
    ("nvme", "nvme", "disk-nvme"),
    ("virtio_net", "virtio_net", "net-virtio"),
    ("xen-blkfront", "xen_blkfront", "disk-xen"),
];

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let menu = super::menu(ctx)?;
    let entry =
        menu.default.and_then(|i| menu.entries.get(i)).ok_or_else(|| ProbeError::skipped(Msg::SkipNoDefaultEntry))?;
    // The main initramfs (an entry may load a microcode image first).
    let Some(path) = entry.initrds.iter().rev().find_map(|p| bootloader::locate(&ctx.host, p)) else {
        return Err(ProbeError::skipped(Msg::SkipNoInitramfs));
    };
    let version = entry
        .kernel
        .as_deref()
        .and_then(|k| k.rsplit('/').next())
        .and_then(|k| k.strip_prefix("vmlinuz-").or_else(|| k.strip_prefix("vmlinux-")))
        .unwrap_or_default()
        .to_string();
    let builtin_path = format!("/lib/modules/{version}/modules.builtin");
    let builtin: Vec<String> = match ctx.host.read_optional(&builtin_path) {
        Ok(Some(f)) => f
            .text
            .lines()
            .filter_map(|l| l.rsplit('/').next()?.strip_suffix(".ko").map(|m| m.replace('-', "_")))
            .collect(),
        _ => Vec::new(),
    };
    let listing = match initramfs::read(&ctx.host.path(&path)) {
        Ok(l) => l,
        Err(e) => {
            return Ok(Observations::of(vec![
                Observation::new(&path)
                    .flag("unreadable", true)
                    .text("initrd", &path)
                    .text("error", e.to_string())
                    .evidence(format!("{path}: {e}")),
            ]));
        }
    };
    let modules = listing.modules();
    let layers = listing.layers.join(" + ");
    let mut items = Vec::new();
    for (name, module, role) in DRIVERS {
        let inside = modules.iter().any(|m| m == module);
        let built = builtin.iter().any(|m| m == module);
        let mut o = Observation::new(*name)
            .text("role", *role)
            .text("initrd", &path)
            .text("layers", &layers)
            .text("kernel_version", &version)
            .flag("builtin", built)
            .flag("missing", !inside && !built)
            .evidence(format!("{}: {} ({} entries, {layers})", entry.source, path, listing.names.len()));
        if inside {
            if let Some(n) = listing.names.iter().find(|n| {
                n.rsplit('/').next().is_some_and(|b| b.replace('-', "_").starts_with(&format!("{module}.ko")))
            }) {
                o = o.evidence(format!("{path}: {n}"));
            }
        } else if built {
            o = o.evidence(format!("{builtin_path}: built into the kernel"));
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
