//! Probes observe; checks judge. Each probe kind is one file here and one line in
//! [`probes!`] below; a check file names it as `[probe.<kind>]` with its parameters.
//!
//! A probe returns [`Observations`]: one [`Observation`] per subject (a mount, a nameserver, a
//! user), each a set of named values the check's judges compare against thresholds. The names a
//! probe may produce are declared in its `FIELDS`, so a typo in a check file is a load error.

pub mod accounts;
pub mod boot;
pub mod clock;
pub mod cloud;
pub mod disk;
pub mod dns;
pub mod exec;
pub mod files;
pub mod firewall;
pub mod kernel;
pub mod net;
pub mod nic;
pub mod pam;
pub mod processes;
pub mod reach;
pub mod resources;
pub mod socket;
pub mod ssh;

use crate::host::Host;
use crate::host::mounts::MountTable;
use crate::i18n::{Msg, Said};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// What a probe's field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// A number: compared with `<`, `<=`, `>`, `>=`, `==`.
    Num,
    /// Text: compared with `==`, `!=`, `in`.
    Text,
    /// A yes or no as 1 or 0: judged with `== 1`.
    Flag,
}

/// One value a probe may give: its name (what check files write in `field`, `where`, `metrics`
/// and `{placeholders}`), what it holds, its unit and one line on what it means. `explain` prints
/// them, so a checks.d author need not read the probe's source (osquery's typed, described
/// columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
    /// The unit of a number: one of [`UNITS`], or "" when it is a plain count or has none.
    pub unit: &'static str,
    pub doc: &'static str,
}

/// The units a field may name.
pub const UNITS: &[&str] = &["", "%", "bytes", "bytes/s", "1/s", "ms", "s", "hours", "days"];

impl Field {
    pub const fn num(name: &'static str, unit: &'static str, doc: &'static str) -> Field {
        Field { name, kind: FieldKind::Num, unit, doc }
    }

    pub const fn text(name: &'static str, doc: &'static str) -> Field {
        Field { name, kind: FieldKind::Text, unit: "", doc }
    }

    pub const fn flag(name: &'static str, doc: &'static str) -> Field {
        Field { name, kind: FieldKind::Flag, unit: "", doc }
    }
}

/// A value a probe observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Num(f64),
    Text(String),
}

impl Value {
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Text(t) => t.trim().parse().ok(),
        }
    }

    pub fn as_text(&self) -> String {
        match self {
            Value::Num(n) => crate::fmt::format_num(*n),
            Value::Text(t) => t.clone(),
        }
    }
}

/// The most characters of one evidence line.
pub const MAX_EVIDENCE_CHARS: usize = 2000;

/// What a probe saw about one subject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    pub subject: String,
    pub values: BTreeMap<String, Value>,
    /// Verbatim lines that show it (config lines as `file:line: text`); redacted before reporting.
    pub evidence: Vec<String>,
    /// Evidence that belongs to one value only: a finding about that value shows these lines
    /// instead of the general ones.
    pub field_evidence: BTreeMap<String, Vec<String>>,
    /// When what was observed began (RFC 3339): the `since` of the findings about this subject.
    pub since: Option<String>,
    /// Values (and the subject, under `subject`) that are words of the tool, not data of the
    /// system: `not configured`, `none measured`, an error kind. A check's text shows them in the
    /// run's language; `values` keeps their English wording as the machine value, so `where`
    /// filters, thresholds and everything that matches on the value stay as they were, and the
    /// subject of a finding stays the machine subject. A probe cannot know the language, so it
    /// names a catalogue message ([`Said`]) and the template says it ([`crate::catalog::template`]).
    pub words: BTreeMap<String, Said>,
}

impl Observation {
    pub fn new(subject: impl Into<String>) -> Observation {
        Observation { subject: subject.into(), ..Default::default() }
    }

    pub fn num(mut self, name: &str, v: f64) -> Self {
        self.values.insert(name.to_string(), Value::Num(v));
        self
    }

    pub fn text(mut self, name: &str, v: impl Into<String>) -> Self {
        self.values.insert(name.to_string(), Value::Text(v.into()));
        self
    }

    /// A value that is a word of the tool: shown in the run's language, compared as its
    /// English wording (see [`Observation::words`]).
    pub fn word(mut self, name: &str, said: Said) -> Self {
        self.values.insert(name.to_string(), Value::Text(said.render(crate::i18n::Lang::En)));
        self.words.insert(name.to_string(), said);
        self
    }

