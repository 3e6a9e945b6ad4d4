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
        Lang::from_locale(|var| std::env::var(var).ok()).unwrap_or(Lang::En)
    }

    /// The language the locale variables ask for (LC_ALL, else LC_MESSAGES, else LANG; the first
    /// one set and not empty), read through `get`; `None` when none is set.
    pub fn from_locale(get: impl Fn(&str) -> Option<String>) -> Option<Lang> {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(get)
            .find(|v| !v.is_empty())
            .map(|v| if v.to_ascii_lowercase().starts_with("zh") { Lang::ZhCn } else { Lang::En })
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

/// Declares a set of message keys: each variant is one key of the i18n/*.toml catalogues.
macro_rules! messages {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $key:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The key in the catalogue files.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),* }
            }
        }
    };
}

messages! {
    /// Words the tool prints around the check texts.
    Msg {
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
        HistoryExamined = "history_examined",
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
        BadDependency = "bad_dependency",
        UnknownDependency = "unknown_dependency",
        DependencyCycle = "dependency_cycle",
        RootCausesFirst = "root_causes_first",
        RootCauseOne = "root_cause_one",
        RootCausesMany = "root_causes_many",
        ConsequenceOne = "consequence_one",
        ConsequencesMany = "consequences_many",
        ConsequenceOf = "consequence_of",
        CausesCounts = "causes_counts",
        DependsOn = "depends_on",
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
        JudgeAgeing = "judge_ageing",
        ConfigEvents = "config_events",
        ValWhenDays = "val_when_days",
        ValWhenHours = "val_when_hours",
        ValWhenMinutes = "val_when_minutes",
        BadTimeout = "bad_timeout",
        BadAlias = "bad_alias",
        UnknownTag = "unknown_tag",
        TrendNotAMetric = "trend_not_a_metric",
        BadTrendUnit = "bad_trend_unit",
        ExplainProbeLine = "explain_probe_line",
        ExplainFields = "explain_fields",
        FieldNum = "field_num",
        FieldText = "field_text",
        FieldFlag = "field_flag",
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
        SkipBlockUnderRoot = "skip_block_under_root",
        SkipMountsUnderRoot = "skip_mounts_under_root",
        SkipHiddenOldKernel = "skip_hidden_old_kernel",
        SkipHiddenNeedsRoot = "skip_hidden_needs_root",
        SkipProcsUnderRoot = "skip_procs_under_root",
        SkipKernelStateUnderRoot = "skip_kernel_state_under_root",
        BlockNotMounted = "block_not_mounted",
        SkipNoDefaultEntry = "skip_no_default_entry",
        SkipNoInitramfs = "skip_no_initramfs",
        SkipKlogDenied = "skip_klog_denied",
        SkipKlogNone = "skip_klog_none",
        SkipKlogNoneUnderRoot = "skip_klog_none_under_root",
        SkipCronUnreadable = "skip_cron_unreadable",
        SkipFileLimits = "skip_file_limits",
        SkipNoMetadataService = "skip_no_metadata_service",
        SkipNoCloudInit = "skip_no_cloud_init",
        SkipMetadataUnderRoot = "skip_metadata_under_root",
        SkipMetadataFailed = "skip_metadata_failed",
        SkipNicsUnderRoot = "skip_nics_under_root",
        SkipNoIpProgram = "skip_no_ip_program",
        FailIpOutput = "fail_ip_output",
        SkipNoMetadataNics = "skip_no_metadata_nics",
        SkipNoMetadataHostname = "skip_no_metadata_hostname",
        SkipMetadataNotCloud = "skip_metadata_not_cloud",
        SkipSecgroupNoPorts = "skip_secgroup_no_ports",
        SkipSecgroupOffline = "skip_secgroup_offline",
        SkipSecgroupNotCloud = "skip_secgroup_not_cloud",
        SkipSecgroupNoCredentials = "skip_secgroup_no_credentials",
        SkipSecgroupForbidden = "skip_secgroup_forbidden",
        FailSecgroupMetadata = "fail_secgroup_metadata",
        FailSecgroupApi = "fail_secgroup_api",
        ThrottleLimitUnknown = "throttle_limit_unknown",
        ThrottleLimitOffline = "throttle_limit_offline",
        ThrottleLimitNoCredentials = "throttle_limit_no_credentials",
        ThrottleLimitForbidden = "throttle_limit_forbidden",
        ThrottleLimitFailed = "throttle_limit_failed",
        ThrottleLimitUnmatched = "throttle_limit_unmatched",
        ThrottleLimitNoFormula = "throttle_limit_no_formula",
        ThrottleLimitBasic = "throttle_limit_basic",
        ThrottleLimitAt = "throttle_limit_at",
        ThrottleLimitBelow = "throttle_limit_below",
        ThrottleAdviceResize = "throttle_advice_resize",
        ThrottleAdviceProvision = "throttle_advice_provision",
        FlagEcsEndpoint = "flag_ecs_endpoint",
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
        SkipSshdListenUnderRoot = "skip_sshd_listen_under_root",
        SkipNoServicePorts = "skip_no_service_ports",
        WhyCause = "why_cause",
        WhyFix = "why_fix",
        WhyExplain = "why_explain",
        WhyNoCause = "why_no_cause",
        WhyWalked = "why_walked",
        WhyOutside = "why_outside",
        WhyAskPort = "why_ask_port",
        WhyAskPortOther = "why_ask_port_other",
        WhyAskUser = "why_ask_user",
        WhyAskUserAny = "why_ask_user_any",
        WhyNeedsPort = "why_needs_port",
        WhyBadPort = "why_bad_port",
        ConfigPortZero = "config_port_zero",
        SkipSshdNeedsRoot = "skip_sshd_needs_root",
        SkipNoPressure = "skip_no_pressure",
        SkipUnitsNotLive = "skip_units_not_live",
        SkipNotSystemd = "skip_not_systemd",
        SkipTraceNotPermitted = "skip_trace_not_permitted",
        SkipNoConntrack = "skip_no_conntrack",
        SkipNoProcSysNet = "skip_no_proc_sys_net",
        ValSysctlRuntimeOnly = "val_sysctl_runtime_only",
        SkipQdiscNotLive = "skip_qdisc_not_live",
        SkipNoTc = "skip_no_tc",
        FailTc = "fail_tc",
        SkipNoTcpCounters = "skip_no_tcp_counters",
        SkipNoProcFile = "skip_no_proc_file",
        MtuIpv6Only = "mtu_ipv6_only",
        MtuNoRoute = "mtu_no_route",
        MtuNoTime = "mtu_no_time",
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
        TextHeader = "text_header",
        TicketTimeout = "ticket_err_timeout",
        TicketMaxAge = "ticket_err_max_age",
        TicketAttempts = "ticket_err_attempts",
        TicketWebhookUrl = "ticket_err_webhook_url",
        TicketSince = "ticket_err_since",
        TicketCannotSave = "ticket_err_cannot_save",
        TicketCategories = "ticket_err_categories",
        TicketNoCategory = "ticket_err_no_category",
        TicketUnknownId = "ticket_err_unknown_id",
        FlagUploadUrl = "flag_upload_url",
        WordSeparator = "word_separator",
        ValItems = "val_items",
        ValNone = "val_none",
        ValUnknown = "val_unknown",
        ValNoneMeasured = "val_none_measured",
        ValNotConfigured = "val_not_configured",
        ValForever = "val_forever",
        ValSystemdDefault = "val_systemd_default",
        ValNotPresent = "val_not_present",
        ValEnabled = "val_enabled",
        ValDisabled = "val_disabled",
        ValEnforcing = "val_enforcing",
        ValPermissive = "val_permissive",
        ValAppArmorProfiles = "val_apparmor_profiles",
        ValAppArmorRootOnly = "val_apparmor_root_only",
        ValKdumpLoaded = "val_kdump_loaded",
        ValBootEndedCrash = "val_boot_ended_crash",
        ValBootEndedOom = "val_boot_ended_oom",
        ValBootEndedUnclean = "val_boot_ended_unclean",
        ValBootEndedClean = "val_boot_ended_clean",
        ValBootEndedUnknown = "val_boot_ended_unknown",
        ValKdumpReady = "val_kdump_ready",
        ValKdumpNoMemory = "val_kdump_no_memory",
        ValKdumpNotEnabled = "val_kdump_not_enabled",
        ValKdumpReserved = "val_kdump_reserved",
        ValNoSavedDmesg = "val_no_saved_dmesg",
        ValHardware = "val_hardware",
        ValFstabNotText = "val_fstab_not_text",
        ValFstabTooFew = "val_fstab_too_few",
        ValFstabTooMany = "val_fstab_too_many",
        ValFstabDumpPass = "val_fstab_dump_pass",
        ValFstabNotAbsolute = "val_fstab_not_absolute",
        ValFstabUnknownTag = "val_fstab_unknown_tag",
        ValFstabTagEmpty = "val_fstab_tag_empty",
        ValFirewallFilters = "val_firewall_filters",
        ValFirewallNoRule = "val_firewall_no_rule",
        ValFirewallNotInstalled = "val_firewall_not_installed",
        ValFirewallNotListed = "val_firewall_not_listed",
        ValFirewallListing = "val_firewall_listing",
        ValFirewallListingDrop = "val_firewall_listing_drop",
        ValProcessUnknownRoot = "val_process_unknown_root",
        ValProcessUnknownGone = "val_process_unknown_gone",
        ValPortProcess = "val_port_process",
        ValUserNamed = "val_user_named",
        ValGroupNamed = "val_group_named",
        ValRemountedReadOnly = "val_remounted_read_only",
        ValFilesystemError = "val_filesystem_error",
        ValJournalAborted = "val_journal_aborted",
        ValCorruption = "val_corruption",
        ValFilesystemShutDown = "val_filesystem_shut_down",
        ValIoError = "val_io_error",
        ValIoTimeout = "val_io_timeout",
        ValResourcePressure = "val_resource_pressure",
        ValCpu = "val_cpu",
        ValMemory = "val_memory",
        ValDiskWord = "val_disk",
        ValNetworkWord = "val_network",
        ValBusiest = "val_busiest",
        ValNotes = "val_notes",
        ValWalkStoppedEntries = "val_walk_stopped_entries",
        ValWalkStoppedTime = "val_walk_stopped_time",
        ValUnreadableDirs = "val_unreadable_dirs",
        ValNotWalkedRemote = "val_not_walked_remote",
        ValKeysUnreadable = "val_keys_unreadable",
        ValDockerApi = "val_docker_api",
        ValKubeletApi = "val_kubelet_api",
        ValThisService = "val_this_service",
        OsNotFound = "os_not_found",
        ReachNoAddress = "reach_no_address",
        ReachCannotResolve = "reach_cannot_resolve",
        ReachNoTimeToConnect = "reach_no_time_to_connect",
        ReachRefused = "reach_refused",
        ReachNoAnswer = "reach_no_answer",
        ReachConnect = "reach_connect",
        ReachTls = "reach_tls",
        ReachHttpClient = "reach_http_client",
        ReachUrl = "reach_url",
        ReachSntp = "reach_sntp",
        ReachNoTimeForSntp = "reach_no_time_for_sntp",
        ReachNoResultInTime = "reach_no_result_in_time",
        LogStoppedGzipCap = "log_stopped_gzip_cap",
        LogStoppedCorrupt = "log_stopped_corrupt",
        LogStoppedTimeLimit = "log_stopped_time_limit",
        LogStoppedNotAFile = "log_stopped_not_a_file",
        AuthNotReadTimeLimit = "auth_not_read_time_limit",
        AuthTailOnly = "auth_tail_only",
        AuthFileNote = "auth_file_note",
        AuthCannotRead = "auth_cannot_read",
        AuthUntracked = "auth_untracked",
        AuthJournalNewest = "auth_journal_newest",
        PamBlockerLockedUntil = "pam_blocker_locked_until",
        PamBlockerLockedForever = "pam_blocker_locked_forever",
        PamBlockerRule = "pam_blocker_rule",
        PamBlockerLimitsConf = "pam_blocker_limits_conf",
        OsPermissionDenied = "os_permission_denied",
        OsTimedOut = "os_timed_out",
        OsInvalidData = "os_invalid_data",
        OsIsADirectory = "os_is_a_directory",
        OsNotADirectory = "os_not_a_directory",
        OsOther = "os_other",
        SkipNoConsoleKey = "skip_no_console_key",
        SkipConsoleKeyUnreadable = "skip_console_key_unreadable",
        LoginScope = "login_scope",
        LoginKeysScope = "login_keys_scope",
        LoginColAccount = "login_col_account",
        LoginColCan = "login_col_can",
        LoginColMethods = "login_col_methods",
        LoginColWhyNot = "login_col_why_not",
        LoginYes = "login_yes",
        LoginNo = "login_no",
        LoginAfterChange = "login_after_change",
        LoginDash = "login_dash",
        LoginMethodKey = "login_method_key",
        LoginMethodPassword = "login_method_password",
        LoginEachWhy = "login_each_why",
        LoginWhyDenyUsers = "login_why_deny_users",
        LoginWhyNotAllowUsers = "login_why_not_allow_users",
        LoginWhyDenyGroups = "login_why_deny_groups",
        LoginWhyNotAllowGroups = "login_why_not_allow_groups",
        LoginWhyShellMissing = "login_why_shell_missing",
        LoginWhyShellNotExecutable = "login_why_shell_not_executable",
        LoginWhyRootNo = "login_why_root_no",
        LoginWhyAccountExpired = "login_why_account_expired",
        LoginWhyInactive = "login_why_inactive",
        LoginWhyPasswordExpired = "login_why_password_expired",
        LoginWhyMustChange = "login_why_must_change",
        LoginWhyNologin = "login_why_nologin",
        LoginWhyNoAccount = "login_why_no_account",
        LoginWhyNoLoginShell = "login_why_no_login_shell",
        LoginNoPubkey = "login_no_pubkey",
        LoginNoPasswordAuth = "login_no_password_auth",
        LoginRootKeysOnly = "login_root_keys_only",
        LoginPasswordEmpty = "login_password_empty",
        LoginPasswordLocked = "login_password_locked",
        LoginPasswordNone = "login_password_none",
        LoginAuthMethods = "login_auth_methods",
        LoginKeysUnreadable = "login_keys_unreadable",
        LoginKeysBadModes = "login_keys_bad_modes",
        LoginKeysNoValid = "login_keys_no_valid",
        LoginKeysEmpty = "login_keys_empty",
        LoginKeysNone = "login_keys_none",
        RepairUnknownCode = "repair_unknown_code",
        RepairBadRisk = "repair_bad_risk",
        RepairNeedsService = "repair_needs_service",
        RepairServiceWithoutRestart = "repair_service_without_restart",
        RepairBadService = "repair_bad_service",
        ExplainRepairs = "explain_repairs",
    }
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
    word(lang, msg.key())
}

