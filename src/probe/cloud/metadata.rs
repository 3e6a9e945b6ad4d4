//! Whether the instance metadata service answers (token mode first, then plain), and how: one
//! observation whose subject is the service's URL. The fetch itself and its cache live in
//! `host::metadata`; the values it read also fill the report's `host.cloud`.

use crate::host::metadata::Source;
use crate::i18n::Msg;
use crate::probe::Field;
use crate::probe::{Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::text("url", "the metadata service's address"),
    Field::flag("reachable", "1 when the metadata service answered as expected"),
    Field::text("failure", "the failure's code (ETIMEDOUT, HTTP-403, ...), or none"),
    Field::text("detail", "what went wrong, in words"),
    Field::text("mode", "token (IMDSv2-style) or plain mode, or none"),
    Field::num("latency_ms", "ms", "time to the first answer"),
    Field::num("http_status", "", "the HTTP status of the last answer"),
    Field::text("instance_id", "the instance id the service names"),
    Field::num("values_read", "", "metadata values read"),
];

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    if let Source::NotApplicable(why) = ctx.metadata_source() {
        return Err(ProbeError::Skipped(why));
    }
    let Some(md) = ctx.metadata() else {
        return Err(ProbeError::skipped(Msg::SkipNoMetadataService));
    };
    let mut o = Observation::new(md.url.clone())
        .text("url", md.url.clone())
        .flag("reachable", md.failure.is_none())
        .text("failure", md.failure.as_ref().map_or("none", |(f, _)| f.name()))
        .text("mode", md.mode.map_or("none", |m| m.name()))
        .num("values_read", md.values.len() as f64);
    match &md.failure {
        Some((_, why)) => o = o.text("detail", why.clone()),
        None => {
            let mode = md.mode.map_or("", |m| m.name());
            o = o.text("detail", format!("{} answered in {mode} mode", md.url));
        }
    }
    if let Some(ms) = md.latency_ms {
        o = o.num("latency_ms", ms);
    }
    if let Some(s) = md.http_status {
        o = o.num("http_status", s as f64);
    }
    if let Some(id) = md.values.get("instance_id") {
        o = o.text("instance_id", id.clone());
    }
    o.evidence = md.evidence.clone();
    Ok(Observations::of(vec![o]))
}
