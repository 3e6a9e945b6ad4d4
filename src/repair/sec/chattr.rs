//! `action.chattr`: clears the immutable (`chattr -i`) or append-only (`chattr -a`) flag of
//! /etc/passwd or /etc/shadow, which make every password change and reset fail. A live step:
//! `chattr -i FILE`, undone with `chattr +i FILE` (the file's bytes are not touched, so there is
//! nothing to back up; the flag as it was is in the plan and the record). Read again from the
//! file's inode flags when planning: a flag that is no longer set is left alone.

use super::{Action, Change, Command, Live, Skip, Target};
use crate::i18n::{R, rtf};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub flag: Flag,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flag {
    Immutable,
    AppendOnly,
}

/// The files this repair may change (the account databases).
const FILES: &[&str] = &["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow"];

impl Flag {
    fn letter(self) -> char {
        match self {
            Flag::Immutable => 'i',
            Flag::AppendOnly => 'a',
        }
    }

    fn bits(self) -> rustix::fs::IFlags {
        match self {
            Flag::Immutable => rustix::fs::IFlags::IMMUTABLE,
            Flag::AppendOnly => rustix::fs::IFlags::APPEND,
        }
    }
}

impl Action for Params {
    fn name(&self) -> String {
        format!("chattr-minus-{}", self.flag.letter())
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let l = t.lang;
        let path = t.finding.subject.as_deref().unwrap_or("");
        if !FILES.contains(&path) {
            return Err(Skip::NotApplicable(rtf(l, R::PermsNoPath, &[])));
        }
        let at = t.host.path(path);
        let meta = std::fs::symlink_metadata(&at)
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", path), ("error", &e.to_string())])))?;
        if !meta.file_type().is_file() {
            return Err(Skip::Refused(rtf(l, R::PermsNotPlain, &[("path", path)])));
        }
        let flags = std::fs::File::open(&at)
            .and_then(|f| rustix::fs::ioctl_getflags(&f).map_err(std::io::Error::from))
            .map_err(|e| Skip::Refused(rtf(l, R::CannotRead, &[("path", path), ("error", &e.to_string())])))?;
        if !flags.contains(self.flag.bits()) {
            return Err(Skip::NotApplicable(rtf(l, R::PermsAlready, &[("path", path)])));
        }
        let file = at.to_string_lossy().into_owned();
        let c = self.flag.letter();
        Ok(Change {
            summary: rtf(l, R::ChattrDo, &[("path", path), ("flag", &format!("-{c}"))]),
            live: vec![Live {
                run: Command::new("chattr", &[&format!("-{c}"), &file]),
                undo: Some(Command::new("chattr", &[&format!("+{c}"), &file])),
            }],
            ..Change::default()
        })
    }
}
