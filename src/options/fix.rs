//! The options of `fix`: those of `run` (the diagnosis the plan comes from, and its output
//! options), what to do (plan, apply, undo, list), and where the repair records live.

use super::{Env, OptionsError, RunOptions, layer};
use crate::cli::FixArgs;
use crate::config::Config;
use crate::report::Format;
use std::path::PathBuf;

/// What the user asked `fix` to do.
#[derive(Debug, Clone, PartialEq)]
pub enum FixTask {
    /// Print the plan; change nothing.
    Plan,
    /// `--apply [ID...]`: these repairs of the plan (none named: the first of each finding).
    Apply { ids: Vec<String>, yes: bool },
    /// `--undo [ID]`: this record (none: the latest applied one).
    Undo(Option<String>),
    /// `--list`.
    List,
}

/// Everything `cmd::fix` needs, checked.
#[derive(Debug, Clone)]
pub struct FixOptions {
    /// The diagnosis and its output. A plan saves nothing; an apply saves the report with its
    /// repairs (unless `--no-save`), so `ticket` and `report` show them.
    pub run: RunOptions,
    pub task: FixTask,
    /// `--from`: plan from this report.
    pub from: Option<PathBuf>,
    /// Where the repair records are, as a path of the examined system: ECS_DOCTOR_REPAIR_DIR,
    /// else /var/lib/ecs-doctor/repairs (inside `--root` when given).
    pub repair_dir: PathBuf,
    /// `--client ADDR`: where the customer connects from (the security group's repair).
    pub client: Option<std::net::IpAddr>,
    /// Test seams (see [`Env`]).
    pub crash_at: Option<String>,
    pub spawn_log: Option<PathBuf>,
}

impl FixOptions {
    pub fn resolve(args: &FixArgs, config: &Config, env: &Env) -> Result<FixOptions, OptionsError> {
        let mut run = RunOptions::resolve(&args.run, config, env)?;
        let task = match (&args.apply, &args.undo, args.list) {
            (Some(ids), _, _) => FixTask::Apply { ids: ids.clone(), yes: args.yes },
            (None, Some(id), _) => FixTask::Undo(id.clone()),
            (None, None, true) => FixTask::List,
            (None, None, false) => FixTask::Plan,
        };
        if !matches!(task, FixTask::Apply { .. }) {
            // Only an apply leaves a report behind: a plan changes nothing, not even the history.
            run.save = false;
        }
        run.format = layer(args.run.format, None, None, || Format::Text);
        if let Some(c) = args.client {
            run.net.access.from = Some(c);
        }
        Ok(FixOptions {
            run,
            task,
            from: args.from.clone(),
            repair_dir: layer(None, env.repair_dir.clone(), None, || PathBuf::from(crate::repair::store::DEFAULT_DIR)),
            client: args.client,
            crash_at: env.test_crash_at.clone(),
            spawn_log: env.test_spawn_log.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::testing::{command, config, env};

    fn resolve(flags: &[&str], vars: &[(&str, &str)]) -> FixOptions {
        let args = match command("fix", flags) {
            crate::cli::Command::Fix(f) => f,
            other => panic!("{other:?}"),
        };
        FixOptions::resolve(&args, &config(""), &env(vars)).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Each setting with every source it has.
    #[test]
    fn every_setting_follows_flag_env_default() {
        type Row = (&'static str, &'static [&'static str], &'static [(&'static str, &'static str)], &'static str);
        type Get = fn(&FixOptions) -> String;
        let rows: &[(Row, Get)] = &[
            (("repair dir: env", &[], &[("ECS_DOCTOR_REPAIR_DIR", "/r")], "/r"), |o| {
                o.repair_dir.display().to_string()
            }),
            (("repair dir: default", &[], &[], "/var/lib/ecs-doctor/repairs"), |o| o.repair_dir.display().to_string()),
            (("task: plan", &[], &[], "Plan"), |o| format!("{:?}", o.task)),
            (("task: apply all", &["--apply"], &[], "Apply { ids: [], yes: false }"), |o| format!("{:?}", o.task)),
            (
                ("task: apply named", &["--apply", "a", "b", "--yes"], &[], "Apply { ids: [\"a\", \"b\"], yes: true }"),
                |o| format!("{:?}", o.task),
            ),
            (("task: undo latest", &["--undo"], &[], "Undo(None)"), |o| format!("{:?}", o.task)),
            (("task: undo one", &["--undo", "x"], &[], "Undo(Some(\"x\"))"), |o| format!("{:?}", o.task)),
            (("task: list", &["--list"], &[], "List"), |o| format!("{:?}", o.task)),
            (("a plan saves nothing", &[], &[], "false"), |o| o.run.save.to_string()),
            (("an apply saves its report", &["--apply", "--yes"], &[], "true"), |o| o.run.save.to_string()),
            (("--no-save wins", &["--apply", "--yes", "--no-save"], &[], "false"), |o| o.run.save.to_string()),
            (("format: flag", &["--format", "json"], &[], "Json"), |o| format!("{:?}", o.run.format)),
            (("format: default", &[], &[], "Text"), |o| format!("{:?}", o.run.format)),
            (("client: flag, judged by the diagnosis", &["--client", "203.0.113.7"], &[], "Some(203.0.113.7)"), |o| {
                format!("{:?}", o.run.net.access.from)
            }),
            (("client: none", &[], &[], "None"), |o| format!("{:?}", o.client)),
            (("crash seam", &[], &[("ECS_DOCTOR_TEST_CRASH_AT", "after-backup")], "Some(\"after-backup\")"), |o| {
                format!("{:?}", o.crash_at)
            }),
        ];
        for ((name, flags, vars, want), get) in rows {
            assert_eq!(get(&resolve(flags, vars)), *want, "{name}");
        }
    }

    #[test]
    fn conflicting_tasks_and_yes_without_apply_are_refused_by_the_parser() {
        use clap::Parser;
        for argv in [
            &["ecs-doctor", "fix", "--apply", "--undo"][..],
            &["ecs-doctor", "fix", "--list", "--undo"],
            &["ecs-doctor", "fix", "--yes"],
            &["ecs-doctor", "fix", "--undo", "--from", "r.json"],
        ] {
            assert!(crate::cli::Cli::try_parse_from(argv).is_err(), "{argv:?}");
        }
    }
}
