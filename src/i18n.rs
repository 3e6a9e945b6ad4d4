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
    HopWord = "hop_word",
    LatencyPerHop = "latency_per_hop",
    LatencyOverTime = "latency_over_time",
    LossNote = "loss_note",
    RootNotDir = "root_not_dir",
    CannotWrite = "cannot_write",
    BadDeadline = "bad_deadline",
    UnknownCheckId = "unknown_check_id",
    UnknownSelector = "unknown_selector",
    ReportUnreadable = "report_unreadable",
    NotAReport = "not_a_report",
    WrongSchema = "wrong_schema",
    CheckFileWord = "check_file_word",
    ConfigFileWord = "config_file_word",
    CannotReadFile = "cannot_read_file",
    NotUtf8 = "not_utf8",
    CannotReadChecksDir = "cannot_read_checks_dir",
    DuplicateCheckId = "duplicate_check_id",
    BadCheckId = "bad_check_id",
    IdPathMismatch = "id_path_mismatch",
    ExecNoCommand = "exec_no_command",
    ExecNoJudges = "exec_no_judges",
    UnknownPlaceholder = "unknown_placeholder",
    UnknownField = "unknown_field",
    UnknownWhereField = "unknown_where_field",
    UnknownMetric = "unknown_metric",
    NoNamedValues = "no_named_values",
    JudgeNoThreshold = "judge_no_threshold",
    BadTimeout = "bad_timeout",
    BadAlias = "bad_alias",
    ExplainProbeLine = "explain_probe_line",
    ExplainWhere = "explain_where",
    ExplainAnd = "explain_and",
    ExplainConfigAt = "explain_config_at",
    ListSeparator = "list_separator",
    NothingToExamine = "nothing_to_examine",
    AndMore = "and_more",
    OkWithNote = "ok_with_note",
    MoreLines = "more_lines",
    TimedOutCheck = "timed_out_check",
    TimedOutRunning = "timed_out_running",
    TimedOutNotStarted = "timed_out_not_started",
    ProbePanicked = "probe_panicked",
    WithNotes = "with_notes",
    SkipPermission = "skip_permission",
    SkipFileMissing = "skip_file_missing",
    SkipNoSockets = "skip_no_sockets",
    SkipKlogDenied = "skip_klog_denied",
    SkipKlogNone = "skip_klog_none",
    SkipKlogNoneUnderRoot = "skip_klog_none_under_root",
    SkipCronUnreadable = "skip_cron_unreadable",
    SkipFileLimits = "skip_file_limits",
    SkipNoMetadataService = "skip_no_metadata_service",
    SkipMetadataUnderRoot = "skip_metadata_under_root",
    SkipMetadataNotCloud = "skip_metadata_not_cloud",
    SkipMetadataOtherCloud = "skip_metadata_other_cloud",
    SkipNoProcesses = "skip_no_processes",
    SkipFirewallUnderRoot = "skip_firewall_under_root",
    SkipFirewallNeedsRoot = "skip_firewall_needs_root",
    SkipFirewallUnlisted = "skip_firewall_unlisted",
    SkipNoSshServer = "skip_no_ssh_server",
    SkipSshNotInstalled = "skip_ssh_not_installed",
    SkipNoAuthLog = "skip_no_auth_log",
    SkipDnsUnderRoot = "skip_dns_under_root",
    SkipNoResolvConf = "skip_no_resolv_conf",
    SkipNoNameserver = "skip_no_nameserver",
    SkipSshdTestUnderRoot = "skip_sshd_test_under_root",
    SkipSshdMissing = "skip_sshd_missing",
    SkipSshdNeedsRoot = "skip_sshd_needs_root",
    SkipNoPressure = "skip_no_pressure",
    SkipUnitsNotLive = "skip_units_not_live",
    SkipNotSystemd = "skip_not_systemd",
    SkipTraceNotPermitted = "skip_trace_not_permitted",
    SkipNoConntrack = "skip_no_conntrack",
    SkipReachUnderRoot = "skip_reach_under_root",
    SkipNoTargetsNoMetadata = "skip_no_targets_no_metadata",
    SkipNoTargetsMetadataFailed = "skip_no_targets_metadata_failed",
    SkipNoTargets = "skip_no_targets",
    SkipNoTargetsForCloud = "skip_no_targets_for_cloud",
    SkipNoDisks = "skip_no_disks",
    FailRead = "fail_read",
    FailMissing = "fail_missing",
    FailBadFormat = "fail_bad_format",
    FailNoMemTotal = "fail_no_mem_total",
    FailNoMemAvailable = "fail_no_mem_available",
    FailBadMode = "fail_bad_mode",
    FailStart = "fail_start",
    FailWait = "fail_wait",
    FailKilled = "fail_killed",
    FailNoOutput = "fail_no_output",
    FailReadOutput = "fail_read_output",
    FailNoAnswer = "fail_no_answer",
    FailSystemctl = "fail_systemctl",
    FailCommand = "fail_command",
    FailStatfsHelper = "fail_statfs_helper",
    FailNoLogRead = "fail_no_log_read",
    FailDnsClient = "fail_dns_client",
    FailNoRoutes = "fail_no_routes",
    FailNoInterfaces = "fail_no_interfaces",
    FailThread = "fail_thread",
    FailTraceTargets = "fail_trace_targets",
    TraceTargetFailed = "trace_target_failed",
    TraceNoRound = "trace_no_round",
    TraceNoAnswer = "trace_no_answer",
    TraceSetup = "trace_setup",
    TraceStart = "trace_start",
    TraceFailed = "trace_failed",
    TracePanicked = "trace_panicked",
    TraceNoAddress = "trace_no_address",
    TraceResolveTimeout = "trace_resolve_timeout",
    TraceResolveFailed = "trace_resolve_failed",
    BadMetadataUrlScheme = "bad_metadata_url_scheme",
    BadMetadataUrlHost = "bad_metadata_url_host",
    BadMetadataUrlPath = "bad_metadata_url_path",
    FlagMetadataUrl = "flag_metadata_url",
    SkipNoRouteTable = "skip_no_route_table",
    TomlUnknownKey = "toml_unknown_key",
    TomlUnknownKeyOneOf = "toml_unknown_key_one_of",
    TomlNoKeys = "toml_no_keys",
    TomlUnknownValue = "toml_unknown_value",
    TomlUnknownValueOneOf = "toml_unknown_value_one_of",
    TomlMissingKey = "toml_missing_key",
    TomlWrongType = "toml_wrong_type",
    TomlWrongValue = "toml_wrong_value",
    TomlDuplicateKey = "toml_duplicate_key",
    TomlSyntax = "toml_syntax",
    ConfigDeadline = "config_deadline",
    ConfigHistory = "config_history",
    ConfigDnsName = "config_dns_name",
    ConfigNoThreshold = "config_no_threshold",
    ConfigNoThresholds = "config_no_thresholds",
    ConfigNeedWarnOrCrit = "config_need_warn_or_crit",
    ConfigUnknownCheck = "config_unknown_check",
    ConfigTimeout = "config_timeout",
    ConfigEmptySubject = "config_empty_subject",
    HistoryPositiveDays = "history_positive_days",
    HistoryKeep = "history_keep",
    HistoryTrendOrder = "history_trend_order",
    ConditionNoValue = "condition_no_value",
    ConditionNotNumber = "condition_not_number",
    ConditionBadOperator = "condition_bad_operator",
    FilterShape = "filter_shape",
    TemplateUnclosed = "template_unclosed",
    TemplateBadFormat = "template_bad_format",
    TemplateEmpty = "template_empty",
    TargetEmpty = "target_empty",
    TargetBadUrl = "target_bad_url",
    TargetNtpForm = "target_ntp_form",
    TargetNoHost = "target_no_host",
    TargetScheme = "target_scheme",
    TargetNoBracket = "target_no_bracket",
    TargetNotIpv6 = "target_not_ipv6",
    TargetBadPort = "target_bad_port",
    TargetPortRange = "target_port_range",
    TargetBadHost = "target_bad_host",
    FlagTarget = "flag_target",
    TraceFlagHost = "trace_flag_host",
    TraceFlagInterval = "trace_flag_interval",
    TraceFlagDuration = "trace_flag_duration",
    TraceFlagRounds = "trace_flag_rounds",
    TraceFlagMaxTtl = "trace_flag_max_ttl",
    TraceNoHopAnswered = "trace_no_hop_answered",
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

