//! Message templates: `{subject}`, `{count}` and the probe's value names, optionally with a
//! format: `{avail_bytes|bytes}` (1.5 GiB), `{used_percent|pct}` (91%). A value the probe gave
//! as words of the tool ([`Observation::words`]) is said in the run's language; data of the
//! system (paths, names, log lines) is shown as it is.

use crate::fmt::{format_num, human_bytes};
use crate::i18n::{Lang, Msg, Said};
use crate::probe::{Observation, Value};

/// The placeholders of a template, for validation at load time.
pub fn placeholders(template: &str) -> Result<Vec<(String, Option<String>)>, Said> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end =
            after.find('}').ok_or_else(|| Said::new(Msg::TemplateUnclosed).arg("template", format!("{template:?}")))?;
        let inner = &after[..end];
        let (name, fmt) = match inner.split_once('|') {
            Some((n, f)) => (n.trim(), Some(f.trim().to_string())),
            None => (inner.trim(), None),
        };
        if let Some(f) = &fmt
            && !matches!(f.as_str(), "bytes" | "pct")
        {
            return Err(Said::new(Msg::TemplateBadFormat)
                .arg("format", format!("{f:?}"))
                .arg("placeholder", format!("{{{inner}}}")));
        }
        if name.is_empty() {
            return Err(Said::new(Msg::TemplateEmpty).arg("template", format!("{template:?}")));
        }
        out.push((name.to_string(), fmt));
        rest = &after[end + 1..];
    }
    Ok(out)
}

fn format_value(v: &Value, fmt: Option<&str>) -> String {
    match (fmt, v.as_num()) {
        (Some("bytes"), Some(n)) => human_bytes(n),
        (Some("pct"), Some(n)) => format!("{}%", format_num(n)),
        _ => v.as_text(),
    }
}

/// Fills a template from an observation in `lang`; a missing value shows as `?`.
pub fn render(template: &str, obs: Option<&Observation>, count: usize, lang: Lang) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &after[..end];
        let (name, fmt) = match inner.split_once('|') {
            Some((n, f)) => (n.trim(), Some(f.trim())),
            None => (inner.trim(), None),
        };
        let words = obs.and_then(|o| o.words.get(name));
        let value = match name {
            _ if words.is_some() => words.map(|w| w.render(lang)),
            "subject" => obs.map(|o| o.subject.clone()),
            "count" => Some(count.to_string()),
            _ => obs.and_then(|o| o.values.get(name)).map(|v| format_value(v, fmt)),
        };
        out.push_str(value.as_deref().unwrap_or("?"));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_values_and_formats() {
        let o = Observation::new("/data").num("used_percent", 91.0).num("avail_bytes", 1536.0 * 1024.0 * 1024.0);
        assert_eq!(
            render("{subject} is {used_percent|pct} full, {avail_bytes|bytes} left ({x})", Some(&o), 1, Lang::En),
            "/data is 91% full, 1.5 GiB left (?)"
        );
        assert_eq!(render("{count} ok", None, 3, Lang::En), "3 ok");
        assert_eq!(render("broken {", None, 0, Lang::En), "broken {");
        assert!(placeholders("{a|weird}").is_err());
        assert!(placeholders("{a").is_err());
        assert_eq!(placeholders("{a} {b|pct}").unwrap().len(), 2);
    }

    #[test]
    fn words_are_said_in_the_language_and_compared_in_english() {
        let o = Observation::new("user guest")
            .subject_words(Said::new(Msg::ValUserNamed).arg("name", "guest"))
            .word("kdump", Said::new(Msg::ValNotConfigured));
        let t = "{subject}: kdump {kdump}";
        assert_eq!(render(t, Some(&o), 1, Lang::En), "user guest: kdump not configured");
        assert_eq!(render(t, Some(&o), 1, Lang::ZhCn), "用户 guest: kdump 未配置");
        // The machine value and subject stay English, for `where` filters, thresholds and reports.
        assert_eq!(o.values["kdump"], crate::probe::Value::Text("not configured".into()));
        assert_eq!(o.subject, "user guest");
        assert!(!o.values.contains_key("subject"));
    }
}
