//! The service ports the customer named (`run --port PORT`, `ports` under `[access]` in the
//! config, `why port PORT`): for each, whether something listens, on which addresses, and which
//! process. A port nobody listens on, or one served on loopback only (127.0.0.1, ::1: the usual
//! default of a development server or a database), cannot be reached from outside whatever the
//! firewall and security group say.
//!
//! Reads the shared socket scan of this network namespace; opens no socket itself. The sockets
//! belong to the running system: under `--root` without socket tables (a rescued disk) the
//! probe says so and is skipped.

use crate::host::sockets::Socket;
use crate::i18n::{Msg, Said};
use crate::probe::processes::listeners::owners_label;
use crate::probe::ssh::sshd_service::{is_loopback, tcp_listeners};
use crate::probe::{Field, Observation, Observations, ProbeContext, ProbeError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub const FIELDS: &[Field] = &[
    Field::num("port", "", "the named TCP port"),
    Field::num("listening", "", "TCP sockets listening on it"),
    Field::flag("not_listening", "1 when nothing listens on it"),
    Field::flag("loopback_only", "1 when it listens on loopback addresses only"),
    Field::text("addresses", "the addresses it listens on, or none"),
    Field::text("process", "the processes that own the sockets"),
    Field::num("pid", "", "the first of those processes"),
    Field::text("ports", "every named port (on the first subject)"),
];

pub fn observe(_params: &Params, ctx: &ProbeContext) -> Result<Observations, ProbeError> {
    let ports = &ctx.net.access.ports;
    if ports.is_empty() {
        return Err(ProbeError::skipped(Msg::SkipNoServicePorts));
    }
    let table = match ctx.sockets() {
        Ok(t) => t,
        Err(_) if !ctx.host.is_live() => return Err(ProbeError::skipped(Msg::SkipSshdListenUnderRoot)),
        Err(e) => return Err(e),
    };
    let mut items = Vec::new();
    for &port in ports {
        let listeners: Vec<&Socket> = tcp_listeners(&table.sockets, port);
        let reachable = listeners.iter().filter(|s| !is_loopback(&s.local)).count();
        let inodes: Vec<u64> = listeners.iter().map(|s| s.inode).collect();
        let mut o = Observation::new(format!("tcp/{port}"))
            .num("port", port as f64)
            .num("listening", listeners.len() as f64)
            .flag("not_listening", listeners.is_empty())
            .flag("loopback_only", !listeners.is_empty() && reachable == 0);
        o = if listeners.is_empty() {
            o.word("addresses", Said::new(Msg::ValNone)).word("process", Said::new(Msg::ValNone))
        } else {
            let (process, pid) = owners_label(ctx, &table, &inodes);
            if let Some(pid) = pid {
                o = o.num("pid", pid as f64);
            }
            let mut addresses: Vec<String> = listeners.iter().map(|s| s.local_label()).collect();
            addresses.dedup();
            o.text("addresses", addresses.join(", ")).word("process", process)
        };
        for s in &listeners {
            let owners: Vec<String> = table.owners_of(s.inode).iter().map(|p| format!("pid {p}")).collect();
            o = o.evidence(format!(
                "{}: {} listening{}",
                if s.local.is_ipv6() { "/proc/net/tcp6" } else { "/proc/net/tcp" },
                s.local_label(),
                if owners.is_empty() { String::new() } else { format!(", held by {}", owners.join(", ")) }
            ));
        }
        if listeners.is_empty() {
            o = o.evidence(format!("/proc/net/tcp, /proc/net/tcp6: no TCP socket listens on port {port}"));
        }
        items.push(o);
    }
    let named: Vec<String> = ports.iter().map(|p| format!("tcp/{p}")).collect();
    if let Some(first) = items.first_mut() {
        first.values.insert("ports".into(), crate::probe::Value::Text(named.join(", ")));
    }
    Ok(Observations::of(items))
}
