//! Repairs: what `ecs-doctor fix` may change, declared in the check files and carried out with a
//! backup of every byte, a verified change and an undo.
//!
//! A check file names its repairs in `[[repair]]` tables:
//!
//! ```toml
//! [[repair]]
//! code = "ENODEV"                      # the findings it repairs: their `code`
//! action.fstab = { edit = "nofail" }   # a built-in action kind and its parameters
//! risk = "safe"                        # safe | restart (with service = "sshd") | reboot
//! changes.en = "adds nofail to the entry's options"
//! ```
//!
//! An action kind is one file here with a `Params` type (its parameters, unknown keys refused)
//! that implements [`Action`], and one line in [`actions!`] below. An action only *plans*: from
//! the finding and the system as it is now it works out a [`Change`] (the new content of each
//! file it touches, the checker that validates them, the reloads to run after), or says why it
//! cannot. It reads files and nothing else: it never writes and never starts a process. The
//! framework does the rest, the same for every action: the diff in the plan, the confirmation,
//! the backup (content, mode, owner, xattrs and ACLs, the immutable bit) with a manifest, the
//! atomic write, the validation, the re-check of the finding, the rollback, the undo and the
//! record in the report (`plan`, `apply`, `store`, `files`).
//!
//! Adding a repair is therefore one file (`src/repair/<domain>/<kind>.rs`, the domain of the checks
//! it mainly repairs, with one `pub mod` line in that folder's `mod.rs`), one line in [`actions!`] and
//! the `[[repair]]` table in the check file; `tests/integration/fix*.rs` show how to test one
//! against its real fault.

/// The parameters of a kind whose one parameter says which of its edits a `[[repair]]` makes
/// (`action.<kind> = { edit = "..." }`): `Params { edit }` and `Edit`, whose variants are
/// written in kebab-case in check files. Defined before the kind modules so they can use it.
macro_rules! edit_params {
    ($($(#[$doc:meta])* $variant:ident),+ $(,)?) => {
        #[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
        #[serde(deny_unknown_fields)]
        pub struct Params {
            pub edit: Edit,
        }

        /// Which edit the repair makes (`edit = "..."` in the check file, kebab-case).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum Edit {
            $($(#[$doc])* $variant),+
        }
    };
}

pub mod apply;
pub mod asked;
pub mod disk;
pub mod exec;
pub mod files;
pub mod lines;
pub mod net;
pub mod plan;
pub mod sec;
pub mod store;
pub mod sys;

use crate::host::Host;
use crate::i18n::{Lang, Text};
use crate::report::Finding;
use serde::{Deserialize, Serialize};

/// What `ecs-doctor fix` was told and how it reaches services, built once by the command and
/// carried by every [`Target`] and every step it runs: the actions read it from there, never
/// from process-wide settings.
#[derive(Debug, Clone, Default)]
pub struct Told {
    /// `--client ADDR` and `--user USER`: what the diagnosis does not know and a repair must not
    /// guess.
    pub asked: asked::Asked,
    /// The metadata service `fix` was told to ask (`--metadata-url`), for the actions that read
    /// the instance's own metadata (`console_key`, the platform's nameservers and time servers);
    /// `None`: ask only the detected cloud's own.
    pub metadata_url: Option<String>,
    /// The name asked of nameservers (`[net] dns_name`) by the actions that prove a nameserver
    /// answers before naming it (`resolv_conf`); `None`: the platform's default.
    pub dns_name: Option<String>,
    /// How a step that is an ECS API call (the security group) reaches the API.
    pub ecs: net::security_group::Access,
}

impl Told {
    /// Nothing told: no client, no user, no named services (tests and `--undo` of file-only
    /// repairs).
    pub fn none() -> &'static Told {
        static NONE: std::sync::OnceLock<Told> = std::sync::OnceLock::new();
        NONE.get_or_init(Told::default)
    }
}

/// What one action kind must do: plan the change for one finding.
pub trait Action {
    /// A short name for repair ids and the plan (`fstab-nofail`): lowercase words and `-`.
    fn name(&self) -> String;

    /// Checks the parameters beyond their types when the check file is loaded; the message is
    /// shown at the `[[repair]]` table (`file:line:column`).
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }

    /// The change this repair makes for `t.finding`, worked out from the system as it is now
    /// (not from the report: a report may be old). Reads files only.
    fn plan(&self, t: &Target) -> Result<Change, Skip>;

    /// The account this repair means to shut out (a second root disabled), which the login
    /// guard lets go: every *other* account that can log in now must still can after, and
    /// some account must (the only way in is never closed). `None`: none, the guard is strict.
    fn shuts_out(&self, _t: &Target) -> Option<String> {
        None
    }
}

/// What an action is given: the examined system, the finding, the language of the run.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub host: &'a Host,
    pub lang: Lang,
    /// The check id.
    pub check: &'a str,
    pub finding: &'a Finding,
    /// What `fix` was told ([`Told`]).
    pub told: &'a Told,
}

