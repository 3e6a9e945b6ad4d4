//! `action.link`: the live state of a network interface (`net.nic.qdisc`, `net.link.state`).
//!
//! - `edit = "qdisc"`: removes a leftover root qdisc the finding names (a netem that delays and
//!   drops, a tbf that caps the rate): `tc qdisc del dev DEV root`, undone by adding the same
//!   qdisc back with the handle and parameters `tc qdisc show` printed for it (in the finding's
//!   evidence). Refused for a classful shaper (htb, hfsc, cbq: its classes and filters cannot be
//!   put back from that line), a non-default qdisc below another one, and under `--root`.
//! - `edit = "up"`: switches on an interface that is switched off: `ip link set dev DEV up`,
//!   undone with `ip link set dev DEV down`. The distribution's interface configuration is not
//!   changed (the plan says so): the next boot brings the interface up as configured.
//! - `edit = "mtu"`: gives an interface whose MTU is below 1280 (`net.link.state` MTU-LOW)
//!   Ethernet's 1500 back: `ip link set dev DEV mtu 1500`, undone with the MTU it had, and in
//!   the distribution's configuration where it configures the interface (the same ifupdown
//!   `mtu` / ifcfg `MTU=` edit as `action.mtu`). Why 1500 and not another size: the console
//!   does not publish an MTU (the metadata service has none), and 1500 is what every ECS NIC
//!   (virtio-net, ERI) and vSwitch carries by default, the size the interface had before
//!   something lowered it; jumbo frames (8500) are an opt-in the guest keeps. 1500 is not
//!   taken on trust, though: the driver refuses an MTU above its maximum (`ip link set` fails
//!   and the repair rolls back), and after the change the peer the interface's traffic goes to
//!   (the default gateway on it, else a resolved neighbour) must answer full-size 1500-byte
//!   don't-fragment echo requests (`ping -M do -s 1472`), or the repair rolls back: a link
//!   whose other end really carries less keeps its MTU. No peer to ask: refused.

use super::{Action, Change, Command, Live, Skip, Target};
use crate::host::tc::{self, Qdisc};
use crate::i18n::{R, rtf};

edit_params! {
    Qdisc,
    Up,
    Mtu,
}

/// The MTU `edit = "mtu"` sets: Ethernet's, ECS's default (see the module's comment).
pub const ETHERNET_MTU: u16 = 1500;
/// Below this the interface is judged too small (IPv6's minimum link MTU).
const IPV6_MIN_MTU: u16 = 1280;

/// Qdiscs that a `tc qdisc show` line describes whole (no classes, no filters below).
const CLASSLESS: &[&str] = &["netem", "tbf", "sfq", "red", "choke", "codel", "pie", "cake", "fq_pie", "sfb", "gred"];
/// The qdiscs a kernel or distribution sets by itself (as net.nic.qdisc judges them).
const DEFAULTS: &[&str] =
    &["noqueue", "pfifo_fast", "fq_codel", "fq", "mq", "mqprio", "pfifo", "bfifo", "ingress", "clsact"];

/// An interface name as the kernel allows it (no spaces, `/` or control characters, < 16 bytes).
pub fn is_ifname(s: &str) -> bool {
    !s.is_empty() && s.len() < 16 && s.chars().all(|c| c.is_ascii_graphic() && c != '/' && c != ':')
}

/// The qdiscs the finding's evidence shows on `dev` (`tc qdisc show: qdisc tbf 8001: dev d0 ...`).
fn shown(evidence: &[String], dev: &str) -> Vec<Qdisc> {
    let text: Vec<&str> = evidence.iter().filter_map(|e| e.strip_prefix("tc qdisc show: ")).collect();
    tc::parse_qdiscs(&text.join("\n")).into_iter().filter(|q| q.dev == dev).collect()
}