    /// How `{subject}` reads in a check's text when the subject is a phrase (`user guest`): the
    /// finding's `subject` stays the machine subject.
    pub fn subject_words(mut self, said: Said) -> Self {
        self.words.insert("subject".to_string(), said);
        self
    }

    pub fn flag(self, name: &str, v: bool) -> Self {
        self.num(name, if v { 1.0 } else { 0.0 })
    }

    /// Adds a line of evidence, cut to [`MAX_EVIDENCE_CHARS`] (a line of a file that never
    /// ends can be as long as what was read of it).
    pub fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(crate::i18n::cut_text(line.into(), MAX_EVIDENCE_CHARS));
        self
    }

    pub fn field_evidence(mut self, field: &str, line: impl Into<String>) -> Self {
        let line = crate::i18n::cut_text(line.into(), MAX_EVIDENCE_CHARS);
        self.field_evidence.entry(field.to_string()).or_default().push(line);
        self
    }

    pub fn since(mut self, when: Option<String>) -> Self {
        self.since = when;
        self
    }

    /// The lines that show the value `field`.
    pub fn evidence_for(&self, field: &str) -> &[String] {
        self.field_evidence.get(field).map(Vec::as_slice).unwrap_or(&self.evidence)
    }
}

/// A status a plugin decided itself (Nagios plugin protocol).
#[derive(Debug, Clone, PartialEq)]
pub struct PluginVerdict {
    /// 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (anything else is UNKNOWN too).
    pub exit_code: i32,
    pub summary: String,
    pub details: Vec<String>,
    pub metrics: BTreeMap<String, f64>,
}

/// Everything a probe returns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observations {
    pub items: Vec<Observation>,
    pub verdict: Option<PluginVerdict>,
    /// Path traces with their per-round samples (`path_trace`), carried into the check result.
    pub traces: Vec<crate::trace::TraceData>,
    /// The subjects are a family of like things (filesystems): their metrics always carry the
    /// subject (`used_percent[/]`), also when there is only one, so a metric keeps its name when
    /// a second filesystem is mounted and history can follow it.
    pub keyed: bool,
    /// A table for the report, cells as catalogue messages or data ([`TableSpec`]).
    pub table: Option<TableSpec>,
}

/// A table a probe hands to the report: column headers are catalogue messages, cells are
/// messages (words of the tool: a verdict, a reason) said in the run's language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableSpec {
    pub columns: Vec<Said>,
    pub rows: Vec<Vec<Said>>,
}

impl Observations {
    pub fn of(items: Vec<Observation>) -> Observations {
        Observations { items, verdict: None, traces: Vec::new(), keyed: false, table: None }
    }
}

/// Why a probe could not observe. The reason is a catalogue message ([`Said`]), not text: the
/// probe does not know the run's language, the judge renders it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProbeError {
    /// Not applicable or not permitted here: reported as `skipped` with the reason.
    #[error("{0}")]
    Skipped(Said),
    /// The probe could not finish: reported as `error` with the code (errno name, ETIMEDOUT, ...).
    #[error("{message}")]
    Failed { code: String, message: Said },
}

impl ProbeError {
    pub fn failed(code: impl Into<String>, message: Said) -> ProbeError {
        ProbeError::Failed { code: code.into(), message }
    }

    /// Skipped, with a message that has no arguments.
    pub fn skipped(msg: Msg) -> ProbeError {
        ProbeError::Skipped(Said::new(msg))
    }

    /// An I/O error reading `path`: EACCES becomes `skipped` (not permitted), others `error`.
    pub fn io(path: &str, err: &std::io::Error) -> ProbeError {
        if err.kind() == std::io::ErrorKind::PermissionDenied {
            ProbeError::Skipped(Said::new(Msg::SkipPermission).arg("path", path))
        } else {
            ProbeError::failed(
                crate::host::errno_name(err),
                Said::new(Msg::FailRead).arg("path", path).nest("error", Said::os_error(err)),
            )
        }
    }

    /// The message in `lang`.
    pub fn render(&self, lang: crate::i18n::Lang) -> String {
        match self {
            ProbeError::Skipped(s) | ProbeError::Failed { message: s, .. } => s.render(lang),
        }
    }
}