#[cfg(test)]
impl<'a> Target<'a> {
    /// A target in English with nothing told (`--client`, `--user` and the rest unset): what the
    /// actions' unit tests plan for.
    pub(crate) fn test(host: &'a Host, check: &'a str, finding: &'a Finding) -> Target<'a> {
        Target { host, lang: Lang::En, check, finding, told: Told::none() }
    }
}

/// Why an action does not repair a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// It does not fit this finding (another repair of the same code may): said only when no
    /// repair fits.
    NotApplicable(String),
    /// It fits, but cannot be done safely here: always said in the plan.
    Refused(String),
}

impl Skip {
    pub fn reason(&self) -> &str {
        match self {
            Skip::NotApplicable(r) | Skip::Refused(r) => r,
        }
    }
}

/// What a repair changes, as data: nothing happens until `fix --apply`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    /// One line saying what it does here, in the run's language.
    pub summary: String,
    /// The files it writes (or removes), whole.
    pub files: Vec<FileEdit>,
    /// The owner's checkers, run after the files are written; one that fails rolls it back.
    pub validate: Vec<Command>,
    /// Changes to the running system itself, made after validation, each with the command that
    /// reverses it (a firewall rule inserted and deleted, a partition grown).
    pub live: Vec<Live>,
    /// Reloads and other commands run after validation (and again after an undo or rollback,
    /// except those marked [`Command::apply_only`]).
    pub commands: Vec<Command>,
    /// The repair touches the login path (sshd, PAM, the firewall): it applies only when the
    /// login matrix shows every account that can log in now still can after.
    pub guards_login: bool,
}

impl Change {
    /// Whether `other` does the same: the same files, live steps, checkers and commands (the
    /// files' words may differ, such as the finding a drop-in's comment names).
    pub fn same_steps(&self, other: &Change) -> bool {
        let paths = |c: &Change| c.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        !self.live.is_empty()
            && self.live == other.live
            && paths(self) == paths(other)
            && self.validate == other.validate
            && self.commands == other.commands
    }
}

/// A change to the running system that is not a file (a rule in the kernel's firewall, a grown
/// partition): the command that makes it and the one that reverses it. Run after the files are
/// written and validated, before the reloads; on a rollback or an undo the reversing commands
/// run in the opposite order (only for the steps that ran), before the files are restored. A
/// step with no `undo` cannot be reversed (a filesystem grown into new space): the plan says
/// so, and `fix --undo` of such a repair refuses instead of pretending. A step may also be a
/// call to the cloud's API rather than a program (`security_group::API`: a rule added to the
/// security group, revoked on undo), which `exec::run` sends instead of starting a process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Live {
    pub run: Command,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo: Option<Command>,
}

/// One file a repair writes: its path on the examined system and its new content (`None`: the
/// file is removed).
#[derive(Debug, Clone, PartialEq)]
pub struct FileEdit {
    pub path: String,
    pub after: Option<Vec<u8>>,
}

