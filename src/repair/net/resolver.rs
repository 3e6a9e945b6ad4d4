//! `action.resolver`: name resolution (`net.dns.*`).
//!
//! - `edit = "nsswitch"`: the `hosts:` line of /etc/nsswitch.conf that never reaches DNS is
//!   replaced by the line the check gives ([`nsswitch_hosts::fixed_line`]: `dns` after `files`,
//!   the actions that stop before it dropped), the old line kept above it as a comment.
//! - `edit = "hosts-line"`: every /etc/hosts line that maps the finding's name is commented out
//!   (DNS answers for it again); the other names of such a line stay, on a line of their own.
//! - `edit = "stub"`: /etc/resolv.conf, a link to systemd-resolved's stub 127.0.0.53 where
//!   nothing answers, is pointed at /run/systemd/resolve/resolv.conf, the upstream nameservers
//!   resolved keeps there (a live step, `ln -sfn`, undone by pointing the link back). Refused when
//!   that file lists no usable nameserver (nothing provable to point at), when /etc/resolv.conf
//!   is not a link, and under `--root`.

use super::lines::{commented, line_of, replace_line};
use super::{Action, Change, Command, FileEdit, Live, Skip, Target};
use crate::i18n::{R, rtf};
use crate::probe::dns::{hosts_overrides, nsswitch_hosts, resolv_conf};

pub const NSSWITCH: &str = "/etc/nsswitch.conf";
pub const HOSTS: &str = "/etc/hosts";
pub const RESOLV_CONF: &str = "/etc/resolv.conf";
/// The upstream nameservers systemd-resolved writes (no stub).
pub const RESOLVED_UPSTREAM: &str = "/run/systemd/resolve/resolv.conf";
const STUB: &str = "127.0.0.53";

edit_params! {
    Nsswitch,
    HostsLine,
    Stub,
}

fn read(t: &Target, path: &str) -> Result<Vec<u8>, Skip> {
    std::fs::read(t.host.path(path))
        .map_err(|e| Skip::Refused(rtf(t.lang, R::CannotRead, &[("path", path), ("error", &e.to_string())])))
}

/// The nsswitch repair: the last `hosts:` line (glibc's) replaced by the fixed line.
fn nsswitch(t: &Target) -> Result<Change, Skip> {
    let l = t.lang;
    let bytes = read(t, NSSWITCH)?;
    let text = String::from_utf8_lossy(&bytes);
    let mut found: Option<(usize, String, String)> = None;
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or_default().trim();
        if let Some(rest) = line.strip_prefix("hosts:") {
            found = Some((n + 1, raw.to_string(), rest.trim().to_string()));
        }
    }
    let Some((n, raw, spec)) = found else {
        return Err(Skip::NotApplicable(rtf(l, R::ResolverNoHostsLine, &[("path", NSSWITCH)])));
    };
    if line_of(&bytes, n).is_none() {
        return Err(Skip::Refused(rtf(l, R::NotText, &[("path", &format!("{NSSWITCH}:{n}"))])));
    }
    let sources = nsswitch_hosts::parse_line(&spec);
    let fixed = nsswitch_hosts::fixed_line(&sources);
    if nsswitch_hosts::analyse(&sources).1 {
        return Err(Skip::NotApplicable(rtf(l, R::ResolverHostsFine, &[("line", raw.trim())])));
    }
    let new = format!("{}\n{fixed}", commented(raw.trim_end(), "DNS was never asked"));
    let after = replace_line(&bytes, n, &new);
    Ok(Change {
        summary: rtf(l, R::ResolverDoNsswitch, &[("at", &format!("{NSSWITCH}:{n}")), ("line", &fixed)]),
        files: vec![FileEdit { path: NSSWITCH.into(), after: Some(after) }],
        ..Change::default()
    })
}

/// The /etc/hosts repair: every line that maps the name commented out.
fn hosts_line(t: &Target) -> Result<Change, Skip> {
    let l = t.lang;
    let name = t.finding.subject.clone().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
    let bytes = read(t, HOSTS)?;
    let mut after = bytes.clone();
    let mut lines = Vec::new();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let (body, comment) = match raw.find('#') {
            Some(p) => (&raw[..p], &raw[p..]),
            None => (raw, ""),
        };
        let words: Vec<&str> = body.split_whitespace().collect();
        let Some((ip, names)) = words.split_first() else { continue };
        if !names.iter().any(|w| w.trim_end_matches('.').eq_ignore_ascii_case(&name)) {
            continue;
        }
        // The same line as the probe reads it (one mapping of this name).
        if !hosts_overrides::parse_hosts(HOSTS, raw).contains_key(&name) {
            continue;
        }
        if line_of(&bytes, n).is_none() {
            return Err(Skip::Refused(rtf(l, R::NotText, &[("path", &format!("{HOSTS}:{n}"))])));
        }
        let rest: Vec<&str> =
            names.iter().copied().filter(|w| !w.trim_end_matches('.').eq_ignore_ascii_case(&name)).collect();
        let mut new = commented(raw.trim_end(), &format!("overrode DNS for {name}"));
        if !rest.is_empty() {
            new.push_str(&format!("\n{ip} {}{}", rest.join(" "), if comment.is_empty() { "" } else { " " }));
            new.push_str(comment);
        }
        after = replace_line(&after, n + lines.iter().filter(|(_, kept)| *kept).count(), &new);
        lines.push((n, !rest.is_empty()));
    }
    if lines.is_empty() {
        return Err(Skip::NotApplicable(rtf(l, R::ResolverNoHostsEntry, &[("name", &name), ("path", HOSTS)])));
    }
    let at: Vec<String> = lines.iter().map(|(n, _)| format!("{HOSTS}:{n}")).collect();
    Ok(Change {
        summary: rtf(l, R::ResolverDoHosts, &[("lines", &at.join(", ")), ("name", &name)]),
        files: vec![FileEdit { path: HOSTS.into(), after: Some(after) }],
        ..Change::default()
    })
}

