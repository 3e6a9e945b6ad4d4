//! The plan: for each warn or crit finding of a report, the repairs its check declares for the
//! finding's code, each worked out against the system as it is now ([`super::Action::plan`]),
//! with a unified diff per file; and the findings that are not repaired, with why. Reads only.

use super::{Change, RepairDecl, Skip, Target};
use crate::host::Host;
use crate::i18n::{Lang, R, rt, rtf};
use crate::report::{Finding, Repair, RepairState, Report, Severity, Status};

/// One repair in the plan.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The plan's id: the action's name and the subject (`fstab-nofail-data`).
    pub id: String,
    pub check: String,
    pub finding: Finding,
    pub decl: RepairDecl,
    pub change: Change,
    /// Each file's unified diff: (path, diff).
    pub diffs: Vec<(String, String)>,
    /// Another repair of the same finding comes first; this one is applied only when named.
    pub alternative_to: Option<String>,
}

/// A finding that is not repaired, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Unrepaired {
    pub check: String,
    pub subject: Option<String>,
    pub message: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub repairs: Vec<Planned>,
    pub unrepaired: Vec<Unrepaired>,
}

impl Planned {
    /// The action's name (`fstab-nofail`).
    pub fn name(&self) -> String {
        self.decl.action.action().name()
    }

    /// What it changes, as shown to the user: the summary, each file with its diff, each
    /// validator and command.
    pub fn changes(&self, lang: Lang) -> Vec<String> {
        let mut out = vec![self.change.summary.clone()];
        for (path, diff) in &self.diffs {
            out.push(format!("{path}\n{diff}"));
        }
        for c in &self.change.validate {
            out.push(format!("{}: {}", rt(lang, R::Validate), c.line()));
        }
        for l in &self.change.live {
            out.push(format!("{}: {}", rt(lang, R::Runs), l.run.line()));
            out.push(match &l.undo {
                Some(u) => format!("{}: {}", rt(lang, R::UndoRuns), u.line()),
                None => rt(lang, R::Irreversible).to_string(),
            });
        }
        for c in &self.change.commands {
            out.push(format!("{}: {}", rt(lang, R::Then), c.line()));
        }
        out
    }

    /// The report's entry for it.
    pub fn to_report(&self, lang: Lang, state: RepairState, id: &str, at: Option<String>) -> Repair {
        Repair {
            id: id.to_string(),
            check: self.check.clone(),
            subject: self.finding.subject.clone(),
            action: self.name(),
            risk: Some(self.decl.risk.key()),
            state,
            changes: self.changes(lang),
            at,
        }
    }
}

/// A unified diff of one file (`before` empty for a new file, `after` `None` for a removal).
pub fn diff(path: &str, before: &[u8], after: Option<&[u8]>) -> String {
    let before = String::from_utf8_lossy(before);
    let after = after.map(String::from_utf8_lossy).unwrap_or_default();
    similar::TextDiff::from_lines(before.as_ref(), after.as_ref())
        .unified_diff()
        .context_radius(3)
        .header(&format!("a{path}"), &format!("b{path}"))
        .to_string()
}

/// The files whose second field is a password hash: a plan, a record and a report never show
/// one.
const HASH_FILES: &[&str] = &["/etc/shadow", "/etc/gshadow"];

/// `bytes` as a diff may show them: in /etc/shadow and /etc/gshadow each password hash is
/// replaced by `<hash>` (a lock mark `!` before it kept; `*`, `!`, `x` and empty fields shown as
/// they are, they hide nothing).
pub fn masked(path: &str, bytes: &[u8]) -> Vec<u8> {
    if !HASH_FILES.contains(&path) {
        return bytes.to_vec();
    }
    let mut out = Vec::with_capacity(bytes.len());
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        let mut fields: Vec<&[u8]> = line.split(|b| *b == b':').collect();
        let hidden;
        if let Some(h) = fields.get(1)
            && h.len() > 2
        {
            let lock = h.iter().take_while(|b| **b == b'!').count();
            hidden = [&h[..lock], b"<hash>"].concat();
            fields[1] = &hidden;
        }
        out.extend_from_slice(&fields.join(&b':'));
    }
    out
}

/// A subject as part of an id: lowercase letters, digits and `-` (`/data` → `data`, `/` → `root`).
fn slug(subject: Option<&str>) -> String {
    let s = subject.unwrap_or("");
    if s == "/" {
        return "root".into();
    }
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_end_matches('-').chars().take(40).collect();
    if out.is_empty() { "host".into() } else { out }
}

