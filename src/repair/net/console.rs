//! What the cloud console says about the instance's network identity, for the repairs that take
//! their values from it (`hostname`, `nic`, `route`): read again from the metadata service when
//! planning, never from the report. The service `fix` was told to ask (`--metadata-url`,
//! [`super::super::Told::metadata_url`]) or the detected cloud's own; never under `--root` (the service
//! describes the machine running the tool). Without an answer the repair is refused with the
//! reason: these values are never guessed.

use super::{Skip, Target};
use crate::host::metadata::{self, Network, NicMeta};
use crate::i18n::{R, rtf};
use std::time::{Duration, Instant};

/// The metadata service's view of the network, or why it cannot be had.
pub fn network(t: &Target) -> Result<Network, Skip> {
    let l = t.lang;
    if !t.host.is_live() {
        return Err(Skip::Refused(rtf(l, R::ConsoleNotLive, &[])));
    }
    let explicit = t.told.metadata_url.clone();
    let source = metadata::source(t.host, explicit.as_deref());
    let Some(ep) = source.endpoint() else {
        return Err(Skip::Refused(rtf(l, R::ConsoleNoService, &[("url", "-")])));
    };
    let mut net = metadata::fetch_network(ep, Instant::now() + Duration::from_secs(10));
    net.url = ep.url.clone();
    if net.hostname.is_none() && net.nics.is_empty() && net.primary_mac.is_none() {
        return Err(Skip::Refused(rtf(l, R::ConsoleNoService, &[("url", &ep.url)])));
    }
    Ok(net)
}

/// The console's primary NIC (metadata `mac`), or why not.
pub fn primary<'a>(t: &Target, net: &'a Network) -> Result<&'a NicMeta, Skip> {
    let mac = net.primary_mac.as_deref().map(str::to_ascii_lowercase).unwrap_or_default();
    net.nics
        .iter()
        .find(|n| n.mac.eq_ignore_ascii_case(&mac))
        .ok_or_else(|| Skip::Refused(rtf(t.lang, R::ConsoleNoValue, &[("url", &net.url), ("value", "mac")])))
}

/// The guest's interface with this MAC address (/sys/class/net/*/address).
pub fn iface_of(t: &Target, mac: &str) -> Option<String> {
    t.host.list_dir("/sys/class/net").unwrap_or_default().into_iter().find(|n| {
        n != "lo"
            && t.host.read_line(&format!("/sys/class/net/{n}/address")).is_some_and(|a| a.eq_ignore_ascii_case(mac))
    })
}
