//! The boot entries GRUB 2 offers and which one it starts by default: menu entries of
//! `grub.cfg` (Debian, Ubuntu, CentOS 7) or Boot Loader Specification entries under
//! `/boot/loader/entries` when `grub.cfg` runs `blscfg` (RHEL 8+, Alibaba Cloud Linux 3), with
//! `saved_entry` and `kernelopts` from `grubenv`. Paths in an entry are relative to the
//! filesystem GRUB reads them from, which is `/boot` itself when /boot is its own partition, so
//! a path is looked for both as written and under /boot.

use super::Host;

/// The places grub.cfg lives, most specific first.
pub const GRUB_CFGS: &[&str] = &["/boot/grub2/grub.cfg", "/boot/grub/grub.cfg"];
const GRUBENVS: &[&str] = &["/boot/grub2/grubenv", "/boot/grub/grubenv"];
pub const BLS_DIR: &str = "/boot/loader/entries";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entry {
    pub title: String,
    /// The entry's id (`--id` / `$menuentry_id_option`, or the BLS file's name).
    pub id: String,
    pub kernel: Option<String>,
    pub initrds: Vec<String>,
    /// The kernel command line after the kernel path.
    pub options: String,
    /// Where it was read (`/boot/grub/grub.cfg:119` or the BLS file).
    pub source: String,
    /// What GRUB's `default` (and `saved_entry`) would say to start it: its id (or title), after
    /// its submenu's (`gnulinux-advanced-…>gnulinux-6.1.0-50-…`).
    pub path: String,
}