/// The stub repair: the link pointed at resolved's upstream list.
fn stub(t: &Target) -> Result<Change, Skip> {
    let l = t.lang;
    if !t.host.is_live() {
        return Err(Skip::Refused(rtf(l, R::ResolverStubNotLive, &[("path", RESOLV_CONF), ("to", RESOLVED_UPSTREAM)])));
    }
    let Ok(old) = std::fs::read_link(t.host.path(RESOLV_CONF)) else {
        return Err(Skip::Refused(rtf(l, R::ResolverNotLink, &[("path", RESOLV_CONF), ("to", RESOLVED_UPSTREAM)])));
    };
    let old = old.to_string_lossy().into_owned();
    if old.chars().any(char::is_control) {
        return Err(Skip::Refused(rtf(l, R::NotText, &[("path", RESOLV_CONF)])));
    }
    let upstream = match std::fs::read(t.host.path(RESOLVED_UPSTREAM)) {
        Ok(b) => resolv_conf::parse(RESOLVED_UPSTREAM, &String::from_utf8_lossy(&b)).nameservers,
        Err(_) => Vec::new(),
    };
    let usable: Vec<String> = upstream
        .iter()
        .map(|(ip, _)| ip.to_string())
        .filter(|ip| ip != STUB && !ip.starts_with("127."))
        .take(resolv_conf::MAXNS)
        .collect();
    if usable.is_empty() {
        return Err(Skip::Refused(rtf(l, R::ResolverNoUpstream, &[("path", RESOLVED_UPSTREAM)])));
    }
    if old == RESOLVED_UPSTREAM {
        return Err(Skip::NotApplicable(rtf(l, R::ResolverAlreadyUpstream, &[("path", RESOLV_CONF)])));
    }
    let link = |to: &str| Command::new("ln", &["-sfn", to, RESOLV_CONF]);
    Ok(Change {
        summary: rtf(
            l,
            R::ResolverDoStub,
            &[("path", RESOLV_CONF), ("to", RESOLVED_UPSTREAM), ("old", &old), ("nameservers", &usable.join(", "))],
        ),
        live: vec![Live { run: link(RESOLVED_UPSTREAM), undo: Some(link(&old)) }],
        ..Change::default()
    })
}

impl Action for Params {
    fn name(&self) -> String {
        match self.edit {
            Edit::Nsswitch => "nsswitch-hosts-dns".into(),
            Edit::HostsLine => "hosts-comment-out".into(),
            Edit::Stub => "resolv-conf-upstream".into(),
        }
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        match self.edit {
            Edit::Nsswitch => nsswitch(t),
            Edit::HostsLine => hosts_line(t),
            Edit::Stub => stub(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::repair::testing::{after, finding, root};

    fn plan(edit: Edit, files: &[(&str, &str)], subject: &str) -> Result<Change, Skip> {
        let dir = root(files);
        let f = finding(subject, "m", &[]);
        crate::repair::testing::plan(&Params { edit }, &Host::new(dir.path()), "net.dns.x", &f)
    }

    #[test]
    fn the_hosts_line_gets_dns_and_keeps_the_old_one_as_a_comment() {
        let c = plan(
            Edit::Nsswitch,
            &[(NSSWITCH, "passwd: files\nhosts: files [NOTFOUND=return] dns\nnetworks: files\n")],
            "x",
        )
        .unwrap();
        assert_eq!(
            after(&c),
            "passwd: files\n# hosts: files [NOTFOUND=return] dns  # ecs-doctor fix: DNS was never asked\nhosts:      files dns\nnetworks: files\n"
        );
        assert!(matches!(plan(Edit::Nsswitch, &[(NSSWITCH, "hosts: files dns\n")], "x"), Err(Skip::NotApplicable(_))));
        assert!(matches!(plan(Edit::Nsswitch, &[(NSSWITCH, "passwd: files\n")], "x"), Err(Skip::NotApplicable(_))));
    }

    #[test]
    fn every_line_that_maps_the_name_is_commented_out_and_other_names_stay() {
        let hosts = "127.0.0.1 localhost\n10.99.0.7   Mirrors.cloud.aliyuncs.com  mirror # old\n10.1.1.1 mirrors.cloud.aliyuncs.com\n10.2.2.2 other\n";
        let c = plan(Edit::HostsLine, &[(HOSTS, hosts)], "mirrors.cloud.aliyuncs.com").unwrap();
        assert_eq!(
            after(&c),
            "127.0.0.1 localhost\n# 10.99.0.7   Mirrors.cloud.aliyuncs.com  mirror # old  # ecs-doctor fix: overrode DNS for mirrors.cloud.aliyuncs.com\n10.99.0.7 mirror # old\n# 10.1.1.1 mirrors.cloud.aliyuncs.com  # ecs-doctor fix: overrode DNS for mirrors.cloud.aliyuncs.com\n10.2.2.2 other\n"
        );
        assert!(c.summary.contains("/etc/hosts:2, /etc/hosts:3"), "{}", c.summary);
        assert!(matches!(plan(Edit::HostsLine, &[(HOSTS, hosts)], "absent.example"), Err(Skip::NotApplicable(_))));
    }

    #[test]
    fn the_stub_is_refused_under_a_root() {
        assert!(matches!(plan(Edit::Stub, &[], RESOLV_CONF), Err(Skip::Refused(r)) if r.contains("--root")));
    }
}
