//! Which files hold the authentication log: /var/log/auth.log (Debian, Ubuntu) or
//! /var/log/secure (RHEL) and their rotated files (`.1`, `.N.gz`, `-YYYYMMDD[.gz]`), oldest
//! first.

use crate::host::Host;

/// Most rotated files read per log.
const MAX_ROTATED: usize = 8;

/// One log file to read, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LogFile {
    pub(super) path: String,
    pub(super) gz: bool,
    /// Sort key: older files first.
    pub(super) age: (u8, i64),
}

/// `auth.log`, `auth.log.3.gz`, `secure-20241120` → the log file, if it is one of `family`.
fn log_file(family: &str, name: &str) -> Option<LogFile> {
    let rest = name.strip_prefix(family)?;
    let (rest, gz) = match rest.strip_suffix(".gz") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let path = format!("/var/log/{name}");
    if rest.is_empty() && !gz {
        return Some(LogFile { path, gz, age: (1, 0) });
    }
    if let Some(n) = rest.strip_prefix('.').and_then(|n| n.parse::<i64>().ok()) {
        return Some(LogFile { path, gz, age: (0, -n) }); // .1 is newer than .2
    }
    if let Some(d) = rest.strip_prefix('-').filter(|d| d.len() == 8).and_then(|d| d.parse::<i64>().ok()) {
        return Some(LogFile { path, gz, age: (0, d) });
    }
    None
}

/// The authentication logs under /var/log (`auth.log*` and `secure*`), each family oldest
/// first, at most [`MAX_ROTATED`] rotated files of each.
/// The current authentication logs (`/var/log/auth.log`, `/var/log/secure`), without the
/// rotated ones.
pub(crate) fn current_logs(host: &Host) -> Vec<String> {
    find_logs(host).into_iter().filter(|f| f.age.0 == 1).map(|f| f.path).collect()
}

pub(super) fn find_logs(host: &Host) -> Vec<LogFile> {
    let names = host.list_dir("/var/log").unwrap_or_default();
    let mut out = Vec::new();
    for family in ["auth.log", "secure"] {
        let mut files: Vec<LogFile> = names.iter().filter_map(|n| log_file(family, n)).collect();
        files.sort_by_key(|f| f.age);
        let skip = files.iter().filter(|f| f.age.0 == 0).count().saturating_sub(MAX_ROTATED);
        out.extend(files.into_iter().skip(skip));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_names() {
        assert_eq!(log_file("auth.log", "auth.log").map(|f| f.age), Some((1, 0)));
        assert_eq!(log_file("auth.log", "auth.log.2.gz").map(|f| (f.age, f.gz)), Some(((0, -2), true)));
        assert_eq!(log_file("secure", "secure-20241120").map(|f| f.age), Some((0, 20241120)));
        assert_eq!(log_file("auth.log", "auth.log.old"), None);
        assert_eq!(log_file("secure", "secure.bak"), None);
    }
}
