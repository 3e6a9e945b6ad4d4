//! ecs-doctor: one-command health diagnosis for cloud Linux servers.
//!
//! Layout (see README, "Design"): `cli` mirrors the flags, `app` validates them into a
//! [`app::RunOptions`] the core uses; `catalog` loads declarative check files; `probe` observes
//! the host through `host`; `engine` runs checks under deadlines and judges the observations;
//! `report` holds the v1 model and its renderers.

pub mod app;
pub mod catalog;
pub mod cli;
pub mod cloud;
pub mod completions;
pub mod config;
pub mod engine;
pub mod exit;
pub mod fleet;
pub mod fmt;
pub mod history;
pub mod host;
pub mod i18n;
pub mod probe;
pub mod redact;
pub mod report;
pub mod ticket;
pub mod trace;