/// Host scans that several probes need, done at most once per run.
#[derive(Default)]
pub struct Scans {
    mounts: OnceLock<Result<Arc<MountTable>, ProbeError>>,
    kernel_log: OnceLock<Result<Arc<crate::host::klog::KernelLog>, ProbeError>>,
    processes: OnceLock<Result<Arc<crate::host::procs::ProcessTable>, ProbeError>>,
    stat_pass: OnceLock<Result<Arc<crate::host::procs::StatPass>, ProbeError>>,
    open_files: OnceLock<Result<Arc<crate::host::procs::OpenFiles>, ProbeError>>,
    sockets: OnceLock<Result<Arc<crate::host::sockets::SocketTable>, ProbeError>>,
    listeners: OnceLock<Result<Arc<socket::listen_queues::Listeners>, ProbeError>>,
    window: OnceLock<Arc<crate::host::sample::Window>>,
    metadata: OnceLock<Option<Arc<crate::host::metadata::Metadata>>>,
    metadata_network: OnceLock<Result<Arc<crate::host::metadata::Network>, ProbeError>>,
    login: OnceLock<Result<Arc<ssh::login::Login>, ProbeError>>,
    pam_stack: OnceLock<Result<Arc<pam::stack::Stack>, ProbeError>>,
    /// Files read once per run and shared, by path (see [`ProbeContext::read_once`]).
    files: Mutex<BTreeMap<String, SharedFile>>,
    /// System programs already run, by command line (see [`ProbeContext::run_once`]).
    programs: Mutex<BTreeMap<String, ProgramRun>>,
}

/// One file's content, read once and shared by every probe that reads the same path.
type SharedFile = Arc<OnceLock<Result<Arc<crate::host::HostFile>, ProbeError>>>;

/// One program's run, done once and shared by every probe that asks for the same command line.
type ProgramRun = Arc<OnceLock<Result<crate::host::command::Output, String>>>;

/// Network settings of the run (`--metadata-url`, the config's `[net]` table).
#[derive(Debug, Clone, Default)]
pub struct NetOptions {
    /// The metadata service to ask, when the user names one.
    pub metadata_url: Option<String>,
    /// The name each nameserver must resolve (`net.dns.resolver-reachable`).
    pub dns_name: Option<String>,
    /// What must be reachable from outside, and by whom.
    pub access: Access,
    /// Ask nothing of the cloud's API (`--offline`, `[net] offline`).
    pub offline: bool,
    /// Where the ECS API is (`--ecs-endpoint`, `ECS_DOCTOR_ECS_ENDPOINT`, `[net] ecs_endpoint`);
    /// else the region's.
    pub ecs_endpoint: Option<String>,
    /// Access keys from the config (`[ticket]`), for the cloud's API.
    pub cloud_credentials: CloudCredentials,
}

/// Access keys the config gives; the environment and the RAM role come after them in the chain
/// (`crate::cloud::creds`).
#[derive(Debug, Clone, Default)]
pub struct CloudCredentials {
    pub key_id: Option<String>,
    pub key_secret: Option<String>,
    pub token: Option<String>,
}

/// What must be reachable from outside, and by whom: the service ports (`--port`, `[access]
/// ports`, `why port PORT`), the client address and the user of a complaint (`why ssh --from
/// ADDR --user U`). Checks of reachability (listeners, the host firewall, the security group)
/// and of logins read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Access {
    /// TCP ports that must be reachable from outside, without repeats, in the order given.
    pub ports: Vec<u16>,
    /// The address the client connects from; `None`: anywhere.
    pub from: Option<std::net::IpAddr>,
    /// The user who must be able to log in over SSH.
    pub user: Option<String>,
}

/// One probe's result, computed once and shared by every check that names the same probe. Held
/// behind an `Arc` and judged by reference: 4,000 mounts are 4,000 observations, and a copy for
/// each of the checks that share the statvfs pass (space, inodes, hung, deleted-open) was most
/// of a large host's memory.
type SharedObservation = Arc<OnceLock<Result<Arc<Observations>, ProbeError>>>;

