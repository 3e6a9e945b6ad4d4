//! From the process to a finished command: parse the command line, read the environment once,
//! hand both to the subcommand's `cmd::<name>::run` (which resolves its options and does the
//! work), and map the outcome to the exit status. Nothing else lives here.

use crate::cli::{Cli, Command};
use crate::cmd;
use crate::exit::{ExitStatus, Failure};
use crate::options::Env;
use clap::Parser;

pub fn main() -> i32 {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == crate::host::statfs::HELPER_ARG) {
        return crate::host::statfs::serve(&args[2..]);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitStatus::Usage.code() } else { ExitStatus::Ok.code() };
        }
    };
    let argv: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
    exit_code(dispatch(cli.command, cli.run, argv, &Env::read()))
}

/// Runs one subcommand (`run` when none is named).
pub fn dispatch(
    command: Option<Command>,
    run: crate::cli::RunArgs,
    argv: Vec<String>,
    env: &Env,
) -> Result<ExitStatus, Failure> {
    match command {
        None => cmd::run::run(&run, argv, env),
        Some(Command::Run(r)) => cmd::run::run(&r, argv, env),
        Some(Command::List(l)) => cmd::list::run(&l, env),
        Some(Command::Explain(e)) => cmd::explain::run(&e, env),
        Some(Command::Report(r)) => cmd::report::run(&r, env),
        Some(Command::Fleet(f)) => cmd::fleet::run(&f, env),
        Some(Command::History(h)) => cmd::history::run(&h, env),
        Some(Command::Diff(d)) => cmd::diff::run(&d, env),
        Some(Command::Config(c)) => Ok(cmd::config::run(&c)),
        Some(Command::Ticket(t)) => cmd::ticket::run(&t, argv, env),
        Some(Command::Trace(t)) => cmd::trace::run(&t, env),
        Some(Command::Why(w)) => cmd::why::run(&w, argv, env),
        Some(Command::Completions(c)) => Ok(cmd::completions::run(&c)),
    }
}

/// The process's exit code; a failure is said on stderr first.
fn exit_code(outcome: Result<ExitStatus, Failure>) -> i32 {
    match outcome {
        Ok(s) => s.code(),
        Err(f) => {
            // A failure may quote a file name, a desk's or an API's answer: inert on the terminal.
            eprintln!("ecs-doctor: {}", crate::fmt::inert_lines(f.message()));
            f.status().code()
        }
    }
}
