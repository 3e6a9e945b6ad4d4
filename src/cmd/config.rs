//! `ecs-doctor config example`: a commented settings file that sets every key.

use crate::cli::{ConfigAction, ConfigArgs};
use crate::exit::ExitStatus;

pub fn run(args: &ConfigArgs) -> ExitStatus {
    match args.action {
        ConfigAction::Example => super::print(crate::config::EXAMPLE),
    }
    ExitStatus::Ok
}
