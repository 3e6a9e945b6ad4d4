//! `action.grub`: GRUB's default entry cannot boot the system as it is, so make the newest
//! installed kernel the default, where GRUB and the distribution read the default from. Three
//! faults, one per finding of `sys.boot.entry`:
//!
//! - `KERNEL-MISSING`: the default loads a kernel that is gone (removed by hand to free /boot, or
//!   an `update-grub` that never ran after a removal);
//! - `DEFAULT-UNKNOWN`: the default names no entry (GRUB_DEFAULT pinned to a kernel removed
//!   since, a saved_entry of a menu generated again): GRUB falls back to the first entry, which
//!   is not necessarily one that boots, and says nothing;
//! - `ENODEV`: the default boots a `root=` no filesystem here has: the `/` of the system's own
//!   /etc/fstab replaces it, when that filesystem is seen (see [`plan_root`]);
//! - `NO-INITRD`: the default loads no initramfs (the menu was generated while it was missing):
//!   an entry whose kernel and initramfs are both there is made the default instead; when there
//!   is none, building the initramfs is the repair and this one refuses with the commands.
//!
//! - `set default="${saved_entry}"` (GRUB_DEFAULT=saved: RHEL, CentOS, Alibaba Cloud Linux, and
//!   every BLS system): `saved_entry=` in grubenv, as `grub2-set-default` writes it (the block
//!   kept at its 1024 bytes, its other variables as they were);
//! - any other `set default="…"` in grub.cfg (GRUB_DEFAULT=0 or a named entry: Debian, Ubuntu):
//!   that line of grub.cfg, and GRUB_DEFAULT in /etc/default/grub when it names the entry that
//!   is gone, so the next `update-grub` writes the same default. GRUB_DEFAULT=0 stays: once the
//!   menu is generated again its first entry is the newest kernel there is.
//!
//! The newest installed kernel is the entry of the menu with the highest kernel version whose
//! kernel file is there (an entry whose initramfs is there too is preferred; recovery and rescue
//! entries never chosen). A kernel installed but absent from the menu cannot be chosen without
//! generating the menu again: refused with the commands. Validated with GRUB's own checkers
//! (`grub-script-check`, `grub-editenv list`; the examined root's own, through `chroot`, under
//! `--root`) and `sh -n` for /etc/default/grub. Takes effect at the next boot.

use super::lines::{line_of, replace_line};
use super::{Action, Change, Command, FileEdit, Skip, Target};
use crate::host::Host;
use crate::host::bootloader::{self, Entry, Menu};
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

const DEFAULT_GRUB: &str = "/etc/default/grub";
/// The size of a grubenv block (GRUB reads exactly this much).
const GRUBENV_SIZE: usize = 1024;

/// Compares two version strings the way people read them: runs of digits as numbers, the rest
/// as text (`6.1.0-50` > `6.1.0-9`).
pub fn version_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let o = match (x.0, y.0) {
            (true, true) => {
                let (p, q) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                p.len().cmp(&q.len()).then_with(|| p.cmp(q))
            }
            _ => x.1.cmp(y.1),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    ca.len().cmp(&cb.len())
}

/// The kernel version a kernel path names (`/boot/vmlinuz-6.1.0-50-cloud-amd64` →
/// `6.1.0-50-cloud-amd64`).
pub fn kernel_version(path: &str) -> Option<&str> {
    let name = path.rsplit('/').next()?;
    ["vmlinuz-", "vmlinux-", "kernel-", "bzImage-"].iter().find_map(|p| name.strip_prefix(p)).filter(|v| !v.is_empty())
}

/// A recovery or rescue entry: never made the default.
fn rescue(e: &Entry) -> bool {
    let t = e.title.to_ascii_lowercase();
    t.contains("recovery") || t.contains("rescue") || e.id.contains("rescue") || e.id.contains("recovery")
}

/// The entry of the newest installed kernel: (index, version); with `need_initrd`, only an
/// entry whose initramfs is there too, and never the entry `except`.
fn newest(host: &Host, menu: &Menu, need_initrd: bool, except: Option<usize>) -> Option<(usize, String)> {
    menu.entries
        .iter()
        .enumerate()
        .filter(|(i, e)| !rescue(e) && Some(*i) != except)
        .filter_map(|(i, e)| {
            let k = e.kernel.as_deref()?;
            bootloader::locate(host, k)?;
            let v = kernel_version(k)?;
            let initrd = !e.initrds.is_empty() && e.initrds.iter().all(|p| bootloader::locate(host, p).is_some());
            (initrd || !need_initrd).then(|| (i, v.to_string(), initrd))
        })
        .max_by(|a, b| a.2.cmp(&b.2).then_with(|| version_cmp(&a.1, &b.1)).then_with(|| b.0.cmp(&a.0)))
        .map(|(i, v, _)| (i, v))
}

