//! Accounts with an empty password field: such an account logs in (console, su, and SSH when
//! PermitEmptyPasswords is on) with no password at all.
//!
//! The field lives in /etc/shadow; only when /etc/shadow does not exist is the /etc/passwd field
//! the password (that is what login and PAM do then). An unreadable /etc/shadow is `skipped` with
//! the reason, never `ok`: we did not see the passwords. Evidence carries only lines whose
//! password field is empty, so no hash ever reaches the report.

use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[&str] = &["empty_password", "entries", "source"];

const SHADOW: &str = "/etc/shadow";
const PASSWD: &str = "/etc/passwd";

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let (file, source) = match ctx.host.read_optional(SHADOW).map_err(|e| ProbeError::io(SHADOW, &e))? {
        Some(f) => (f, SHADOW),
        None => (ctx.host.read(PASSWD).map_err(|e| ProbeError::io(PASSWD, &e))?, PASSWD),
    };
    let mut items = Vec::new();
    let mut entries = 0;
    for (n, line) in file.text.lines().enumerate() {
        let mut f = line.split(':');
        let (Some(name), Some(password)) = (f.next(), f.next()) else { continue };
        if name.is_empty() || name.starts_with(['#', '+', '-']) {
            continue;
        }
        entries += 1;
        if password.is_empty() {
            items.push(
                Observation::new(name).flag("empty_password", true).evidence(format!("{source}:{}: {line}", n + 1)),
            );
        }
    }
    let scope = Observation::new(source).num("entries", entries as f64).text("source", source);
    items.insert(0, scope);
    Ok(Observations::of(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use std::time::{Duration, Instant};

    fn run(files: &[(&str, &str)]) -> Result<Observations, ProbeError> {
        let dir = tempfile::tempdir().expect("tempdir");
        for (p, body) in files {
            let path = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, body).expect("write");
        }
        let ctx = ProbeContext::new(Host::new(dir.path()), Instant::now() + Duration::from_secs(5), false);
        observe(&Params {}, &ctx)
    }

    #[test]
    fn empty_fields_only_and_no_hashes() {
        let o = run(&[(
            "/etc/shadow",
            "root:$6$salt$hash:19000:0:99999:7:::\nguest::19000:0:99999:7:::\nlocked:!:19000::::::\nbroken\n\u{fffd}x::1::::::\n",
        )])
        .expect("observes");
        let subjects: Vec<&str> = o.items.iter().map(|i| i.subject.as_str()).collect();
        assert_eq!(subjects, vec!["/etc/shadow", "guest", "\u{fffd}x"]);
        assert!(!format!("{o:?}").contains("$6$"));
        let o = run(&[("/etc/passwd", "root:x:0:0::/root:/bin/sh\nnopw::1000:1000::/home/n:/bin/sh\n")]).expect("obs");
        assert_eq!(o.items[0].values.get("source").map(|v| v.as_text()), Some(PASSWD.to_string()));
        assert_eq!(o.items[1].subject, "nopw");
    }
}
