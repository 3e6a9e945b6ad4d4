//! `action.initramfs`: the initramfs GRUB's default entry loads is gone: build it again with the
//! distribution's own tool, for the entry's kernel, whose modules are on the disk.
//!
//! - Debian, Ubuntu: `update-initramfs -c -k <version>` (undo: `update-initramfs -d -k
//!   <version>`, which removes what it made);
//! - RHEL, CentOS, Alibaba Cloud Linux, Fedora: `dracut -f <initramfs> <version>` (undo: the file
//!   removed), with `--no-hostonly` under `--root`: the hardware dracut would look at is the rescue
//!   instance's, not the server's.
//!
//! Under `--root` the tool runs in a chroot of the disk with the rescue system's /dev, /proc and
//! /sys bound into it for that run: each bind is a step whose undo unmounts it, and the binds are
//! unmounted again right after the build (steps whose undo binds again, so an undo later finds
//! them as the build did). A build that fails unmounts what was bound. Refused, with the commands
//! to type, when the entry's kernel is gone too (repair the entry first), when the kernel's
//! modules are not on the disk, when neither tool is installed there, or when this process
//! cannot mount (not root). The initramfs takes effect at the next boot.

use super::{Action, Change, Command, Live, Skip, Target};
use crate::host::Host;
use crate::host::bootloader;
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// How long building an initramfs may take.
const BUILD_LIMIT_S: u64 = 600;
/// The rescue system's directories a chroot needs.
const BINDS: [&str; 3] = ["dev", "proc", "sys"];

/// The first of `names` installed in the examined system (its path there).
fn tool(host: &Host, names: &[&str]) -> Option<String> {
    names.iter().find(|p| host.path(p).is_file()).map(|p| p.to_string())
}

impl Action for Params {
    fn name(&self) -> String {
        "initramfs-build".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let host = t.host;
        let Some(menu) = bootloader::read(host) else {
            return Err(Skip::NotApplicable(rtf(l, R::InitramfsFine, &[])));
        };
        let Some(entry) = menu.default.and_then(|i| menu.entries.get(i)) else {
            return Err(Skip::NotApplicable(rtf(l, R::InitramfsFine, &[])));
        };
        let Some(missing) = entry.initrds.iter().find(|p| bootloader::locate(host, p).is_none()) else {
            return Err(Skip::NotApplicable(rtf(l, R::InitramfsFine, &[])));
        };
        let kernel = entry.kernel.clone().unwrap_or_default();
        if bootloader::locate(host, &kernel).is_none() {
            return Err(Skip::Refused(rtf(l, R::InitramfsKernelGone, &[("kernel", &kernel), ("initrd", missing)])));
        }
        let Some(version) = super::grub::kernel_version(&kernel) else {
            return Err(Skip::Refused(rtf(l, R::InitramfsNoVersion, &[("kernel", &kernel)])));
        };
        // A path GRUB reads from a separate /boot partition is relative to it.
        let target = if missing.starts_with("/boot/") { missing.clone() } else { format!("/boot{missing}") };
        let live = host.is_live();
        let root = host.root().to_string_lossy().into_owned();
        let (build, undo) = if let Some(u) = tool(host, &["/usr/sbin/update-initramfs", "/sbin/update-initramfs"])
            .filter(|_| target.rsplit('/').next() == Some(&format!("initrd.img-{version}")))
        {
            (
                vec![u.clone(), "-c".into(), "-k".into(), version.into()],
                vec![u, "-d".into(), "-k".into(), version.into()],
            )
        } else if let Some(d) = tool(host, &["/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut"]) {
            let mut b = vec![d, "-f".into()];
            if !live {
                b.push("--no-hostonly".into());
            }
            b.extend([target.clone(), version.to_string()]);
            (b, vec!["rm".into(), "-f".into(), target.clone()])
        } else {
            return Err(Skip::Refused(rtf(l, R::InitramfsNoTool, &[("initrd", &target), ("version", version)])));
        };
        let modules = ["/lib/modules", "/usr/lib/modules"].iter().any(|d| host.path(format!("{d}/{version}")).is_dir());
        let show = |args: &[String]| -> String {
            let v: Vec<&str> = args.iter().map(String::as_str).collect();
            if live { Command::new(v[0], &v[1..]).line() } else { chrooted(&root, &v).line() }
        };
        if !modules {
            return Err(Skip::Refused(rtf(l, R::InitramfsNoModules, &[("version", version)])));
        }
        let mut steps = Vec::new();
        if live {
            let b: Vec<&str> = build.iter().map(String::as_str).collect();
            let u: Vec<&str> = undo.iter().map(String::as_str).collect();
            steps.push(Live {
                run: Command::new(b[0], &b[1..]).with_limit(BUILD_LIMIT_S),
                undo: Some(Command::new(u[0], &u[1..])),
            });
        } else {
            if !rustix::process::geteuid().is_root() {
                return Err(Skip::Refused(rtf(
                    l,
                    R::InitramfsNotRoot,
                    &[("command", &commands_for(&root, &show(&build)))],
                )));
            }
            let at = |d: &str| format!("{root}/{d}");
            let bind = |d: &str| Command::new("mount", &["--bind", &format!("/{d}"), &at(d)]);
            let unbind = |d: &str| Command::new("umount", &[&at(d)]);
            for d in BINDS {
                if !host.path(format!("/{d}")).is_dir() {
                    return Err(Skip::Refused(rtf(
                        l,
                        R::InitramfsNotRoot,
                        &[("command", &commands_for(&root, &show(&build)))],
                    )));
                }
                steps.push(Live { run: bind(d), undo: Some(unbind(d)) });
            }
            let b: Vec<&str> = build.iter().map(String::as_str).collect();
            let u: Vec<&str> = undo.iter().map(String::as_str).collect();
            steps.push(Live { run: chrooted(&root, &b).with_limit(BUILD_LIMIT_S), undo: Some(chrooted(&root, &u)) });
            for d in BINDS.iter().rev() {
                steps.push(Live { run: unbind(d), undo: Some(bind(d)) });
            }
        }
        let summary = rtf(
            l,
            R::InitramfsDoBuild,
            &[("initrd", &target), ("version", version), ("entry", &entry.title), ("command", &show(&build))],
        );
        Ok(Change { summary, live: steps, ..Change::default() })
    }
}