/// What a probe gets: the host, the shared scans, and when the whole run must end.
pub struct ProbeContext {
    pub host: Host,
    pub scans: Scans,
    pub deadline: Instant,
    pub privileged: bool,
    /// Endpoints the reachability and path checks probe (`--target`, `[net] targets`).
    pub targets: Vec<crate::host::endpoint::Target>,
    pub net: NetOptions,
    /// The account a run asks about and from where (`why ssh --user U --from ADDR`).
    pub login: ssh::login::LoginOptions,
    cache: Mutex<BTreeMap<String, SharedObservation>>,
}

impl ProbeContext {
    pub fn new(host: Host, deadline: Instant, privileged: bool) -> ProbeContext {
        ProbeContext {
            host,
            scans: Scans::default(),
            deadline,
            privileged,
            targets: Vec::new(),
            net: NetOptions::default(),
            login: ssh::login::LoginOptions::default(),
            cache: Mutex::new(BTreeMap::new()),
        }
    }

    /// The endpoints for the reachability and path checks.
    pub fn with_targets(mut self, targets: Vec<crate::host::endpoint::Target>) -> ProbeContext {
        self.targets = targets;
        self
    }

    /// The same context with the run's network settings.
    pub fn with_net(mut self, net: NetOptions) -> ProbeContext {
        self.net = net;
        self
    }

    /// The same context asking about one account (`why ssh --user U --from ADDR`).
    pub fn with_login(mut self, login: ssh::login::LoginOptions) -> ProbeContext {
        self.login = login;
        self
    }

    /// Who can log in over SSH and why not ([`ssh::login::scan`]), worked out once per run for
    /// the login matrix, the account checks and the key checks.
    pub fn login_facts(&self) -> Result<Arc<ssh::login::Login>, ProbeError> {
        self.scans.login.get_or_init(|| ssh::login::scan(self).map(Arc::new)).clone()
    }

    /// The sshd PAM stack with its includes followed ([`pam::sshd_stack`]), read once per run for
    /// the four PAM checks and every account of the login matrix.
    pub fn sshd_pam_stack(&self) -> Result<Arc<pam::stack::Stack>, ProbeError> {
        self.scans.pam_stack.get_or_init(|| pam::sshd_stack(&self.host).map(Arc::new)).clone()
    }

    /// Whether, and which, metadata service this run may ask.
    pub fn metadata_source(&self) -> crate::host::metadata::Source {
        crate::host::metadata::source(&self.host, self.net.metadata_url.as_deref())
    }

    /// What the metadata service said, asked once per run by the first check that needs it;
    /// `None` when no service may be asked here.
    pub fn metadata(&self) -> Option<Arc<crate::host::metadata::Metadata>> {
        self.scans
            .metadata
            .get_or_init(|| {
                let source = self.metadata_source();
                source.endpoint().map(|ep| Arc::new(crate::host::metadata::fetch(ep, self.deadline)))
            })
            .clone()
    }

    /// Runs the system program `name` with `args` at most once per run (bounded like
    /// [`crate::host::command::run`] by `limit` and the deadline) and gives every probe that asks the same
    /// output: both firewall checks read `iptables-save` and `nft -j list ruleset`. `None` when
    /// the program is not installed.
    pub fn run_once(
        &self,
        name: &str,
        args: &[&str],
        limit: std::time::Duration,
    ) -> Option<Result<crate::host::command::Output, String>> {
        let program = crate::host::command::find(name)?;
        let key = std::iter::once(name).chain(args.iter().copied()).collect::<Vec<_>>().join("\0");
        let slot = match self.scans.programs.lock() {
            Ok(mut map) => map.entry(key).or_default().clone(),
            // A probe panicked while holding the lock: run it unshared rather than not at all.
            Err(_) => Arc::default(),
        };
        Some(slot.get_or_init(|| crate::host::command::run(&program, args, limit, self.deadline)).clone())
    }

    /// What the metadata service says about the instance's network identity (hostname, NICs,
    /// private IPs), asked once per run and only after the service answered (`metadata`).
    pub fn metadata_network(&self) -> Result<Arc<crate::host::metadata::Network>, ProbeError> {
        self.scans
            .metadata_network
            .get_or_init(|| {
                let Some(md) = self.metadata() else {
                    return Err(ProbeError::skipped(Msg::SkipNoMetadataService));
                };
                if md.failure.is_some() {
                    return Err(ProbeError::skipped(Msg::SkipMetadataFailed));
                }
                let source = self.metadata_source();
                let Some(ep) = source.endpoint() else {
                    return Err(ProbeError::skipped(Msg::SkipNoMetadataService));
                };
                Ok(Arc::new(crate::host::metadata::fetch_network(ep, self.deadline)))
            })
            .clone()
    }

