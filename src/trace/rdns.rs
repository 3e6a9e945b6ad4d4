//! Reverse DNS names of hop addresses for `ecs-doctor trace`, looked up in the background so a
//! slow or dead resolver never delays the table. Uses the nameservers of /etc/resolv.conf, one
//! attempt and a 1 s timeout per query; an address without a name simply shows without one.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Per-query timeout: a trace round is 1 s, so a name arrives by the next redraw or never.
const QUERY_TIMEOUT: Duration = Duration::from_secs(1);

/// Per address: `None` while the lookup runs, then the name found (or `None`).
type Found = Arc<Mutex<BTreeMap<IpAddr, Option<Option<String>>>>>;

/// Names found so far, and a queue of addresses to look up.
#[derive(Clone)]
pub struct Names {
    found: Found,
    queue: Option<Sender<IpAddr>>,
}

/// The nameservers of a resolv.conf text (at most three, as the libc resolver uses).
pub fn nameservers(resolv_conf: &str) -> Vec<IpAddr> {
    resolv_conf
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            (f.next() == Some("nameserver")).then(|| f.next()).flatten()
        })
        .filter_map(|a| a.split('%').next().and_then(|a| a.parse().ok()))
        .take(3)
        .collect()
}

/// The PTR query name of an address (`4.3.2.1.in-addr.arpa.`).
pub fn ptr_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            format!("{}.{}.{}.{}.in-addr.arpa.", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(a) => {
            let mut s = String::new();
            for b in a.octets().iter().rev() {
                s.push_str(&format!("{:x}.{:x}.", b & 0xf, b >> 4));
            }
            s + "ip6.arpa."
        }
    }
}

impl Names {
    /// No lookups at all (`--no-dns`).
    pub fn disabled() -> Names {
        Names { found: Arc::default(), queue: None }
    }

    /// Starts the background resolver; without nameservers or a runtime it looks nothing up.
    pub fn start() -> Names {
        let servers = std::fs::read_to_string("/etc/resolv.conf").map(|t| nameservers(&t)).unwrap_or_default();
        if servers.is_empty() {
            return Names::disabled();
        }
        let found: Found = Arc::default();
        let (tx, rx) = mpsc::channel();
        let f = found.clone();
        let spawned = std::thread::Builder::new().name("rdns".into()).spawn(move || serve(servers, rx, f));
        match spawned {
            Ok(_) => Names { found, queue: Some(tx) },
            Err(_) => Names::disabled(),
        }
    }

    /// Asks for the name of `ip` (once); returns it when already known.
    pub fn get(&self, ip: IpAddr) -> Option<String> {
        let mut found = self.found.lock().unwrap_or_else(|p| p.into_inner());
        match found.get(&ip) {
            Some(name) => name.clone().flatten(),
            None => {
                if let Some(q) = &self.queue {
                    // A resolver thread that is gone answers "no name" at once.
                    let queued = q.send(ip).is_ok();
                    found.insert(ip, if queued { None } else { Some(None) });
                }
                None
            }
        }
    }

    /// Waits until every lookup asked for has an answer, or `until`.
    pub fn settle(&self, until: std::time::Instant) {
        while std::time::Instant::now() < until {
            let pending = self.found.lock().unwrap_or_else(|p| p.into_inner()).values().any(Option::is_none);
            if !pending {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The host name a reverse lookup's answer gives: its first PTR record, without the final dot.
pub fn ptr_of(answers: &[hickory_resolver::proto::rr::Record]) -> Option<String> {
    answers.iter().find_map(|r| match &r.data {
        hickory_resolver::proto::rr::RData::PTR(p) => Some(p.to_string().trim_end_matches('.').to_string()),
        _ => None,
    })
}

fn serve(servers: Vec<IpAddr>, rx: Receiver<IpAddr>, found: Found) {
    use hickory_resolver::Resolver;
    use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
    use hickory_resolver::net::runtime::TokioRuntimeProvider;
    let give_up = |found: &Found| {
        // Nothing can be looked up: answer every pending address with "no name".
        for v in found.lock().unwrap_or_else(|p| p.into_inner()).values_mut() {
            v.get_or_insert(None);
        }
    };
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        give_up(&found);
        return;
    };
    let config = ResolverConfig::from_name_servers(servers.into_iter().map(NameServerConfig::udp_and_tcp).collect());
    let mut opts = ResolverOpts::default();
    opts.timeout = QUERY_TIMEOUT;
    opts.attempts = 0;
    let resolver = rt.block_on(async {
        Resolver::builder_with_config(config, TokioRuntimeProvider::default()).with_options(opts).build()
    });
    let Ok(resolver) = resolver else {
        give_up(&found);
        return;
    };
    while let Ok(ip) = rx.recv() {
        let name = rt.block_on(async {
            let q = resolver.reverse_lookup(ptr_name(ip));
            match tokio::time::timeout(QUERY_TIMEOUT + Duration::from_millis(200), q).await {
                Ok(Ok(lookup)) => ptr_of(lookup.answers()),
                _ => None,
            }
        });
        found.lock().unwrap_or_else(|p| p.into_inner()).insert(ip, Some(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ptr_names_and_nameservers() {
        assert_eq!(ptr_name("10.0.1.2".parse().unwrap()), "2.1.0.10.in-addr.arpa.");
        assert!(ptr_name("2001:db8::1".parse().unwrap()).starts_with("1.0.0.0."));
        assert!(ptr_name("2001:db8::1".parse().unwrap()).ends_with("8.b.d.0.1.0.0.2.ip6.arpa."));
        let ns = nameservers(
            "# x\nnameserver 10.0.0.1\nnameserver fe80::1%eth0\nnameserver bad\nnameserver 1.1.1.1\nnameserver 8.8.8.8\n",
        );
        assert_eq!(ns.len(), 3);
        assert_eq!(ns[1], "fe80::1".parse::<IpAddr>().unwrap());
        assert!(Names::disabled().get("10.0.0.1".parse().unwrap()).is_none());
    }
}
