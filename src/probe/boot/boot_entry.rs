//! Each GRUB entry's kernel and initramfs against the files in /boot, and the default entry's
//! `root=` against the filesystems this machine sees. Under `--root` those are the disks of the
//! rescue instance, where the broken system's own disk is attached: a `root=UUID=` that none of
//! them carries is a root the boot will not find either. Devices this machine cannot read (no
//! root, a container) leave the answer unknown rather than wrong.

use crate::host::blockdev::{self, Content};
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

/// The filesystems this machine sees: (`/dev/loop3`, UUID, LABEL) for every readable one, and
/// udev's /dev/disk/by-uuid and by-label names.
struct Seen {
    filesystems: Vec<(String, String, String)>,
    by_uuid: Vec<String>,
    by_label: Vec<String>,
}

fn seen() -> Seen {
    let live = Host::live();
    let mut filesystems = Vec::new();
    for d in blockdev::scan(&live).unwrap_or_default() {
        let nodes = std::iter::once((&d.name, &d.content)).chain(d.partitions.iter().map(|p| (&p.name, &p.content)));
        for (name, content) in nodes {
            if let Content::Filesystem(sb) = content {
                filesystems.push((format!("/dev/{name}"), sb.uuid.to_ascii_lowercase(), sb.label.clone()));
            }
        }
    }
    Seen {
        filesystems,
        by_uuid: live.list_dir("/dev/disk/by-uuid").unwrap_or_default(),
        by_label: live.list_dir("/dev/disk/by-label").unwrap_or_default(),
    }
}

/// Whether a `root=` names a filesystem this machine sees; `None` when it cannot tell.
fn root_found(host: &Host, spec: &str, seen: &Seen) -> Option<bool> {
    let known = !seen.filesystems.is_empty() || !seen.by_uuid.is_empty();
    if let Some(u) = spec.strip_prefix("UUID=") {
        let u = u.to_ascii_lowercase();
        let hit = seen.filesystems.iter().any(|f| f.1 == u) || seen.by_uuid.iter().any(|n| n.eq_ignore_ascii_case(&u));
        return if hit { Some(true) } else { known.then_some(false) };
    }
    if let Some(l) = spec.strip_prefix("LABEL=") {
        let hit = seen.filesystems.iter().any(|f| f.2 == l) || seen.by_label.iter().any(|n| n == l);
        return if hit { Some(true) } else { known.then_some(false) };
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
    let mut seen_cache: Option<Seen> = None;
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
                let seen = seen_cache.get_or_insert_with(seen);
                if let Some(found) = root_found(&ctx.host, root, seen) {
                    o = o.flag("root_missing", !found);
                    if !found {
                        let list: Vec<String> = seen
                            .filesystems
                            .iter()
                            .take(8)
                            .map(|(d, u, l)| {
                                format!(
                                    "{d} UUID={u}{}",
                                    if l.is_empty() { String::new() } else { format!(" LABEL={l}") }
                                )
                            })
                            .collect();
                        o = o.field_evidence(
                            "root_missing",
                            format!("filesystems this machine sees: {}", list.join(", ")),
                        );
                        o = o.field_evidence("root_missing", format!("{}: root={root}", e.source));
                    }
                }
            }
        }
        items.push(o);
    }
    Ok(Observations::of(items))
}
