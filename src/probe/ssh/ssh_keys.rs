//! An account's authorized keys as sshd reads them: the effective AuthorizedKeysFile paths
//! (`%h`, `%u`, `%U`, `%%`, relative to the home directory), each file's lines parsed with the
//! `ssh-key` crate (key type, base64, options), Windows line ends, keys split over several lines,
//! the ownership and mode chain StrictModes checks (the file and every directory up to the home
//! directory: owned by the account or root, not writable by group or others), and whether the
//! account itself can read the file (sshd reads it with the account's rights).
//!
//! Pure parsing ([`parse_keys`]) is separate from the file system walk ([`examine`]).

use crate::host::Host;
use crate::host::fsmeta::{self, Kind, Meta, Names, Superuser};

/// Largest authorized_keys file read.
const MAX_KEYS_BYTES: u64 = 1024 * 1024;

/// What the lines of one authorized_keys file hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyLines {
    /// Lines that parse as a key (with or without options).
    pub valid: usize,
    /// Lines that end in CR (written on Windows): `(line number, parses without the CR)`.
    pub crlf: Vec<(usize, bool)>,
    /// Lines that do not parse: `(line number, why)`.
    pub broken: Vec<(usize, String)>,
    /// Lines that parse only when joined with the line(s) after them: the first line's number.
    pub split: Vec<usize>,
    /// The same keys as `(first line number, lines it spans)`, for the repair that joins them.
    pub split_spans: Vec<(usize, usize)>,
    /// The keys of the valid lines, to compare with a key from elsewhere (the console's).
    pub keys: Vec<ssh_key::public::KeyData>,
}

/// Whether a line is a key sshd would read: `[options] type base64 [comment]`. The key is parsed
/// by the `ssh-key` crate; options (which may quote spaces: `command="echo a b"`) are skipped
/// the way sshd skips them, up to the first whitespace outside quotes.
fn parses(line: &str) -> Result<ssh_key::public::KeyData, String> {
    let key = |s: &str| ssh_key::PublicKey::from_openssh(s).map(|k| k.key_data().clone()).map_err(|e| e.to_string());
    let first = key(line);
    if first.is_ok() {
        return first;
    }
    let mut quoted = false;
    let mut end = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' if !quoted => {
                end = Some(i);
                break;
            }
            _ => {}
        }
    }
    match end {
        // A first word that is no key type is the options: the rest must parse on its own.
        Some(i) if !["ssh-", "ecdsa-", "sk-"].iter().any(|t| line.starts_with(t)) => {
            key(line[i..].trim_start()).map_err(|e| format!("{e} (after the options)"))
        }
        _ => first,
    }
}

/// Parses the text of an authorized_keys file. A line ending in CR counts as valid only when it
/// parses with the CR (sshd reads the CR as part of the line).
pub fn parse_keys(text: &str) -> KeyLines {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out = KeyLines::default();
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let n = i + 1;
        i += 1;
        let body = raw.strip_suffix('\r').unwrap_or(raw);
        let t = body.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if raw.ends_with('\r') {
            let with_cr = parses(raw.trim_start());
            out.crlf.push((n, parses(t).is_ok()));
            if let Ok(k) = with_cr {
                out.valid += 1;
                out.keys.push(k);
            } else {
                out.broken.push((n, "the line ends in a carriage return (CRLF)".into()));
            }
            continue;
        }
        match parses(t) {
            Ok(k) => {
                out.valid += 1;
                out.keys.push(k);
            }
            Err(why) => {
                // Joined with up to three following lines (a key pasted with hard wraps).
                let mut joined = t.to_string();
                let mut found = None;
                for k in 0..3 {
                    let Some(next) = lines.get(i + k) else { break };
                    joined.push_str(next.trim());
                    if parses(&joined).is_ok() {
                        found = Some(k + 1);
                        break;
                    }
                }
                match found {
                    Some(extra) => {
                        out.split.push(n);
                        out.split_spans.push((n, extra + 1));
                        out.broken.push((n, format!("a key split over {} lines", extra + 1)));
                        i += extra;
                    }
                    None => out.broken.push((n, why)),
                }
            }
        }
    }
    out
}

