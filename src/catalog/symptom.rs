//! The symptoms of `ecs-doctor why`: one complaint each ("I cannot connect over SSH"), declared
//! in data like the checks, one file per symptom under `symptoms/` (embedded at build time):
//! the checks in the order support walks the complaint, what to ask on a terminal when no flag
//! gave it, and what to check outside the guest when nothing inside explains it.
//!
//! A symptom names checks by id; loading validates every id against the catalog, so a renamed
//! or missing check is an error that names the symptom file, not a silently shorter walk.

use super::{BUILTIN_SYMPTOMS, Catalog, LoadError};
use crate::i18n::{Lang, Text};
use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SymptomFile {
    symptom: Spanned<String>,
    title: Text,
    #[serde(default)]
    asks: Vec<Spanned<String>>,
    steps: Vec<Spanned<StepEntry>>,
    #[serde(default)]
    outside: Outside,
}

/// A step: a check id, or a check narrowed to some subjects (`{ check = "disk.usage.space",
/// subjects = ["/", "/var"] }`: only a full root or /var breaks logins, not a full /data).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StepEntry {
    Check(String),
    Narrowed { check: String, subjects: Vec<String> },
}

impl StepEntry {
    fn check(&self) -> &str {
        match self {
            StepEntry::Check(c) | StepEntry::Narrowed { check: c, .. } => c,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Outside {
    #[serde(default)]
    en: Vec<String>,
    #[serde(default, rename = "zh-CN")]
    zh_cn: Vec<String>,
}

/// What a symptom may ask for on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// The port that cannot be reached (`why port PORT`).
    Port,
    /// The user who cannot log in (`why ssh --user U`).
    User,
}

/// A loaded, validated symptom.
#[derive(Debug, Clone)]
pub struct Symptom {
    pub name: String,
    pub title: Text,
    pub asks: Vec<Ask>,
    /// Check ids, in the order support walks them.
    pub steps: Vec<String>,
    /// The steps narrowed to some of their check's subjects (mount points, ports): only
    /// findings about those count for the complaint.
    pub subjects: std::collections::BTreeMap<String, Vec<String>>,
    outside_en: Vec<String>,
    outside_zh: Vec<String>,
    pub source: String,
}

impl Symptom {
    /// What to check outside the guest, in `lang` (English where a translation is missing),
    /// with `{port}` replaced.
    pub fn outside(&self, lang: Lang, port: Option<u16>) -> Vec<String> {
        let list = match lang {
            Lang::ZhCn if self.outside_zh.len() == self.outside_en.len() => &self.outside_zh,
            _ => &self.outside_en,
        };
        let port = port.map_or_else(|| "<port>".to_string(), |p| p.to_string());
        list.iter().map(|s| s.replace("{port}", &port)).collect()
    }

    /// The narrowed steps for a complaint about `user` (`why ssh --user U`): `{user}` in a
    /// step's subjects is that account; without a user such a subject is dropped, and a step
    /// left with none counts every finding.
    pub fn narrowed(&self, user: Option<&str>) -> std::collections::BTreeMap<String, Vec<String>> {
        self.subjects
            .iter()
            .filter_map(|(id, list)| {
                let list: Vec<String> = list
                    .iter()
                    .filter_map(|s| match (s.as_str(), user) {
                        (USER, Some(u)) => Some(u.to_string()),
                        (USER, None) => None,
                        _ => Some(s.clone()),
                    })
                    .collect();
                (!list.is_empty()).then(|| (id.clone(), list))
            })
            .collect()
    }
}

/// The subject of a step that stands for the account of the complaint.
const USER: &str = "{user}";

/// Parses and validates one symptom file against `catalog`.
pub fn parse(display: &str, source: &str, catalog: &Catalog) -> Result<Symptom, LoadError> {
    let f: SymptomFile = toml::from_str(source).map_err(|e| LoadError::from_toml(display, source, &e))?;
    let err = |at: usize, m: String| LoadError::at(display, source, at, m);
    let expected = display.rsplit('/').next().and_then(|n| n.strip_suffix(".toml")).unwrap_or("");
    if f.symptom.get_ref() != expected {
        return Err(err(f.symptom.span().start, format!("the symptom must be named like its file: {expected:?}")));
    }
    let mut asks = Vec::new();
    for a in &f.asks {
        asks.push(match a.get_ref().as_str() {
            "port" => Ask::Port,
            "user" => Ask::User,
            other => return Err(err(a.span().start, format!("unknown question {other:?} (port, user)"))),
        });
    }
    if f.steps.is_empty() {
        return Err(err(f.symptom.span().start, "a symptom needs at least one step".into()));
    }
    let mut steps = Vec::new();
    let mut subjects = std::collections::BTreeMap::new();
    for s in &f.steps {
        let id = s.get_ref().check();
        match catalog.get(id) {
            Some(c) if !steps.contains(&c.id) => steps.push(c.id.clone()),
            Some(_) => return Err(err(s.span().start, format!("step {id:?} is listed twice"))),
            None => return Err(err(s.span().start, format!("no check has the id {id:?}"))),
        }
        if let StepEntry::Narrowed { subjects: list, .. } = s.get_ref() {
            if list.is_empty() {
                return Err(err(s.span().start, format!("step {id:?} is narrowed to no subject")));
            }
            subjects.insert(id.to_string(), list.clone());
        }
    }
    Ok(Symptom {
        name: f.symptom.into_inner(),
        title: f.title,
        asks,
        steps,
        subjects,
        outside_en: f.outside.en,
        outside_zh: f.outside.zh_cn,
        source: display.to_string(),
    })
}

/// The built-in symptom `name`, validated against `catalog`; `Ok(None)` when there is none.
pub fn builtin(name: &str, catalog: &Catalog) -> Result<Option<Symptom>, LoadError> {
    for (file, source) in BUILTIN_SYMPTOMS {
        if file.strip_suffix(".toml") == Some(name) {
            return parse(&format!("builtin:symptoms/{file}"), source, catalog).map(Some);
        }
    }
    Ok(None)
}

/// The names of the built-in symptoms.
pub fn names() -> Vec<&'static str> {
    BUILTIN_SYMPTOMS.iter().filter_map(|(f, _)| f.strip_suffix(".toml")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every built-in symptom loads against the built-in checks, has both languages' texts
    /// of the same length, and its name is one `why` takes.
    #[test]
    fn every_builtin_symptom_loads() {
        let catalog = Catalog::load(&[]).unwrap();
        let mut names = names();
        names.sort_unstable();
        assert_eq!(names, ["dns", "network", "port", "ssh"]);
        for name in names {
            let s = builtin(name, &catalog).unwrap_or_else(|e| panic!("{e}")).expect(name);
            assert!(s.title.zh_cn.is_some(), "{name}: zh-CN title");
            assert!(!s.outside(Lang::En, None).is_empty(), "{name}: outside");
            assert_eq!(s.outside_en.len(), s.outside_zh.len(), "{name}: outside in both languages");
        }
        assert!(builtin("nope", &catalog).unwrap().is_none());
    }

    #[test]
    fn bad_symptom_files_say_where() {
        let catalog = Catalog::load(&[]).unwrap();
        let e = parse("x/ssh.toml", "symptom = \"ssh\"\ntitle.en = \"t\"\nsteps = [\"net.nope.gone\"]\n", &catalog)
            .unwrap_err();
        assert_eq!((e.line, e.message.contains("net.nope.gone")), (3, true), "{e}");
        let e = parse("x/ssh.toml", "symptom = \"dns\"\ntitle.en = \"t\"\nsteps = [\"net.route.default\"]\n", &catalog)
            .unwrap_err();
        assert!(e.message.contains("\"ssh\""), "{e}");
        let e = parse(
            "x/ssh.toml",
            "symptom = \"ssh\"\ntitle.en = \"t\"\nasks = [\"color\"]\nsteps = [\"net.route.default\"]\n",
            &catalog,
        )
        .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let p = parse(
            "x/port.toml",
            "symptom = \"port\"\ntitle.en = \"t\"\nasks = [\"port\"]\nsteps = [\"net.route.default\"]\noutside.en = [\"TCP {port}\"]\n",
            &catalog,
        )
        .unwrap();
        assert_eq!(p.outside(Lang::ZhCn, Some(8080)), ["TCP 8080"], "English when no translation");
        let n = parse(
            "x/ssh.toml",
            "symptom = \"ssh\"\ntitle.en = \"t\"\nsteps = [\"net.route.default\", { check = \"disk.usage.space\", subjects = [\"/\"] }]\n",
            &catalog,
        )
        .unwrap();
        assert_eq!(n.steps, ["net.route.default", "disk.usage.space"]);
        assert_eq!(n.subjects.get("disk.usage.space").map(Vec::as_slice), Some(&["/".to_string()][..]));
        let e = parse(
            "x/ssh.toml",
            "symptom = \"ssh\"\ntitle.en = \"t\"\nsteps = [{ check = \"disk.usage.space\", subjects = [] }]\n",
            &catalog,
        )
        .unwrap_err();
        assert!(e.message.contains("narrowed to no subject"), "{e}");
        let u = parse(
            "x/ssh.toml",
            "symptom = \"ssh\"\ntitle.en = \"t\"\nsteps = [{ check = \"sec.pam.lockout\", subjects = [\"{user}\"] }]\n",
            &catalog,
        )
        .unwrap();
        assert_eq!(u.narrowed(Some("ops")).get("sec.pam.lockout"), Some(&vec!["ops".to_string()]));
        assert!(u.narrowed(None).is_empty(), "no user: every account counts");
    }
}
