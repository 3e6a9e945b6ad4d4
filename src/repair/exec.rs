//! The one place the repair layer starts a process (a validator such as `findmnt --verify`, a
//! reload such as `systemctl daemon-reload`): looked up in the system directories, no shell,
//! under a time limit; and a step that is an ECS API call (`ecs-api …`, the security group),
//! sent by the tool itself. Planning never comes here; a test proves it through the spawn log
//! (`ECS_DOCTOR_TEST_SPAWN_LOG`: every command started here is appended to that file).

use super::Command;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long one validator or reload may take.
pub const LIMIT: Duration = Duration::from_secs(60);

/// How a command ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ran {
    /// Exit status 0.
    Ok,
    /// An optional program that is not installed: skipped.
    NotInstalled,
    /// Failed: what it said (its stderr, else stdout, else the status), one paragraph.
    Failed(String),
}

/// Runs a command of a repair; `spawn_log` is the test seam; `told` says how an API step
/// reaches the API.
pub fn run(cmd: &Command, spawn_log: Option<&Path>, told: &super::Told) -> Ran {
    let log = || {
        if let Some(log) = spawn_log
            && let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(log)
        {
            let _ = writeln!(f, "{}", cmd.line());
        }
    };
    // A step that is an API call (the security group): sent by the tool, no process.
    if cmd.program == super::net::security_group::API {
        log();
        return super::net::security_group::run(cmd, &told.ecs);
    }
    let Some(program) = crate::host::command::find(&cmd.program) else {
        return if cmd.optional { Ran::NotInstalled } else { Ran::Failed(format!("{} is not installed", cmd.program)) };
    };
    log();
    let args: Vec<&str> = cmd.args.iter().map(String::as_str).collect();
    let limit = cmd.limit_s.map(Duration::from_secs).map_or(LIMIT, |l| l.max(LIMIT));
    // A reload or an undo may start a daemon: what the command leaves running stays running.
    let leftovers = crate::host::command::Leftovers::Leave;
    match crate::host::command::run_leaving(&program, &args, limit, Instant::now() + limit, leftovers) {
        Ok(o) if o.code == Some(0) => Ran::Ok,
        Ok(o)
            if cmd
                .ok_line
                .as_deref()
                .is_some_and(|p| o.stdout.lines().chain(o.stderr.lines()).any(|l| l.trim_start().starts_with(p))) =>
        {
            Ran::Ok
        }
        Ok(o) => {
            let said = if o.stderr.trim().is_empty() { o.stdout.trim() } else { o.stderr.trim() };
            let status = match o.code {
                Some(c) => format!("exit status {c}"),
                None => "killed by a signal".into(),
            };
            // One line: the program's lines joined, the last ones kept when it said a lot.
            let said = said.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; ");
            let skip = said.chars().count().saturating_sub(1000);
            let said: String = said.chars().skip(skip).collect();
            Ran::Failed(if said.is_empty() { status } else { format!("{status}: {said}") })
        }
        Err(e) => Ran::Failed(e),
    }
}
