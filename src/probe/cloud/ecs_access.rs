//! Whether a check may ask the ECS API, and with what: the one gate every check that calls the
//! API goes through (`net.security-group.inbound`, and `disk.io.throttle` for the disk's
//! category), so that none of them ever sends a request the others would not. No request unless
//! the cloud was detected (DMI, or a metadata service the user named), the run is not
//! `--offline`, the metadata service says which instance and region this is, and credentials
//! exist (the config, the environment, or the instance's RAM role from the metadata service).
//! `--ecs-endpoint`, `ECS_DOCTOR_ECS_ENDPOINT` or `[net] ecs_endpoint` name the API (a stand-in
//! in the tests); else the region's VPC endpoint, then its public one.

use crate::cloud::{creds, ecs, http::SendError};
use crate::i18n::Said;
use crate::probe::ProbeContext;
use std::time::Duration;

/// What a call needs: the instance, its region, the credentials, a client and the endpoints to
/// try in order.
pub struct Access {
    pub instance: String,
    pub region: String,
    pub creds: creds::Source,
    pub client: reqwest::blocking::Client,
    pub endpoints: Vec<String>,
}

/// Why the API may not or cannot be asked.
#[derive(Debug, Clone)]
pub enum Denied {
    /// `--offline`, or no metadata address to ask.
    Offline,
    /// Not an Alibaba Cloud instance (or examined under `--root`), and why.
    NotCloud(Said),
    /// No credentials, and why the chain found none (redacted).
    NoCredentials(String),
    /// The metadata service did not say which instance this is: an errno-style code and what
    /// went wrong.
    Metadata { code: &'static str, error: String },
    /// The credentials could not be fetched, or no client could be made.
    Api { code: &'static str, error: String },
}

/// The credentials the chain finds (config, environment, RAM role from the metadata service at
/// `metadata_url`), as `creds` resolves them for the ticket backend.
pub fn credentials(c: &crate::probe::CloudCredentials, metadata_url: &str) -> Result<creds::Source, String> {
    creds::Source::resolve(&creds::Inputs {
        config_id: c.key_id.as_deref(),
        config_secret: c.key_secret.as_deref(),
        config_token: c.token.as_deref(),
        metadata_url: Some(&format!("{}/latest/meta-data/", metadata_url.trim_end_matches('/'))),
        on_alibaba: true,
    })
}

/// The gate: everything a call needs, or why there is none. Asking for the credentials here
/// (the RAM role's come from the metadata service) tells "no RAM role attached" apart from a
/// metadata service that stopped answering.
pub fn access(ctx: &ProbeContext) -> Result<Access, Denied> {
    if ctx.net.offline {
        return Err(Denied::Offline);
    }
    let endpoint = match ctx.metadata_source() {
        crate::host::metadata::Source::NotApplicable(why) => return Err(Denied::NotCloud(why)),
        s => s.endpoint().cloned(),
    };
    let Some(endpoint) = endpoint else { return Err(Denied::Offline) };
    let Some(md) = ctx.metadata() else {
        return Err(Denied::Metadata { code: "ENODATA", error: endpoint.url.clone() });
    };
    if let Some((failure, why)) = &md.failure {
        let code = match failure {
            crate::host::metadata::Failure::Timeout => "ETIMEDOUT",
            crate::host::metadata::Failure::Refused => "ECONNREFUSED",
            crate::host::metadata::Failure::Unreachable => "ENETUNREACH",
            _ => "EIO",
        };
        return Err(Denied::Metadata { code, error: why.clone() });
    }
    let (Some(instance), Some(region)) = (md.values.get("instance_id"), md.values.get("region_id")) else {
        return Err(Denied::Metadata { code: "ENODATA", error: format!("{}: no instance-id or region-id", md.url) });
    };
    let mut creds = credentials(&ctx.net.cloud_credentials, &endpoint.url).map_err(Denied::NoCredentials)?;
    match creds.get() {
        Ok(_) => {}
        Err(SendError::Rejected(why)) => return Err(Denied::NoCredentials(why)),
        Err(e) => {
            return Err(Denied::Api { code: "ETIMEDOUT", error: crate::redact::redact(e.message()) });
        }
    }
    let client =
        crate::cloud::http::client(Duration::from_secs(5)).map_err(|e| Denied::Api { code: "EIO", error: e })?;
    let endpoints = match &ctx.net.ecs_endpoint {
        Some(e) => vec![ecs::normalize_endpoint(e)],
        None => ecs::default_endpoints(region),
    };
    Ok(Access { instance: instance.clone(), region: region.clone(), creds, client, endpoints })
}
