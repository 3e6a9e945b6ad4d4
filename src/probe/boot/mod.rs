//! Whether the examined system can boot, mostly for a system disk attached to a rescue instance
//! (`--root`), also live: the default GRUB entry's kernel, initramfs and `root=` (`boot_entry`),
//! the cloud's storage and network drivers inside that initramfs (`initramfs_drivers`), and
//! /etc/selinux/config, whose typos stop a boot (`selinux_config`), and how the previous boot
//! ended with whether kdump would save the next crash (`previous_boot`). GRUB's menu is
//! `host::bootloader`'s, the initramfs archive `host::initramfs`'s.

pub mod boot_entry;
pub mod initramfs_drivers;
pub mod previous_boot;
pub mod selinux_config;

use crate::host::bootloader::{self, Menu};
use crate::i18n::{Msg, Said};
use crate::probe::{ProbeContext, ProbeError};

/// The boot menu, or `skipped` naming where GRUB's configuration was looked for.
pub(crate) fn menu(ctx: &ProbeContext) -> Result<Menu, ProbeError> {
    bootloader::read(&ctx.host).ok_or_else(|| {
        ProbeError::Skipped(Said::new(Msg::SkipFileMissing).arg("path", bootloader::GRUB_CFGS.join(", ")))
    })
}
