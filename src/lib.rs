//! ecs-doctor: one-command health diagnosis for cloud Linux servers.
//!
//! Layout (see README, "Design"): `cli` mirrors the flags; `options` validates them, with the
//! environment and the settings file, into the options a command uses (such as
//! [`options::RunOptions`]); `cmd` holds one file per subcommand and `app` only dispatches to
//! them; `catalog` loads declarative check files; `probe` observes the host through `host`;
//! `engine` runs checks under deadlines and judges the observations; `report` holds the v1 model
//! and its renderers.

pub mod app;
pub mod catalog;
pub mod cli;
pub mod cloud;
pub mod cmd;
pub mod completions;
pub mod config;
pub mod engine;
pub mod exit;
pub mod fleet;
pub mod fmt;
pub mod glob;
pub mod history;
pub mod host;
pub mod i18n;
pub mod options;
pub mod probe;
pub mod redact;
pub mod repair;
pub mod report;
pub mod ticket;
pub mod trace;
