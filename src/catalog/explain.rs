//! What `ecs-doctor explain <ID>` prints about one check: its title, why it matters, how to fix
//! it, the probe and its time limit, the thresholds in force (with the config line of every
//! override), references, aliases and where it is defined; as text for people or as JSON for
//! tools (the same content, ruff's `rule --output-format json`).

use super::{Check, Judge};
use crate::i18n::{Lang, Msg, tr, trf};
use crate::probe::FieldKind;
use serde_json::json;

/// The text `explain` prints.
pub fn text(c: &Check, lang: Lang) -> String {
    let mut out = format!("{} — {}\n\n", c.id, c.title.get(lang));
    out.push_str(&format!("{}:\n  {}\n\n", tr(lang, Msg::Why), c.why.get(lang).trim().replace('\n', "\n  ")));
    out.push_str(&format!("{}:\n  {}\n\n", tr(lang, Msg::HowToFix), c.fix.get(lang).trim().replace('\n', "\n  ")));
    out.push_str(&format!(
        "{}:\n  {}\n",
        tr(lang, Msg::Probe),
        trf(
            lang,
            Msg::ExplainProbeLine,
            &[("kind", c.probe.kind()), ("seconds", &format!("{:.1}", c.timeout.as_secs_f64()))]
        )
    ));
    let fields = c.probe.fields();
    if !fields.is_empty() {
        out.push_str(&format!("  {}\n", tr(lang, Msg::ExplainFields)));
        let kind = |f: &crate::probe::Field| {
            let word = tr(
                lang,
                match f.kind {
                    FieldKind::Num => Msg::FieldNum,
                    FieldKind::Text => Msg::FieldText,
                    FieldKind::Flag => Msg::FieldFlag,
                },
            );
            if f.unit.is_empty() { word.to_string() } else { format!("{word}, {}", f.unit) }
        };
        // Terminal columns: a CJK character takes two.
        let width = |s: &str| s.chars().map(|c| if c >= '\u{1100}' { 2 } else { 1 }).sum::<usize>();
        let name_width = fields.iter().map(|f| f.name.len()).max().unwrap_or(0);
        let kind_width = fields.iter().map(|f| width(&kind(f))).max().unwrap_or(0);
        for f in fields {
            let k = kind(f);
            let pad = " ".repeat(kind_width - width(&k));
            out.push_str(&format!("    {:name_width$}  {k}{pad}  {}\n", f.name, f.doc));
        }
    }
    if !c.judges.is_empty() {
        out.push_str(&format!("\n{}:\n", tr(lang, Msg::Thresholds)));
        for j in &c.judges {
            let levels = j.levels();
            let filter = if j.filters.is_empty() {
                String::new()
            } else {
                let and = format!(" {} ", tr(lang, Msg::ExplainAnd));
                let conditions = j.filters.iter().map(|(f, c)| format!("{f} {c}")).collect::<Vec<_>>().join(&and);
                format!(" {}", trf(lang, Msg::ExplainWhere, &[("conditions", &conditions)]))
            };
            let config_at = |at: &str| trf(lang, Msg::ExplainConfigAt, &[("at", at)]);
            let from = j.overridden_at.as_ref().map(|at| format!("  ({})", config_at(at))).unwrap_or_default();
            out.push_str(&format!("  {}: {levels}{filter}{from}\n", j.field));
            for (subject, t) in &j.subjects {
                let (w, cr) = j.thresholds_for(subject);
                out.push_str(&format!("    {subject}: {}  ({})\n", Judge::describe(w, cr), config_at(&t.at)));
            }
        }
    }
    if !c.repairs.is_empty() {
        out.push_str(&format!("\n{}:\n", tr(lang, Msg::ExplainRepairs)));
        for r in &c.repairs {
            let a = r.action.action();
            out.push_str(&format!(
                "  {} (code {}, action.{}; {}): {}\n",
                a.name(),
                r.code,
                r.action.kind(),
                r.risk.said(lang),
                r.changes.get(lang).trim()
            ));
        }
    }
    if !c.references.is_empty() {
        out.push_str(&format!("\n{}:\n", tr(lang, Msg::References)));
        for (k, v) in &c.references {
            out.push_str(&format!("  {k}: {v}\n"));
        }
    }
    if !c.aliases.is_empty() {
        out.push_str(&format!("\n{}: {}\n", tr(lang, Msg::Aliases), c.aliases.join(", ")));
    }
    if !c.depends_on.is_empty() {
        out.push_str(&format!("\n{}: {}\n", tr(lang, Msg::DependsOn), c.depends_on.join(", ")));
    }
    out.push_str(&format!("\n{}: {}\n", tr(lang, Msg::DefinedIn), c.source));
    out
}