/// The key of one public key line (`type base64 [comment]`), for comparing.
pub fn key_of(line: &str) -> Option<ssh_key::public::KeyData> {
    parses(line.trim()).ok()
}

/// The AuthorizedKeysFile paths for an account: tokens expanded, relative paths under home.
pub fn key_paths(patterns: &[String], user: &str, uid: u32, home: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in patterns {
        if p.eq_ignore_ascii_case("none") {
            continue;
        }
        let mut s = String::new();
        let mut chars = p.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                s.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => s.push('%'),
                Some('h') => s.push_str(home),
                Some('u') => s.push_str(user),
                Some('U') => s.push_str(&uid.to_string()),
                Some(other) => {
                    s.push('%');
                    s.push(other);
                }
                None => s.push('%'),
            }
        }
        let path = if s.starts_with('/') { s } else { format!("{}/{s}", home.trim_end_matches('/')) };
        if !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

/// One authorized_keys file of one account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyFile {
    pub path: String,
    pub exists: bool,
    pub lines: KeyLines,
    /// The first path of the StrictModes chain sshd refuses, with its owner and mode.
    pub bad_modes: Option<String>,
    /// The account cannot read the file (or search a directory above it).
    pub unreadable: Option<String>,
    /// Could not be read by us (an I/O error), with the error.
    pub error: Option<String>,
    /// `path: mode, owner` lines for evidence.
    pub evidence: Vec<String>,
}

impl KeyFile {
    /// Keys sshd will use from this file.
    pub fn usable(&self, strict_modes: bool) -> usize {
        if !self.exists || self.unreadable.is_some() || (strict_modes && self.bad_modes.is_some()) {
            0
        } else {
            self.lines.valid
        }
    }
}

/// The account whose keys are examined.
pub struct Owner<'a> {
    pub user: &'a str,
    pub uid: u32,
    /// Primary and supplementary group ids.
    pub gids: &'a [u32],
    pub home: &'a str,
}

/// Whether `who` may read (`want` 4) or search/execute (`want` 1) a file with this metadata.
pub fn may(m: &Meta, who: &Owner<'_>, su: &Superuser, want: u32) -> bool {
    if who.uid == 0 || (su.uid != 0 && who.uid == su.uid) {
        return true;
    }
    let bits = if m.uid == who.uid {
        m.mode >> 6
    } else if who.gids.contains(&m.gid) {
        m.mode >> 3
    } else {
        m.mode
    };
    bits & want != 0
}

fn describe(path: &str, m: &Meta, ids: &Names) -> String {
    format!("{path}: mode {}, owner {}:{}", fsmeta::mode_str(m.mode), ids.user(m.uid), ids.group(m.gid))
}

