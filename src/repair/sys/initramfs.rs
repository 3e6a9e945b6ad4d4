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
//!
//! `build = "again"` (`sys.boot.initramfs` EINVAL: the initramfs is there but cannot be unpacked,
//! as a full /boot leaves it) and `build = "with-driver"` (DRIVER-MISSING: the finding's cloud
//! driver is neither in it nor built into the kernel) replace the main initramfs the entry loads
//! with `update-initramfs -u -k <version>` or `dracut -f`: it is copied beside itself
//! (`<initramfs>.ecs-doctor-old`) first and undo moves that copy back, so undo gives back the very
//! bytes. `with-driver` first names the driver where the tool reads it, so every later build keeps
//! it too: a line in /etc/initramfs-tools/modules, or `add_drivers` in a /etc/dracut.conf.d
//! drop-in (a file undo restores or removes); refused when the kernel has no such module.

use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::host::Host;
use crate::host::bootloader;
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Which initramfs, and why: `missing` (the default: the entry's initramfs is gone),
    /// `again` (it is there but cannot be unpacked), `with-driver` (the finding's driver is not
    /// in it).
    #[serde(default)]
    pub build: Build,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Build {
    #[default]
    Missing,
    Again,
    WithDriver,
}

/// How long building an initramfs may take.
const BUILD_LIMIT_S: u64 = 600;
/// The rescue system's directories a chroot needs.
const BINDS: [&str; 3] = ["dev", "proc", "sys"];
/// The drivers `with-driver` adds: those `sys.boot.initramfs` looks for.
const DRIVERS: [&str; 4] = ["virtio_blk", "nvme", "virtio_net", "xen-blkfront"];
/// initramfs-tools' list of modules always included.
const INITRAMFS_TOOLS_MODULES: &str = "/etc/initramfs-tools/modules";

/// The first of `names` installed in the examined system (its path there).
fn tool(host: &Host, names: &[&str]) -> Option<String> {
    names.iter().find(|p| host.path(p).is_file()).map(|p| p.to_string())
}

/// Whether kernel `version` has `module` (`-` and `_` alike), by its modules.dep.
fn kernel_has_module(host: &Host, version: &str, module: &str) -> bool {
    let want = module.replace('-', "_");
    ["/lib/modules", "/usr/lib/modules"].iter().any(|d| {
        host.read(&format!("{d}/{version}/modules.dep")).is_ok_and(|f| {
            f.text.lines().filter_map(|l| l.split(':').next()?.rsplit('/').next()).any(|base| {
                [".ko", ".ko.xz", ".ko.zst", ".ko.gz"]
                    .iter()
                    .any(|s| base.strip_suffix(s).is_some_and(|stem| stem.replace('-', "_") == want))
            })
        })
    })
}

/// The file edit that makes the distribution's tool include `module` (`None`: it already
/// does): initramfs-tools' modules list, or a dracut drop-in. A list that cannot be read is a
/// refusal, never an empty file written over it.
fn driver_edit(t: &Target, module: &str, initramfs_tools: bool) -> Result<Option<FileEdit>, Skip> {
    let note = "# ecs-doctor fix: the cloud's driver, missing from the initramfs";
    if initramfs_tools {
        let old = if t.host.path(INITRAMFS_TOOLS_MODULES).exists() {
            super::grub::read_text(t, INITRAMFS_TOOLS_MODULES)?
        } else {
            String::new()
        };
        if old.lines().any(|l| l.split_whitespace().next() == Some(module)) {
            return Ok(None);
        }
        let mut after = old;
        if !after.is_empty() && !after.ends_with('\n') {
            after.push('\n');
        }
        after.push_str(&format!("{note}\n{module}\n"));
        Ok(Some(FileEdit { path: INITRAMFS_TOOLS_MODULES.into(), after: Some(after.into_bytes()) }))
    } else {
        let path = format!("/etc/dracut.conf.d/ecs-doctor-{module}.conf");
        let after = format!("{note}\nadd_drivers+=\" {module} \"\n").into_bytes();
        if std::fs::read(t.host.path(&path)).is_ok_and(|b| b == after) {
            return Ok(None);
        }
        Ok(Some(FileEdit { path, after: Some(after) }))
    }
}

impl Action for Params {
    fn name(&self) -> String {
        match self.build {
            Build::Missing => "initramfs-build",
            Build::Again => "initramfs-rebuild",
            Build::WithDriver => "initramfs-driver",
        }
        .into()
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
        // The initramfs to build: the one that is gone, or the main one (an entry may load a
        // microcode image first), as the checks read it.
        let (grub_path, located) = match self.build {
            Build::Missing => match entry.initrds.iter().find(|p| bootloader::locate(host, p).is_none()) {
                Some(p) => (p.clone(), None),
                None => return Err(Skip::NotApplicable(rtf(l, R::InitramfsFine, &[]))),
            },
            Build::Again | Build::WithDriver => {
                match entry.initrds.iter().rev().find_map(|p| Some((p.clone(), bootloader::locate(host, p)?))) {
                    Some((p, at)) => (p, Some(at)),
                    None => return Err(Skip::NotApplicable(rtf(l, R::InitramfsFine, &[]))),
                }
            }
        };
        let driver = t.finding.subject.clone().unwrap_or_default();
        if let Some(at) = &located {
            let listing = crate::host::initramfs::read(&host.path(at));
            match (self.build, &listing) {
                (Build::Again, Ok(_)) => {
                    return Err(Skip::NotApplicable(rtf(l, R::InitramfsReadable, &[("initrd", at)])));
                }
                (Build::WithDriver, _) if !DRIVERS.contains(&driver.as_str()) => {
                    return Err(Skip::NotApplicable(rtf(l, R::InitramfsNoSuchDriver, &[("driver", &driver)])));
                }
                (Build::WithDriver, Ok(list)) if list.modules().contains(&driver.replace('-', "_")) => {
                    return Err(Skip::NotApplicable(rtf(
                        l,
                        R::InitramfsHasDriver,
                        &[("initrd", at), ("driver", &driver)],
                    )));
                }
                _ => {}
            }
        }
        let kernel = entry.kernel.clone().unwrap_or_default();
        if bootloader::locate(host, &kernel).is_none() {
            return Err(Skip::Refused(rtf(l, R::InitramfsKernelGone, &[("kernel", &kernel), ("initrd", &grub_path)])));
        }
        let Some(version) = super::grub::kernel_version(&kernel) else {
            return Err(Skip::Refused(rtf(l, R::InitramfsNoVersion, &[("kernel", &kernel)])));
        };
        // A path GRUB reads from a separate /boot partition is relative to it.
        let target = located.clone().unwrap_or_else(|| {
            if grub_path.starts_with("/boot/") { grub_path.clone() } else { format!("/boot{grub_path}") }
        });
        let live = host.is_live();
        let root = host.root().to_string_lossy().into_owned();
        // Replacing an initramfs that is there: it is kept beside it first, and undo puts it back.
        let kept = format!("{target}.ecs-doctor-old");
        let (host_target, host_kept) =
            (host.path(&target).to_string_lossy().into_owned(), host.path(&kept).to_string_lossy().into_owned());
        let update = tool(host, &["/usr/sbin/update-initramfs", "/sbin/update-initramfs"])
            .filter(|_| target.rsplit('/').next() == Some(&format!("initrd.img-{version}")));
        let (build, undo) = if let Some(u) = &update {
            let flag = if located.is_some() { "-u" } else { "-c" };
            (
                vec![u.clone(), flag.into(), "-k".into(), version.into()],
                vec![u.clone(), "-d".into(), "-k".into(), version.into()],
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
        let mut files = Vec::new();
        if self.build == Build::WithDriver {
            if !kernel_has_module(host, version, &driver) {
                return Err(Skip::Refused(rtf(
                    l,
                    R::InitramfsKernelLacks,
                    &[("version", version), ("driver", &driver)],
                )));
            }
            files.extend(driver_edit(t, &driver, update.is_some())?);
        }
        let b: Vec<&str> = build.iter().map(String::as_str).collect();
        let u: Vec<&str> = undo.iter().map(String::as_str).collect();
        let (run, reverse) = if live {
            (Command::new(b[0], &b[1..]), Command::new(u[0], &u[1..]))
        } else {
            (chrooted(&root, &b), chrooted(&root, &u))
        };
        let mut steps = Vec::new();
        // Replacing an initramfs that is there: a copy is kept beside it first, whose undo puts
        // it back; so a build that fails half-way (the step after it, never recorded as done)
        // leaves the old bytes in place too. The build's own undo copies them back (the copy
        // step's undo then moves them, removing the kept copy), outside any chroot.
        let reverse = if located.is_some() {
            steps.push(Live {
                run: Command::new("cp", &["-a", &host_target, &host_kept]),
                undo: Some(Command::new("mv", &["-f", &host_kept, &host_target])),
            });
            Command::new("cp", &["-a", &host_kept, &host_target])
        } else {
            reverse
        };
        if live {
            steps.push(Live { run: run.with_limit(BUILD_LIMIT_S), undo: Some(reverse) });
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
            steps.push(Live { run: run.with_limit(BUILD_LIMIT_S), undo: Some(reverse) });
            for d in BINDS.iter().rev() {
                steps.push(Live { run: unbind(d), undo: Some(bind(d)) });
            }
        }
        let vars = [
            ("initrd", target.as_str()),
            ("version", version),
            ("entry", entry.title.as_str()),
            ("command", &show(&build)),
            ("driver", &driver),
            ("kept", &kept),
        ];
        let summary = rtf(
            l,
            match self.build {
                Build::Missing => R::InitramfsDoBuild,
                Build::Again => R::InitramfsDoRebuild,
                Build::WithDriver => R::InitramfsDoDriver,
            },
            &vars,
        );
        Ok(Change { summary, files, live: steps, ..Change::default() })
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
    use crate::report::{Finding, Severity};

    fn plan(root: &std::path::Path) -> Result<Change, Skip> {
        plan_for(root, Build::Missing, "Debian")
    }

    fn plan_for(root: &std::path::Path, build: Build, subject: &str) -> Result<Change, Skip> {
        let f = Finding {
            severity: Severity::Crit,
            message: "m".into(),
            subject: Some(subject.into()),
            code: None,
            evidence: vec![],
            since: None,
        };
        let host = Host::new(root);
        Params { build }.plan(&Target::test(&host, "sys.boot.initramfs", &f))
    }

    #[test]
    fn an_unreadable_initramfs_is_built_again_and_a_missing_driver_is_named_first_the_old_one_kept_for_undo() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for d in ["boot/grub", "usr/sbin", "lib/modules/6.1.0-9-amd64", "etc/initramfs-tools", "dev", "proc", "sys"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        std::fs::write(
            root.join("boot/grub/grub.cfg"),
            "menuentry 'Debian' {\n\tlinux /boot/vmlinuz-6.1.0-9-amd64 root=/dev/vda1\n\tinitrd /boot/initrd.img-6.1.0-9-amd64\n}\n",
        )
        .expect("cfg");
        std::fs::write(root.join("boot/vmlinuz-6.1.0-9-amd64"), "k").expect("kernel");
        std::fs::write(root.join("boot/initrd.img-6.1.0-9-amd64"), "not an archive").expect("initrd");
        std::fs::write(root.join("usr/sbin/update-initramfs"), "#!/bin/sh\n").expect("tool");
        std::fs::write(root.join("etc/initramfs-tools/modules"), "# List of modules\nloop").expect("modules");
        std::fs::write(
            root.join("lib/modules/6.1.0-9-amd64/modules.dep"),
            "kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko\nkernel/drivers/block/xen-blkfront.ko.xz:\n",
        )
        .expect("dep");
        let r = root.to_string_lossy().into_owned();
        let i = format!("{r}/boot/initrd.img-6.1.0-9-amd64");
        // Not a driver the check looks for, or one the kernel does not have: nothing is made up.
        assert!(matches!(plan_for(root, Build::WithDriver, "e1000"), Err(Skip::NotApplicable(_))));
        assert!(
            matches!(plan_for(root, Build::WithDriver, "virtio_net"), Err(Skip::Refused(r)) if r.contains("modules.dep"))
        );
        for (build, subject) in [(Build::Again, "/boot/initrd.img-6.1.0-9-amd64"), (Build::WithDriver, "xen-blkfront")]
        {
            match plan_for(root, build, subject) {
                Ok(c) => {
                    let runs: Vec<String> = c.live.iter().map(|s| s.run.line()).collect();
                    assert_eq!(runs[0], format!("cp -a {i} {i}.ecs-doctor-old"));
                    assert_eq!(runs[4], format!("chroot {r} /usr/sbin/update-initramfs -u -k 6.1.0-9-amd64"));
                    assert_eq!(
                        c.live[0].undo.as_ref().map(Command::line),
                        Some(format!("mv -f {i}.ecs-doctor-old {i}"))
                    );
                    assert_eq!(
                        c.live[4].undo.as_ref().map(Command::line),
                        Some(format!("cp -a {i}.ecs-doctor-old {i}"))
                    );
                    assert_eq!(runs.len(), 8, "{runs:?}");
                    if build == Build::WithDriver {
                        assert_eq!(c.files[0].path, "/etc/initramfs-tools/modules");
                        let after = String::from_utf8(c.files[0].after.clone().unwrap_or_default()).expect("utf-8");
                        assert_eq!(
                            after,
                            "# List of modules\nloop\n# ecs-doctor fix: the cloud's driver, missing from the initramfs\nxen-blkfront\n"
                        );
                    } else {
                        assert!(c.files.is_empty());
                    }
                }
                Err(Skip::Refused(why)) => {
                    assert!(!rustix::process::geteuid().is_root() && why.contains("mount --bind"), "{why}")
                }
                Err(e) => panic!("{e:?}"),
            }
        }
        // A driver already named in the list is not named again: only the build.
        std::fs::write(root.join("etc/initramfs-tools/modules"), "xen-blkfront\n").expect("modules");
        if let Ok(c) = plan_for(root, Build::WithDriver, "xen-blkfront") {
            assert!(c.files.is_empty(), "{:?}", c.files);
        }
        // dracut: a drop-in with add_drivers.
        std::fs::remove_file(root.join("usr/sbin/update-initramfs")).expect("rm");
        std::fs::write(root.join("usr/sbin/dracut"), "#!/bin/sh\n").expect("dracut");
        std::fs::create_dir_all(root.join("usr/bin")).expect("mkdir");
        if let Ok(c) = plan_for(root, Build::WithDriver, "virtio_blk") {
            assert_eq!(c.files[0].path, "/etc/dracut.conf.d/ecs-doctor-virtio_blk.conf");
            assert!(
                String::from_utf8_lossy(c.files[0].after.as_deref().unwrap_or_default())
                    .contains("add_drivers+=\" virtio_blk \"")
            );
            assert!(
                c.live[4].run.line().contains("dracut -f --no-hostonly /boot/initrd.img-6.1.0-9-amd64 6.1.0-9-amd64")
            );
        }
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
