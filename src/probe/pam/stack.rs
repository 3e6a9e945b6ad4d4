//! The PAM stack of a service as Linux-PAM reads it: `/etc/pam.d/<service>` (or the vendor
//! directory `/usr/lib/pam.d`, or `/etc/pam.conf` when there is no /etc/pam.d), with
//! `@include FILE` (Debian: every line of FILE), `TYPE include FILE` and `TYPE substack FILE`
//! (the lines of TYPE in FILE) followed, comments stripped and `\` continuations joined.
//!
//! Each line keeps where it was written (`file:line: text`) and the chain of includes that led
//! to it, for evidence.

use crate::host::Host;
use std::collections::BTreeMap;

/// How deep includes may nest (Linux-PAM stops at about the same depth).
const MAX_DEPTH: usize = 12;
/// Most lines followed in one stack (a stack that includes itself in a loop ends here).
const MAX_LINES: usize = 2000;
/// Most lines, and bytes of lines, read while following one stack, the include lines themselves
/// and the lines of other groups counted: a file that includes itself k times would otherwise
/// be read k^12 times, each deepest read a problem (four `@include` lines of the file itself:
/// 16.7 million; seen while profiling the fuzz target `pam_root`). A real stack reads about a
/// hundred lines and a few kilobytes (Debian's sshd and its four common files: 3 KB without
/// comments; RHEL's password-auth read once per group: about 80 lines).
const MAX_VISITS: usize = 2 * MAX_LINES;
const MAX_VISIT_BYTES: usize = 64 * 1024;
/// Most problems kept (each is a finding's subject); the rest are counted in one more.
const MAX_PROBLEMS: usize = 100;

/// The four management groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Auth,
    Account,
    Session,
    Password,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s.to_ascii_lowercase().as_str() {
            "auth" => Some(Kind::Auth),
            "account" => Some(Kind::Account),
            "session" => Some(Kind::Session),
            "password" => Some(Kind::Password),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Auth => "auth",
            Kind::Account => "account",
            Kind::Session => "session",
            Kind::Password => "password",
        }
    }
}

/// What a line's result does to the stack.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    Required,
    Requisite,
    Sufficient,
    Optional,
    /// `[value=action ...]`: actions by return value (`success`, `auth_err`, `module_unknown`,
    /// `default`, ...), lower case.
    Bracket(BTreeMap<String, String>),
}

impl Control {
    /// Whether a line that returns `value` (a PAM return name: `auth_err`, `module_unknown`,
    /// `perm_denied`) makes the whole stack fail: `required`, `requisite`, and a bracket whose
    /// action for that value (else its `default`, else `bad`) is `bad`, `die`, `ok` or `done`
    /// (the last two pass the failure on as the stack's result).
    pub fn fails_on(&self, value: &str) -> bool {
        match self {
            Control::Required | Control::Requisite => true,
            Control::Sufficient | Control::Optional => false,
            Control::Bracket(actions) => {
                let action = actions.get(value).or_else(|| actions.get("default")).map_or("bad", String::as_str);
                matches!(action, "bad" | "die" | "ok" | "done")
            }
        }
    }

    pub fn text(&self) -> String {
        match self {
            Control::Required => "required".into(),
            Control::Requisite => "requisite".into(),
            Control::Sufficient => "sufficient".into(),
            Control::Optional => "optional".into(),
            Control::Bracket(a) => {
                format!("[{}]", a.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "))
            }
        }
    }
}

/// One module line of a stack, after includes.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub kind: Kind,
    /// A `-` before the type: a module that cannot be loaded is skipped silently.
    pub quiet_missing: bool,
    pub control: Control,
    /// As written: `pam_unix.so` or an absolute path.
    pub module: String,
    pub args: Vec<String>,
    /// `file:line: text`.
    pub loc: String,
    /// The files that included this one, outermost first (empty for the service file itself).
    pub via: Vec<String>,
}

impl Line {
    /// The module's file name without directory (`pam_unix.so`).
    pub fn module_name(&self) -> &str {
        self.module.rsplit('/').next().unwrap_or(&self.module)
    }

    /// The value of argument `key=` (the last one given wins, as modules read them).
    pub fn arg(&self, key: &str) -> Option<&str> {
        self.args.iter().rev().find_map(|a| a.strip_prefix(key)?.strip_prefix('='))
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.args.iter().any(|a| a == flag)
    }

