//! Each GRUB entry's kernel and initramfs against the files in /boot, and the default entry's
//! `root=` against the filesystems this machine sees. Under `--root` those are the disks of the
//! rescue instance, where the broken system's own disk is attached: a `root=UUID=` that none of
//! them carries is a root the boot will not find either. Devices this machine cannot read (no
//! root, a container) leave the answer unknown rather than wrong.

use crate::host::blockdev::{self, Visible};
use crate::host::{Host, bootloader};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::flag("default", "1 for the entry GRUB starts by default"),
    Field::text("why_default", "how GRUB's default was chosen (set default, saved_entry)"),
    Field::text("kernel", "the kernel the entry loads"),
    Field::text("initrd", "the initramfs the entry loads"),
    Field::flag("kernel_missing", "1 when the kernel file is not in /boot"),
    Field::flag("initrd_missing", "1 when the initramfs file is not in /boot"),
    Field::flag("no_initrd", "1 when the entry loads no initramfs"),
    Field::text("root", "the root= of the entry's command line"),
    Field::flag("root_missing", "1 when no filesystem this machine sees is the root= (only when it could look)"),
    Field::flag("default_unknown", "1 when GRUB's default names no entry"),
    Field::text("source", "the file and line of the entry"),
];

/// Whether a `root=` names a filesystem this machine sees; `None` when it cannot tell.
pub fn root_found(host: &Host, spec: &str, seen: &Visible) -> Option<bool> {
    if let Some((tag @ ("UUID" | "LABEL"), value)) = spec.split_once('=') {
        let hit = seen.find(tag, value).is_some();
        return if hit { Some(true) } else { seen.known().then_some(false) };
    }
    // Kernel names differ between the rescue instance and the broken one.
    if spec.starts_with("/dev/") && host.is_live() {
        return Some(std::path::Path::new(spec).exists());
    }
    None
}

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let menu = super::menu(ctx)?;
    let mut items = Vec::new();
    let mut seen_cache: Option<Visible> = None;
    if menu.default.is_none() {
        items.push(
            Observation::new(&menu.source)
                .flag("default_unknown", true)
                .text("why_default", &menu.default_reason)
                .evidence(menu.default_reason.clone()),
        );
    }
    for (i, e) in menu.entries.iter().enumerate() {
        let is_default = menu.default == Some(i);
        let mut o = Observation::new(&e.title)
            .flag("default", is_default)
            .text("why_default", &menu.default_reason)
            .text("source", &e.source)
            .evidence(format!("{}: {} {}", e.source, e.kernel.as_deref().unwrap_or("(no linux line)"), e.options));
        if is_default {
            o = o.evidence(format!("default: {}", menu.default_reason));
        }
        if let Some(k) = &e.kernel {
            let found = bootloader::locate(&ctx.host, k);
            o = o.text("kernel", k).flag("kernel_missing", found.is_none());
        }
        o = o.flag("no_initrd", e.initrds.is_empty() && e.kernel.is_some());
        if let Some(first) =
            e.initrds.iter().find(|p| !p.contains("ucode") && !p.contains("microcode")).or(e.initrds.first())
        {
            let missing: Vec<&String> =
                e.initrds.iter().filter(|p| bootloader::locate(&ctx.host, p).is_none()).collect();
            o = o.text("initrd", first).flag("initrd_missing", !missing.is_empty());
            if let Some(m) = missing.first() {
                o = o.text("initrd", m.as_str());
            }
        }
        if let Some(root) = e.root() {
            o = o.text("root", root);
            if is_default {
                let seen = seen_cache.get_or_insert_with(blockdev::visible);
                if let Some(found) = root_found(&ctx.host, root, seen) {
                    o = o.flag("root_missing", !found);
                    if !found {
                        o = o.field_evidence("root_missing", seen.describe());
                        o = o.field_evidence("root_missing", format!("{}: root={root}", e.source));
                    }
                }
            }
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