/// Plans one declared repair for one finding: the action's change and the diffs.
pub fn plan_one(
    decl: &RepairDecl,
    check: &str,
    finding: &Finding,
    host: &Host,
    lang: Lang,
    told: &super::Told,
) -> Result<(Change, Vec<(String, String)>), Skip> {
    let t = Target { host, lang, check, finding, told };
    let change = decl.action.action().plan(&t)?;
    let mut diffs = Vec::new();
    for f in &change.files {
        let before = match std::fs::read(host.path(&f.path)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(Skip::Refused(rtf(lang, R::CannotRead, &[("path", &f.path), ("error", &e.to_string())])));
            }
        };
        if f.after.as_deref() == Some(before.as_slice()) {
            continue;
        }
        let after = f.after.as_deref().map(|a| masked(&f.path, a));
        diffs.push((f.path.clone(), diff(&f.path, &masked(&f.path, &before), after.as_deref())));
    }
    if diffs.is_empty() && change.commands.is_empty() && change.live.is_empty() {
        return Err(Skip::NotApplicable(change.summary));
    }
    Ok((change, diffs))
}

/// The plan for a report's warn and crit findings; `repairs_of` gives a check's `[[repair]]`
/// tables (the catalog's).
pub fn make<'a>(
    report: &Report,
    repairs_of: impl Fn(&str) -> &'a [RepairDecl],
    host: &Host,
    lang: Lang,
    told: &super::Told,
) -> Plan {
    let mut plan = Plan::default();
    for c in &report.checks {
        if c.status == Status::Error {
            plan.unrepaired.push(Unrepaired {
                check: c.id.clone(),
                subject: None,
                message: c.summary.clone(),
                reason: rt(lang, R::CheckError).into(),
            });
            continue;
        }
        let decls = repairs_of(&c.id);
        for f in c.findings.iter().filter(|f| matches!(f.severity, Severity::Warn | Severity::Crit)) {
            let mut first: Option<String> = None;
            let mut reasons: Vec<Skip> = Vec::new();
            for d in decls.iter().filter(|d| f.code.as_deref() == Some(d.code.as_str())) {
                match plan_one(d, &c.id, f, host, lang, told) {
                    // Two findings one change repairs (a conntrack table full and nearly full):
                    // planned once, the other finding says which repair covers it.
                    Ok((change, _)) if let Some(same) = plan.repairs.iter().find(|p| p.change.same_steps(&change)) => {
                        reasons.push(Skip::Refused(rtf(lang, R::SameChange, &[("id", &same.id)])));
                    }
                    Ok((change, diffs)) => {
                        let base = format!("{}-{}", d.action.action().name(), slug(f.subject.as_deref()));
                        let mut id = base.clone();
                        let mut n = 2;
                        while plan.repairs.iter().any(|p| p.id == id) {
                            id = format!("{base}-{n}");
                            n += 1;
                        }
                        plan.repairs.push(Planned {
                            id: id.clone(),
                            check: c.id.clone(),
                            finding: f.clone(),
                            decl: d.clone(),
                            change,
                            diffs,
                            alternative_to: first.clone(),
                        });
                        first.get_or_insert(id);
                    }
                    Err(s) => reasons.push(s),
                }
            }
            if first.is_none() {
                let reason = reasons
                    .iter()
                    .find(|s| matches!(s, Skip::Refused(_)))
                    .or(reasons.first())
                    .map(|s| s.reason().to_string())
                    .unwrap_or_else(|| rt(lang, R::NoRepair).into());
                plan.unrepaired.push(Unrepaired {
                    check: c.id.clone(),
                    subject: f.subject.clone(),
                    message: f.message.clone(),
                    reason,
                });
            }
        }
    }
    // A server that does not boot is repaired in the order its boot meets the faults (the
    // rescue run's "what to repair first"); the rest in report order.
    plan.repairs.sort_by_key(|p| crate::report::boot_stage(&p.check));
    plan.unrepaired.sort_by_key(|u| crate::report::boot_stage(&u.check));
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_diffs() {
        assert_eq!(slug(Some("/data")), "data");
        assert_eq!(slug(Some("/")), "root");
        assert_eq!(slug(Some("/srv/My Disk/")), "srv-my-disk");
        assert_eq!(slug(Some("UUID=ab-12 (swap)")), "uuid-ab-12-swap");
        assert_eq!(slug(None), "host");
        let d = diff("/etc/fstab", b"a\nb\nc\n", Some(b"a\nB\nc\n"));
        assert_eq!(
            masked("/etc/shadow", b"root:$6$salt$hash:19000:0:99999:7:::\nx:!$6$s$h:1::::::\ny:*:1::::::\nz::1::::::"),
            b"root:<hash>:19000:0:99999:7:::\nx:!<hash>:1::::::\ny:*:1::::::\nz::1::::::"
        );
        assert_eq!(masked("/etc/passwd", b"a:x:1"), b"a:x:1");
        assert_eq!(d, "--- a/etc/fstab\n+++ b/etc/fstab\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
    }
}