/// The language of messages built where no language is passed (errors from loading the
/// catalog): the command sets it once from `--lang`; until then LC_ALL/LC_MESSAGES/LANG decide.
static MESSAGE_LANG: std::sync::OnceLock<Lang> = std::sync::OnceLock::new();

/// Sets the language of [`say`] for this process (the first call wins: one command per process).
pub fn set_message_lang(lang: Lang) {
    let _ = MESSAGE_LANG.set(lang);
}

/// The language [`say`] speaks.
pub fn message_lang() -> Lang {
    MESSAGE_LANG.get().copied().unwrap_or_else(Lang::from_env)
}

/// A message in the process's message language ([`message_lang`]) with its placeholders filled.
pub fn say(msg: Msg, args: &[(&str, &str)]) -> String {
    trf(message_lang(), msg, args)
}

/// A message with `{name}` placeholders filled in.
pub fn trf(lang: Lang, msg: Msg, args: &[(&str, &str)]) -> String {
    fill(tr(lang, msg), args)
}

/// Fills `{name}` placeholders in one pass, so a value that itself contains braces (a path, an
/// OS error) is never filled again; placeholders without a value stay as written.
fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        let value = (name_len > 0 && after[name_len..].starts_with('}'))
            .then(|| args.iter().find(|(n, _)| *n == &after[..name_len]))
            .flatten();
        match value {
            Some((_, v)) => {
                out.push_str(v);
                rest = &after[name_len + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A message not said yet: its catalogue key and named arguments. Code that cannot know the
/// language (a probe, a host scan) builds one; whoever shows it renders it in the run's language
/// (the judge, for skip reasons and probe failures). Dynamic parts (paths, OS error text) are
/// arguments, so a translation never has to guess them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub msg: Msg,
    pub args: Vec<(&'static str, Arg)>,
}

/// The value of one placeholder of a [`Said`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Shown as it is in every language: a path, a number, an OS error.
    Text(String),
    /// Another message, rendered in the same language.
    Said(Box<Said>),
    /// Messages rendered in the same language and joined by [`Msg::ListSeparator`].
    List(Vec<Said>),
}

impl Said {
    pub fn new(msg: Msg) -> Said {
        Said { msg, args: Vec::new() }
    }

    /// Adds the value of the `{name}` placeholder.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Said {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Adds a placeholder filled with another message.
    pub fn nest(mut self, name: &'static str, value: Said) -> Said {
        self.args.push((name, Arg::Said(Box::new(value))));
        self
    }

    /// Adds a placeholder filled with a list of messages.
    pub fn list(mut self, name: &'static str, values: Vec<Said>) -> Said {
        self.args.push((name, Arg::List(values)));
        self
    }

    /// Every message key this one uses (itself and the nested ones), for tests.
    pub fn keys(&self) -> Vec<Msg> {
        let mut out = vec![self.msg];
        for (_, a) in &self.args {
            match a {
                Arg::Text(_) => {}
                Arg::Said(s) => out.extend(s.keys()),
                Arg::List(l) => out.extend(l.iter().flat_map(Said::keys)),
            }
        }
        out
    }

    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let values: Vec<(&str, String)> = self
            .args
            .iter()
            .map(|(n, a)| {
                let v = match a {
                    Arg::Text(t) => t.clone(),
                    Arg::Said(s) => s.render(lang),
                    Arg::List(l) => {
                        l.iter().map(|s| s.render(lang)).collect::<Vec<_>>().join(tr(lang, Msg::ListSeparator))
                    }
                };
                (*n, v)
            })
            .collect();
        let args: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
        trf(lang, self.msg, &args)
    }
}

impl From<Msg> for Said {
    fn from(msg: Msg) -> Said {
        Said::new(msg)
    }
}

/// In the process's message language (logs, errors printed by the CLI).
impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(message_lang()))
    }
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
    fn every_chinese_message_is_chinese() {
        // Pure formatting, no words: a separator and ways of joining other messages.
        const NO_WORDS: &[&str] =
            &["list_separator", "with_notes", "trace_target_failed", "flag_metadata_url", "flag_target"];
        let han = |s: &str| s.chars().any(|c| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF));
        for m in Msg::ALL {
            let zh = tr(Lang::ZhCn, *m);
            assert!(han(zh) || NO_WORDS.contains(&m.key()), "i18n/zh-CN.toml: {} is not translated: {zh:?}", m.key());
        }
    }

    #[test]
    fn probe_reasons_render_in_both_languages() {
        // A nested message and a list are said in the same language as the outer one.
        let s = Said::new(Msg::FailTraceTargets).list(
            "failures",
            vec![
                Said::new(Msg::TraceTargetFailed).arg("host", "a").nest("error", Said::new(Msg::TraceNoRound)),
                Said::new(Msg::TraceTargetFailed)
                    .arg("host", "b")
                    .nest("error", Said::new(Msg::TraceResolveTimeout).arg("host", "b")),
            ],
        );
        assert_eq!(
            s.render(Lang::En),
            "the path could not be traced: a: the trace found no hop: no round finished in time; b: resolving b timed out"
        );
        assert_eq!(s.render(Lang::ZhCn), "无法追踪路径：a：追踪未发现任何一跳：没有一轮在时限内完成；b：解析 b 超时");
        assert_eq!(s.keys().len(), 5);
        for k in s.keys() {
            assert!(catalogue(Lang::ZhCn).contains_key(k.key()) && catalogue(Lang::En).contains_key(k.key()));
        }
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(trf(Lang::En, Msg::HistoryEmpty, &[("dir", "/x")]), "no saved reports in /x");
        // One pass: a value with braces is not filled again; `{{name}}` keeps its outer braces.
        assert_eq!(fill("{a} and {b}", &[("a", "{b}"), ("b", "x")]), "{b} and x");
        assert_eq!(fill("{{name}} {missing} {", &[("name", "n")]), "{n} {missing} {");
    }

    #[test]
    fn said_renders_in_the_language_asked() {
        let s = Said::new(Msg::HistoryEmpty).arg("dir", "/var/lib/x");
        assert_eq!(s.render(Lang::En), "no saved reports in /var/lib/x");
        assert_eq!(s.render(Lang::ZhCn), "/var/lib/x 中没有已保存的报告");
    }
}

