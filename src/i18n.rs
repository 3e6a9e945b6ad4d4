//! Languages of the human output. Check texts live in the check files; the few words the
//! tool itself prints live here, in one catalogue a translator can edit.

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

/// Words the tool prints around the check texts.
#[derive(Debug, Clone, Copy)]
pub enum Msg {
    Network,
    Disk,
    Security,
    System,
    Fix,
    Evidence,
    Summary,
    Score,
    ReportSaved,
    NextSteps,
    ExplainHint,
    TicketHint,
    TimedOut,
    Why,
    HowToFix,
    Probe,
    Thresholds,
    DefinedIn,
    Subject,
    Code,
    Since,
    Host,
    Kernel,
    Cloud,
    RunLabel,
    PassingOrSkipped,
}

pub fn tr(lang: Lang, msg: Msg) -> &'static str {
    use Msg::*;
    match (lang, msg) {
        (Lang::En, Network) => "Network",
        (Lang::En, Disk) => "Disk",
        (Lang::En, Security) => "Security",
        (Lang::En, System) => "System",
        (Lang::En, Fix) => "fix",
        (Lang::En, Evidence) => "evidence",
        (Lang::En, Summary) => "Summary",
        (Lang::En, Score) => "score",
        (Lang::En, ReportSaved) => "Report saved to",
        (Lang::En, NextSteps) => "Next steps",
        (Lang::En, ExplainHint) => "learn more about a check",
        (Lang::En, TicketHint) => "open a support ticket with this report attached",
        (Lang::En, TimedOut) => "timed out",
        (Lang::En, Why) => "Why it matters",
        (Lang::En, HowToFix) => "How to fix",
        (Lang::En, Probe) => "What it looks at",
        (Lang::En, Thresholds) => "Thresholds",
        (Lang::En, DefinedIn) => "Defined in",
        (Lang::En, Subject) => "subject",
        (Lang::En, Code) => "code",
        (Lang::En, Since) => "since",
        (Lang::En, Host) => "Host",
        (Lang::En, Kernel) => "Kernel",
        (Lang::En, Cloud) => "Cloud",
        (Lang::En, RunLabel) => "Run",
        (Lang::En, PassingOrSkipped) => "passing or skipped",
        (Lang::ZhCn, Network) => "网络",
        (Lang::ZhCn, Disk) => "磁盘",
        (Lang::ZhCn, Security) => "安全",
        (Lang::ZhCn, System) => "系统",
        (Lang::ZhCn, Fix) => "修复",
        (Lang::ZhCn, Evidence) => "证据",
        (Lang::ZhCn, Summary) => "汇总",
        (Lang::ZhCn, Score) => "健康分",
        (Lang::ZhCn, ReportSaved) => "报告已保存到",
        (Lang::ZhCn, NextSteps) => "下一步",
        (Lang::ZhCn, ExplainHint) => "查看检查项的详细说明",
        (Lang::ZhCn, TicketHint) => "提交附带此报告的工单",
        (Lang::ZhCn, TimedOut) => "超时",
        (Lang::ZhCn, Why) => "为什么重要",
        (Lang::ZhCn, HowToFix) => "如何修复",
        (Lang::ZhCn, Probe) => "检查内容",
        (Lang::ZhCn, Thresholds) => "阈值",
        (Lang::ZhCn, DefinedIn) => "定义位置",
        (Lang::ZhCn, Subject) => "对象",
        (Lang::ZhCn, Code) => "代码",
        (Lang::ZhCn, Since) => "开始于",
        (Lang::ZhCn, Host) => "主机",
        (Lang::ZhCn, Kernel) => "内核",
        (Lang::ZhCn, Cloud) => "云平台",
        (Lang::ZhCn, RunLabel) => "运行",
        (Lang::ZhCn, PassingOrSkipped) => "项通过或跳过",
    }
}