    /// Reads a file of the examined system at most once per run: probes that need the same /proc
    /// file (`meminfo` and `memory_holders` both read /proc/meminfo) share one read.
    pub fn read_once(&self, path: &str) -> Result<Arc<crate::host::HostFile>, ProbeError> {
        let slot = match self.scans.files.lock() {
            Ok(mut map) => map.entry(path.to_string()).or_default().clone(),
            Err(_) => Arc::default(),
        };
        slot.get_or_init(|| self.host.read(path).map(Arc::new).map_err(|e| ProbeError::io(path, &e))).clone()
    }

    /// The metadata if a check already asked for it (never waits, never asks): for the report.
    pub fn metadata_if_fetched(&self) -> Option<Arc<crate::host::metadata::Metadata>> {
        self.scans.metadata.get().cloned().flatten()
    }

    /// Whether this is a system examined with --root whose /proc is empty or absent (a rescued
    /// disk): nothing of it is mounted or running.
    fn proc_empty_under_root(&self) -> bool {
        !self.host.is_live() && self.host.list_dir("/proc").map(|names| names.is_empty()).unwrap_or(true)
    }

    /// `skipped` when `path` (a file or directory the running kernel makes: /proc/meminfo,
    /// /sys/class/net) is absent or empty under --root: a rescued disk's /proc and /sys are empty,
    /// and this machine's own are not the examined system's. `None` on the live system, or when
    /// the root has it (a fixture, a copied /proc).
    pub fn kernel_state_absent(&self, path: &str) -> Option<ProbeError> {
        if self.host.is_live() {
            return None;
        }
        let p = self.host.path(path);
        let present = match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => self.host.list_dir(path).is_ok_and(|names| !names.is_empty()),
            Ok(_) => true,
            Err(_) => false,
        };
        (!present).then(|| ProbeError::Skipped(Said::new(Msg::SkipKernelStateUnderRoot).arg("path", path)))
    }

    /// The mount table, read once per run.
    pub fn mounts(&self) -> Result<Arc<MountTable>, ProbeError> {
        self.scans
            .mounts
            .get_or_init(|| {
                // A rescued disk under --root has an empty /proc: nothing of it is mounted, and
                // the mounts of the machine running the tool are not its own.
                if self.proc_empty_under_root() {
                    return Err(ProbeError::skipped(Msg::SkipMountsUnderRoot));
                }
                crate::host::mounts::read(&self.host)
                    .map(Arc::new)
                    .map_err(|e| ProbeError::io("/proc/self/mountinfo", &e))
            })
            .clone()
    }

    /// The kernel log (kmsg, journal or log file), read once per run; checks filter its lines.
    pub fn kernel_log(&self) -> Result<Arc<crate::host::klog::KernelLog>, ProbeError> {
        self.scans
            .kernel_log
            .get_or_init(|| {
                crate::host::klog::read(&self.host, self.deadline).map(Arc::new).map_err(|e| match e {
                    crate::host::klog::KlogError::Unavailable(why) => ProbeError::Skipped(why),
                })
            })
            .clone()
    }

    /// The process table (/proc/[pid]/stat, status, cmdline), read once per run.
    pub fn processes(&self) -> Result<Arc<crate::host::procs::ProcessTable>, ProbeError> {
        self.scans
            .processes
            .get_or_init(|| {
                // A rescued disk's empty /proc has no processes: "0 processes, all fine" would
                // say nothing true about it.
                if self.proc_empty_under_root() {
                    return Err(ProbeError::skipped(Msg::SkipProcsUnderRoot));
                }
                let pass = self.stat_pass()?;
                Ok(Arc::new(crate::host::procs::scan_from(&self.host, self.deadline, &pass)))
            })
            .clone()
    }

    /// Every process's open file descriptors (counts, deleted files), walked once per run.
    pub fn open_files(&self) -> Result<Arc<crate::host::procs::OpenFiles>, ProbeError> {
        self.scans
            .open_files
            .get_or_init(|| {
                if self.proc_empty_under_root() {
                    return Err(ProbeError::skipped(Msg::SkipProcsUnderRoot));
                }
                let mut of = crate::host::procs::open_files(&self.host, self.deadline)
                    .map_err(|e| ProbeError::io("/proc", &e))?;
                // ecs-doctor's own descriptors are not the examined system's.
                if let Ok(table) = self.processes() {
                    of.counts.retain(|pid, _| !table.own.contains(pid));
                    of.deleted.retain(|d| !table.own.contains(&d.pid));
                }
                Ok(Arc::new(of))
            })
            .clone()
    }

    /// The sockets of this network namespace (/proc/net/{tcp,udp}{,6}) and the processes that
    /// own them, read once per run.
    pub fn sockets(&self) -> Result<Arc<crate::host::sockets::SocketTable>, ProbeError> {
        self.scans
            .sockets
            .get_or_init(|| {
                // The tables first, while another check's open-file scan walks the descriptors;
                // that walk (shared with the checks that count descriptors) then gives the
                // owners. Without it, the socket scan walks them itself.
                let mut t = crate::host::sockets::read_tables(&self.host, self.deadline).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        ProbeError::skipped(Msg::SkipNoSockets)
                    } else {
                        ProbeError::io("/proc/net/tcp", &e)
                    }
                })?;
                let open = self.open_files().ok();
                t.truncated |= open.as_ref().is_some_and(|o| o.truncated);
                let owners = open.as_ref().map(|o| &o.socket_owners);
                crate::host::sockets::find_owners(&mut t, &self.host, self.deadline, owners)
                    .map_err(|e| ProbeError::io("/proc", &e))?;
                Ok(Arc::new(t))
            })
            .clone()
    }

    /// The listening TCP sockets with their queues ([`socket::listen_queues::listeners`]), read
    /// once per run: 100,000 listeners are one netlink dump and one list, not one per check.
    pub fn listeners(&self) -> Result<Arc<socket::listen_queues::Listeners>, ProbeError> {
        self.scans.listeners.get_or_init(|| socket::listen_queues::read_listeners(self).map(Arc::new)).clone()
    }

    /// The shared sampling window (counters read twice ~200 ms apart), taken once per run by
    /// the first check that needs it; the others wait for it.
    pub fn window(&self) -> Arc<crate::host::sample::Window> {
        self.scans
            .window
            .get_or_init(|| {
                let pass = self.stat_pass().ok();
                Arc::new(crate::host::sample::sample_with(&self.host, self.deadline, pass.as_deref()))
            })
            .clone()
    }

    /// The one pass over every /proc/PID/stat of the run, shared by the process table and the
    /// sampling window's first reading.
    fn stat_pass(&self) -> Result<Arc<crate::host::procs::StatPass>, ProbeError> {
        self.scans
            .stat_pass
            .get_or_init(|| {
                crate::host::procs::stat_pass(&self.host, self.deadline)
                    .map(Arc::new)
                    .map_err(|e| ProbeError::io("/proc", &e))
            })
            .clone()
    }

    /// Runs a probe, sharing the result between checks that name the same probe and parameters
    /// (disk.usage.space and disk.usage.inodes share one statvfs pass).
    pub fn observe(&self, spec: &ProbeSpec) -> Result<Observations, ProbeError> {
        self.observe_shared(spec).map(|o| (*o).clone())
    }

    /// [`ProbeContext::observe`] without a copy: the one result every check of the run that
    /// names this probe judges (by reference, see [`crate::engine::judge::judge_shared`]).
    pub fn observe_shared(&self, spec: &ProbeSpec) -> Result<Arc<Observations>, ProbeError> {
        let key = spec.cache_key();
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.entry(key).or_default().clone()
        };
        cell.get_or_init(|| spec.observe(self).map(Arc::new)).clone()
    }
}

