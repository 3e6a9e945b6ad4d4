//! What a finished (or running) trace becomes: hop names filled in, the text table, JSON or HTML
//! page, and the exit status (as for `run`: 0 the destination answered without loss, 1 it
//! answered with loss, 2 it never answered).

use super::rdns::Names;
use super::run::TraceError;
use super::{TraceData, html, render_text};
use crate::exit::ExitStatus;
use crate::i18n::{Lang, Msg, trf};

/// The output formats of `ecs-doctor trace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TraceFormat {
    #[default]
    Text,
    Json,
    Html,
}

/// The trace with the reverse DNS names found so far.
pub fn with_names(mut t: TraceData, names: &Names) -> TraceData {
    for h in &mut t.hops {
        h.name = h.address.and_then(|a| names.get(a));
    }
    t
}

pub fn render(t: &TraceData, format: TraceFormat, lang: Lang) -> String {
    match format {
        TraceFormat::Text => render_text::table(t, lang),
        TraceFormat::Json => {
            let mut s = serde_json::to_string_pretty(t).unwrap_or_default();
            s.push('\n');
            s
        }
        TraceFormat::Html => html::page(t, lang),
    }
}

/// The exit status a finished trace maps to.
pub fn status_of(t: &TraceData) -> ExitStatus {
    match t.destination() {
        None => ExitStatus::Critical,
        Some(d) if d.loss_percent > 0.0 => ExitStatus::Warning,
        Some(_) => ExitStatus::Ok,
    }
}

/// A trace error in the language of the command.
pub fn error_text(e: &TraceError, lang: Lang) -> String {
    match e {
        TraceError::NotPermitted => trf(lang, Msg::SkipTraceNotPermitted, &[]),
        TraceError::Failed { message, .. } => message.render(lang),
    }
}
