//! What the cloud platform says about this instance: the instance metadata service (fetched
//! once per run by `host::metadata`; its values also fill the report's `host.cloud`).

pub mod metadata;
