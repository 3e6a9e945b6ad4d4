//! All integration tests compile into this one binary (as in ripgrep): one `mod` per area.
//! Every run of the binary goes through `common::doctor`, which puts it in its own network
//! namespace. Root-only lab tests live in `lab`.

mod common;
mod topology;

mod integration {
    pub mod block_lab;
    pub mod boot_lab;
    pub mod browser;
    pub mod catalog;
    pub mod checks;
    pub mod chinese;
    pub mod cli;
    pub mod clock_lab;
    pub mod completions;
    pub mod corpus;
    pub mod deadline;
    pub mod dhcp_lab;
    pub mod disk_sys;
    pub mod event_ageing;
    pub mod fix;
    pub mod fix_account_lab;
    pub mod fix_boot_lab;
    pub mod fix_disk_lab;
    pub mod fix_dns_lab;
    pub mod fix_firewall_lab;
    pub mod fix_lab;
    pub mod fix_limits_lab;
    pub mod fix_login_lab;
    pub mod fix_quarantine_lab;
    pub mod fix_sec_lab;
    pub mod fix_secgroup_lab;
    pub mod fix_sshd_lab;
    pub mod fix_system_lab;
    pub mod fleet;
    pub mod fleet_lab;
    pub mod fstab_lab;
    pub mod garbage;
    pub mod history;
    pub mod holders_lab;
    pub mod hostile;
    pub mod identity_lab;
    pub mod journal_lab;
    pub mod kernel_corpus;
    pub mod lab;
    pub mod lab_sshd;
    pub mod layers;
    pub mod login;
    pub mod login_lab;
    pub mod malformed;
    pub mod messages;
    pub mod net_counters_lab;
    pub mod net_settings_lab;
    pub mod netdiag_lab;
    pub mod netlab;
    pub mod packages;
    pub mod pam_lab;
    pub mod reach_lab;
    pub mod reach_port_lab;
    pub mod reach_ssh_lab;
    pub mod render;
    pub mod resolve_lab;
    pub mod root_causes;
    pub mod secgroup;
    pub mod secgroup_lab;
    pub mod secgroup_reach_lab;
    pub mod security;
    pub mod security_live;
    pub mod stress_hosts;
    pub mod throttle_lab;
    pub mod ticket;
    pub mod ticket_api;
    pub mod ticket_lab;
    pub mod why;
}
