//! Whether the endpoints the server must talk to can be reached (`reach`: TCP, HTTP(S), SNTP)
//! and the path to them (`path_trace`). Both probe the same targets: the user's (`--target`,
//! `[net] targets`), else the cloud's defaults ([`targets_of`]). Parsing and resolving an
//! endpoint is `host::endpoint`'s, shared with the config, `trace` and time sync.

pub mod path_mtu;
pub mod path_trace;
#[allow(
    clippy::module_inception,
    reason = "the file is named by the probe kind (check-file syntax), the folder by the subject"
)]
pub mod reach;

use crate::host::endpoint::{Target, alibaba_defaults};
use crate::i18n::{Msg, Said};
use crate::probe::{ProbeContext, ProbeError};

/// The targets of this run: the user's, else the cloud's defaults. `Err` says why there is
/// nothing to probe.
pub fn targets_of(ctx: &ProbeContext) -> Result<Vec<Target>, ProbeError> {
    if !ctx.host.is_live() {
        return Err(ProbeError::skipped(Msg::SkipReachUnderRoot));
    }
    if !ctx.targets.is_empty() {
        return Ok(ctx.targets.clone());
    }
    // A metadata service to ask means Alibaba Cloud (detected by DMI, or named by the user).
    if ctx.metadata_source().endpoint().is_some() {
        let Some(md) = ctx.metadata() else {
            return Err(ProbeError::skipped(Msg::SkipNoTargetsNoMetadata));
        };
        if let Some((_, why)) = &md.failure {
            return Err(ProbeError::Skipped(Said::new(Msg::SkipNoTargetsMetadataFailed).arg("error", why)));
        }
        return Ok(alibaba_defaults(&md));
    }
    match crate::host::facts::cloud_provider(&ctx.host) {
        crate::host::facts::Provider::None => Err(ProbeError::skipped(Msg::SkipNoTargets)),
        provider => {
            Err(ProbeError::Skipped(Said::new(Msg::SkipNoTargetsForCloud).arg("cloud", provider_name(provider))))
        }
    }
}

fn provider_name(p: crate::host::facts::Provider) -> String {
    serde_json::to_value(p).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| format!("{p:?}"))
}