/// Declares the probe kinds: one line per probe, `group::kind => Variant` (the group is the
/// subject folder, `self` for `exec.rs`; the kind is the file name and the name check files
/// use). Each module provides `Params`
/// (deserialised from the check file, unknown keys rejected), `FIELDS` and `observe`.
macro_rules! probes {
    ($($group:ident :: $module:ident => $variant:ident,)*) => {
        /// A probe named by a check file: `[probe.<kind>]` followed by its parameters.
        #[derive(Debug, Clone, Deserialize, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ProbeSpec {
            $($variant($group::$module::Params),)*
        }

        impl ProbeSpec {
            /// The kind's name as written in check files.
            pub fn kind(&self) -> &'static str {
                match self { $(ProbeSpec::$variant(_) => stringify!($module),)* }
            }

            /// The values this probe may produce.
            pub fn fields(&self) -> &'static [Field] {
                match self { $(ProbeSpec::$variant(_) => $group::$module::FIELDS,)* }
            }

            fn observe(&self, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
                match self { $(ProbeSpec::$variant(p) => $group::$module::observe(p, ctx),)* }
            }
        }

        /// Every probe kind with its fields, for `explain` and the tests of the field docs.
        pub const KINDS: &[(&str, &[Field])] = &[$((stringify!($module), $group::$module::FIELDS),)*];
    };
}

