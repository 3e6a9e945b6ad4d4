//! `action.console_key`: adds the public key of the key pair bound in the console (metadata
//! `public-keys/0/openssh-key`) to the authorized keys of the account it is meant for (root, or
//! ecs-user on images that log in as ecs-user), as cloud-init would have: one line appended to the
//! account's first AuthorizedKeysFile (`~/.ssh/authorized_keys`), every other byte kept; a new
//! file gets the owner of `~/.ssh` and mode 0644 as any file the framework creates. Undo gives the
//! file back as it was (or removes it).
//!
//! The key is read again from the metadata service when planning, never from the report: the
//! service `fix` was told to ask (`--metadata-url`, [`super::super::Told::metadata_url`]) or, on an Alibaba
//! Cloud instance, its own; never under `--root` (the service describes the machine running the
//! tool). Refused when `~/.ssh` does not exist (the framework does not create directories; the
//! plan gives the command) or is not the account's.

use super::{Action, Change, FileEdit, Skip, Target};
use crate::host::metadata;
use crate::i18n::{R, rtf};
use crate::probe::ssh::{console_key::meant_for, ssh_keys};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

impl Action for Params {
    fn name(&self) -> String {
        "console-key-add".into()
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let user = t.finding.subject.clone().unwrap_or_default();
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(l, R::ConsoleKeyNotLive, &[])));
        }
        let explicit = t.told.metadata_url.clone();
        let source = metadata::source(t.host, explicit.as_deref());
        let Some(ep) = source.endpoint() else {
            return Err(Skip::Refused(rtf(l, R::ConsoleKeyNoService, &[])));
        };
        let md = metadata::fetch(ep, std::time::Instant::now() + std::time::Duration::from_secs(10));
        let line = md
            .values
            .get("public_key")
            .filter(|_| md.failure.is_none())
            .map(|s| s.trim().to_string())
            .ok_or_else(|| Skip::Refused(rtf(l, R::ConsoleKeyNoService, &[])))?;
        let key = ssh_keys::key_of(&line).ok_or_else(|| Skip::Refused(rtf(l, R::ConsoleKeyUnreadable, &[])))?;
        // One line of printable text: a value with control characters is not written anywhere.
        if line.chars().any(char::is_control) {
            return Err(Skip::Refused(rtf(l, R::ConsoleKeyUnreadable, &[])));
        }
        let (accounts, _) = crate::probe::accounts::passwd::read_accounts(t.host)
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", "/etc/passwd"), ("error", &e.to_string())])))?;
        let target = meant_for(accounts.iter().filter(|a| a.login || a.uid == 0).map(|a| a.name.as_str()));
        let Some(a) = accounts.iter().find(|a| a.name == user && a.name == target) else {
            return Err(Skip::NotApplicable(rtf(l, R::ConsoleKeyOtherAccount, &[("user", &user), ("target", target)])));
        };
        let settings = crate::probe::ssh::sshd_config::read_settings(t.host, super::sshd::CONFIG).ok();
        let patterns: Vec<String> = settings
            .as_ref()
            .and_then(|s| s.entries.iter().find(|e| e.keyword == "authorizedkeysfile" && e.criteria.is_none()))
            .map(|e| e.value.split_whitespace().map(str::to_string).collect())
            .unwrap_or_else(|| vec![".ssh/authorized_keys".into()]);
        let paths = ssh_keys::key_paths(&patterns, &a.name, a.uid, &a.home);
        let Some(path) = paths.first().cloned() else {
            return Err(Skip::Refused(rtf(l, R::ConsoleKeyNoFile, &[("user", &user)])));
        };
        for p in &paths {
            if let Ok(text) = std::fs::read(t.host.path(p))
                && ssh_keys::parse_keys(&String::from_utf8_lossy(&text)).keys.contains(&key)
            {
                return Err(Skip::NotApplicable(rtf(l, R::ConsoleKeyPresent, &[("path", p)])));
            }
        }
        let dir = crate::host::fsmeta::parent(&path).to_string();
        match std::fs::symlink_metadata(t.host.path(&dir)) {
            Ok(m) if m.is_dir() && (m.uid() == a.uid || m.uid() == 0) => {}
            Ok(_) => return Err(Skip::Refused(rtf(l, R::PermsForeignAbove, &[("path", &dir), ("owner", "-")]))),
            Err(_) => {
                let cmd = format!("install -d -m 700 -o {} -g {} {dir}", a.uid, a.gid);
                return Err(Skip::Refused(rtf(l, R::ConsoleKeyNoDir, &[("dir", &dir), ("command", &cmd)])));
            }
        }
        let mut after = match std::fs::read(t.host.path(&path)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(Skip::Refused(rtf(l, R::CannotRead, &[("path", &path), ("error", &e.to_string())])));
            }
        };
        if !after.is_empty() && !after.ends_with(b"\n") {
            after.push(b'\n');
        }
        after.extend_from_slice(line.as_bytes());
        after.push(b'\n');
        Ok(Change {
            summary: rtf(l, R::ConsoleKeyDo, &[("user", &user), ("path", &path)]),
            files: vec![FileEdit { path, after: Some(after) }],
            guards_login: true,
            ..Change::default()
        })
    }
}