/// A program a repair runs: looked up in the system directories, never through the shell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub program: String,
    pub args: Vec<String>,
    /// When the program is not installed the step is skipped (and the plan says so) instead of
    /// failing the repair.
    #[serde(default)]
    pub optional: bool,
    /// Success also when a line of its output starts with this, whatever the exit status (a
    /// checker whose status counts problems of the running system, not of the file:
    /// `findmnt --verify` fails for any missing device, so only its `0 parse errors` counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok_line: Option<String>,
    /// As a validator: one that already fails before the change (a broken line elsewhere in
    /// the file) cannot veto it. Without this, a validator must pass after the change, whatever
    /// it said before (`sshd -t`: a config sshd rejects is never left in place).
    #[serde(default)]
    pub only_if_passing_before: bool,
    /// How long it may take, in seconds, when longer than [`exec::LIMIT`] (an initramfs being
    /// built).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_s: Option<u64>,
    /// As a command: run when the repair is applied, not again after an undo or a rollback (a
    /// wait for the change to take effect before the check runs again: `chronyc waitsync`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub apply_only: bool,
}

impl Command {
    pub fn new(program: &str, args: &[&str]) -> Command {
        Command {
            program: program.into(),
            args: args.iter().map(|a| a.to_string()).collect(),
            optional: false,
            ok_line: None,
            only_if_passing_before: false,
            limit_s: None,
            apply_only: false,
        }
    }

    /// The same command, run when the repair is applied but not after an undo or a rollback.
    pub fn apply_only(mut self) -> Command {
        self.apply_only = true;
        self
    }

    /// The same command, allowed `secs` seconds (more than [`exec::LIMIT`]).
    pub fn with_limit(mut self, secs: u64) -> Command {
        self.limit_s = Some(secs);
        self
    }

    /// The same validator, vetoing only when it passed before the change.
    pub fn only_if_passing_before(mut self) -> Command {
        self.only_if_passing_before = true;
        self
    }

    /// The same command, successful when a line of its output starts with `prefix`.
    pub fn ok_when_line(mut self, prefix: &str) -> Command {
        self.ok_line = Some(prefix.into());
        self
    }

    /// The same command, skipped when its program is not installed.
    pub fn optional(mut self) -> Command {
        self.optional = true;
        self
    }

    /// The command line as shown to people (arguments with spaces quoted).
    pub fn line(&self) -> String {
        let parts: Vec<String> =
            std::iter::once(&self.program).chain(&self.args).map(|a| crate::fmt::shell_word(a)).collect();
        crate::fmt::inert(&parts.join(" ")).into_owned()
    }
}

/// How much a repair disturbs the running system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Risk {
    /// Takes effect without interrupting anything.
    Safe,
    /// Restarts (or reloads) the named service.
    Restart(String),
    /// Takes full effect at the next boot.
    Reboot,
}

impl Risk {
    /// As the report's `risk` says it: `safe`, `restart:sshd`, `reboot`.
    pub fn key(&self) -> String {
        match self {
            Risk::Safe => "safe".into(),
            Risk::Restart(s) => format!("restart:{s}"),
            Risk::Reboot => "reboot".into(),
        }
    }

    /// In words, in `lang`.
    pub fn said(&self, lang: Lang) -> String {
        match self {
            Risk::Safe => crate::i18n::rt(lang, crate::i18n::R::RiskSafe).to_string(),
            Risk::Restart(s) => crate::i18n::rtf(lang, crate::i18n::R::RiskRestart, &[("service", s)]),
            Risk::Reboot => crate::i18n::rt(lang, crate::i18n::R::RiskReboot).to_string(),
        }
    }
}

/// The risk words a check file may write.
pub const RISKS: &[&str] = &["safe", "restart", "reboot"];

/// A `[[repair]]` table, validated: which findings, which action, how risky, what it changes.
#[derive(Debug, Clone)]
pub struct RepairDecl {
    /// The `code` of the findings it repairs.
    pub code: String,
    pub action: ActionSpec,
    pub risk: Risk,
    /// What it changes, in words (the check file's `changes`).
    pub changes: Text,
}