fn qdisc(t: &Target, dev: &str) -> Result<Change, Skip> {
    let l = t.lang;
    let odd: Vec<Qdisc> = shown(&t.finding.evidence, dev)
        .into_iter()
        .filter(|q| {
            let default_cake = q.kind == "cake" && tc::param(&q.params, "bandwidth").is_none();
            !(DEFAULTS.contains(&q.kind.as_str()) || default_cake)
        })
        .collect();
    let Some(root) = odd.iter().find(|q| q.parent.is_none()) else {
        return Err(Skip::Refused(rtf(l, R::LinkNoRootQdisc, &[("dev", dev)])));
    };
    if odd.len() > 1 || !CLASSLESS.contains(&root.kind.as_str()) {
        let cmd = format!("tc qdisc del dev {dev} root");
        return Err(Skip::Refused(rtf(l, R::LinkClassful, &[("dev", dev), ("qdisc", &root.kind), ("command", &cmd)])));
    }
    let params: Vec<&str> = root.params.split_whitespace().collect();
    if params.iter().any(|p| p.chars().any(|c| c.is_control())) || !root.handle.ends_with(':') {
        return Err(Skip::Refused(rtf(l, R::NotText, &[("path", &format!("tc qdisc show dev {dev}"))])));
    }
    let mut add = vec!["qdisc", "add", "dev", dev, "root", "handle", root.handle.as_str(), root.kind.as_str()];
    add.extend(params.iter().copied());
    let shown = format!("{} {}", root.kind, root.params).trim().to_string();
    Ok(Change {
        summary: rtf(l, R::LinkDoQdisc, &[("dev", dev), ("qdisc", &shown)]),
        live: vec![Live {
            run: Command::new("tc", &["qdisc", "del", "dev", dev, "root"]),
            undo: Some(Command::new("tc", &add)),
        }],
        ..Change::default()
    })
}

fn up(t: &Target, dev: &str) -> Result<Change, Skip> {
    let flags = t.host.read_line(&format!("/sys/class/net/{dev}/flags"));
    let is_up =
        flags.as_deref().is_some_and(|f| u32::from_str_radix(f.trim_start_matches("0x"), 16).is_ok_and(|f| f & 1 != 0));
    if flags.is_none() {
        return Err(Skip::NotApplicable(rtf(t.lang, R::LinkNoDevice, &[("dev", dev)])));
    }
    if is_up {
        return Err(Skip::NotApplicable(rtf(t.lang, R::LinkAlreadyUp, &[("dev", dev)])));
    }
    Ok(Change {
        summary: rtf(t.lang, R::LinkDoUp, &[("dev", dev)]),
        live: vec![Live {
            run: Command::new("ip", &["link", "set", "dev", dev, "up"]),
            undo: Some(Command::new("ip", &["link", "set", "dev", dev, "down"])),
        }],
        ..Change::default()
    })
}

/// Whom `dev`'s traffic goes to, to prove full-size frames pass: the gateway of a usable route
/// on it (the default route's first), else a resolved neighbour (/proc/net/arp, flags 0x2).
fn peer(t: &Target, dev: &str) -> Option<std::net::Ipv4Addr> {
    let mut bad = Vec::new();
    let text = |p: &str| t.host.read_optional(p).ok().flatten().map(|f| f.text).unwrap_or_default();
    let mut routes: Vec<_> =
        crate::probe::net::routes::parse_ipv4("/proc/net/route", &text("/proc/net/route"), &mut bad)
            .into_iter()
            .filter(|r| r.iface == dev && r.is_usable() && !r.gateway.is_unspecified())
            .collect();
    routes.sort_by_key(|r| (!r.is_default(), r.metric));
    if let Some(r) = routes.first() {
        return Some(r.gateway);
    }
    text("/proc/net/arp").lines().skip(1).find_map(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        match w.as_slice() {
            [ip, _, flags, _, _, d]
                if *d == dev && u32::from_str_radix(flags.trim_start_matches("0x"), 16).is_ok_and(|f| f & 2 != 0) =>
            {
                ip.parse().ok()
            }
            _ => None,
        }
    })
}