probes! {
    disk::block_devices => BlockDevices,
    boot::boot_entry => BootEntry,
    boot::initramfs_drivers => InitramfsDrivers,
    boot::previous_boot => PreviousBoot,
    boot::selinux_config => SelinuxConfig,
    disk::deleted_open => DeletedOpen,
    disk::disk_errors => DiskErrors,
    disk::diskstats => Diskstats,
    disk::io_throttle => IoThrottle,
    dns::dns_resolvers => DnsResolvers,
    dns::hosts_overrides => HostsOverrides,
    dns::nsswitch_hosts => NsswitchHosts,
    dns::resolv_manager => ResolvManager,
    accounts::account_ids => AccountIds,
    cloud::cloud_init => CloudInit,
    clock::clock_settings => ClockSettings,
    ssh::auth_log => AuthLog,
    net::conntrack => Conntrack,
    resources::cpu_holders => CpuHolders,
    resources::fork_rate => ForkRate,
    resources::memory_holders => MemoryHolders,
    net::proxy_settings => ProxySettings,
    files::cron => Cron,
    self::exec => Exec,
    files::file_perms => FilePerms,
    resources::file_limits => FileLimits,
    resources::process_limits => ProcessLimits,
    disk::filesystems => Filesystems,
    firewall::firewall => Firewall,
    firewall::firewall_ssh => FirewallSsh,
    disk::fstab => Fstab,
    disk::fstab_types => FstabTypes,
    disk::hidden_files => HiddenFiles,
    kernel::kernel_events => KernelEvents,
    net::interfaces => Interfaces,
    files::ld_preload => LdPreload,
    processes::listeners => Listeners,
    resources::loadavg => Loadavg,
    ssh::login_matrix => LoginMatrix,
    accounts::account_state => AccountState,
    kernel::mac => Mac,
    resources::meminfo => Meminfo,
    cloud::metadata => Metadata,
    cloud::metadata_hostname => MetadataHostname,
    cloud::metadata_nics => MetadataNics,
    cloud::security_group => SecurityGroup,
    resources::oom_kills => OomKills,
    pam::pam_limits => PamLimits,
    pam::pam_lockout => PamLockout,
    pam::pam_modules => PamModules,
    pam::pam_rules => PamRules,
    accounts::passwd => Passwd,
    reach::path_trace => PathTrace,
    processes::process_states => ProcessStates,
    nic::qdiscs => Qdiscs,
    nic::nic_counters => NicCounters,
    nic::nic_irqs => NicIrqs,
    nic::softnet => Softnet,
    socket::listen_queues => ListenQueues,
    socket::tcp_counters => TcpCounters,
    socket::udp_drops => UdpDrops,
    reach::path_mtu => PathMtu,
    reach::reach => Reach,
    disk::readonly_mounts => ReadonlyMounts,
    resources::resource_pressure => ResourcePressure,
    dns::resolv_conf => ResolvConf,
    net::route_conflicts => RouteConflicts,
    net::routes => Routes,
    accounts::shadow => Shadow,
    ssh::ssh_authorized_keys => SshAuthorizedKeys,
    ssh::ssh_host_keys => SshHostKeys,
    ssh::ssh_key_files => SshKeyFiles,
    ssh::console_key => ConsoleKey,
    ssh::sshd_config => SshdConfig,
    net::service_ports => ServicePorts,
    firewall::port_firewall => PortFirewall,
    ssh::sshd_service => SshdService,
    ssh::sshd_test => SshdTest,
    ssh::sshd_use_dns => SshdUseDns,
    ssh::sshd_words => SshdWords,
    accounts::sudoers => Sudoers,
    net::sysctls => Sysctls,
    processes::systemd_units => SystemdUnits,
    ssh::tcp_wrappers => TcpWrappers,
    clock::time_sync => TimeSync,
    files::suid_files => SuidFiles,
    processes::suspicious_procs => SuspiciousProcs,
    files::world_writable => WorldWritable,
}

