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
pub mod port_firewall;

use crate::host::firewall::{Family, Iptables, NFT_JSON, Nft, Verdict, parse_iptables, read_nft_listing};
use crate::i18n::{Msg, Said};
use crate::probe::{ProbeContext, ProbeError};
use std::time::Duration;

const LISTING_TIMEOUT: Duration = Duration::from_secs(3);

/// The host firewall's listings as every walking probe reads them (each program run once per
/// run, shared): `iptables-save`, `ip6tables-save`, `nft -j list ruleset`. What could not be
/// listed is in `notes`, for the evidence.
#[derive(Default)]
pub struct Listings {
    pub ipt4: Option<Iptables>,
    pub ipt6: Option<Iptables>,
    pub nft: Option<Nft>,
    pub notes: Vec<String>,
}

impl Listings {
    /// Runs (once per run) and parses the listings. `v6`: also `ip6tables-save`.
    pub fn read(ctx: &ProbeContext, v6: bool) -> Listings {
        let mut l = Listings::default();
        let programs: &[&str] = if v6 { &["iptables-save", "ip6tables-save"] } else { &["iptables-save"] };
        for program in programs {
            let Some(listed) = ctx.run_once(program, &[], LISTING_TIMEOUT) else { continue };
            let parsed = match listed {
                Ok(o) if o.code == Some(0) => Some(parse_iptables(&o.stdout)),
                Ok(o) => {
                    l.notes.push(format!("{program}: exit {:?}: {}", o.code, o.stderr.lines().next().unwrap_or("")));
                    None
                }
                Err(e) => {
                    l.notes.push(format!("{program}: {e}"));
                    None
                }
            };
            if *program == "iptables-save" {
                l.ipt4 = parsed;
            } else {
                l.ipt6 = parsed;
            }
        }
        if let Some(listed) = ctx.run_once("nft", NFT_JSON, LISTING_TIMEOUT) {
            match listed.and_then(|o| read_nft_listing(o.code, &o.stdout, &o.stderr)) {
                Ok(n) => l.nft = n,
                Err(e) => l.notes.push(format!("nft -j list ruleset: {e}")),
            }
        }
        l
    }

    /// The live system's listings (IPv4 and IPv6), for a probe that walks them: skipped under
    /// `--root` (the rules live in the running kernel), without root, or when nothing could be
    /// listed (with why).
    pub fn live(ctx: &ProbeContext) -> Result<Listings, ProbeError> {
        if !ctx.host.is_live() {
            return Err(ProbeError::skipped(Msg::SkipFirewallUnderRoot));
        }
        if !ctx.privileged {
            return Err(ProbeError::skipped(Msg::SkipFirewallNeedsRoot));
        }
        let fw = Listings::read(ctx, true);
        if !fw.any() {
            let why = if fw.notes.is_empty() {
                "neither iptables-save nor nft is installed".to_string()
            } else {
                fw.notes.join("; ")
            };
            return Err(ProbeError::Skipped(Said::new(Msg::SkipFirewallUnlisted).arg("error", why)));
        }
        Ok(fw)
    }

    /// Whether anything could be listed.
    pub fn any(&self) -> bool {
        self.ipt4.is_some() || self.ipt6.is_some() || self.nft.is_some()
    }

    /// `iptables, nftables`: what was listed.
    pub fn names(&self) -> String {
        [self.ipt4.as_ref().or(self.ipt6.as_ref()).map(|_| "iptables"), self.nft.as_ref().map(|_| "nftables")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The verdicts of every listing of `family` for a new TCP connection to `port`, iptables
    /// first (both see the packet: a drop in either keeps it out).
    pub fn verdicts(&self, port: u16, family: Family) -> Vec<Verdict> {
        let ipt = match family {
            Family::V4 => self.ipt4.as_ref(),
            Family::V6 => self.ipt6.as_ref(),
        };
        ipt.map(|t| t.tcp_verdict_for(port, family))
            .into_iter()
            .chain(self.nft.as_ref().map(|n| n.tcp_verdict_for(port, family)))
            .collect()
    }

    /// The first block among [`Listings::verdicts`]: a rule before a policy.
    pub fn block(&self, port: u16, family: Family) -> Option<Verdict> {
        let v = self.verdicts(port, family);
        v.iter()
            .find(|v| matches!(v, Verdict::Rule(_)))
            .or_else(|| v.iter().find(|v| matches!(v, Verdict::Policy(_))))
            .cloned()
    }
}
