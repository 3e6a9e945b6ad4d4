//! `ecs-doctor completions <SHELL>`: the completion script of one shell.

use crate::cli::CompletionsArgs;
use crate::exit::ExitStatus;
use std::io::Write;

pub fn run(args: &CompletionsArgs) -> ExitStatus {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&crate::completions::completion(args.shell));
    let _ = out.flush();
    ExitStatus::Ok
}
