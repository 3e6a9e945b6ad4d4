//! `action.authorized_keys`: the lines of an account's authorized keys file that sshd cannot
//! read as a key, for `sec.ssh.authorized-keys-usable`:
//!
//! - `edit = "join"` (KEY_SPLIT): a key pasted with hard line breaks is joined back into one
//!   line. sshd reads one key per line, so each piece alone is garbage; joined, the pieces are
//!   exactly the key the customer pasted. Only spans whose joined text parses as a key are
//!   joined (the probe's own parser decides, the same that found them), so nothing is guessed.
//! - `edit = "comment-out"` (KEY_BROKEN): a line that is no key (a typo in the type, a key cut
//!   short, stray text) is commented out, never deleted: `# ecs-doctor: not a key sshd can read: `
//!   and the line as it was, so the customer can still see what was meant and copy the key
//!   again. sshd ignores such a line already, so commenting it out takes nothing away from
//!   anyone; it only stops the warning and the noise in sshd's log.
//!
//! Every other byte stays (other keys, their options, comments, line ends). The file is the
//! finding's subject, and only when it is what sshd's AuthorizedKeysFile names for an account
//! of /etc/passwd now (a report could be old or edited: an arbitrary path is never rewritten);
//! a link or anything but a regular file is refused. The framework keeps the file's mode and
//! owner (sshd reads it with the account's rights and StrictModes checks them) and restores it
//! byte for byte on undo. It touches the login path, so the login guard applies: every account
//! that can log in before still can after. `ssh-keygen -l -f` (when installed) checks the result
//! lists keys, unless it already failed before.

use super::{Action, Change, Command, FileEdit, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::ssh::ssh_keys::{key_paths, parse_keys};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub edit: Edit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Edit {
    Join,
    CommentOut,
}

/// What a line that is no key becomes (followed by the line as it was).
pub const COMMENT: &str = "# ecs-doctor: not a key sshd can read: ";

/// Whether `path` is an authorized keys file sshd reads for some account now: one of the
/// AuthorizedKeysFile paths (of the main settings, outside Match blocks) of an account of
/// /etc/passwd.
fn is_key_file(t: &Target, path: &str) -> bool {
    let Ok((accounts, _)) = crate::probe::accounts::passwd::read_accounts(t.host) else { return false };
    let patterns = super::perms::key_file_patterns(t);
    accounts.iter().any(|a| key_paths(&patterns, &a.name, a.uid, &a.home).iter().any(|p| p == path))
}

/// `text` with each split key joined into its first line (pieces trimmed, as the parser joined
/// them; the first line's CR kept when it had one), and the line numbers joined; `None` when
/// there is none.
pub fn joined(text: &str) -> Option<(String, Vec<usize>)> {
    let keys = parse_keys(text);
    if keys.split_spans.is_empty() {
        return None;
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let n = i + 1;
        match keys.split_spans.iter().find(|(first, _)| *first == n) {
            Some((_, span)) => {
                let end = (i + span).min(lines.len());
                let cr = if lines[i].ends_with('\r') { "\r" } else { "" };
                let mut one = lines[i].trim().to_string();
                for piece in &lines[i + 1..end] {
                    one.push_str(piece.trim());
                }
                out.push(format!("{one}{cr}"));
                i = end;
            }
            None => {
                out.push(lines[i].to_string());
                i += 1;
            }
        }
    }
    Some((out.join("\n"), keys.split_spans.iter().map(|(n, _)| *n).collect()))
}

/// `text` with each line that is no key (and not the start of a split key) commented out, and
/// their numbers; `None` when there is none.
pub fn commented(text: &str) -> Option<(String, Vec<usize>)> {
    let keys = parse_keys(text);
    let split: Vec<usize> = keys.split_spans.iter().flat_map(|(first, span)| *first..first + span).collect();
    let broken: Vec<usize> = keys.broken.iter().map(|(n, _)| *n).filter(|n| !split.contains(n)).collect();
    if broken.is_empty() {
        return None;
    }
    let out: Vec<String> = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| if broken.contains(&(i + 1)) { format!("{COMMENT}{l}") } else { l.to_string() })
        .collect();
    Some((out.join("\n"), broken))
}

