//! `ecs-doctor ticket`: a support ticket that follows the problem-description template, filled
//! from a report, redacted, previewed and filed without loss.
//!
//! - `model`: the ticket's fields, tags and suggested severity; `render`: Markdown and JSON.
//! - `when`: "when did it start" as typed; `ask`: the questions on a terminal.
//! - `bundle`: the .tar.gz attachment; `store`: spool, ledger and the idempotency key.
//! - `sign`, `creds` and `http` (from `crate::cloud`): Alibaba Cloud's signature, credentials and
//!   the HTTP client.
//! - `file`, `aliyun`, `webhook`: one file per filing backend.
//! - `filing`: the settings a ticket is filed with, sending, the spool flush, the preview and the
//!   status query. The command itself (questions, report, confirmation) is `cmd::ticket`.

// The signature, credentials and HTTP client live in `crate::cloud`, shared with the checks.
pub use crate::cloud::{creds, http, sign};

pub mod aliyun;
pub mod ask;
pub mod bundle;
pub mod config;
pub mod file;
pub mod filing;
pub mod model;
pub mod render;
pub mod store;
pub mod webhook;
pub mod when;