/// A value GRUB and a shell read the same way inside double quotes.
fn plain(v: &str) -> bool {
    !v.is_empty() && !v.chars().any(|c| matches!(c, '"' | '$' | '\\' | '`' | '\n' | '\r') || c.is_control())
}

/// A grubenv block with `saved_entry` set: the existing variables kept in order, `#` padding to
/// 1024 bytes. `None` when it would not fit.
pub fn grubenv_with(existing: Option<&str>, key: &str, value: &str) -> Option<Vec<u8>> {
    let mut out = String::from("# GRUB Environment Block\n");
    let mut set = false;
    for l in existing.unwrap_or("").lines() {
        if l.starts_with('#') || !l.contains('=') {
            continue;
        }
        if l.split_once('=').is_some_and(|(k, _)| k == key) {
            if !set {
                out.push_str(&format!("{key}={value}\n"));
                set = true;
            }
            continue;
        }
        out.push_str(l);
        out.push('\n');
    }
    if !set {
        out.push_str(&format!("{key}={value}\n"));
    }
    if out.len() > GRUBENV_SIZE {
        return None;
    }
    let pad = GRUBENV_SIZE - out.len();
    out.extend(std::iter::repeat_n('#', pad));
    Some(out.into_bytes())
}

/// The examined root's copy of a GRUB tool, run through `chroot` (under `--root`), or the tool
/// itself on the live system; `None` when it is not installed.
fn grub_tool(host: &Host, names: &[&str], args: &[&str]) -> Option<Command> {
    if host.is_live() {
        let name = names.iter().find(|n| crate::host::command::find(n).is_some())?;
        return Some(Command::new(name, args));
    }
    let inside = names.iter().flat_map(|n| ["/usr/bin", "/usr/sbin", "/bin", "/sbin"].map(|d| format!("{d}/{n}")));
    let tool = inside.into_iter().find(|p| host.path(p).is_file())?;
    let root = host.root().to_string_lossy().into_owned();
    let mut all = vec![root.as_str(), tool.as_str()];
    all.extend_from_slice(args);
    Some(Command::new("chroot", &all))
}

/// How the menu is made again on this distribution.
pub fn regenerate_command(host: &Host, cfg: &str) -> String {
    if ["/usr/sbin/update-grub", "/sbin/update-grub"].iter().any(|p| host.path(p).is_file()) {
        "update-grub".into()
    } else if ["/usr/sbin/grub2-mkconfig", "/sbin/grub2-mkconfig"].iter().any(|p| host.path(p).is_file()) {
        format!("grub2-mkconfig -o {cfg}")
    } else {
        format!("grub-mkconfig -o {cfg}")
    }
}

/// `GRUB_DEFAULT=` in /etc/default/grub: (line, value unquoted), the last one.
fn grub_default(text: &str) -> Option<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(n, l)| {
            let v = l.trim_start().strip_prefix("GRUB_DEFAULT=")?;
            let v = v.split('#').next().unwrap_or("").trim();
            Some((n + 1, v.trim_matches(|c| c == '"' || c == '\'').to_string()))
        })
        .last()
}

/// What is wrong with GRUB's default.
#[derive(Clone, Copy)]
enum Fault<'a> {
    /// Its kernel (this path) is gone.
    KernelGone(&'a str),
    /// It names no entry.
    Unknown,
    /// Its entry loads no initramfs.
    NoInitrd,
}