    /// `file:line: text`, and `(included from a, b)` when it came through includes.
    pub fn evidence(&self) -> String {
        if self.via.is_empty() {
            self.loc.clone()
        } else {
            format!("{} (included from {})", self.loc, self.via.join(" → "))
        }
    }
}

/// A service's stack and what could not be followed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stack {
    /// The file the stack starts in (`/etc/pam.d/sshd`).
    pub file: String,
    pub lines: Vec<Line>,
    /// Lines Linux-PAM cannot read (`file:line: text: why`): it skips them, or, for a missing
    /// include, fails the included group.
    pub problems: Vec<String>,
}

/// Where the stack of `service` starts: `/etc/pam.d/<service>`, else `/usr/lib/pam.d/<service>`,
/// else `/etc/pam.conf` (only when /etc/pam.d does not exist). `None` when there is none.
fn service_file(host: &Host, service: &str) -> Option<(String, bool)> {
    for dir in ["/etc/pam.d", "/usr/lib/pam.d"] {
        let p = format!("{dir}/{service}");
        if host.path(&p).is_file() {
            return Some((p, false));
        }
    }
    (!host.path("/etc/pam.d").is_dir() && host.path("/etc/pam.conf").is_file())
        .then(|| ("/etc/pam.conf".to_string(), true))
}

/// Reads the stack of `service`; `Ok(None)` when the system has none for it.
pub fn read(host: &Host, service: &str) -> std::io::Result<Option<Stack>> {
    let Some((file, conf)) = service_file(host, service) else { return Ok(None) };
    let text = host.read(&file)?.text;
    let mut f = Follow {
        host,
        via: Vec::new(),
        visits: 0,
        visit_bytes: 0,
        cut: false,
        texts: BTreeMap::new(),
        stack: Stack { file: file.clone(), ..Default::default() },
    };
    f.follow(&file, &text, conf.then_some(service), None);
    let mut stack = std::mem::take(&mut f.stack);
    if stack.problems.len() > MAX_PROBLEMS {
        let more = stack.problems.len() - MAX_PROBLEMS;
        stack.problems.truncate(MAX_PROBLEMS);
        stack.problems.push(format!("{file}: {more} more lines PAM cannot read (the first {MAX_PROBLEMS} are shown)"));
    }
    if f.cut {
        stack.problems.push(format!(
            "{file}: its includes expand past {MAX_VISITS} lines or {} KB: the rest is not followed",
            MAX_VISIT_BYTES / 1024
        ));
    }
    Ok(Some(stack))
}

/// Logical lines of a PAM file: comments stripped, `\` continuations joined, numbered by the
/// line they start on.
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut acc = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if acc.is_empty() {
            start = i + 1;
        }
        let line = match raw.find('#') {
            Some(k) => &raw[..k],
            None => raw,
        };
        match line.strip_suffix('\\') {
            Some(head) if raw.find('#').is_none() => {
                acc.push_str(head);
                acc.push(' ');
            }
            _ => {
                acc.push_str(line);
                if !acc.trim().is_empty() {
                    out.push((start, std::mem::take(&mut acc)));
                }
                acc.clear();
            }
        }
    }
    if !acc.trim().is_empty() {
        out.push((start, acc));
    }
    out
}

/// Splits a line into words, keeping `[...]` groups (which may hold spaces, and `\]` for a
/// literal bracket) as one word.
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '[' if cur.is_empty() || depth => {
                depth = true;
                cur.push(c);
            }
            '\\' if depth && chars.peek() == Some(&']') => {
                cur.push(']');
                chars.next();
            }
            ']' if depth => {
                depth = false;
                cur.push(c);
            }
            c if c.is_whitespace() && !depth => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn parse_control(word: &str) -> Option<Control> {
    if let Some(inner) = word.strip_prefix('[').and_then(|w| w.strip_suffix(']')) {
        let mut actions = BTreeMap::new();
        for pair in inner.split_whitespace() {
            let (k, v) = pair.split_once('=')?;
            actions.insert(k.to_ascii_lowercase(), v.to_ascii_lowercase());
        }
        return Some(Control::Bracket(actions));
    }
    match word.to_ascii_lowercase().as_str() {
        "required" => Some(Control::Required),
        "requisite" => Some(Control::Requisite),
        "sufficient" => Some(Control::Sufficient),
        "optional" => Some(Control::Optional),
        _ => None,
    }
}

