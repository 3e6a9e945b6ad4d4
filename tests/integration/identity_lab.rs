//! "I assigned it in the console and nothing happened": the network lab's metadata stand-in (see
//! `tests/topology.rs`) plays the console, with secondary NICs (by MAC) and private IPs; veth
//! interfaces in the client namespace are the guest's NICs, and the guest's configuration files
//! are laid over /etc in a private mount namespace. ecs-doctor runs in the client namespace with
//! --metadata-url (the only way it asks a metadata service off Alibaba Cloud). Root only.

use crate::common::*;
use crate::topology::{self, Lab, LabNic, MdMode, lab_ok};

const MD: &str = "http://100.100.100.200";
const ONLY: [&str; 6] = ["--only", "net.metadata.nics", "--only", "net.metadata.hostname", "--metadata-url", MD];
const SECOND_MAC: &str = "00:16:3e:0a:00:21";
const GONE_MAC: &str = "00:16:3e:0a:00:99";

fn quiet(r: &serde_json::Value, id: &str) {
    let c = check(r, id);
    assert_eq!(c["status"], "ok", "{id}: {c:#}");
    assert!(c["findings"].as_array().is_none_or(|f| f.is_empty()), "{id}: {c:#}");
}

#[test]
fn nics_and_private_ips_assigned_in_the_console_are_compared_with_the_guest() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    // The healthy lab: the console's one NIC is c0 with its address, the hostname is the same.
    let (r, _, _) = lab.doctor(&ONLY, None);
    quiet(&r, "net.metadata.nics");
    quiet(&r, "net.metadata.hostname");
    assert!(check(&r, "net.metadata.nics")["summary"].as_str().is_some_and(|s| s.contains("1 NICs")), "{r:#}");

    // The console attaches a secondary ENI (a veth with its MAC appears, nothing configures it),
    // assigns a secondary private IP to the primary NIC, and lists a NIC the guest never got.
    lab.client.ip(&format!("link add c1 address {SECOND_MAC} type veth peer name c1p"));
    lab.client.ip("link set c1 up");
    lab.client.ip("link set c1p up");
    {
        let mut id = lab.metadata.identity.lock().unwrap();
        id.nics[0].private_ips.push("10.77.1.3".into());
        id.nics.push(LabNic {
            mac: SECOND_MAC.into(),
            id: "eni-lab00000000000000c1".into(),
            primary: "10.77.1.20".into(),
            private_ips: vec!["10.77.1.20".into()],
        });
        id.nics.push(LabNic {
            mac: GONE_MAC.into(),
            id: "eni-lab0000000000000099".into(),
            primary: "10.77.1.30".into(),
            private_ips: vec!["10.77.1.30".into()],
        });
    }
    // The guest is configured with ifupdown, c0 with a static address the console never gave.
    let interfaces = "auto lo\niface lo inet loopback\n\nauto c0\niface c0 inet static\n    address 10.77.1.9/24\n    gateway 10.77.1.1\n";
    let wrap =
        format!("set -e\n{}exec \"$@\"\n", topology::etc_overlay(&lab, &[("/etc/network/interfaces", interfaces)]));
    let (r, code, _) = lab.doctor(&ONLY, Some(&wrap));
    assert_eq!(code, 2, "{r:#}");
    let id = "net.metadata.nics";
    assert_eq!(status_of(&r, id), "crit", "{r:#}");

    // The NIC with no address: the config to write, for ifupdown.
    let f = topology::finding(&r, id, "c1");
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("crit"), Some("EADDRNOTAVAIL")), "{f:#}");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(
        m.contains("has no IPv4 address") && m.contains("10.77.1.20") && m.contains("eni-lab00000000000000c1"),
        "{m}"
    );
    assert!(
        m.contains("(ifupdown)") && m.contains("/etc/network/interfaces.d/c1: \"auto c1\" \"iface c1 inet dhcp\""),
        "{m}"
    );

    // c0: the static address in /etc/network/interfaces (file:line) is not the console's.
    let c0: Vec<&serde_json::Value> = check(&r, id)["findings"]
        .as_array()
        .map(|a| a.iter().filter(|f| f["subject"] == "c0").collect())
        .unwrap_or_default();
    let stat = c0
        .iter()
        .find(|f| f["message"].as_str().is_some_and(|m| m.contains("static address 10.77.1.9/24")))
        .unwrap_or_else(|| panic!("no static-address finding about c0: {r:#}"));
    assert_eq!(stat["severity"], "crit", "{stat:#}");
    assert!(
        stat["message"].as_str().is_some_and(|m| m.contains(
            "in /etc/network/interfaces line 6 write 10.77.1.2/24 instead of 10.77.1.9 (or switch c0 to DHCP)"
        )),
        "{stat:#}"
    );
    assert!(stat["evidence"].to_string().contains("/etc/network/interfaces:6: address 10.77.1.9/24"), "{stat:#}");
    // ... and the secondary private IP the console assigned to it is not configured.
    let sec = c0
        .iter()
        .find(|f| f["message"].as_str().is_some_and(|m| m.contains("secondary private IPs 10.77.1.3")))
        .unwrap_or_else(|| panic!("no secondary-IP finding about c0: {r:#}"));
    assert_eq!(sec["severity"], "warn", "{sec:#}");
    assert!(sec["message"].as_str().is_some_and(|m| m.contains("up ip addr add 10.77.1.3/24 dev c0")), "{sec:#}");

    // The NIC the guest does not have at all, named by its MAC.
    let f = topology::finding(&r, id, GONE_MAC);
    assert_eq!((f["severity"].as_str(), f["code"].as_str()), (Some("crit"), Some("ENODEV")), "{f:#}");
    assert!(f["message"].as_str().is_some_and(|m| m.contains("eni-lab0000000000000099") && m.contains("10.77.1.30")));

    // Configured by hand as the findings say: the secondary NIC and IP hold their addresses.
    lab.client.ip("addr add 10.77.1.20/24 dev c1");
    lab.client.ip("addr add 10.77.1.3/24 dev c0");
    lab.metadata.identity.lock().unwrap().nics.retain(|n| n.mac != GONE_MAC);
    let (r, _, _) = lab.doctor(&ONLY, None);
    quiet(&r, id);
    assert!(check(&r, id)["summary"].as_str().is_some_and(|s| s.contains("2 NICs")), "{r:#}");

    // The primary private IP changed in the console while the guest kept the old one.
    lab.metadata.identity.lock().unwrap().nics[1].primary = "10.77.1.21".into();
    lab.metadata.identity.lock().unwrap().nics[1].private_ips = vec!["10.77.1.21".into()];
    let (r, _, _) = lab.doctor(&ONLY, None);
    let f = topology::finding(&r, id, "c1");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("holds 10.77.1.20") && m.contains("primary private IP 10.77.1.21")),
        "{f:#}"
    );
}

