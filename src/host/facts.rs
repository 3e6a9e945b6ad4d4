//! Facts about the examined host for the report header: name, OS, kernel, cloud.
//! All read from files under the host root; no network.

use super::Host;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OsInfo {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    pub pretty_name: String,
}

/// The cloud the machine runs on, from DMI (see shared/platform/alibaba-cloud.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Alibaba,
    Aws,
    Azure,
    Gcp,
    Other,
    None,
}

/// The OS identity from os-release (etc/os-release, else usr/lib/os-release).
pub fn os_info(host: &Host) -> OsInfo {
    let file = host
        .read_optional("/etc/os-release")
        .ok()
        .flatten()
        .or_else(|| host.read_optional("/usr/lib/os-release").ok().flatten());
    let mut info = OsInfo { id: "linux".into(), version_id: None, pretty_name: "Linux".into() };
    let Some(file) = file else { return info };
    for line in file.text.lines() {
        let Some((key, value)) = line.split_once('=') else { continue };
        let value = value.trim().trim_matches('"').trim_matches('\'').to_string();
        match key.trim() {
            "ID" if !value.is_empty() => info.id = value,
            "VERSION_ID" if !value.is_empty() => info.version_id = Some(value),
            "PRETTY_NAME" if !value.is_empty() => info.pretty_name = value,
            _ => {}
        }
    }
    info
}

pub fn hostname(host: &Host) -> String {
    host.read_line("/proc/sys/kernel/hostname")
        .or_else(|| host.read_line("/etc/hostname"))
        .or_else(|| host.is_live().then(|| rustix::system::uname().nodename().to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown".into())
}

pub fn kernel(host: &Host) -> String {
    host.read_line("/proc/sys/kernel/osrelease")
        .or_else(|| host.is_live().then(|| rustix::system::uname().release().to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown".into())
}

pub fn arch(host: &Host) -> String {
    if host.is_live() {
        rustix::system::uname().machine().to_string_lossy().into_owned()
    } else {
        std::env::consts::ARCH.to_string()
    }
}

pub fn uptime_s(host: &Host) -> Option<u64> {
    let line = host.read_line("/proc/uptime")?;
    let secs: f64 = line.split_whitespace().next()?.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then_some(secs as u64)
}

/// Which cloud DMI says this is. Only a detected cloud's metadata address may ever be probed.
pub fn cloud_provider(host: &Host) -> Provider {
    let dmi = |name: &str| host.read_line(&format!("/sys/class/dmi/id/{name}")).unwrap_or_default();
    let product = dmi("product_name");
    if product == "Alibaba Cloud ECS" {
        return Provider::Alibaba;
    }
    if product == "Google Compute Engine" || dmi("product_serial").starts_with("GoogleCloud-") {
        return Provider::Gcp;
    }
    if dmi("chassis_asset_tag") == "7783-7084-3265-9085-8269-3286-77" {
        return Provider::Azure;
    }
    let uuid = dmi("product_uuid").to_ascii_uppercase();
    let hv = host.read_line("/sys/hypervisor/uuid").unwrap_or_default().to_ascii_lowercase();
    if uuid.starts_with("EC2") || hv.starts_with("ec2") {
        return Provider::Aws;
    }
    Provider::None
}

/// Whether the host has a global IPv6 address (/proc/net/if_inet6: scope 00, not link-local):
/// clients may then reach it over IPv6, and what drops IPv6 matters.
pub fn has_global_ipv6(host: &Host) -> bool {
    host.read("/proc/net/if_inet6")
        .is_ok_and(|f| f.text.lines().any(|l| l.split_whitespace().nth(3) == Some("00") && !l.starts_with("fe80")))
}

/// Whether this run can read what only root can read (on the live system: effective uid 0).
pub fn privileged(host: &Host) -> bool {
    rustix::process::geteuid().is_root() || std::fs::File::open(host.path("/etc/shadow")).is_ok()
}