impl Action for Params {
    fn name(&self) -> String {
        "grub-default".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let host = t.host;
        let Some(menu) = bootloader::read(host) else {
            return Err(Skip::NotApplicable(rtf(l, R::CannotRead, &[("path", "grub.cfg"), ("error", "-")])));
        };
        let cfg =
            bootloader::GRUB_CFGS.iter().find(|p| host.path(p).is_file()).copied().unwrap_or("/boot/grub/grub.cfg");
        let regen = regenerate_command(host, cfg);
        if t.finding.code.as_deref() == Some("ENODEV") {
            return plan_root(t, &menu, cfg, &regen);
        }
        let old = menu.default.and_then(|i| menu.entries.get(i));
        let fault = match old {
            None => Fault::Unknown,
            Some(o) => match o.kernel.as_deref() {
                Some(k) if bootloader::locate(host, k).is_none() => {
                    // The same change repairs both findings: planned once, for the kernel.
                    if t.finding.code.as_deref() == Some("NO-INITRD") {
                        return Err(Skip::NotApplicable(rtf(l, R::GrubKernelFirst, &[("kernel", k)])));
                    }
                    Fault::KernelGone(k)
                }
                Some(_) if o.initrds.is_empty() => Fault::NoInitrd,
                _ => return Err(Skip::NotApplicable(rtf(l, R::GrubDefaultFine, &[]))),
            },
        };
        let Some((idx, version)) = newest(host, &menu, matches!(fault, Fault::NoInitrd), menu.default) else {
            return Err(Skip::Refused(match (fault, old) {
                (Fault::KernelGone(gone), _) => rtf(l, R::GrubNoKernel, &[("kernel", gone), ("regen", &regen)]),
                (Fault::NoInitrd, Some(o)) => {
                    let k = o.kernel.as_deref().unwrap_or("-");
                    let v = kernel_version(k).unwrap_or("<version>");
                    rtf(l, R::GrubNoInitrdEntry, &[("entry", &o.title), ("version", v), ("regen", &regen)])
                }
                _ => rtf(l, R::GrubNoKernel, &[("kernel", "-"), ("regen", &regen)]),
            }));
        };
        let new = &menu.entries[idx];
        if !plain(&new.path) {
            return Err(Skip::Refused(rtf(l, R::GrubOddTitle, &[("entry", &new.path)])));
        }
        let mut files = Vec::new();
        let mut validate = Vec::new();
        let saved = menu.source == "/boot/loader/entries"
            || menu.set_default.as_ref().is_some_and(|(v, _)| v.contains("saved_entry"));
        if saved {
            let (path, text) = match bootloader::GRUBENV_PATHS.iter().find(|p| host.path(p).exists()) {
                Some(p) => (p.to_string(), Some(read_text(t, p)?)),
                None => {
                    let dir = cfg.rsplit_once('/').map(|(d, _)| d).unwrap_or("/boot/grub");
                    (format!("{dir}/grubenv"), None)
                }
            };
            let after = grubenv_with(text.as_deref(), "saved_entry", &new.path)
                .ok_or_else(|| Skip::Refused(rtf(l, R::GrubEnvFull, &[("path", &path)])))?;
            validate.extend(grub_tool(host, &["grub-editenv", "grub2-editenv"], &[&path, "list"]));
            files.push(FileEdit { path, after: Some(after) });
        } else {
            let (_, line) = menu.set_default.clone().unwrap_or_default();
            let bytes = std::fs::read(host.path(cfg))
                .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", cfg), ("error", &e.to_string())])))?;
            match line_of(&bytes, line).and_then(|s| s.find("default=").map(|i| (s, i))) {
                Some((s, i)) => {
                    let new_line = format!("{}default=\"{}\"", &s[..i], new.path);
                    files.push(FileEdit { path: cfg.into(), after: Some(replace_line(&bytes, line, &new_line)) });
                }
                None => {
                    // No `set default`: GRUB starts the first entry. One is written first.
                    let mut after = format!("set default=\"{}\"\n", new.path).into_bytes();
                    after.extend_from_slice(&bytes);
                    files.push(FileEdit { path: cfg.into(), after: Some(after) });
                }
            }
            validate.extend(grub_tool(host, &["grub-script-check", "grub2-script-check"], &[cfg]));
            if let Some(text) = host.read_optional(DEFAULT_GRUB).ok().flatten().map(|f| f.text)
                && let Some((n, value)) = grub_default(&text)
            {
                let names_old = old.is_some_and(|o| value == o.path || value == o.id || value == o.title);
                let as_written = menu.set_default.as_ref().is_some_and(|(v, _)| *v == value);
                if value != "0" && value != "saved" && (names_old || as_written) {
                    let bytes = std::fs::read(host.path(DEFAULT_GRUB)).map_err(|e| {
                        Skip::Refused(rtf(l, R::CannotRead, &[("path", DEFAULT_GRUB), ("error", &e.to_string())]))
                    })?;
                    if let Some(old_line) = line_of(&bytes, n) {
                        let indent = &old_line[..old_line.len() - old_line.trim_start().len()];
                        let new_line = format!("{indent}GRUB_DEFAULT=\"{}\"", new.path);
                        files.push(FileEdit {
                            path: DEFAULT_GRUB.into(),
                            after: Some(replace_line(&bytes, n, &new_line)),
                        });
                        validate.push(
                            Command::new("sh", &["-n", &host.path(DEFAULT_GRUB).to_string_lossy()])
                                .only_if_passing_before(),
                        );
                    }
                }
            }
        }
        let written: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let files_list = written.join(", ");
        let old_title = old.map(|o| o.title.as_str()).unwrap_or("-");
        let mut args = vec![
            ("entry", new.title.as_str()),
            ("version", version.as_str()),
            ("old", old_title),
            ("files", files_list.as_str()),
            ("regen", regen.as_str()),
        ];
        let summary = match fault {
            Fault::KernelGone(gone) => {
                args.push(("kernel", gone));
                rtf(l, R::GrubDoDefault, &args)
            }
            Fault::Unknown => {
                args.push(("why", &menu.default_reason));
                rtf(l, R::GrubDoUnknown, &args)
            }
            Fault::NoInitrd => rtf(l, R::GrubDoInitrd, &args),
        };
        Ok(Change { summary, files, validate, live: Vec::new(), commands: Vec::new(), guards_login: false })
    }
}