impl Entry {
    /// The value of `root=` on the command line.
    pub fn root(&self) -> Option<&str> {
        self.options.split_whitespace().rev().find_map(|w| w.strip_prefix("root="))
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Menu {
    /// Where the menu came from (a grub.cfg, or the BLS directory).
    pub source: String,
    pub entries: Vec<Entry>,
    /// The index in `entries` of the one GRUB starts by default.
    pub default: Option<usize>,
    /// How the default was chosen (`set default="0"`, `saved_entry=…`).
    pub default_reason: String,
    /// grub.cfg's top-level `set default="…"`: its value as written and its line (1-based).
    pub set_default: Option<(String, usize)>,
}

/// Reads the boot menu of the examined system; `None` when there is no grub.cfg.
pub fn read(host: &Host) -> Option<Menu> {
    let cfg = GRUB_CFGS.iter().find_map(|p| host.read(p).ok())?;
    let env = GRUBENVS.iter().find_map(|p| host.read(p).ok()).map(|f| parse_env(&f.text)).unwrap_or_default();
    let saved = env.iter().find(|(k, _)| k == "saved_entry").map(|(_, v)| v.clone());
    if cfg.text.lines().any(|l| l.trim() == "blscfg" || l.trim().starts_with("blscfg ")) {
        let mut entries = Vec::new();
        let mut names = host.list_dir(BLS_DIR).unwrap_or_default();
        names.retain(|n| n.ends_with(".conf"));
        // blscfg sorts newest first.
        names.sort_by(|a, b| b.cmp(a));
        for n in names {
            let path = format!("{BLS_DIR}/{n}");
            let Ok(f) = host.read(&path) else { continue };
            entries.push(parse_bls(&f.text, n.trim_end_matches(".conf"), &path, &env));
        }
        if !entries.is_empty() {
            let (default, reason) = match saved.as_deref().and_then(|s| entries.iter().position(|e| e.id == s)) {
                Some(i) => (Some(i), format!("grubenv saved_entry={}", entries[i].id)),
                None => (Some(0), "the newest entry".to_string()),
            };
            for e in &mut entries {
                e.path = e.id.clone();
            }
            let set_default = parse_grub_cfg(&cfg.text, &cfg.path, None).set_default;
            return Some(Menu { source: BLS_DIR.into(), entries, default, default_reason: reason, set_default });
        }
    }
    Some(parse_grub_cfg(&cfg.text, &cfg.path, saved.as_deref()))
}

/// The grubenv of the examined system: its path and variables, when there is one.
pub fn grubenv(host: &Host) -> Option<(String, Vec<(String, String)>)> {
    GRUBENVS.iter().find_map(|p| host.read(p).ok()).map(|f| (f.path.clone(), parse_env(&f.text)))
}

/// The grubenv paths, most specific first.
pub const GRUBENV_PATHS: &[&str] = GRUBENVS;

fn parse_env(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect()
}

fn parse_bls(text: &str, id: &str, path: &str, env: &[(String, String)]) -> Entry {
    let mut e = Entry { id: id.to_string(), source: path.to_string(), ..Default::default() };
    for l in text.lines() {
        let l = l.trim();
        let (k, v) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
        let v = v.trim();
        match k {
            "title" => e.title = v.to_string(),
            "linux" => e.kernel = Some(v.to_string()),
            "initrd" => e.initrds.extend(v.split_whitespace().map(str::to_string)),
            "options" => {
                let mut o = v.to_string();
                for (name, val) in env {
                    o = o.replace(&format!("${name}"), val).replace(&format!("${{{name}}}"), val);
                }
                e.options = o;
            }
            _ => {}
        }
    }
    if e.title.is_empty() {
        e.title = id.to_string();
    }
    e
}

/// Splits a grub.cfg line into words, honouring single and double quotes.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (_, c) => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Parses menu entries (top level and one level of submenu) and the default.
pub fn parse_grub_cfg(text: &str, path: &str, saved: Option<&str>) -> Menu {
    let mut menu = Menu { source: path.to_string(), ..Default::default() };
    // Top-level items: an entry, or a submenu holding entries (indices into menu.entries).
    let mut top: Vec<(String, String, Vec<usize>)> = Vec::new();
    let mut default_value: Option<(String, usize)> = None;
    let mut stack: Vec<&'static str> = Vec::new();
    let mut current: Option<Entry> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let w = words(line);
        let Some(first) = w.first().map(String::as_str) else { continue };
        match first {
            "menuentry" | "submenu" => {
                let title = w.get(1).cloned().unwrap_or_default();
                let id = w
                    .windows(2)
                    .find(|p| p[0] == "$menuentry_id_option" || p[0] == "--id")
                    .map(|p| p[1].clone())
                    .unwrap_or_default();
                if first == "submenu" {
                    top.push((title, id, Vec::new()));
                    stack.push("submenu");
                } else {
                    current = Some(Entry { title, id, source: format!("{path}:{}", n + 1), ..Default::default() });
                    stack.push("menuentry");
                }
                continue;
            }
            "}" => {
                match stack.pop() {
                    Some("menuentry") => {
                        if let Some(e) = current.take() {
                            let idx = menu.entries.len();
                            menu.entries.push(e);
                            match (stack.last(), top.last_mut()) {
                                (Some(&"submenu"), Some(t)) => t.2.push(idx),
                                _ => top.push((String::new(), String::new(), vec![idx])),
                            }
                        }
                    }
                    Some(_) => {}
                    None => {}
                }
                continue;
            }
            _ => {}
        }
        if let Some(e) = current.as_mut() {
            match first {
                "linux" | "linux16" | "linuxefi" => {
                    e.kernel = w.get(1).cloned();
                    e.options = w.get(2..).map(|r| r.join(" ")).unwrap_or_default();
                    e.source = format!("{path}:{}", n + 1);
                }
                "initrd" | "initrd16" | "initrdefi" => e.initrds = w[1..].to_vec(),
                _ => {}
            }
        } else if stack.is_empty()
            && first == "set"
            && let Some(v) = w.get(1).and_then(|a| a.strip_prefix("default="))
            && !v.contains("next_entry")
        {
            default_value = Some((v.to_string(), n + 1));
        }
    }
    let (value, reason) = match &default_value {
        Some((v, line)) if v.contains("saved_entry") => {
            let s = saved.unwrap_or("0").to_string();
            let r = format!("{path}:{line}: set default=\"{v}\", grubenv saved_entry={s}");
            (s, r)
        }
        Some((v, line)) => (v.clone(), format!("{path}:{line}: set default=\"{v}\"")),
        None => ("0".to_string(), "the first entry (no set default)".to_string()),
    };
    menu.default = resolve(&value, &top, &menu.entries);
    menu.default_reason = reason;
    menu.set_default = default_value;
    let name = |id: &str, title: &str| if id.is_empty() { title.to_string() } else { id.to_string() };
    for (title, id, items) in &top {
        let sub = (!title.is_empty() || !id.is_empty()).then(|| name(id, title));
        for &i in items {
            let e = &mut menu.entries[i];
            let own = name(&e.id, &e.title);
            e.path = match &sub {
                Some(s) => format!("{s}>{own}"),
                None => own,
            };
        }
    }
    menu
}

/// Finds the entry a `default` value names: an index (`0`, `1>2`), a title or an id.
fn resolve(value: &str, top: &[(String, String, Vec<usize>)], entries: &[Entry]) -> Option<usize> {
    let mut parts = value.split('>');
    let first = parts.next()?;
    let item = match first.parse::<usize>() {
        Ok(i) => top.get(i)?,
        Err(_) => {
            if let Some(i) = entries.iter().position(|e| e.id == first || e.title == first) {
                if value.contains('>') {
                    // A submenu's title or id followed by an entry in it.
                    return None;
                }
                return Some(i);
            }
            top.iter().find(|t| t.0 == first || t.1 == first)?
        }
    };
    match parts.next() {
        None => item.2.first().copied(),
        Some(sub) => match sub.parse::<usize>() {
            Ok(j) => item.2.get(j).copied(),
            Err(_) => item.2.iter().copied().find(|&k| entries[k].id == sub || entries[k].title == sub),
        },
    }
}

/// Where a path GRUB loads exists on the examined system: as written, or under /boot (a
/// separate /boot partition); the path as found, or `None`.
pub fn locate(host: &Host, grub_path: &str) -> Option<String> {
    // `(hd0,msdos1)/vmlinuz` and `($root)/…`: the device part is GRUB's, the path is the rest.
    let p = match grub_path.find(')') {
        Some(i) if grub_path.starts_with('(') => &grub_path[i + 1..],
        _ => grub_path,
    };
    [p.to_string(), format!("/boot{p}")].into_iter().find(|c| host.path(c).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN: &str = r#"
if [ "${next_entry}" ] ; then
   set default="${next_entry}"
else
   set default="0"
fi
menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple-abc' {
	linux	/boot/vmlinuz-6.1.0-50-cloud-amd64 root=UUID=abc ro quiet
	initrd	/boot/initrd.img-6.1.0-50-cloud-amd64
}
submenu 'Advanced options' $menuentry_id_option 'gnulinux-advanced-abc' {
	menuentry 'Debian, with Linux 6.1.0-50' $menuentry_id_option 'gnulinux-6.1.0-50-advanced-abc' {
		linux	/boot/vmlinuz-6.1.0-50-cloud-amd64 root=UUID=abc ro
		initrd	/boot/initrd.img-6.1.0-50-cloud-amd64
	}
	menuentry 'Debian, with Linux 6.1.0-40' $menuentry_id_option 'gnulinux-6.1.0-40-advanced-abc' {
		linux	/boot/vmlinuz-6.1.0-40-cloud-amd64 root=/dev/vda1 ro
		initrd	/boot/initrd.img-6.1.0-40-cloud-amd64
	}
}
"#;

    #[test]
    fn the_default_entry_by_index_title_id_and_saved_entry() {
        let m = parse_grub_cfg(DEBIAN, "/boot/grub/grub.cfg", None);
        assert_eq!(m.entries.len(), 3);
        let d = &m.entries[m.default.expect("default")];
        assert_eq!(d.title, "Debian GNU/Linux");
        assert_eq!(d.kernel.as_deref(), Some("/boot/vmlinuz-6.1.0-50-cloud-amd64"));
        assert_eq!(d.initrds, vec!["/boot/initrd.img-6.1.0-50-cloud-amd64"]);
        assert_eq!(d.root(), Some("UUID=abc"));
        assert!(m.default_reason.contains("grub.cfg:5: set default=\"0\""), "{}", m.default_reason);
        assert_eq!(m.set_default, Some(("0".to_string(), 5)));
        assert_eq!(m.entries[0].path, "gnulinux-simple-abc");
        assert_eq!(m.entries[2].path, "gnulinux-advanced-abc>gnulinux-6.1.0-40-advanced-abc");

        let saved = DEBIAN.replace("set default=\"0\"", "set default=\"${saved_entry}\"");
        for (s, want) in [
            ("1>1", "Debian, with Linux 6.1.0-40"),
            ("gnulinux-advanced-abc>gnulinux-6.1.0-40-advanced-abc", "Debian, with Linux 6.1.0-40"),
            ("Debian, with Linux 6.1.0-50", "Debian, with Linux 6.1.0-50"),
            ("gnulinux-simple-abc", "Debian GNU/Linux"),
        ] {
            let m = parse_grub_cfg(&saved, "/boot/grub/grub.cfg", Some(s));
            assert_eq!(m.default.map(|i| m.entries[i].title.as_str()), Some(want), "{s}");
        }
        let m = parse_grub_cfg(&saved, "/boot/grub/grub.cfg", Some("no-such-entry"));
        assert_eq!(m.default, None);
    }

    #[test]
    fn bls_entries_take_kernelopts_from_grubenv() {
        let env = parse_env("# GRUB Environment Block\nsaved_entry=abc-5.10\nkernelopts=root=UUID=r1 ro\n");
        let e = parse_bls(
            "title Alibaba Cloud Linux (5.10)\nlinux /vmlinuz-5.10\ninitrd /initramfs-5.10.img\noptions $kernelopts crashkernel=auto\n",
            "abc-5.10",
            "/boot/loader/entries/abc-5.10.conf",
            &env,
        );
        assert_eq!(e.root(), Some("UUID=r1"));
        assert_eq!(e.kernel.as_deref(), Some("/vmlinuz-5.10"));
        assert_eq!(e.initrds, vec!["/initramfs-5.10.img"]);
    }
}