/// The text of a catalogue key in a language, else in English, else the key itself.
pub fn word(lang: Lang, key: &'static str) -> &'static str {
    catalogue(lang).get(key).or_else(|| catalogue(Lang::En).get(key)).map(String::as_str).unwrap_or(key)
}

/// Every key of every message set, for the completeness tests.
pub fn all_keys() -> impl Iterator<Item = &'static str> {
    Msg::ALL
        .iter()
        .map(|m| m.key())
        .chain(T::ALL.iter().map(|t| t.key()))
        .chain(W::ALL.iter().map(|w| w.key()))
        .chain(R::ALL.iter().map(|r| r.key()))
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

/// The most characters of one value shown in a message: a value read from the examined system (a
/// line that was not understood, an OS error) can be as long as the file it came from.
pub const MAX_ARG_CHARS: usize = 2000;

/// `text` cut to `max` characters, with `…` when cut.
pub fn cut_text(mut text: String, max: usize) -> String {
    if text.len() > max
        && let Some((at, _)) = text.char_indices().nth(max)
    {
        text.truncate(at);
        text.push('…');
    }
    text
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
    /// Words rendered in the same language and joined by [`Msg::WordSeparator`] (`a, b` / `a、b`).
    Words(Vec<Said>),
}

impl Said {
    pub fn new(msg: Msg) -> Said {
        Said { msg, args: Vec::new() }
    }

    /// Adds the value of the `{name}` placeholder.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Said {
        self.args.push((name, Arg::Text(cut_text(value.to_string(), MAX_ARG_CHARS))));
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

    /// Adds a placeholder filled with a list of words (shorter than sentences: joined by commas).
    pub fn words(mut self, name: &'static str, values: Vec<Said>) -> Said {
        self.args.push((name, Arg::Words(values)));
        self
    }

    /// An operating-system error in words of the run's language for the common kinds (the errno
    /// name goes into the finding's code); any other error keeps the system's own text.
    pub fn os_error(err: &std::io::Error) -> Said {
        use std::io::ErrorKind as K;
        let msg = match err.kind() {
            K::NotFound => Msg::OsNotFound,
            K::PermissionDenied => Msg::OsPermissionDenied,
            K::TimedOut => Msg::OsTimedOut,
            K::InvalidData => Msg::OsInvalidData,
            K::IsADirectory => Msg::OsIsADirectory,
            K::NotADirectory => Msg::OsNotADirectory,
            _ => return Said::new(Msg::OsOther).arg("error", err),
        };
        Said::new(msg)
    }

    /// Every message key this one uses (itself and the nested ones), for tests.
    pub fn keys(&self) -> Vec<Msg> {
        let mut out = vec![self.msg];
        for (_, a) in &self.args {
            match a {
                Arg::Text(_) => {}
                Arg::Said(s) => out.extend(s.keys()),
                Arg::List(l) | Arg::Words(l) => out.extend(l.iter().flat_map(Said::keys)),
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
                    Arg::Words(l) => {
                        l.iter().map(|s| s.render(lang)).collect::<Vec<_>>().join(tr(lang, Msg::WordSeparator))
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
            for k in all_keys() {
                let v = table.get(k).unwrap_or_else(|| panic!("{file} lacks {k}"));
                assert!(!v.trim().is_empty(), "{file}: {k} is empty");
            }
            for k in table.keys() {
                assert!(all_keys().any(|m| m == k), "{file}: {k} is no message");
            }
            let mut keys: Vec<_> = all_keys().collect();
            keys.sort();
            let n = keys.len();
            keys.dedup();
            assert_eq!(keys.len(), n, "a key is declared twice");
            // Placeholders match English.
            for k in all_keys() {
                let holes = |s: &str| {
                    let mut v: Vec<String> =
                        s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|x| x.0.to_string())).collect();
                    v.sort();
                    v
                };
                assert_eq!(holes(word(*lang, k)), holes(word(Lang::En, k)), "{file}: placeholders of {k}");
            }
            assert_eq!(*lang == Lang::ZhCn, tr(*lang, Msg::Network) == "网络");
        }
    }

    #[test]
    fn common_os_errors_are_said_in_both_languages() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        let said = Said::new(Msg::FailRead).arg("path", "/etc/passwd").nest("error", Said::os_error(&missing));
        assert!(said.render(Lang::ZhCn).contains("文件或目录不存在"), "{}", said.render(Lang::ZhCn));
        assert!(said.render(Lang::En).contains("no such file or directory"), "{}", said.render(Lang::En));
        let odd = std::io::Error::other("disk on fire");
        assert!(Said::os_error(&odd).render(Lang::ZhCn).contains("disk on fire"));
    }

    #[test]
    fn every_chinese_message_is_chinese() {
        // Pure formatting, no words: separators and ways of joining other messages.
        const NO_WORDS: &[&str] = &[
            "list_separator",
            "word_separator",
            "with_notes",
            "trace_target_failed",
            "flag_metadata_url",
            "flag_target",
            "val_busiest",
            "val_items",
            "val_notes",
            // Chinese writes it so too.
            "val_cpu",
            // The system's own text of an uncommon OS error.
            "os_other",
            // A path and a reason that is itself a message.
            "auth_file_note",
            "reach_url",
            // Two counts joined by a comma.
            "causes_counts",
            // An account and its reason, itself a message.
            "login_each_why",
        ];
        let han = |s: &str| s.chars().any(|c| matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF));
        for k in all_keys() {
            let zh = word(Lang::ZhCn, k);
            assert!(han(zh) || NO_WORDS.contains(&k), "i18n/zh-CN.toml: {k} is not translated: {zh:?}");
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

messages! {
    /// Words of the ticket (its labels) and of the `ticket` command (questions, outcomes).
    T {
        LabelField = "ticket_label_field",
        LabelTitle = "ticket_label_title",
        LabelCategory = "ticket_label_category",
        LabelSeverity = "ticket_label_severity",
        LabelStarted = "ticket_label_started",
        LabelInstance = "ticket_label_instance",
        LabelSymptoms = "ticket_label_symptoms",
        LabelErrorCodes = "ticket_label_error_codes",
        LabelLogs = "ticket_label_logs",
        LabelTried = "ticket_label_tried",
        LabelImpact = "ticket_label_impact",
        LabelReproducibility = "ticket_label_reproducibility",
        LabelDescription = "ticket_label_description",
        LabelContact = "ticket_label_contact",
        LabelAttachments = "ticket_label_attachments",
        LabelSuggestedFixes = "ticket_label_suggested_fixes",
        NotProvided = "ticket_not_provided",
        NoFailingChecks = "ticket_no_failing_checks",
        ImpactDown = "ticket_impact_down",
        ImpactDegraded = "ticket_impact_degraded",
        ImpactIntermittent = "ticket_impact_intermittent",
        ImpactNone = "ticket_impact_none",
        SeverityNormal = "ticket_severity_normal",
        SeverityUrgent = "ticket_severity_urgent",
        TagNetwork = "ticket_tag_network",
        TagStorage = "ticket_tag_storage",
        TagSecurity = "ticket_tag_security",
        TagPerformance = "ticket_tag_performance",
        TagSystem = "ticket_tag_system",
        SourceStated = "ticket_source_stated",
        SourceApproximate = "ticket_source_approximate",
        SourceLogs = "ticket_source_logs",
        AskImpact = "ticket_ask_impact",
        AskStarted = "ticket_ask_started",
        StartedJustNow = "ticket_started_just_now",
        StartedWithinHour = "ticket_started_within_hour",
        StartedToday = "ticket_started_today",
        StartedEarlier = "ticket_started_earlier",
        AskStartedTime = "ticket_ask_started_time",
        AskTried = "ticket_ask_tried",
        TriedRestartedService = "ticket_tried_restarted_service",
        TriedRebooted = "ticket_tried_rebooted",
        TriedFreedDisk = "ticket_tried_freed_disk",
        TriedSecurityGroup = "ticket_tried_security_group",
        TriedOther = "ticket_tried_other",
        AskTriedOther = "ticket_ask_tried_other",
        AskTitle = "ticket_ask_title",
        AskDescription = "ticket_ask_description",
        AskEmail = "ticket_ask_email",
        AskChoice = "ticket_ask_choice",
        AskChoices = "ticket_ask_choices",
        InvalidChoice = "ticket_invalid_choice",
        AskSend = "ticket_ask_send",
        AskCategory = "ticket_ask_category",
        FieldsLeftEmpty = "ticket_fields_left_empty",
        PreviewHeader = "ticket_preview_header",
        Masked = "ticket_masked",
        NothingMasked = "ticket_nothing_masked",
        DryRunNothingSent = "ticket_dry_run_nothing_sent",
        Cancelled = "ticket_cancelled",
        StaleReport = "ticket_stale_report",
        NoReport = "ticket_no_report",
        WrittenTo = "ticket_written_to",
        BundleAt = "ticket_bundle_at",
        Filed = "ticket_filed",
        AlreadyFiled = "ticket_already_filed",
        Spooled = "ticket_spooled",
        FlushHint = "ticket_flush_hint",
        Flushing = "ticket_flushing",
        NothingToFlush = "ticket_nothing_to_flush",
        NeedYes = "ticket_need_yes",
        NoTickets = "ticket_no_tickets",
        Waiting = "ticket_waiting",
        StatusOf = "ticket_status_of",
        LastUpdate = "ticket_last_update",
    }
}

/// A word of the ticket in `lang`.
pub fn tt(lang: Lang, msg: T) -> &'static str {
    word(lang, msg.key())
}

messages! {
    /// The words of the fleet features (delivery messages, the fleet summary's headings).
    W {
        ReportWritten = "fleet_report_written",
        OutputDirFailed = "fleet_output_dir_failed",
        Uploaded = "fleet_uploaded",
        UploadRetry = "fleet_upload_retry",
        UploadFailed = "fleet_upload_failed",
        UploadKept = "fleet_upload_kept",
        FleetTitle = "fleet_fleet_title",
        Hosts = "fleet_hosts",
        Files = "fleet_files",
        Reports = "fleet_reports",
        SummaryLines = "fleet_summary_lines",
        OlderRuns = "fleet_older_runs",
        DuplicateRuns = "fleet_duplicate_runs",
        Ok = "fleet_ok",
        Warn = "fleet_warn",
        Crit = "fleet_crit",
        Unknown = "fleet_unknown",
        Error = "fleet_error",
        Score = "fleet_score",
        Median = "fleet_median",
        Mean = "fleet_mean",
        Min = "fleet_min",
        Max = "fleet_max",
        MostCommon = "fleet_most_common",
        BySubject = "fleet_by_subject",
        WorstHosts = "fleet_worst_hosts",
        Check = "fleet_check",
        Subject = "fleet_subject",
        HostCount = "fleet_host_count",
        Affected = "fleet_affected",
        Example = "fleet_example",
        Failing = "fleet_failing",
        Host = "fleet_host",
        Status = "fleet_status",
        More = "fleet_more",
        Skipped = "fleet_skipped",
        Truncated = "fleet_truncated",
        NoProblems = "fleet_no_problems",
        NoInput = "fleet_no_input",
        Source = "fleet_source",
    }
}

messages! {
    /// The words of `ecs-doctor fix` and of the repairs (plans, outcomes, records).
    R {
        CannotRead = "fix_cannot_read",
        NotText = "fix_not_text",
        FstabNoEntry = "fix_fstab_no_entry",
        FstabAmbiguous = "fix_fstab_ambiguous",
        FstabSystemMount = "fix_fstab_system_mount",
        FstabHasNofail = "fix_fstab_has_nofail",
        FstabNotBootBlocking = "fix_fstab_not_boot_blocking",
        FstabDeviceNotMissing = "fix_fstab_device_not_missing",
        FstabNotKernelName = "fix_fstab_not_kernel_name",
        FstabNoUuid = "fix_fstab_no_uuid",
        NoFilesystem = "fix_no_filesystem",
        FstabUuidShared = "fix_fstab_uuid_shared",
        FstabDoNofail = "fix_fstab_do_nofail",
        FstabDoNofailShare = "fix_fstab_do_nofail_share",
        FstabHasNetdev = "fix_fstab_has_netdev",
        FstabDoNetdev = "fix_fstab_do_netdev",
        FstabDoCommentOut = "fix_fstab_do_comment_out",
        FstabNotDuplicate = "fix_fstab_not_duplicate",
        FstabDoDuplicateSame = "fix_fstab_do_duplicate_same",
        FstabDoDuplicateSystemd = "fix_fstab_do_duplicate_systemd",
        FstabDuplicateUnclear = "fix_fstab_duplicate_unclear",
        FstabDoUuid = "fix_fstab_do_uuid",
        FstabTypeUnknown = "fix_fstab_type_unknown",
        FstabTypeFine = "fix_fstab_type_fine",
        FstabDoType = "fix_fstab_do_type",
        FstabDoOptions = "fix_fstab_do_options",
        FstabOptionsFollowType = "fix_fstab_options_follow_type",
        GrubDefaultFine = "fix_grub_default_fine",
        GrubNoKernel = "fix_grub_no_kernel",
        GrubOddTitle = "fix_grub_odd_title",
        GrubEnvFull = "fix_grub_env_full",
        GrubDoDefault = "fix_grub_do_default",
        GrubDoUnknown = "fix_grub_do_unknown",
        GrubDoInitrd = "fix_grub_do_initrd",
        GrubKernelFirst = "fix_grub_kernel_first",
        GrubNoInitrdEntry = "fix_grub_no_initrd_entry",
        GrubRootFine = "fix_grub_root_fine",
        GrubRootUnknown = "fix_grub_root_unknown",
        GrubDoRoot = "fix_grub_do_root",
        SelinuxFine = "fix_selinux_fine",
        SelinuxDoMeant = "fix_selinux_do_meant",
        SelinuxDoPermissive = "fix_selinux_do_permissive",
        SelinuxDoPolicy = "fix_selinux_do_policy",
        SelinuxNoPolicy = "fix_selinux_no_policy",
        SelinuxManyPolicies = "fix_selinux_many_policies",
        AdjtimeFine = "fix_adjtime_fine",
        AdjtimeOtherSystem = "fix_adjtime_other_system",
        AdjtimeRtcLocal = "fix_adjtime_rtc_local",
        AdjtimeDoUtc = "fix_adjtime_do_utc",
        TimezoneFine = "fix_timezone_fine",
        TimezoneNoneNamed = "fix_timezone_none_named",
        TimezoneDisagree = "fix_timezone_disagree",
        TimezoneNotInstalled = "fix_timezone_not_installed",
        TimezoneNotALink = "fix_timezone_not_a_link",
        TimezoneDoLink = "fix_timezone_do_link",
        TimezoneDoFile = "fix_timezone_do_file",
        InitramfsFine = "fix_initramfs_fine",
        InitramfsKernelGone = "fix_initramfs_kernel_gone",
        InitramfsNoVersion = "fix_initramfs_no_version",
        InitramfsNoTool = "fix_initramfs_no_tool",
        InitramfsNoModules = "fix_initramfs_no_modules",
        InitramfsNotRoot = "fix_initramfs_not_root",
        InitramfsDoBuild = "fix_initramfs_do_build",
        InitramfsReadable = "fix_initramfs_readable",
        InitramfsNoSuchDriver = "fix_initramfs_no_such_driver",
        InitramfsHasDriver = "fix_initramfs_has_driver",
        InitramfsKernelLacks = "fix_initramfs_kernel_lacks",
        InitramfsDoRebuild = "fix_initramfs_do_rebuild",
        InitramfsDoDriver = "fix_initramfs_do_driver",
        GrowNotLive = "fix_grow_not_live",
        GrowNoDevice = "fix_grow_no_device",
        GrowHeld = "fix_grow_held",
        GrowNoFs = "fix_grow_no_fs",
        GrowNotLast = "fix_grow_not_last",
        GrowNotMounted = "fix_grow_not_mounted",
        GrowFsUnknown = "fix_grow_fs_unknown",
        GrowDo = "fix_grow_do",
        CleanupNotLive = "fix_cleanup_not_live",
        CleanupNotRoot = "fix_cleanup_not_root",
        CleanupNothing = "fix_cleanup_nothing",
        CleanupInodes = "fix_cleanup_inodes",
        CleanupInodesUsed = "fix_cleanup_inodes_used",
        CleanupJournal = "fix_cleanup_journal",
        CleanupApt = "fix_cleanup_apt",
        CleanupRpm = "fix_cleanup_rpm",
        CleanupDo = "fix_cleanup_do",
        CleanupStillFull = "fix_cleanup_still_full",
        RiskSafe = "fix_risk_safe",
        RiskRestart = "fix_risk_restart",
        RiskReboot = "fix_risk_reboot",
        PlanHeader = "fix_plan_header",
        PlanNone = "fix_plan_none",
        Risk = "fix_risk",
        Validate = "fix_validate",
        Then = "fix_then",
        AlternativeOf = "fix_alternative_of",
        NotRepairedHeader = "fix_not_repaired_header",
        ApplyHint = "fix_apply_hint",
        NoRepair = "fix_no_repair",
        SameChange = "fix_same_change",
        CheckError = "fix_check_error",
        LoginGuard = "fix_login_guard",
        NeedYes = "fix_need_yes",
        AskApply = "fix_ask_apply",
        NotApplied = "fix_not_applied",
        UnknownId = "fix_unknown_id",
        Applied = "fix_applied",
        RolledBack = "fix_rolled_back",
        Failed = "fix_failed",
        AlreadyGone = "fix_already_gone",
        ReasonValidation = "fix_reason_validation",
        ReasonRecheck = "fix_reason_recheck",
        ReasonWorse = "fix_reason_worse",
        ReasonCommand = "fix_reason_command",
        ReasonLockout = "fix_reason_lockout",
        NothingToApply = "fix_nothing_to_apply",
        OtherHost = "fix_other_host",
        NotInstalled = "fix_not_installed",
        ListEmpty = "fix_list_empty",
        ListHeader = "fix_list_header",
        StatePlanned = "fix_state_planned",
        StateApplied = "fix_state_applied",
        StateRolledBack = "fix_state_rolled_back",
        StateUndone = "fix_state_undone",
        StateFailed = "fix_state_failed",
        StateInterrupted = "fix_state_interrupted",
        Undone = "fix_undone",
        UndoneLive = "fix_undone_live",
        UndoChangedSince = "fix_undo_changed_since",
        UndoDirHolds = "fix_undo_dir_holds",
        UndoNothing = "fix_undo_nothing",
        UndoUnknown = "fix_undo_unknown",
        UndoNotApplied = "fix_undo_not_applied",
        RepairedLine = "fix_repaired_line",
        PlannedLine = "fix_planned_line",
        OtherLine = "fix_other_line",
        Repairs = "fix_repairs",
        BackupFailed = "fix_backup_failed",
        WriteFailed = "fix_write_failed",
        RestoreFailed = "fix_restore_failed",
        RecheckFailed = "fix_recheck_failed",
        Runs = "fix_runs",
        UndoRuns = "fix_undo_runs",
        Irreversible = "fix_irreversible",
        UndoIrreversible = "fix_undo_irreversible",
        ReverseFailed = "fix_reverse_failed",
        FwNoPort = "fix_fw_no_port",
        FwNotLive = "fix_fw_not_live",
        FwNativeNft = "fix_fw_native_nft",
        FwNoRule = "fix_fw_no_rule",
        FwDoAccept = "fix_fw_do_accept",
        FwDoAcceptSaved = "fix_fw_do_accept_saved",
        SgNoPort = "fix_sg_no_port",
        SgNotLive = "fix_sg_not_live",
        SgOffline = "fix_sg_offline",
        SgCannotRead = "fix_sg_cannot_read",
        SgNoAddress = "fix_sg_no_address",
        SgNoV4Open = "fix_sg_no_v4_open",
        SgAdmitted = "fix_sg_admitted",
        SgDropFirst = "fix_sg_drop_first",
        SgFromFlag = "fix_sg_from_flag",
        SgFromSession = "fix_sg_from_session",
        SgFromNamed = "fix_sg_from_named",
        SgFromV4 = "fix_sg_from_v4",
        SgDo = "fix_sg_do",
        SgSteps = "fix_sg_steps",
        QuarantineNotPersistence = "fix_quarantine_not_persistence",
        QuarantineGone = "fix_quarantine_gone",
        QuarantineWithFirst = "fix_quarantine_with_first",
        QuarantineCronDo = "fix_quarantine_cron_do",
        QuarantinePreloadDo = "fix_quarantine_preload_do",
        AccountMustChange = "fix_account_must_change",
        AccountNotNamed = "fix_account_not_named",
        AccountNoEntry = "fix_account_no_entry",
        AccountFine = "fix_account_fine",
        AccountDoUnexpire = "fix_account_do_unexpire",
        AccountDoRenew = "fix_account_do_renew",
        AccountShellUnknown = "fix_account_shell_unknown",
        AccountDoShell = "fix_account_do_shell",
        AccountRootEmpty = "fix_account_root_empty",
        AccountDoLockEmpty = "fix_account_do_lock_empty",
        AccountNoShadowLine = "fix_account_no_shadow_line",
        AccountDoDisable = "fix_account_do_disable",
        HomeNotOwnDir = "fix_home_not_own_dir",
        HomeDanglingLink = "fix_home_dangling_link",
        HomeNoParent = "fix_home_no_parent",
        HomeSkelLarge = "fix_home_skel_large",
        HomeDo = "fix_home_do",
        HomeSkipped = "fix_home_skipped",
        SudoNoRule = "fix_sudo_no_rule",
        SudoDefaults = "fix_sudo_defaults",
        SudoContinued = "fix_sudo_continued",
        SudoAlready = "fix_sudo_already",
        SudoWhoUnknown = "fix_sudo_who_unknown",
        SudoOtherPassword = "fix_sudo_other_password",
        SudoNoPassword = "fix_sudo_no_password",
        SudoDo = "fix_sudo_do",
        SshdAlready = "fix_sshd_already",
        SshdDoSet = "fix_sshd_do_set",
        SshdNoAddresses = "fix_sshd_no_addresses",
        SshdAddressesFine = "fix_sshd_addresses_fine",
        SshdDoListen = "fix_sshd_do_listen",
        SshdDoLoopback = "fix_sshd_do_loopback",
        SshdNoLoopbackLine = "fix_sshd_no_loopback_line",
        SshdLoopbackFirst = "fix_sshd_loopback_first",
        SshdNoLockLine = "fix_sshd_no_lock_line",
        SshdDoUnlock = "fix_sshd_do_unlock",
        PermsNotPlain = "fix_perms_not_plain",
        PermsNoPath = "fix_perms_no_path",
        PermsForeignAbove = "fix_perms_foreign_above",
        PermsShared = "fix_perms_shared",
        PermsNoRule = "fix_perms_no_rule",
        PermsNoAccount = "fix_perms_no_account",
        PermsAlready = "fix_perms_already",
        PermsDo = "fix_perms_do",
        NologinGone = "fix_nologin_gone",
        NologinDo = "fix_nologin_do",
        FaillockNotLive = "fix_faillock_not_live",
        FaillockNotLocked = "fix_faillock_not_locked",
        FaillockDo = "fix_faillock_do",
        ChattrDo = "fix_chattr_do",
        WrappersNoClient = "fix_wrappers_no_client",
        WrappersContinued = "fix_wrappers_continued",
        WrappersAdmits = "fix_wrappers_admits",
        WrappersDo = "fix_wrappers_do",
        ConsoleKeyNotLive = "fix_console_key_not_live",
        ConsoleKeyNoService = "fix_console_key_no_service",
        ConsoleKeyUnreadable = "fix_console_key_unreadable",
        ConsoleKeyOtherAccount = "fix_console_key_other_account",
        ConsoleKeyNoFile = "fix_console_key_no_file",
        ConsoleKeyPresent = "fix_console_key_present",
        ConsoleKeyNoDir = "fix_console_key_no_dir",
        ConsoleKeyDo = "fix_console_key_do",
        LoginUnknown = "fix_login_unknown",
        SysctlNotKey = "fix_sysctl_not_key",
        SysctlOtherKey = "fix_sysctl_other_key",
        SysctlNoMemory = "fix_sysctl_no_memory",
        SysctlNoCount = "fix_sysctl_no_count",
        SysctlNotLive = "fix_sysctl_not_live",
        SysctlMissing = "fix_sysctl_missing",
        SysctlAlready = "fix_sysctl_already",
        SysctlReadOnly = "fix_sysctl_read_only",
        SysctlLaterLine = "fix_sysctl_later_line",
        SysctlDo = "fix_sysctl_do",
        SysctlDoComment = "fix_sysctl_do_comment",
        SysctlDoInitialNs = "fix_sysctl_do_initial_ns",
        SysctlConntrackEnough = "fix_sysctl_conntrack_enough",
        ResolverNoHostsLine = "fix_resolver_no_hosts_line",
        ResolverHostsFine = "fix_resolver_hosts_fine",
        ResolverDoNsswitch = "fix_resolver_do_nsswitch",
        ResolverNoHostsEntry = "fix_resolver_no_hosts_entry",
        ResolverDoHosts = "fix_resolver_do_hosts",
        ResolverStubNotLive = "fix_resolver_stub_not_live",
        ResolverNotLink = "fix_resolver_not_link",
        ResolverNoUpstream = "fix_resolver_no_upstream",
        ResolverAlreadyUpstream = "fix_resolver_already_upstream",
        ResolverDoStub = "fix_resolver_do_stub",
        DnsNotLive = "fix_dns_not_live",
        DnsNoPlatform = "fix_dns_no_platform",
        DnsNoPlatformNs = "fix_dns_no_platform_ns",
        DnsPlatformDead = "fix_dns_platform_dead",
        DnsDeadIsPlatform = "fix_dns_dead_is_platform",
        DnsNotListed = "fix_dns_not_listed",
        DnsLink = "fix_dns_link",
        DnsNetworkManager = "fix_dns_network_manager",
        DnsStub = "fix_dns_stub",
        DnsNothing = "fix_dns_nothing",
        DnsDoPlatform = "fix_dns_do_platform",
        DnsDoDead = "fix_dns_do_dead",
        DnsDoDhclient = "fix_dns_do_dhclient",
        DnsDoIgnored = "fix_dns_do_ignored",
        DnsDoInvalid = "fix_dns_do_invalid",
        DnsDoTimeout = "fix_dns_do_timeout",
        ProxyNoSubject = "fix_proxy_no_subject",
        ProxyNotShellFile = "fix_proxy_not_shell_file",
        ProxyGone = "fix_proxy_gone",
        ProxyCovered = "fix_proxy_covered",
        ProxyCompound = "fix_proxy_compound",
        ProxyDo = "fix_proxy_do",
        LinkNoRootQdisc = "fix_link_no_root_qdisc",
        LinkClassful = "fix_link_classful",
        LinkDoQdisc = "fix_link_do_qdisc",
        LinkNoDevice = "fix_link_no_device",
        LinkAlreadyUp = "fix_link_already_up",
        LinkDoUp = "fix_link_do_up",
        LinkNotLive = "fix_link_not_live",
        LinkMtuFine = "fix_link_mtu_fine",
        LinkMtuNoPeer = "fix_link_mtu_no_peer",
        LinkMtuNotAtBoot = "fix_link_mtu_not_at_boot",
        LinkDoMtu = "fix_link_do_mtu",
        ConsoleNotLive = "fix_console_not_live",
        ConsoleNoService = "fix_console_no_service",
        ConsoleNoValue = "fix_console_no_value",
        ConsoleNoIface = "fix_console_no_iface",
        HostnameInvalid = "fix_hostname_invalid",
        HostnamePreserved = "fix_hostname_preserved",
        HostnameDoRename = "fix_hostname_do_rename",
        HostnameDoPersist = "fix_hostname_do_persist",
        RouteGone = "fix_route_gone",
        RouteConsoleSilent = "fix_route_console_silent",
        RouteExists = "fix_route_exists",
        RouteDoAdd = "fix_route_do_add",
        RouteDoReplace = "fix_route_do_replace",
        RouteConflictUnproven = "fix_route_conflict_unproven",
        RouteConflictDoDel = "fix_route_conflict_do_del",
        RouteConflictDoDelFiles = "fix_route_conflict_do_del_files",
        RouteConflictNoPrimary = "fix_route_conflict_no_primary",
        RouteConflictNotAway = "fix_route_conflict_not_away",
        RouteConflictDoHost = "fix_route_conflict_do_host",
        NicNoPrimary = "fix_nic_no_primary",
        NicNetplanDefined = "fix_nic_netplan_defined",
        NicNotInConsole = "fix_nic_not_in_console",
        NicForeign = "fix_nic_foreign",
        NicComplete = "fix_nic_complete",
        NicNetworkManager = "fix_nic_network_manager",
        NicNoManager = "fix_nic_no_manager",
        NicDo = "fix_nic_do",
        NicDoLive = "fix_nic_do_live",
        MtuNotMeasured = "fix_mtu_not_measured",
        MtuChanged = "fix_mtu_changed",
        MtuTooSmall = "fix_mtu_too_small",
        MtuDo = "fix_mtu_do",
        MtuDoLive = "fix_mtu_do_live",
        TimeNotLive = "fix_time_not_live",
        TimeNoCloud = "fix_time_no_cloud",
        TimeBadServer = "fix_time_bad_server",
        TimeFromMetadata = "fix_time_from_metadata",
        TimeFromDocs = "fix_time_from_docs",
        TimeNoChrony = "fix_time_no_chrony",
        TimeNoUnit = "fix_time_no_unit",
        TimeNoManager = "fix_time_no_manager",
        TimeCannotRestart = "fix_time_cannot_restart",
        TimeRunsAlready = "fix_time_runs_already",
        TimeDoStart = "fix_time_do_start",
        TimeChronydStopped = "fix_time_chronyd_stopped",
        TimeHasServers = "fix_time_has_servers",
        TimeNoRestart = "fix_time_no_restart",
        TimeDoSources = "fix_time_do_sources",
        TimeOneRuns = "fix_time_one_runs",
        TimeDoOne = "fix_time_do_one",
        LimitsNoLine = "fix_limits_no_line",
        LimitsLineFine = "fix_limits_line_fine",
        LimitsDoNrOpen = "fix_limits_do_nr_open",
        LimitsDoCommentOut = "fix_limits_do_comment_out",
        ShellsRefused = "fix_shells_refused",
        ShellsNotPath = "fix_shells_not_path",
        ShellsNotProgram = "fix_shells_not_program",
        ShellsForeign = "fix_shells_foreign",
        ShellsAlready = "fix_shells_already",
        ShellsDo = "fix_shells_do",
        LimitsConfThere = "fix_limits_conf_there",
        LimitsConfLink = "fix_limits_conf_link",
        LimitsConfNoDir = "fix_limits_conf_no_dir",
        LimitsDoCreateConf = "fix_limits_do_create_conf",
        RlimitNoProcess = "fix_rlimit_no_process",
        RlimitNotLive = "fix_rlimit_not_live",
        RlimitGone = "fix_rlimit_gone",
        RlimitAtHard = "fix_rlimit_at_hard",
        RlimitDo = "fix_rlimit_do",
        KeysNotPlain = "fix_keys_not_plain",
        KeysNoSplit = "fix_keys_no_split",
        KeysNoBroken = "fix_keys_no_broken",
        KeysDoJoin = "fix_keys_do_join",
        KeysDoComment = "fix_keys_do_comment",
        PamModuleGone = "fix_pam_module_gone",
        PamModuleDecides = "fix_pam_module_decides",
        PamModuleNoPlace = "fix_pam_module_no_place",
        PamModuleDo = "fix_pam_module_do",
        SshdStartNoUnit = "fix_sshd_start_no_unit",
        SshdStartNoScript = "fix_sshd_start_no_script",
        SshdStartNotLive = "fix_sshd_start_not_live",
        SshdStartNotInstalled = "fix_sshd_start_not_installed",
        SshdStartDo = "fix_sshd_start_do",
    }
}

/// A word of `fix` in `lang`.
pub fn rt(lang: Lang, msg: R) -> &'static str {
    word(lang, msg.key())
}

/// A word of `fix` with `{name}` placeholders filled in.
pub fn rtf(lang: Lang, msg: R, args: &[(&str, &str)]) -> String {
    fill(rt(lang, msg), args)
}