#[test]
fn the_console_hostname_is_compared_with_the_running_and_the_persistent_one() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Plain);
    let id = "net.metadata.hostname";
    lab.metadata.identity.lock().unwrap().hostname = "web-console-name".into();
    let (r, _, _) = lab.doctor(&ONLY, None);
    let c = check(&r, id);
    assert_eq!(c["status"], "warn", "{c:#}");
    let m = c["findings"][0]["message"].as_str().unwrap_or_default();
    assert!(m.contains("the console set web-console-name") && m.contains("preserve_hostname is not true"), "{m}");
    // cloud-init told to keep the guest's name: only a note.
    let wrap = format!(
        "set -e\n{}exec \"$@\"\n",
        topology::etc_overlay(&lab, &[("/etc/cloud/cloud.cfg", "preserve_hostname: true\n")])
    );
    let (r, _, _) = lab.doctor(&ONLY, Some(&wrap));
    let c = check(&r, id);
    assert_eq!(c["status"], "ok", "{c:#}");
    assert_eq!(c["findings"][0]["severity"], "info", "{c:#}");
    assert!(
        c["findings"][0]["evidence"].to_string().contains("/etc/cloud/cloud.cfg:1: preserve_hostname: true"),
        "{c:#}"
    );
}

#[test]
fn off_cloud_and_under_root_the_console_is_not_asked() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    // No --metadata-url and DMI does not say Alibaba Cloud: skipped, nothing asked.
    let (r, _, _) = lab.doctor(&ONLY[..4], None);
    for id in ["net.metadata.nics", "net.metadata.hostname"] {
        assert_eq!(status_of(&r, id), "skipped", "{id}: {r:#}");
    }
    assert!(lab.metadata.requests().is_empty(), "asked off cloud: {:?}", lab.metadata.requests());
    // Under --root, even when named: the interfaces here are not the examined system's.
    let root = fixture_root("healthy");
    let mut args = ONLY.to_vec();
    args.extend(["--root", root.to_str().expect("utf-8")]);
    let (r, _, _) = lab.doctor(&args, None);
    for id in ["net.metadata.nics", "net.metadata.hostname"] {
        assert_eq!(status_of(&r, id), "skipped", "{id}: {r:#}");
        assert!(check(&r, id)["summary"].as_str().is_some_and(|s| s.contains("--root")), "{r:#}");
    }
}

#[test]
fn cloud_init_that_last_ran_as_another_instance_applied_nothing_of_this_one() {
    if !lab_ok() {
        return;
    }
    let lab = Lab::new(MdMode::Token);
    // cloud-init's state as an image made from another instance carries it: a clean run (the
    // files of a real cloud-init 22.4 run) whose instance id is not this instance's. Laid over
    // /var/lib in the wrapper's private mount namespace.
    let over = lab.dir.path().join("varlib");
    let clean =
        project_dir().join("tests/fixtures/checks/sys.cloud-init.result/clean-run/root/var/lib/cloud/data/status.json");
    write(&over.join("cloud/data/status.json"), &std::fs::read_to_string(clean).expect("status.json"));
    write(&over.join("cloud/data/instance-id"), "i-bp1image0000000001\n");
    let wrap =
        format!("set -e\nmount -t overlay overlay -o lowerdir={}:/var/lib /var/lib\nexec \"$@\"\n", over.display());
    let id = "sys.cloud-init.result";
    let (r, _, _) = lab.doctor(&["--only", id, "--metadata-url", MD], Some(&wrap));
    assert_eq!(status_of(&r, id), "warn", "{r:#}");
    let f = topology::finding(&r, id, "i-bp1image0000000001");
    let m = f["message"].as_str().unwrap_or_default();
    assert!(m.contains("last ran as instance i-bp1image0000000001, but this is i-lab0000000000000001"), "{m}");
    assert!(
        f["evidence"]
            .to_string()
            .contains("http://100.100.100.200/latest/meta-data/instance-id: i-lab0000000000000001"),
        "{f:#}"
    );
    // The same files when the metadata names that instance: nothing to say.
    write(&over.join("cloud/data/instance-id"), &format!("{}\n", topology::INSTANCE_ID));
    let (r, _, _) = lab.doctor(&["--only", id, "--metadata-url", MD], Some(&wrap));
    assert_eq!(status_of(&r, id), "ok", "{r:#}");
}
