//! Languages of the human output. Check texts live in the check files; the words the tool itself
//! prints live in i18n/<lang>.toml, one catalogue per language a translator can edit, embedded
//! at build time. A message missing from a language falls back to English (a test keeps both
//! complete).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[value(name = "en")]
    #[serde(rename = "en")]
    En,
    #[value(name = "zh-CN")]
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Lang {
    /// The language asked for by the environment: LC_ALL, then LC_MESSAGES, then LANG; `zh*` is Chinese.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var) {
                if v.is_empty() {
                    continue;
                }
                return if v.to_ascii_lowercase().starts_with("zh") { Lang::ZhCn } else { Lang::En };
            }
        }
        Lang::En
    }
}

/// A text in English with an optional Simplified Chinese translation (built-in checks carry both;
/// a test enforces it). Missing Chinese falls back to English.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub en: String,
    #[serde(rename = "zh-CN", default, skip_serializing_if = "Option::is_none")]
    pub zh_cn: Option<String>,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::ZhCn => self.zh_cn.as_deref().filter(|s| !s.is_empty()).unwrap_or(&self.en),
        }
    }
}

/// Declares the message keys: each variant is one key of the i18n/*.toml catalogues.
macro_rules! messages {
    ($($variant:ident = $key:literal),* $(,)?) => {
        /// Words the tool prints around the check texts.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $($variant),* }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$(Msg::$variant),*];

            /// The key in the catalogue files.
            pub fn key(self) -> &'static str {
                match self { $(Msg::$variant => $key),* }
            }
        }
    };
}

messages! {
    Network = "network",
    Disk = "disk",
    Security = "security",
    System = "system",
    Fix = "fix",
    Evidence = "evidence",
    Summary = "summary",
    Score = "score",
    ReportSaved = "report_saved",
    NextSteps = "next_steps",
    ExplainHint = "explain_hint",
    TicketHint = "ticket_hint",
    TimedOut = "timed_out",
    Why = "why",
    HowToFix = "how_to_fix",
    Probe = "probe",
    Thresholds = "thresholds",
    DefinedIn = "defined_in",
    Subject = "subject",
    Code = "code",
    Since = "since",
    Host = "host",
    Kernel = "kernel",
    Cloud = "cloud",
    RunLabel = "run_label",
    PassingOrSkipped = "passing_or_skipped",
    DiffFrom = "diff_from",
    DiffTo = "diff_to",
    DiffNothing = "diff_nothing",
    DiffStatusChanges = "diff_status_changes",
    DiffNewFindings = "diff_new_findings",
    DiffResolvedFindings = "diff_resolved_findings",
    DiffChangedFindings = "diff_changed_findings",
    DiffMetricChanges = "diff_metric_changes",
    DiffWas = "diff_was",
    ColTime = "col_time",
    ColStatus = "col_status",
    ColFile = "col_file",
    HistoryEmpty = "history_empty",
    HistoryUnreadable = "history_unreadable",
    DiffNoOkRun = "diff_no_ok_run",
    DiffNeedTwo = "diff_need_two",
    SaveFailed = "save_failed",
    Pruned = "pruned",
    TrendSpace = "trend_space",
    TrendInodes = "trend_inodes",
    TheFilesystem = "the_filesystem",
    About = "about",
    UnderAnHour = "under_an_hour",
    OneHour = "one_hour",
    Hours = "hours",
    Days = "days",
    ReportTitle = "report_title",
    Os = "os",
    ColCheck = "col_check",
    ColSummary = "col_summary",
    References = "references",
    Aliases = "aliases",
}

/// The catalogue files, embedded: (language, file name, text).
pub const CATALOGUES: &[(Lang, &str, &str)] = &[
    (Lang::En, "i18n/en.toml", include_str!("../i18n/en.toml")),
    (Lang::ZhCn, "i18n/zh-CN.toml", include_str!("../i18n/zh-CN.toml")),
];

type Table = std::collections::BTreeMap<String, String>;

/// The parsed catalogue of a language (empty if the embedded file does not parse; a test
/// makes sure it does).
pub fn catalogue(lang: Lang) -> &'static Table {
    static TABLES: std::sync::OnceLock<Vec<(Lang, Table)>> = std::sync::OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        CATALOGUES.iter().map(|(l, _, text)| (*l, toml::from_str::<Table>(text).unwrap_or_default())).collect()
    });
    static EMPTY: Table = Table::new();
    tables.iter().find(|(l, _)| *l == lang).map(|(_, t)| t).unwrap_or(&EMPTY)
}

/// A message in a language, else in English, else its key.
pub fn tr(lang: Lang, msg: Msg) -> &'static str {
    catalogue(lang)
        .get(msg.key())
        .or_else(|| catalogue(Lang::En).get(msg.key()))
        .map(String::as_str)
        .unwrap_or(msg.key())
}

/// A message with `{name}` placeholders filled in.
pub fn trf(lang: Lang, msg: Msg, args: &[(&str, &str)]) -> String {
    let mut s = tr(lang, msg).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_in_every_language_and_no_stray_keys() {
        for (lang, file, text) in CATALOGUES {
            let table: Table = toml::from_str(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            for m in Msg::ALL {
                let v = table.get(m.key()).unwrap_or_else(|| panic!("{file} lacks {}", m.key()));
                assert!(!v.trim().is_empty(), "{file}: {} is empty", m.key());
            }
            for k in table.keys() {
                assert!(Msg::ALL.iter().any(|m| m.key() == k), "{file}: {k} is no message");
            }
            // Placeholders match English.
            for m in Msg::ALL {
                let holes = |s: &str| {
                    let mut v: Vec<String> =
                        s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|x| x.0.to_string())).collect();
                    v.sort();
                    v
                };
                assert_eq!(holes(tr(*lang, *m)), holes(tr(Lang::En, *m)), "{file}: placeholders of {}", m.key());
            }
            assert_eq!(*lang == Lang::ZhCn, tr(*lang, Msg::Network) == "网络");
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(trf(Lang::En, Msg::HistoryEmpty, &[("dir", "/x")]), "no saved reports in /x");
    }
}