/// The probe kinds that wait for the shared sampling window ([`ProbeSpec::waits_for_window`]).
pub const WINDOW_KINDS: &[&str] = &[
    "cpu_holders",
    "diskstats",
    "fork_rate",
    "io_throttle",
    "listen_queues",
    "loadavg",
    "nic_counters",
    "process_states",
    "resource_pressure",
    "softnet",
    "tcp_counters",
    "udp_drops",
];

impl ProbeSpec {
    fn cache_key(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| format!("{self:?}"))
    }

    /// Whether this probe waits for the shared sampling window ([`ProbeContext::window`]): the
    /// engine starts the window as the run begins and gives these probes a worker last, so
    /// that ~200 ms of waiting does not hold the workers the other checks need.
    pub fn waits_for_window(&self) -> bool {
        WINDOW_KINDS.contains(&self.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// [`ProbeSpec::waits_for_window`] names exactly the probes whose source asks for the
    /// window: a new probe that waits for it, left off the list, would hold a worker again.
    #[test]
    fn the_probes_that_wait_for_the_window_are_the_ones_that_ask_for_it() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/probe");
        let mut asking = std::collections::BTreeSet::new();
        for group in std::fs::read_dir(&src).unwrap() {
            let group = group.unwrap().path();
            if !group.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&group).unwrap() {
                let file = file.unwrap().path();
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                if text.contains("ctx.window()") {
                    asking.insert(file.file_stem().unwrap().to_string_lossy().to_string());
                }
            }
        }
        let listed: std::collections::BTreeSet<String> = WINDOW_KINDS.iter().map(|k| k.to_string()).collect();
        assert!(listed.iter().all(|k| KINDS.iter().any(|(kind, _)| kind == k)), "{listed:?}");
        assert_eq!(listed, asking);
    }

    /// Two probes asking for the same command line get one run's output; another command
    /// line runs on its own; a program that is not installed is `None`.
    #[test]
    fn a_program_runs_once_per_run() {
        let ctx = ProbeContext::new(Host::live(), Instant::now() + Duration::from_secs(5), false);
        let limit = Duration::from_secs(2);
        let stdout = |args: &[&str]| match ctx.run_once("date", args, limit) {
            Some(Ok(o)) => o.stdout,
            other => panic!("date: {other:?}"),
        };
        let first = stdout(&["+%s.%N"]);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(stdout(&["+%s.%N"]), first, "the second ask reuses the first run");
        assert_ne!(stdout(&["+%N.%s"]), first, "other arguments run again");
        assert!(ctx.run_once("no-such-program-ecs-doctor", &[], limit).is_none());
    }
}

#[cfg(test)]
mod field_tests {
    use super::*;

    /// Every field of every probe has a one-line doc, a known unit (numbers only), and a name a
    /// check file can write; no probe names a field twice.
    #[test]
    fn every_field_is_documented() {
        let mut problems = Vec::new();
        for (kind, fields) in KINDS {
            let mut seen = std::collections::BTreeSet::new();
            for f in *fields {
                let at = format!("{kind}.{}", f.name);
                if !seen.insert(f.name) {
                    problems.push(format!("{at}: declared twice"));
                }
                if f.name.is_empty()
                    || !f.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                {
                    problems.push(format!("{at}: a field name is lowercase letters, digits and _"));
                }
                if f.doc.trim().is_empty() {
                    problems.push(format!("{at}: no doc"));
                }
                if f.doc.contains('\n') || f.doc.len() > 110 || f.doc.ends_with('.') {
                    problems.push(format!("{at}: the doc is one short line without a full stop"));
                }
                if !UNITS.contains(&f.unit) || (f.kind != FieldKind::Num && !f.unit.is_empty()) {
                    problems.push(format!("{at}: unit {:?} (numbers only, one of {UNITS:?})", f.unit));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        assert!(KINDS.iter().map(|(_, f)| f.len()).sum::<usize>() > 300);
    }
}
