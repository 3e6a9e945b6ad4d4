//! The host firewall as the running kernel holds it: whether it filters incoming traffic
//! (`firewall`) and whether it lets a new SSH connection in (`firewall_ssh`). Both read the same
//! listings (`iptables-save`, `nft -j list ruleset`), run once per run and parsed once into
//! `host::firewall`'s model; each probe takes the view it needs (counts, or a walk for a port).

#[allow(
    clippy::module_inception,
    reason = "the file is named by the probe kind (check-file syntax), the folder by the subject"
)]
pub mod firewall;
pub mod firewall_ssh;