/// Declares the action kinds: one line per kind, `domain::module => Variant` (the module is the
/// file `src/repair/<domain>/<module>.rs` and the name check files write after `action.`). Each module has a `Params` type
/// that implements [`Action`].
macro_rules! actions {
    ($($domain:ident :: $module:ident => $variant:ident,)*) => {
        /// An action named by a check file: `action.<kind> = { parameters }`.
        #[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
        #[serde(rename_all = "snake_case")]
        pub enum ActionSpec {
            $($variant($domain::$module::Params),)*
        }

        impl ActionSpec {
            /// The kind's name as written in check files.
            pub fn kind(&self) -> &'static str {
                match self { $(ActionSpec::$variant(_) => stringify!($module),)* }
            }

            /// The action itself.
            pub fn action(&self) -> &dyn Action {
                match self { $(ActionSpec::$variant(p) => p,)* }
            }
        }

        /// Every action kind, for `explain` and the docs.
        pub const KINDS: &[&str] = &[$(stringify!($module),)*];
    };
}

actions! {
    disk::fstab => Fstab,
    net::firewall => Firewall,
    sec::sshd => Sshd,
    net::sysctl => Sysctl,
    sec::perms => Perms,
    net::security_group => SecurityGroup,
    sys::grub => Grub,
    sys::selinux => Selinux,
    sys::adjtime => Adjtime,
    net::resolver => Resolver,
    sec::faillock => Faillock,
    sec::nologin => Nologin,
    sec::chattr => Chattr,
    sec::quarantine => Quarantine,
    sys::initramfs => Initramfs,
    net::proxy => Proxy,
    net::link => Link,
    sec::wrappers => Wrappers,
    sec::account => Account,
    sec::home => Home,
    sec::sudoers => Sudoers,
    sec::limits => Limits,
    disk::grow => Grow,
    disk::cleanup => Cleanup,
    sec::console_key => ConsoleKey,
    sec::shells => Shells,
    sys::rlimit => Rlimit,
    sys::timezone => Timezone,
    net::resolv_conf => ResolvConf,
    net::hostname => Hostname,
    net::route => Route,
    net::nic => Nic,
    net::mtu => Mtu,
    net::timesync => Timesync,
    net::route_conflict => RouteConflict,
    sec::authorized_keys => AuthorizedKeys,
    sec::pam_module => PamModule,
    net::sshd_start => SshdStart,
}

/// What the actions' unit tests share: a finding, a root of files, a plan against them.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Action, Change, Skip, Target};
    use crate::host::Host;
    use crate::i18n::Lang;
    use crate::report::{Finding, Severity};

    /// A warn finding with this subject, message and evidence (no code).
    pub fn finding(subject: &str, message: &str, evidence: &[&str]) -> Finding {
        Finding {
            severity: Severity::Warn,
            message: message.into(),
            subject: Some(subject.into()),
            code: None,
            evidence: evidence.iter().map(|s| s.to_string()).collect(),
            since: None,
        }
    }

    /// A temporary root holding `files` (system path, text).
    pub fn root(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (p, text) in files {
            let path = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    /// `action` planned for `f` on `host`.
    pub fn plan(action: &dyn Action, host: &Host, check: &str, f: &Finding) -> Result<Change, Skip> {
        action.plan(&Target { host, lang: Lang::En, check, finding: f, told: super::Told::none() })
    }

    /// The new content of the change's first file.
    pub fn after(c: &Change) -> String {
        String::from_utf8(c.files[0].after.clone().unwrap_or_default()).expect("utf-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_quote_what_a_shell_would_split() {
        let c = Command::new("findmnt", &["--verify", "--tab-file", "/mnt/a b/etc/fstab"]);
        assert_eq!(c.line(), "findmnt --verify --tab-file '/mnt/a b/etc/fstab'");
        assert_eq!(Command::new("x", &["it's"]).line(), "x 'it'\\''s'");
    }

    #[test]
    fn risks_have_a_key_and_words() {
        assert_eq!(Risk::Restart("sshd".into()).key(), "restart:sshd");
        assert!(Risk::Restart("sshd".into()).said(Lang::En).contains("sshd"));
        assert_ne!(Risk::Safe.said(Lang::En), Risk::Safe.said(Lang::ZhCn));
    }
}