/// `line` with every whitespace- or quote-delimited word `old` replaced by `new`; `None` when
/// it has none.
fn replace_word(line: &str, old: &str, new: &str) -> Option<String> {
    let edge = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || c == '"' || c == '\'');
    let mut out = String::new();
    let mut rest = line;
    let mut hit = false;
    while let Some(i) = rest.find(old) {
        let before = if i > 0 { rest[..i].chars().last() } else { out.chars().last() };
        let after = rest[i + old.len()..].chars().next();
        out.push_str(&rest[..i]);
        if edge(before) && edge(after) {
            out.push_str(new);
            hit = true;
        } else {
            out.push_str(old);
        }
        rest = &rest[i + old.len()..];
    }
    out.push_str(rest);
    hit.then_some(out)
}

/// `ENODEV`: the default entry boots `root=` a filesystem no disk here carries (the root
/// filesystem made again or its UUID changed, fstab updated and the menu not). The root the
/// system itself names, the `/` line of its /etc/fstab, replaces it when that filesystem is
/// seen here: on every kernel line of grub.cfg (or the BLS entries' `options` and grubenv's
/// `kernelopts`) and in GRUB_CMDLINE_LINUX of /etc/default/grub, so the next update-grub keeps
/// it. Refused when fstab's `/` is not seen either: which disk is the root is not guessed.
fn plan_root(t: &Target, menu: &Menu, cfg: &str, regen: &str) -> Result<Change, Skip> {
    use crate::probe::boot::boot_entry::root_found;
    let l = t.lang;
    let host = t.host;
    let Some(old) = menu.default.and_then(|i| menu.entries.get(i)).and_then(|e| e.root()) else {
        return Err(Skip::NotApplicable(rtf(l, R::GrubRootFine, &[])));
    };
    let seen = crate::host::blockdev::visible();
    if root_found(host, old, &seen) != Some(false) {
        return Err(Skip::NotApplicable(rtf(l, R::GrubRootFine, &[])));
    }
    let fstab_root = host
        .read_optional(crate::host::fstab::PATH)
        .ok()
        .flatten()
        .and_then(|f| crate::host::fstab::parse(&f.text).entries.into_iter().find(|e| e.file == "/"))
        .map(|e| e.spec);
    let Some(new) = fstab_root.filter(|n| n != old && root_found(host, n, &seen) == Some(true) && plain(n)) else {
        return Err(Skip::Refused(rtf(l, R::GrubRootUnknown, &[("root", old)])));
    };
    let device = new.split_once('=').and_then(|(tag, v)| seen.find(tag, v).flatten()).unwrap_or_else(|| new.clone());
    let (old_w, new_w) = (format!("root={old}"), format!("root={new}"));
    let mut files = Vec::new();
    let mut validate = Vec::new();
    let edit = |path: &str, only: &dyn Fn(&str) -> bool| -> Result<Option<FileEdit>, Skip> {
        let text = read_text(t, path)?;
        let mut changed = false;
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            match replace_word(line, &old_w, &new_w).filter(|_| only(line.trim_start())) {
                Some(n) => {
                    out.push_str(&n);
                    changed = true;
                }
                None => out.push_str(line),
            }
        }
        Ok(changed.then(|| FileEdit { path: path.to_string(), after: Some(out.into_bytes()) }))
    };
    if menu.source == bootloader::BLS_DIR {
        for e in &menu.entries {
            files.extend(edit(&e.source, &|l: &str| l.starts_with("options"))?);
        }
        if let Some((path, vars)) = bootloader::grubenv(host)
            && let Some((_, opts)) = vars.iter().find(|(k, _)| k == "kernelopts")
            && let Some(new_opts) = replace_word(opts, &old_w, &new_w)
        {
            let text = read_text(t, &path)?;
            let after = grubenv_with(Some(&text), "kernelopts", &new_opts)
                .ok_or_else(|| Skip::Refused(rtf(l, R::GrubEnvFull, &[("path", &path)])))?;
            validate.extend(grub_tool(host, &["grub-editenv", "grub2-editenv"], &[&path, "list"]));
            files.push(FileEdit { path, after: Some(after) });
        }
    } else {
        let kernel_line =
            |l: &str| ["linux", "linux16", "linuxefi"].iter().any(|k| l.split_whitespace().next() == Some(*k));
        files.extend(edit(cfg, &kernel_line)?);
        validate.extend(grub_tool(host, &["grub-script-check", "grub2-script-check"], &[cfg]));
    }
    if host.path(DEFAULT_GRUB).is_file()
        && let Some(f) = edit(DEFAULT_GRUB, &|l: &str| l.starts_with("GRUB_CMDLINE_LINUX"))?
    {
        files.push(f);
        validate.push(Command::new("sh", &["-n", &host.path(DEFAULT_GRUB).to_string_lossy()]).only_if_passing_before());
    }
    if files.is_empty() {
        return Err(Skip::Refused(rtf(l, R::GrubRootUnknown, &[("root", old)])));
    }
    let written: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let summary = rtf(
        l,
        R::GrubDoRoot,
        &[("new", &new), ("device", &device), ("old", old), ("files", &written.join(", ")), ("regen", regen)],
    );
    Ok(Change { summary, files, validate, live: Vec::new(), commands: Vec::new(), guards_login: false })
}

