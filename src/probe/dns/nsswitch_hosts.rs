//! The order glibc resolves host names in: the `hosts:` line of /etc/nsswitch.conf. A line
//! without `dns` (or systemd-resolved's `resolve`), or with an action that stops before it
//! (`files [NOTFOUND=return] dns`), means no name outside /etc/hosts ever reaches a nameserver:
//! resolv.conf and the nameservers may be perfect and `curl https://name` still fails.
//!
//! Without the file, or without a `hosts:` line, glibc uses `dns [!UNAVAIL=return] files`.

use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default = "default_path")]
    pub path: String,
}

fn default_path() -> String {
    "/etc/nsswitch.conf".into()
}

pub const FIELDS: &[Field] = &[
    Field::text("sources", "the hosts: line's sources and actions, as written (glibc's default when absent)"),
    Field::flag("has_dns", "1 when the line names dns or resolve (systemd-resolved)"),
    Field::flag("dns_reached", "1 when a name not in /etc/hosts reaches dns or resolve"),
    Field::text("stopped_by", "the source and action that stop the lookup before DNS, or none"),
    Field::num("name_targets", "", "the run's targets written as names (they need DNS)"),
    Field::text("targets", "those targets"),
    Field::text("fixed_line", "the hosts: line with DNS reached, to write instead"),
    Field::num("line", "", "the line number of the hosts: line (0 when glibc's default applies)"),
];

/// glibc's order when nsswitch.conf has no `hosts:` line.
pub const GLIBC_DEFAULT: &str = "dns [!UNAVAIL=return] files";

/// One item of a `hosts:` line: a source with the actions written after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    /// `[...]` blocks after it, verbatim.
    pub actions: Vec<String>,
}

/// Splits `files [NOTFOUND=return] dns` into sources with their actions.
pub fn parse_line(spec: &str) -> Vec<Source> {
    let mut out: Vec<Source> = Vec::new();
    let mut rest = spec.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let (inner, tail) = match after.find(']') {
                Some(i) => (&after[..i], &after[i + 1..]),
                None => (after, ""),
            };
            if let Some(last) = out.last_mut() {
                last.actions.push(format!("[{}]", inner.trim()));
            }
            rest = tail.trim_start();
        } else {
            let end = rest.find(|c: char| c.is_whitespace() || c == '[').unwrap_or(rest.len());
            out.push(Source { name: rest[..end].to_string(), actions: Vec::new() });
            rest = rest[end..].trim_start();
        }
    }
    out
}

fn is_dns(name: &str) -> bool {
    matches!(name, "dns" | "resolve")
}

/// Whether an action block returns when the source says NOTFOUND (`[NOTFOUND=return]`,
/// `[!SUCCESS=return]`, `[!UNAVAIL=return]` on a source that never is unavailable).
fn returns_on_notfound(block: &str) -> bool {
    let inner = block.trim_start_matches('[').trim_end_matches(']');
    inner.split_whitespace().any(|item| {
        let Some((status, action)) = item.split_once('=') else { return false };
        if !action.eq_ignore_ascii_case("return") {
            return false;
        }
        match status.strip_prefix('!') {
            Some(s) => !s.eq_ignore_ascii_case("NOTFOUND"),
            None => status.eq_ignore_ascii_case("NOTFOUND"),
        }
    })
}

/// Whether a source's answer for an ordinary name (not `.local`, not this host's own name) is
/// NOTFOUND: such a source with `NOTFOUND=return` ends the lookup. mDNS's minimal modules answer
/// only `.local` names (UNAVAIL for the rest), systemd-resolved's `resolve` is DNS itself.
fn notfound_for_ordinary_names(name: &str) -> bool {
    !matches!(name, "resolve" | "mdns_minimal" | "mdns4_minimal" | "mdns6_minimal")
}

/// What a `hosts:` line means for DNS: whether it names DNS, whether a name gets there, and
/// which source and action stop it first.
pub fn analyse(sources: &[Source]) -> (bool, bool, Option<String>) {
    let has_dns = sources.iter().any(|s| is_dns(&s.name));
    for s in sources {
        if is_dns(&s.name) {
            return (has_dns, true, None);
        }
        if notfound_for_ordinary_names(&s.name)
            && let Some(a) = s.actions.iter().find(|a| returns_on_notfound(a))
        {
            return (has_dns, false, Some(format!("{} {a}", s.name)));
        }
    }
    (has_dns, false, None)
}