fn mtu(t: &Target, dev: &str) -> Result<Change, Skip> {
    let l = t.lang;
    let Some(now) = t.host.read_line(&format!("/sys/class/net/{dev}/mtu")).and_then(|v| v.trim().parse::<u16>().ok())
    else {
        return Err(Skip::NotApplicable(rtf(l, R::LinkNoDevice, &[("dev", dev)])));
    };
    let (was, size) = (now.to_string(), ETHERNET_MTU.to_string());
    if now >= IPV6_MIN_MTU {
        return Err(Skip::NotApplicable(rtf(l, R::LinkMtuFine, &[("dev", dev), ("mtu", &was)])));
    }
    let Some(peer) = peer(t, dev) else {
        return Err(Skip::Refused(rtf(l, R::LinkMtuNoPeer, &[("dev", dev)])));
    };
    let peer = peer.to_string();
    let file = super::mtu::persistent(t, dev, ETHERNET_MTU);
    let at_boot = file.as_ref().map_or_else(|| rtf(l, R::LinkMtuNotAtBoot, &[]), |f| f.path.clone());
    // The proof: full-size don't-fragment echo requests (1472 bytes of data, 8 of ICMP header,
    // 20 of IP header) answered by the peer; a link that carries less rolls the repair back.
    let data = (ETHERNET_MTU - 28).to_string();
    let proof = Command::new("ping", &["-c", "3", "-W", "1", "-M", "do", "-s", &data, "-I", dev, &peer]).apply_only();
    Ok(Change {
        summary: rtf(
            l,
            R::LinkDoMtu,
            &[("dev", dev), ("size", &size), ("old", &was), ("peer", &peer), ("path", &at_boot)],
        ),
        files: file.into_iter().collect(),
        live: vec![Live {
            run: Command::new("ip", &["link", "set", "dev", dev, "mtu", &size]),
            undo: Some(Command::new("ip", &["link", "set", "dev", dev, "mtu", &was])),
        }],
        commands: vec![proof],
        ..Change::default()
    })
}

impl Action for Params {
    fn name(&self) -> String {
        match self.edit {
            Edit::Qdisc => "qdisc-remove".into(),
            Edit::Up => "link-up".into(),
            Edit::Mtu => "link-mtu".into(),
        }
    }

    fn plan(&self, t: &Target) -> Result<Change, Skip> {
        let dev = t.finding.subject.clone().unwrap_or_default();
        if !is_ifname(&dev) {
            return Err(Skip::NotApplicable(rtf(t.lang, R::LinkNoDevice, &[("dev", &dev)])));
        }
        if !t.host.is_live() {
            return Err(Skip::Refused(rtf(t.lang, R::LinkNotLive, &[("dev", &dev)])));
        }
        match self.edit {
            Edit::Qdisc => qdisc(t, &dev),
            Edit::Up => up(t, &dev),
            Edit::Mtu => mtu(t, &dev),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Host;
    use crate::repair::testing::finding;

    fn plan(evidence: &[&str]) -> Result<Change, Skip> {
        let f = finding("d0", "m", evidence);
        crate::repair::testing::plan(&Params { edit: Edit::Qdisc }, &Host::live(), "net.nic.qdisc", &f)
    }

    #[test]
    fn a_classless_root_qdisc_is_removed_and_put_back_with_its_handle_and_parameters() {
        let c = plan(&["tc qdisc show: qdisc tbf 8001: dev d0 root refcnt 2 rate 1Mbit burst 4Kb lat 400ms"]).unwrap();
        assert_eq!(c.live[0].run.line(), "tc qdisc del dev d0 root");
        assert_eq!(
            c.live[0].undo.as_ref().unwrap().line(),
            "tc qdisc add dev d0 root handle 8001: tbf rate 1Mbit burst 4Kb lat 400ms"
        );
        let htb = plan(&[
            "tc qdisc show: qdisc htb 1: dev d0 root refcnt 2 r2q 10 default 0x10",
            "tc class show dev d0: class htb 1:10 root prio 0 rate 2Mbit ceil 2Mbit",
        ]);
        assert!(matches!(htb, Err(Skip::Refused(r)) if r.contains("tc qdisc del dev d0 root")));
        assert!(matches!(plan(&["tc qdisc show: qdisc noqueue 0: dev d0 root refcnt 2"]), Err(Skip::Refused(_))));
        assert!(!is_ifname("a b") && !is_ifname("../x") && is_ifname("eth0.100"));
    }
}