/// A file of the examined system as text, or the refusal that says why not.
pub fn read_text(t: &Target, path: &str) -> Result<String, Skip> {
    let bytes = std::fs::read(t.host.path(path))
        .map_err(|e| Skip::Refused(rtf(t.lang, R::CannotRead, &[("path", path), ("error", &e.to_string())])))?;
    String::from_utf8(bytes).map_err(|_| Skip::Refused(rtf(t.lang, R::NotText, &[("path", path)])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers() {
        assert_eq!(version_cmp("6.1.0-50-cloud-amd64", "6.1.0-9-cloud-amd64"), Ordering::Greater);
        assert_eq!(version_cmp("5.10.134-16.al8.x86_64", "5.10.134-16.al8.x86_64"), Ordering::Equal);
        assert_eq!(version_cmp("4.18.0-80.el8", "4.18.0-193.el8"), Ordering::Less);
        assert_eq!(kernel_version("/boot/vmlinuz-6.1.0-50-cloud-amd64"), Some("6.1.0-50-cloud-amd64"));
        assert_eq!(kernel_version("/vmlinuz-5.10"), Some("5.10"));
        assert_eq!(kernel_version("/boot/vmlinuz"), None);
    }

    #[test]
    fn a_grubenv_block_stays_1024_bytes_with_its_other_variables() {
        let old = "# GRUB Environment Block\nsaved_entry=old\nboot_success=1\n".to_string() + &"#".repeat(900);
        let b = grubenv_with(Some(&old), "saved_entry", "a>b").expect("fits");
        assert_eq!(b.len(), 1024);
        let s = String::from_utf8(b).expect("utf-8");
        assert!(s.starts_with("# GRUB Environment Block\nsaved_entry=a>b\nboot_success=1\n###"), "{s}");
        let b = grubenv_with(None, "saved_entry", "x").expect("fits");
        assert!(String::from_utf8_lossy(&b).starts_with("# GRUB Environment Block\nsaved_entry=x\n#"));
        assert!(grubenv_with(None, "saved_entry", &"x".repeat(1100)).is_none());
        assert_eq!(
            grub_default("GRUB_DEFAULT=0\n#GRUB_DEFAULT=1\n  GRUB_DEFAULT=\"a>b\"  # pinned\n"),
            Some((3, "a>b".into()))
        );
        assert!(!plain("it's \"x\"") && plain("gnulinux-advanced-1>gnulinux-6.1-advanced-1"));
        assert_eq!(
            replace_word("\tlinux /vmlinuz root=UUID=a ro root=UUID=ab quiet\n", "root=UUID=a", "root=UUID=b")
                .as_deref(),
            Some("\tlinux /vmlinuz root=UUID=b ro root=UUID=ab quiet\n")
        );
        assert_eq!(
            replace_word("GRUB_CMDLINE_LINUX=\"root=UUID=a\"", "root=UUID=a", "root=UUID=b").as_deref(),
            Some("GRUB_CMDLINE_LINUX=\"root=UUID=b\"")
        );
        assert_eq!(replace_word("xroot=UUID=a", "root=UUID=a", "root=UUID=b"), None);
    }
}