/// Words of the ticket (its labels) and of the `ticket` command (questions, outcomes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T {
    LabelField,
    LabelTitle,
    LabelCategory,
    LabelSeverity,
    LabelStarted,
    LabelInstance,
    LabelSymptoms,
    LabelErrorCodes,
    LabelLogs,
    LabelTried,
    LabelImpact,
    LabelReproducibility,
    LabelDescription,
    LabelContact,
    LabelAttachments,
    LabelSuggestedFixes,
    NotProvided,
    NoFailingChecks,
    ImpactDown,
    ImpactDegraded,
    ImpactIntermittent,
    ImpactNone,
    SeverityNormal,
    SeverityUrgent,
    TagNetwork,
    TagStorage,
    TagSecurity,
    TagPerformance,
    TagSystem,
    SourceStated,
    SourceApproximate,
    SourceLogs,
    AskImpact,
    AskStarted,
    StartedJustNow,
    StartedWithinHour,
    StartedToday,
    StartedEarlier,
    AskStartedTime,
    AskTried,
    TriedRestartedService,
    TriedRebooted,
    TriedFreedDisk,
    TriedSecurityGroup,
    TriedOther,
    AskTriedOther,
    AskTitle,
    AskDescription,
    AskEmail,
    AskChoice,
    AskChoices,
    InvalidChoice,
    AskSend,
    AskCategory,
    FieldsLeftEmpty,
    PreviewHeader,
    Masked,
    NothingMasked,
    DryRunNothingSent,
    Cancelled,
    StaleReport,
    NoReport,
    WrittenTo,
    BundleAt,
    Filed,
    AlreadyFiled,
    Spooled,
    FlushHint,
    Flushing,
    NothingToFlush,
    NeedYes,
    NoTickets,
    Waiting,
    StatusOf,
    LastUpdate,
}

