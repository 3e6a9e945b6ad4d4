//! `ecs-doctor ticket`: a support ticket that follows the problem-description template, filled
//! from a report, redacted, previewed and filed without loss.
//!
//! - `model`: the ticket's fields, tags and suggested severity; `render`: Markdown and JSON.
//! - `when`: "when did it start" as typed; `ask`: the questions on a terminal.
//! - `bundle`: the .tar.gz attachment; `store`: spool, ledger and the idempotency key.
//! - `http`: one client, errors sorted into "not sent", "maybe sent" and "rejected", retries.
//! - `sign` and `creds`: Alibaba Cloud's signature and credentials.
//! - `file`, `aliyun`, `webhook`: one file per filing backend.
//! - `filing`: the settings a ticket is filed with, sending, the spool flush, the preview and the
//!   status query. The command itself (questions, report, confirmation) is `cmd::ticket`.

pub mod aliyun;
pub mod ask;
pub mod bundle;
pub mod config;
pub mod creds;
pub mod file;
pub mod filing;
pub mod http;
pub mod model;
pub mod render;
pub mod sign;
pub mod store;
pub mod webhook;
pub mod when;