/// The same as [`text`], as one JSON document: the texts in `lang`, conditions as written in the
/// check file (`>= 90`), `null` for a level that is not set.
pub fn json(c: &Check, lang: Lang) -> String {
    let cond = |c: Option<&super::condition::Condition>| c.map(|c| c.to_string());
    let thresholds: Vec<serde_json::Value> = c
        .judges
        .iter()
        .map(|j| {
            let subjects: serde_json::Map<String, serde_json::Value> = j
                .subjects
                .iter()
                .map(|(subject, t)| {
                    let (w, cr) = j.thresholds_for(subject);
                    (subject.clone(), json!({ "warn": cond(w), "crit": cond(cr), "config_at": t.at }))
                })
                .collect();
            json!({
                "field": j.field,
                "warn": cond(j.warn.as_ref()),
                "crit": cond(j.crit.as_ref()),
                "info": cond(j.info.as_ref()),
                "where": j.filters.iter().map(|(f, c)| format!("{f} {c}")).collect::<Vec<_>>(),
                "config_at": j.overridden_at,
                "subjects": subjects,
            })
        })
        .collect();
    let doc = json!({
        "id": c.id,
        "category": c.category,
        "title": c.title.get(lang),
        "why": c.why.get(lang).trim(),
        "fix": c.fix.get(lang).trim(),
        "probe": { "kind": c.probe.kind(), "timeout_ms": c.timeout.as_millis() as u64, "fields": c.probe.fields() },
        "thresholds": thresholds,
        "references": c.references,
        "aliases": c.aliases,
        "depends_on": c.depends_on,
        "repairs": c.repairs.iter().map(|r| json!({
            "name": r.action.action().name(),
            "code": r.code,
            "action": r.action,
            "risk": r.risk.key(),
            "changes": r.changes.get(lang).trim(),
        })).collect::<Vec<_>>(),
        "source": c.source,
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn text_and_json_say_the_same_about_every_built_in_check() {
        let catalog = Catalog::load(&[]).unwrap();
        for c in &catalog.checks {
            for lang in [Lang::En, Lang::ZhCn] {
                let t = text(c, lang);
                let j: serde_json::Value = serde_json::from_str(&json(c, lang)).unwrap();
                assert_eq!(j["id"], c.id.as_str());
                assert!(t.starts_with(&format!("{} — {}\n", c.id, j["title"].as_str().unwrap())), "{t}");
                assert!(t.contains(j["probe"]["kind"].as_str().unwrap()));
                assert_eq!(j["thresholds"].as_array().unwrap().len(), c.judges.len());
                for th in j["thresholds"].as_array().unwrap() {
                    assert!(t.contains(&format!("  {}: ", th["field"].as_str().unwrap())), "{}: {t}", c.id);
                }
                assert!(t.ends_with(&format!("{}\n", j["source"].as_str().unwrap())));
                let fields = j["probe"]["fields"].as_array().unwrap();
                assert_eq!(fields.len(), c.probe.fields().len(), "{}", c.id);
                for f in fields {
                    let doc = f["doc"].as_str().unwrap();
                    assert!(!doc.is_empty() && t.contains(doc), "{}: {f}", c.id);
                    assert!(["num", "text", "flag"].contains(&f["kind"].as_str().unwrap()), "{f}");
                }
            }
        }
    }

    #[test]
    fn overrides_name_the_config_line_in_both_forms() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.toml");
        std::fs::write(
            &file,
            "[checks.\"disk.usage.space\"]\nthresholds.used_percent = { warn = \">= 70\" }\n\n[checks.\"disk.usage.space\".subjects.\"/data\".thresholds.used_percent]\ncrit = \">= 99\"\n",
        )
        .unwrap();
        let config = crate::config::Config::load(Some(&file)).unwrap();
        let mut catalog = Catalog::load(&[]).unwrap();
        config.apply(&mut catalog).unwrap();
        let c = catalog.get("disk.usage.space").unwrap();
        let t = text(c, Lang::En);
        let j: serde_json::Value = serde_json::from_str(&json(c, Lang::En)).unwrap();
        let th = j["thresholds"].as_array().unwrap().iter().find(|t| t["field"] == "used_percent").unwrap();
        assert_eq!(th["warn"], ">= 70");
        assert!(th["config_at"].as_str().unwrap().ends_with("config.toml:2"), "{th}");
        assert_eq!(th["subjects"]["/data"]["crit"], ">= 99");
        assert!(t.contains("config.toml:2"), "{t}");
        assert!(t.contains("    /data: "), "{t}");
    }
}