/// Examines one key file of `who`: presence, lines, the StrictModes chain and readability.
pub fn examine(host: &Host, path: &str, who: &Owner<'_>, su: &Superuser, ids: &Names) -> KeyFile {
    let mut kf = KeyFile { path: path.to_string(), ..Default::default() };
    let meta = match fsmeta::stat(host, path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound || e.kind() == std::io::ErrorKind::NotADirectory => {
            return kf;
        }
        Err(e) => {
            kf.error = Some(format!("{path}: {e}"));
            return kf;
        }
    };
    kf.exists = true;
    kf.evidence.push(describe(path, &meta, ids));
    // StrictModes: the file, then each directory up to the home directory (or /).
    let bad = |m: &Meta, p: &str| {
        let owner_ok = m.uid == who.uid || su.owns(m);
        // Debian's sshd also accepts group write by the account's own private group.
        let group_w = m.mode & 0o020 != 0 && !ids.is_private_group(m.gid, who.user);
        let other_w = m.mode & 0o002 != 0;
        (!owner_ok || group_w || other_w).then(|| describe(p, m, ids))
    };
    if meta.kind != Kind::File {
        kf.bad_modes = Some(format!("{path}: not a regular file"));
    } else {
        kf.bad_modes = bad(&meta, path);
    }
    let home = who.home.trim_end_matches('/');
    let mut dir = fsmeta::parent(path).to_string();
    let mut chain = Vec::new();
    loop {
        match fsmeta::stat(host, &dir) {
            Ok(m) => {
                if kf.bad_modes.is_none() {
                    kf.bad_modes = bad(&m, &dir);
                }
                chain.push((dir.clone(), m));
            }
            Err(e) => {
                kf.error.get_or_insert_with(|| format!("{dir}: {e}"));
                break;
            }
        }
        if dir == home || dir == "/" || dir.is_empty() {
            break;
        }
        dir = fsmeta::parent(&dir).to_string();
    }
    for (d, m) in chain.iter().take(3) {
        let line = describe(d, m, ids);
        if !kf.evidence.contains(&line) {
            kf.evidence.push(line);
        }
    }
    // Readable by the account: the file, and every directory on the way searchable.
    if !may(&meta, who, su, 4) {
        kf.unreadable = Some(describe(path, &meta, ids));
    } else if let Some((d, m)) = chain.iter().find(|(_, m)| !may(m, who, su, 1)) {
        kf.unreadable = Some(describe(d, m, ids));
    }
    if meta.kind == Kind::File {
        use std::io::Read;
        let mut bytes = Vec::new();
        match std::fs::File::open(host.path(path)).and_then(|f| f.take(MAX_KEYS_BYTES).read_to_end(&mut bytes)) {
            Ok(_) => kf.lines = parse_keys(&String::from_utf8_lossy(&bytes)),
            Err(e) => kf.error = Some(format!("{path}: {e}")),
        }
    }
    kf
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILrpnfFWciLUN/S/rnAWBeVR+FvRusQD9R2mU2uVZfk5 ops@laptop";
    const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC5+3A8njzRGY0/Twpb5ARsAAsItuPQVz3ur94e2Z7IXl/EKqyarMtZAUdirMW1q+LVoZEEKMeOhhII7B9ppG+YP+TSlDVDN2hMjulAwJ8W+YnL9NcdqPkognrwNcX59+G/hI5LmFEuUiEV1IOwGHYM0ixa+kMYUQ7pDcqGDGFXQQ==";

    #[test]
    fn lines_parse_with_options_and_comments() {
        let text = format!("# keys\n\n{ED}\nfrom=\"10.0.0.0/8\",command=\"echo a b\" {RSA}\n");
        let k = parse_keys(&text);
        assert_eq!((k.valid, k.broken.len(), k.split.len(), k.crlf.len()), (2, 0, 0, 0), "{k:?}");
    }

    #[test]
    fn broken_split_and_crlf_lines_are_found() {
        let (head, tail) = ED.split_at(60);
        let text = format!("{head}\n{tail}\nssh-rsa AAAAnot-base64!\ngarbage line\n{RSA}\r\n");
        let k = parse_keys(&text);
        assert_eq!(k.split, vec![1], "{k:?}");
        assert_eq!(k.split_spans, vec![(1, 2)], "{k:?}");
        let broken: Vec<usize> = k.broken.iter().map(|b| b.0).collect();
        assert!(broken.contains(&1) && broken.contains(&3) && broken.contains(&4), "{k:?}");
        assert_eq!(k.crlf.len(), 1);
        assert!(k.crlf[0].1, "the CRLF line parses without its CR");
        assert_eq!(k.valid + k.broken.len(), 4, "each key line counted once: {k:?}");
        assert_eq!(parse_keys("").valid, 0);
    }

    #[test]
    fn key_file_paths_expand_tokens() {
        let p = key_paths(
            &[".ssh/authorized_keys".into(), "/etc/ssh/keys/%u".into(), "%h/k%%%U".into(), "none".into()],
            "ops",
            1001,
            "/home/ops/",
        );
        assert_eq!(p, ["/home/ops/.ssh/authorized_keys", "/etc/ssh/keys/ops", "/home/ops//k%1001"]);
    }
}