/// The path of an included file: relative names are in /etc/pam.d (or the vendor directory).
fn include_path(host: &Host, name: &str) -> String {
    if name.starts_with('/') {
        return name.to_string();
    }
    let etc = format!("/etc/pam.d/{name}");
    if host.path(&etc).exists() {
        return etc;
    }
    let vendor = format!("/usr/lib/pam.d/{name}");
    if host.path(&vendor).exists() { vendor } else { etc }
}

/// Following one stack: the host, the files that included the current one, how many lines were
/// read so far and their bytes ([`MAX_VISITS`], [`MAX_VISIT_BYTES`]), the included files read once each, and the stack being built.
struct Follow<'h> {
    host: &'h Host,
    via: Vec<String>,
    visits: usize,
    visit_bytes: usize,
    /// Whether the bounds were reached (said once, as the last problem).
    cut: bool,
    texts: BTreeMap<String, Result<std::rc::Rc<str>, String>>,
    stack: Stack,
}

impl Follow<'_> {
    /// Adds the lines of `file` (text `text`) to the stack. `service`: the service whose lines
    /// count in /etc/pam.conf (a first field on each line); `only`: the one group an `include`
    /// or `substack` takes.
    fn follow(&mut self, file: &str, text: &str, service: Option<&str>, only: Option<Kind>) {
        let host = self.host;
        for (n, line) in logical_lines(text) {
            if self.stack.lines.len() >= MAX_LINES {
                return;
            }
            if self.visits >= MAX_VISITS || self.visit_bytes >= MAX_VISIT_BYTES {
                self.cut = true;
                return;
            }
            self.visits += 1;
            self.visit_bytes += line.len();
            let shown = line.split_whitespace().collect::<Vec<_>>().join(" ");
            let loc = format!("{file}:{n}: {shown}");
            let mut w = words(&line);
            if let Some(s) = service {
                if w.first().is_none_or(|f| !f.eq_ignore_ascii_case(s)) {
                    continue;
                }
                w.remove(0);
            }
            if w.first().is_some_and(|f| f == "@include") {
                match w.get(1) {
                    Some(name) => self.include(&include_path(host, name), only, file, &loc),
                    None => self.stack.problems.push(format!("{loc}: @include without a file")),
                }
                continue;
            }
            let (Some(kind_word), Some(control_word)) = (w.first(), w.get(1)) else {
                self.stack.problems.push(format!("{loc}: too few fields"));
                continue;
            };
            let quiet_missing = kind_word.starts_with('-');
            let Some(kind) = Kind::parse(kind_word.trim_start_matches('-')) else {
                self.stack.problems.push(format!("{loc}: unknown type {kind_word}"));
                continue;
            };
            if only.is_some_and(|o| o != kind) {
                continue;
            }
            let lower = control_word.to_ascii_lowercase();
            if lower == "include" || lower == "substack" {
                match w.get(2) {
                    Some(name) => self.include(&include_path(host, name), Some(kind), file, &loc),
                    None => self.stack.problems.push(format!("{loc}: {lower} without a file")),
                }
                continue;
            }
            let Some(control) = parse_control(control_word) else {
                self.stack.problems.push(format!("{loc}: unknown control {control_word}"));
                continue;
            };
            let Some(module) = w.get(2) else {
                self.stack.problems.push(format!("{loc}: no module"));
                continue;
            };
            self.stack.lines.push(Line {
                kind,
                quiet_missing,
                control,
                module: module.clone(),
                args: w[3..].to_vec(),
                loc,
                via: self.via.clone(),
            });
        }
    }

    /// Follows `path`, included by `from` at `loc`.
    fn include(&mut self, path: &str, only: Option<Kind>, from: &str, loc: &str) {
        if self.via.len() >= MAX_DEPTH {
            self.stack.problems.push(format!("{loc}: includes nested deeper than {MAX_DEPTH}"));
            return;
        }
        let host = self.host;
        let text = self
            .texts
            .entry(path.to_string())
            .or_insert_with(|| host.read(path).map(|f| f.text.into()).map_err(|e| e.to_string()))
            .clone();
        match text {
            Ok(text) => {
                self.via.push(from.to_string());
                self.follow(path, &text, None, only);
                self.via.pop();
            }
            Err(e) => self.stack.problems.push(format!("{loc}: cannot read {path}: {e}")),
        }
    }
}