/// The line to write instead: the sources without the actions that stop before DNS, and `dns`
/// where it was missing (after `files`, before anything else, as distributions ship it).
pub fn fixed_line(sources: &[Source]) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut dns_seen = false;
    for s in sources {
        if is_dns(&s.name) {
            dns_seen = true;
        }
        words.push(s.name.clone());
        for a in &s.actions {
            if dns_seen || !notfound_for_ordinary_names(&s.name) || !returns_on_notfound(a) {
                words.push(a.clone());
            }
        }
        if s.name == "files" && !sources.iter().any(|x| is_dns(&x.name)) {
            words.push("dns".into());
            dns_seen = true;
        }
    }
    if !dns_seen {
        words.push("dns".into());
    }
    format!("hosts:      {}", words.join(" "))
}

pub fn observe(params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let path = params.path.as_str();
    let file = ctx.host.read_optional(path).map_err(|e| ProbeError::io(path, &e))?;
    let mut spec = GLIBC_DEFAULT.to_string();
    let mut line_no = 0usize;
    let mut evidence = format!("{path}: no hosts: line, glibc uses \"hosts: {GLIBC_DEFAULT}\"");
    if let Some(f) = &file {
        // The last hosts: line wins, as in glibc.
        for (n, raw) in f.text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            if let Some(rest) = line.strip_prefix("hosts:") {
                spec = rest.trim().to_string();
                line_no = n + 1;
                evidence = format!("{path}:{}: {raw}", n + 1);
            }
        }
    } else {
        evidence = format!("{path}: missing, glibc uses \"hosts: {GLIBC_DEFAULT}\"");
    }
    let sources = parse_line(&spec);
    let (has_dns, reached, stopped) = analyse(&sources);
    let names: Vec<&str> =
        ctx.targets.iter().filter(|t| t.host.parse::<std::net::IpAddr>().is_err()).map(|t| t.raw.as_str()).collect();
    let o = Observation::new(path)
        .text("sources", spec.clone())
        .flag("has_dns", has_dns)
        .flag("dns_reached", reached)
        .text("stopped_by", stopped.unwrap_or_else(|| "none".into()))
        .num("name_targets", names.len() as f64)
        .text("targets", names.join(", "))
        .text("fixed_line", fixed_line(&sources))
        .num("line", line_no as f64)
        .evidence(evidence);
    Ok(Observations::of(vec![o]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dns(line: &str) -> (bool, bool, Option<String>) {
        analyse(&parse_line(line))
    }

    #[test]
    fn finds_whether_names_reach_dns() {
        assert_eq!(dns("files dns"), (true, true, None));
        assert_eq!(dns("files"), (false, false, None));
        assert_eq!(dns("files myhostname"), (false, false, None));
        assert_eq!(dns(GLIBC_DEFAULT), (true, true, None));
        assert_eq!(dns("files [NOTFOUND=return] dns"), (true, false, Some("files [NOTFOUND=return]".into())));
        assert_eq!(dns("files[!SUCCESS=return]dns"), (true, false, Some("files [!SUCCESS=return]".into())));
        assert!(!dns("files [!UNAVAIL=return] dns").1);
        assert_eq!(dns("files [UNAVAIL=return] dns"), (true, true, None));
        // Ubuntu's and Fedora's lines.
        assert_eq!(dns("files mdns4_minimal [NOTFOUND=return] dns myhostname"), (true, true, None));
        assert_eq!(dns("files myhostname resolve [!UNAVAIL=return] dns"), (true, true, None));
        assert_eq!(dns("files resolve"), (true, true, None));
        assert_eq!(dns("files [NOTFOUND=continue] dns"), (true, true, None));
    }

    #[test]
    fn the_fixed_line_reaches_dns() {
        for bad in ["files", "files myhostname", "files [NOTFOUND=return] dns", "myhostname", ""] {
            let fixed = fixed_line(&parse_line(bad));
            let spec = fixed.strip_prefix("hosts:").unwrap();
            assert!(analyse(&parse_line(spec)).1, "{bad:?} -> {fixed:?}");
        }
        assert_eq!(fixed_line(&parse_line("files")), "hosts:      files dns");
        assert_eq!(fixed_line(&parse_line("files [NOTFOUND=return] dns")), "hosts:      files dns");
        assert_eq!(fixed_line(&parse_line("files myhostname")), "hosts:      files dns myhostname");
    }
}