impl Action for Params {
    fn name(&self) -> String {
        match self.edit {
            Edit::Join => "keys-join",
            Edit::CommentOut => "keys-comment-out",
        }
        .into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let path = t.finding.subject.as_deref().filter(|p| p.starts_with('/'));
        let Some(path) = path else { return Err(Skip::NotApplicable(rtf(l, R::PermsNoPath, &[]))) };
        if !is_key_file(t, path) {
            return Err(Skip::Refused(rtf(l, R::PermsNoAccount, &[("path", path)])));
        }
        let full = t.host.path(path);
        match std::fs::symlink_metadata(&full) {
            Ok(m) if m.file_type().is_file() => {}
            Ok(_) => return Err(Skip::Refused(rtf(l, R::KeysNotPlain, &[("path", path)]))),
            Err(e) => {
                return Err(Skip::Refused(rtf(l, R::CannotRead, &[("path", path), ("error", &e.to_string())])));
            }
        }
        let bytes = std::fs::read(&full)
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", path), ("error", &e.to_string())])))?;
        // sshd reads bytes; a file that is not UTF-8 has no key the parser could join or judge.
        let text = String::from_utf8(bytes).map_err(|e| {
            Skip::Refused(rtf(l, R::CannotRead, &[("path", path), ("error", &e.utf8_error().to_string())]))
        })?;
        let (after, summary) = match self.edit {
            Edit::Join => {
                let (after, lines) =
                    joined(&text).ok_or_else(|| Skip::NotApplicable(rtf(l, R::KeysNoSplit, &[("path", path)])))?;
                (after, rtf(l, R::KeysDoJoin, &[("path", path), ("lines", &list(&lines))]))
            }
            Edit::CommentOut => {
                let (after, lines) =
                    commented(&text).ok_or_else(|| Skip::NotApplicable(rtf(l, R::KeysNoBroken, &[("path", path)])))?;
                let s = rtf(
                    l,
                    R::KeysDoComment,
                    &[("path", path), ("count", &lines.len().to_string()), ("lines", &list(&lines))],
                );
                (after, s)
            }
        };
        let check =
            Command::new("ssh-keygen", &["-l", "-f", &full.to_string_lossy()]).optional().only_if_passing_before();
        Ok(Change {
            summary,
            files: vec![FileEdit { path: path.to_string(), after: Some(after.into_bytes()) }],
            validate: vec![check],
            guards_login: true,
            ..Change::default()
        })
    }
}

fn list(lines: &[usize]) -> String {
    lines.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repair::testing::{after, finding, plan, root};

    const ED: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILrpnfFWciLUN/S/rnAWBeVR+FvRusQD9R2mU2uVZfk5 ops@laptop";

    fn host_with(keys: &str) -> (tempfile::TempDir, crate::host::Host) {
        let dir = root(&[
            ("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/bash\n"),
            ("/etc/ssh/sshd_config", "PasswordAuthentication no\n"),
            ("/home/ops/.ssh/authorized_keys", keys),
            ("/etc/shadow-copy", keys),
        ]);
        let host = crate::host::Host::new(dir.path());
        (dir, host)
    }

    #[test]
    fn a_split_key_is_joined_and_every_other_byte_kept() {
        let (head, tail) = ED.split_at(50);
        let text = format!("# mine\r\n{ED}\n{head}\n  {tail}\nfrom=\"10.0.0.1\" {ED}\n");
        let (dir, host) = host_with(&text);
        let f = finding("/home/ops/.ssh/authorized_keys", "split", &[]);
        let c = plan(&Params { edit: Edit::Join }, &host, "sec.ssh.authorized-keys-usable", &f).expect("plan");
        assert_eq!(after(&c), format!("# mine\r\n{ED}\n{ED}\nfrom=\"10.0.0.1\" {ED}\n"));
        assert!(c.guards_login && c.summary.contains("lines 3 of"), "{}", c.summary);
        assert_eq!(parse_keys(&after(&c)).valid, 3);
        // Nothing split: not this repair's finding.
        let c = plan(&Params { edit: Edit::CommentOut }, &host, "x", &f);
        assert!(matches!(c, Err(Skip::NotApplicable(_))), "{c:?}");
        drop(dir);
    }

    #[test]
    fn a_broken_line_is_commented_out_never_deleted() {
        let text = format!("{ED}\nssh-ed2551 AAAAC3Nza garbage\nplease add my key\n");
        let (_dir, host) = host_with(&text);
        let f = finding("/home/ops/.ssh/authorized_keys", "broken", &[]);
        let c = plan(&Params { edit: Edit::CommentOut }, &host, "x", &f).expect("plan");
        assert_eq!(after(&c), format!("{ED}\n{COMMENT}ssh-ed2551 AAAAC3Nza garbage\n{COMMENT}please add my key\n"));
        assert!(c.summary.contains("2 line(s)") && c.summary.contains("2, 3"), "{}", c.summary);
        let k = parse_keys(&after(&c));
        assert_eq!((k.valid, k.broken.len()), (1, 0));
        assert!(matches!(plan(&Params { edit: Edit::Join }, &host, "x", &f), Err(Skip::NotApplicable(_))));
    }

    #[test]
    fn only_a_file_sshd_reads_as_an_accounts_keys_is_touched() {
        let (dir, host) = host_with("garbage\n");
        let f = finding("/etc/shadow-copy", "broken", &[]);
        let c = plan(&Params { edit: Edit::CommentOut }, &host, "x", &f);
        assert!(matches!(&c, Err(Skip::Refused(r)) if r.contains("/etc/shadow-copy")), "{c:?}");
        // A link where the key file should be is refused.
        let p = dir.path().join("home/ops/.ssh/authorized_keys");
        std::fs::remove_file(&p).expect("rm");
        std::os::unix::fs::symlink(dir.path().join("etc/shadow-copy"), &p).expect("link");
        let f = finding("/home/ops/.ssh/authorized_keys", "broken", &[]);
        let c = plan(&Params { edit: Edit::CommentOut }, &host, "x", &f);
        assert!(matches!(&c, Err(Skip::Refused(r)) if r.contains("not a regular file")), "{c:?}");
    }
}