/// The directories Linux-PAM loads modules from on this system: the distribution's
/// (`/lib/x86_64-linux-gnu/security`, `/lib64/security`, `/usr/lib64/security`, ...), those
/// that exist.
pub fn module_dirs(host: &Host) -> Vec<String> {
    let mut dirs = Vec::new();
    for base in ["/lib", "/usr/lib", "/lib64", "/usr/lib64", "/lib32", "/usr/lib32"] {
        let own = format!("{base}/security");
        if host.path(&own).is_dir() {
            dirs.push(own);
        }
        for name in host.list_dir(base).unwrap_or_default() {
            if name.contains("-linux-") {
                let d = format!("{base}/{name}/security");
                if host.path(&d).is_dir() {
                    dirs.push(d);
                }
            }
        }
    }
    dirs
}

/// Where module `module` (a name or an absolute path) is found, if anywhere. A relative name
/// with a directory part (`security/pam_x.so`) is looked up below each directory too.
pub fn find_module(host: &Host, dirs: &[String], module: &str) -> Option<String> {
    if module.starts_with('/') {
        return host.path(module).is_file().then(|| module.to_string());
    }
    dirs.iter().map(|d| format!("{d}/{module}")).find(|p| host.path(p).is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(files: &[(&str, &str)]) -> (tempfile::TempDir, Host) {
        let dir = tempfile::tempdir().expect("tempdir");
        for (p, body) in files {
            let path = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, body).expect("write");
        }
        let h = Host::new(dir.path());
        (dir, h)
    }

    #[test]
    fn words_keep_brackets_whole() {
        assert_eq!(
            words("session [success=ok ignore=ignore module_unknown=ignore default=bad]  pam_selinux.so close"),
            vec!["session", "[success=ok ignore=ignore module_unknown=ignore default=bad]", "pam_selinux.so", "close"]
        );
        assert_eq!(words("auth required pam_x.so [a b\\]c] d"), vec!["auth", "required", "pam_x.so", "[a b]c]", "d"]);
        assert_eq!(
            logical_lines("# c\nauth \\\n required pam_unix.so # x\n\n"),
            vec![(2, "auth   required pam_unix.so ".into())]
        );
    }

    #[test]
    fn includes_substacks_and_types() {
        let (_d, h) = host(&[
            (
                "/etc/pam.d/sshd",
                "@include common-auth\naccount required pam_nologin.so\naccount include common-account\n-session optional pam_systemd.so\nsession substack common-session\nfoo bar\n",
            ),
            (
                "/etc/pam.d/common-auth",
                "auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\nauth required pam_permit.so\n",
            ),
            ("/etc/pam.d/common-account", "account required pam_unix.so\nsession required pam_limits.so\n"),
            ("/etc/pam.d/common-session", "session required pam_unix.so\n@include common-nested\n"),
            ("/etc/pam.d/common-nested", "auth required pam_never.so\nsession required pam_nested.so\n"),
        ]);
        let s = read(&h, "sshd").expect("read").expect("stack");
        let got: Vec<(String, &str)> = s.lines.iter().map(|l| (l.kind.name().to_string(), l.module.as_str())).collect();
        let want = [
            ("auth", "pam_unix.so"),
            ("auth", "pam_deny.so"),
            ("auth", "pam_permit.so"),
            ("account", "pam_nologin.so"),
            ("account", "pam_unix.so"),
            ("session", "pam_systemd.so"),
            ("session", "pam_unix.so"),
            ("session", "pam_nested.so"),
        ];
        assert_eq!(got, want.iter().map(|(k, m)| (k.to_string(), *m)).collect::<Vec<_>>());
        assert!(s.lines[5].quiet_missing);
        assert_eq!(s.lines[7].via, vec!["/etc/pam.d/sshd", "/etc/pam.d/common-session"]);
        assert_eq!(
            s.lines[7].evidence(),
            "/etc/pam.d/common-nested:2: session required pam_nested.so (included from /etc/pam.d/sshd → /etc/pam.d/common-session)"
        );
        assert_eq!(s.problems, vec!["/etc/pam.d/sshd:6: foo bar: unknown type foo"]);
        // `[success=1 default=ignore]` ignores a missing module; `requisite` fails on it.
        assert!(!s.lines[0].control.fails_on("module_unknown") && s.lines[1].control.fails_on("module_unknown"));
        let bracket = parse_control("[success=ok new_authtok_reqd=ok ignore=ignore]").expect("bracket");
        assert!(bracket.fails_on("module_unknown"), "no default: bad");
        assert!(!parse_control("[module_unknown=ignore default=bad]").expect("b").fails_on("module_unknown"));
        assert!(!Control::Optional.fails_on("module_unknown"));
    }

    #[test]
    fn include_loops_end_and_missing_includes_are_problems() {
        let (_d, h) = host(&[
            ("/etc/pam.d/sshd", "@include loop\nauth include nowhere\n"),
            ("/etc/pam.d/loop", "auth required pam_a.so\n@include loop\n"),
        ]);
        let s = read(&h, "sshd").expect("read").expect("stack");
        assert_eq!(s.lines.len(), MAX_DEPTH);
        assert!(s.problems.iter().any(|p| p.contains("nested deeper")));
        assert!(
            s.problems
                .iter()
                .any(|p| p.starts_with("/etc/pam.d/sshd:2: auth include nowhere: cannot read /etc/pam.d/nowhere"))
        );
    }

    /// A file that includes itself three times would be read 3^12 times, each deepest read a
    /// problem: the lines read are bounded, and the stack says where it stopped.
    #[test]
    fn includes_that_branch_stop_at_a_bound() {
        let (_d, h) = host(&[
            ("/etc/pam.d/sshd", "auth required pam_unix.so\n@include loop\n"),
            ("/etc/pam.d/loop", "@include loop\n@include loop\n@include loop\n"),
        ]);
        let s = read(&h, "sshd").expect("read").expect("stack");
        assert_eq!(s.lines.len(), 1);
        assert_eq!(s.problems.len(), MAX_PROBLEMS + 2, "{:?}", s.problems);
        assert!(s.problems[0].contains("includes nested deeper than 12"), "{}", s.problems[0]);
        assert!(s.problems[MAX_PROBLEMS].contains("more lines PAM cannot read (the first 100 are shown)"));
        assert_eq!(
            s.problems.last().map(String::as_str),
            Some("/etc/pam.d/sshd: its includes expand past 4000 lines or 64 KB: the rest is not followed")
        );
    }

    /// Long lines reach the byte bound long before the line bound: a self-including file of
    /// 5,000-byte lines stops after 64 KB, not after 4,000 of its lines.
    #[test]
    fn includes_of_long_lines_stop_at_a_byte_bound() {
        let long = format!("auth required pam_a.so {}\n@include loop\n@include loop\n", "x".repeat(5000));
        let (_d, h) = host(&[("/etc/pam.d/sshd", "@include loop\n"), ("/etc/pam.d/loop", long.as_str())]);
        let s = read(&h, "sshd").expect("read").expect("stack");
        assert!((12..=14).contains(&s.lines.len()), "{}", s.lines.len());
        assert_eq!(s.problems.iter().filter(|p| p.contains("64 KB")).count(), 1, "{:?}", s.problems);
    }

    #[test]
    fn pam_conf_only_without_pam_d() {
        let (_d, h) = host(&[("/etc/pam.conf", "sshd auth required pam_unix.so\nlogin auth required pam_x.so\n")]);
        let s = read(&h, "sshd").expect("read").expect("stack");
        assert_eq!(s.lines.len(), 1);
        assert_eq!(s.lines[0].module, "pam_unix.so");
        let (_d, h) = host(&[("/etc/pam.d/other", "auth required pam_deny.so\n")]);
        assert_eq!(read(&h, "sshd").expect("read"), None);
    }

    #[test]
    fn modules_found_in_the_distribution_dirs() {
        let (_d, h) = host(&[
            ("/lib/x86_64-linux-gnu/security/pam_unix.so", ""),
            ("/usr/lib64/security/pam_faillock.so", ""),
            ("/opt/pam_abs.so", ""),
        ]);
        let dirs = module_dirs(&h);
        assert_eq!(dirs, vec!["/lib/x86_64-linux-gnu/security", "/usr/lib64/security"]);
        assert_eq!(
            find_module(&h, &dirs, "pam_unix.so").as_deref(),
            Some("/lib/x86_64-linux-gnu/security/pam_unix.so")
        );
        assert_eq!(find_module(&h, &dirs, "pam_faillock.so").as_deref(), Some("/usr/lib64/security/pam_faillock.so"));
        assert_eq!(find_module(&h, &dirs, "/opt/pam_abs.so").as_deref(), Some("/opt/pam_abs.so"));
        assert_eq!(find_module(&h, &dirs, "pam_nothere.so"), None);
    }
}