pub fn tt(lang: Lang, msg: T) -> &'static str {
    use T::*;
    match (lang, msg) {
        (Lang::En, LabelField) => "Field",
        (Lang::En, LabelTitle) => "Title",
        (Lang::En, LabelCategory) => "Category",
        (Lang::En, LabelSeverity) => "Suggested severity",
        (Lang::En, LabelStarted) => "Problem started",
        (Lang::En, LabelInstance) => "Instance",
        (Lang::En, LabelSymptoms) => "Symptoms",
        (Lang::En, LabelErrorCodes) => "Error codes",
        (Lang::En, LabelLogs) => "Log snippets",
        (Lang::En, LabelTried) => "Already tried",
        (Lang::En, LabelImpact) => "Impact",
        (Lang::En, LabelReproducibility) => "Reproducibility",
        (Lang::En, LabelDescription) => "Description",
        (Lang::En, LabelContact) => "Contact e-mail",
        (Lang::En, LabelAttachments) => "Attachments",
        (Lang::En, LabelSuggestedFixes) => "Fixes ecs-doctor suggests",
        (Lang::En, NotProvided) => "not provided",
        (Lang::En, NoFailingChecks) => "ecs-doctor found no failing check.",
        (Lang::En, ImpactDown) => "service down",
        (Lang::En, ImpactDegraded) => "degraded",
        (Lang::En, ImpactIntermittent) => "intermittent",
        (Lang::En, ImpactNone) => "no impact yet",
        (Lang::En, SeverityNormal) => "normal",
        (Lang::En, SeverityUrgent) => "urgent",
        (Lang::En, TagNetwork) => "network",
        (Lang::En, TagStorage) => "storage",
        (Lang::En, TagSecurity) => "security",
        (Lang::En, TagPerformance) => "performance",
        (Lang::En, TagSystem) => "system",
        (Lang::En, SourceStated) => "stated",
        (Lang::En, SourceApproximate) => "approximate",
        (Lang::En, SourceLogs) => "first seen in the logs",
        (Lang::En, AskImpact) => "How does the problem affect your service?",
        (Lang::En, AskStarted) => "When did it start?",
        (Lang::En, StartedJustNow) => "just now",
        (Lang::En, StartedWithinHour) => "within the last hour",
        (Lang::En, StartedToday) => "earlier today",
        (Lang::En, StartedEarlier) => "before today",
        (Lang::En, AskStartedTime) => "The time it started, e.g. 2026-11-20 09:30 or 3h ago (Enter keeps the estimate)",
        (Lang::En, AskTried) => "What have you already tried?",
        (Lang::En, TriedRestartedService) => "restarted the service",
        (Lang::En, TriedRebooted) => "rebooted the instance",
        (Lang::En, TriedFreedDisk) => "freed disk space",
        (Lang::En, TriedSecurityGroup) => "changed the security group",
        (Lang::En, TriedOther) => "something else",
        (Lang::En, AskTriedOther) => "What else did you try?",
        (Lang::En, AskTitle) => "Title (Enter keeps it)",
        (Lang::En, AskDescription) => "Anything else support should know (Enter to skip)",
        (Lang::En, AskEmail) => "Contact e-mail (optional)",
        (Lang::En, AskChoice) => "Choose a number",
        (Lang::En, AskChoices) => "Numbers separated by commas, Enter for none",
        (Lang::En, InvalidChoice) => "Please type one of the numbers shown.",
        (Lang::En, AskSend) => "Send this ticket?",
        (Lang::En, AskCategory) => "Which category fits best?",
        (Lang::En, FieldsLeftEmpty) => "Fields left empty (set them with flags):",
        (Lang::En, PreviewHeader) => "This is exactly what will be sent",
        (Lang::En, Masked) => "Masked before sending",
        (Lang::En, NothingMasked) => "Nothing needed masking.",
        (Lang::En, DryRunNothingSent) => "Dry run: nothing was written or sent.",
        (Lang::En, Cancelled) => "Cancelled: nothing was sent.",
        (Lang::En, StaleReport) => "The latest report is missing or too old; running a fresh diagnosis first.",
        (Lang::En, NoReport) => "no report to build the ticket from",
        (Lang::En, WrittenTo) => "Ticket written to",
        (Lang::En, BundleAt) => "Bundle (attach it to the ticket):",
        (Lang::En, Filed) => "Ticket filed:",
        (Lang::En, AlreadyFiled) => "Already filed earlier (found by its key):",
        (Lang::En, Spooled) => "Could not reach the ticket service; the ticket is saved and will be sent later:",
        (Lang::En, FlushHint) => "Send it with `ecs-doctor ticket --flush` (every later run tries too).",
        (Lang::En, Flushing) => "Sending saved tickets",
        (Lang::En, NothingToFlush) => "No saved tickets to send.",
        (Lang::En, NeedYes) => "no terminal to confirm on: add --yes to send the ticket (or --dry-run to see it)",
        (Lang::En, NoTickets) => "No tickets filed from this machine yet.",
        (Lang::En, Waiting) => "Waiting to be sent:",
        (Lang::En, StatusOf) => "Status of ticket",
        (Lang::En, LastUpdate) => "last update",
        (Lang::ZhCn, LabelField) => "字段",
        (Lang::ZhCn, LabelTitle) => "标题",
        (Lang::ZhCn, LabelCategory) => "问题分类",
        (Lang::ZhCn, LabelSeverity) => "建议紧急程度",
        (Lang::ZhCn, LabelStarted) => "问题开始时间",
        (Lang::ZhCn, LabelInstance) => "实例信息",
        (Lang::ZhCn, LabelSymptoms) => "问题现象",
        (Lang::ZhCn, LabelErrorCodes) => "错误码",
        (Lang::ZhCn, LabelLogs) => "日志片段",
        (Lang::ZhCn, LabelTried) => "已尝试的操作",
        (Lang::ZhCn, LabelImpact) => "业务影响",
        (Lang::ZhCn, LabelReproducibility) => "复现情况",
        (Lang::ZhCn, LabelDescription) => "补充说明",
        (Lang::ZhCn, LabelContact) => "联系邮箱",
        (Lang::ZhCn, LabelAttachments) => "附件",
        (Lang::ZhCn, LabelSuggestedFixes) => "ecs-doctor 建议的修复方法",
        (Lang::ZhCn, NotProvided) => "未提供",
        (Lang::ZhCn, NoFailingChecks) => "ecs-doctor 未发现失败的检查项。",
        (Lang::ZhCn, ImpactDown) => "业务中断",
        (Lang::ZhCn, ImpactDegraded) => "业务受影响(性能下降)",
        (Lang::ZhCn, ImpactIntermittent) => "间歇性问题",
        (Lang::ZhCn, ImpactNone) => "暂无业务影响",
        (Lang::ZhCn, SeverityNormal) => "一般",
        (Lang::ZhCn, SeverityUrgent) => "紧急",
        (Lang::ZhCn, TagNetwork) => "网络",
        (Lang::ZhCn, TagStorage) => "存储",
        (Lang::ZhCn, TagSecurity) => "安全",
        (Lang::ZhCn, TagPerformance) => "性能",
        (Lang::ZhCn, TagSystem) => "系统",
        (Lang::ZhCn, SourceStated) => "用户提供",
        (Lang::ZhCn, SourceApproximate) => "估计",
        (Lang::ZhCn, SourceLogs) => "日志中首次出现",
        (Lang::ZhCn, AskImpact) => "问题对业务有什么影响?",
        (Lang::ZhCn, AskStarted) => "问题是什么时候开始的?",
        (Lang::ZhCn, StartedJustNow) => "刚刚",
        (Lang::ZhCn, StartedWithinHour) => "一小时内",
        (Lang::ZhCn, StartedToday) => "今天早些时候",
        (Lang::ZhCn, StartedEarlier) => "今天之前",
        (Lang::ZhCn, AskStartedTime) => "开始时间,例如 2026-11-20 09:30 或 3h ago(直接回车保留估计值)",
        (Lang::ZhCn, AskTried) => "您已经尝试过哪些操作?",
        (Lang::ZhCn, TriedRestartedService) => "重启了服务",
        (Lang::ZhCn, TriedRebooted) => "重启了实例",
        (Lang::ZhCn, TriedFreedDisk) => "清理了磁盘空间",
        (Lang::ZhCn, TriedSecurityGroup) => "修改了安全组",
        (Lang::ZhCn, TriedOther) => "其他操作",
        (Lang::ZhCn, AskTriedOther) => "还尝试了什么?",
        (Lang::ZhCn, AskTitle) => "标题(直接回车保留)",
        (Lang::ZhCn, AskDescription) => "还有什么需要告诉技术支持的(直接回车跳过)",
        (Lang::ZhCn, AskEmail) => "联系邮箱(可选)",
        (Lang::ZhCn, AskChoice) => "请输入编号",
        (Lang::ZhCn, AskChoices) => "输入编号,用逗号分隔,直接回车表示无",
        (Lang::ZhCn, InvalidChoice) => "请输入上面列出的编号。",
        (Lang::ZhCn, AskSend) => "发送此工单?",
        (Lang::ZhCn, AskCategory) => "哪个问题分类最合适?",
        (Lang::ZhCn, FieldsLeftEmpty) => "以下字段为空(可用参数填写):",
        (Lang::ZhCn, PreviewHeader) => "以下是将要发送的完整内容",
        (Lang::ZhCn, Masked) => "发送前已屏蔽",
        (Lang::ZhCn, NothingMasked) => "没有需要屏蔽的内容。",
        (Lang::ZhCn, DryRunNothingSent) => "演练模式:未写入或发送任何内容。",
        (Lang::ZhCn, Cancelled) => "已取消:未发送任何内容。",
        (Lang::ZhCn, StaleReport) => "最新报告不存在或已过期,先重新诊断。",
        (Lang::ZhCn, NoReport) => "没有可用于生成工单的报告",
        (Lang::ZhCn, WrittenTo) => "工单已写入",
        (Lang::ZhCn, BundleAt) => "附件包(请附加到工单):",
        (Lang::ZhCn, Filed) => "工单已提交:",
        (Lang::ZhCn, AlreadyFiled) => "此前已提交(按工单键找到):",
        (Lang::ZhCn, Spooled) => "无法连接工单服务,工单已保存,稍后发送:",
        (Lang::ZhCn, FlushHint) => "可运行 `ecs-doctor ticket --flush` 发送(之后每次运行也会尝试)。",
        (Lang::ZhCn, Flushing) => "正在发送已保存的工单",
        (Lang::ZhCn, NothingToFlush) => "没有待发送的工单。",
        (Lang::ZhCn, NeedYes) => "没有可确认的终端:加 --yes 发送工单(或用 --dry-run 查看)",
        (Lang::ZhCn, NoTickets) => "本机尚未提交过工单。",
        (Lang::ZhCn, Waiting) => "等待发送:",
        (Lang::ZhCn, StatusOf) => "工单状态",
        (Lang::ZhCn, LastUpdate) => "最近更新",
    }
}