/// A command run in a chroot of `root`.
fn chrooted(root: &str, args: &[&str]) -> Command {
    let mut all = vec![root];
    all.extend_from_slice(args);
    Command::new("chroot", &all)
}

/// The commands a person types to build it in a chroot of `root`.
fn commands_for(root: &str, build: &str) -> String {
    let r = crate::fmt::shell_word(root);
    format!(
        "for d in dev proc sys; do mount --bind /$d {r}/$d; done; {build}; for d in sys proc dev; do umount {r}/$d; done"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::report::{Finding, Severity};

    fn plan(root: &std::path::Path) -> Result<Change, Skip> {
        let f = Finding {
            severity: Severity::Crit,
            message: "m".into(),
            subject: Some("Debian".into()),
            code: Some("INITRD-MISSING".into()),
            evidence: vec![],
            since: None,
        };
        let host = Host::new(root);
        Params {}.plan(&Target { host: &host, lang: Lang::En, check: "sys.boot.entry", finding: &f })
    }

    #[test]
    fn the_missing_initramfs_is_built_in_a_chroot_with_the_binds_undone_or_refused_with_the_commands() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for d in ["boot/grub", "usr/sbin", "lib/modules/6.1.0-9-amd64", "dev", "proc", "sys"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        std::fs::write(
            root.join("boot/grub/grub.cfg"),
            "menuentry 'Debian' {\n\tlinux /boot/vmlinuz-6.1.0-9-amd64 root=/dev/vda1\n\tinitrd /boot/initrd.img-6.1.0-9-amd64\n}\n",
        )
        .expect("cfg");
        // Without the kernel: the entry is repaired first.
        assert!(matches!(plan(root), Err(Skip::Refused(r)) if r.contains("vmlinuz-6.1.0-9-amd64")));
        std::fs::write(root.join("boot/vmlinuz-6.1.0-9-amd64"), "k").expect("kernel");
        // No tool on the disk.
        assert!(matches!(plan(root), Err(Skip::Refused(r)) if r.contains("dracut")));
        std::fs::write(root.join("usr/sbin/update-initramfs"), "#!/bin/sh\n").expect("tool");
        let r = root.to_string_lossy().into_owned();
        match plan(root) {
            Ok(c) => {
                let runs: Vec<String> = c.live.iter().map(|s| s.run.line()).collect();
                assert_eq!(runs[0], format!("mount --bind /dev {r}/dev"));
                assert_eq!(runs[3], format!("chroot {r} /usr/sbin/update-initramfs -c -k 6.1.0-9-amd64"));
                assert_eq!(runs[6], format!("umount {r}/dev"));
                assert_eq!(
                    c.live[3].undo.as_ref().map(Command::line),
                    Some(format!("chroot {r} /usr/sbin/update-initramfs -d -k 6.1.0-9-amd64"))
                );
                assert!(c.summary.contains("/boot/initrd.img-6.1.0-9-amd64"), "{}", c.summary);
            }
            Err(Skip::Refused(why)) => {
                assert!(!rustix::process::geteuid().is_root() && why.contains("mount --bind"), "{why}")
            }
            Err(e) => panic!("{e:?}"),
        }
        std::fs::write(root.join("boot/initrd.img-6.1.0-9-amd64"), "i").expect("initrd");
        assert!(matches!(plan(root), Err(Skip::NotApplicable(_))));
    }
}
