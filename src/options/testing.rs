//! What the options tests of every command share: an environment, a settings file and a parsed
//! command line built from literals (one copy, not one per command).

use super::Env;
use crate::cli::{Cli, Command};
use crate::config::Config;
use std::ffi::OsString;

/// An environment holding exactly these variables.
pub fn env(vars: &[(&str, &str)]) -> Env {
    let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Env::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| OsString::from(v)))
}

/// The settings file with this text, loaded.
pub fn config(toml: &str) -> Config {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, toml).unwrap();
    Config::load(Some(&file)).unwrap_or_else(|e| panic!("{e}"))
}

/// `ecs-doctor <subcommand> <flags...>`, parsed.
pub fn command(subcommand: &str, flags: &[&str]) -> Command {
    use clap::Parser;
    let mut argv = vec!["ecs-doctor", subcommand];
    argv.extend_from_slice(flags);
    match Cli::try_parse_from(argv) {
        Ok(Cli { command: Some(c), .. }) => c,
        other => panic!("{subcommand} {flags:?}: {other:?}"),
    }
}
