//! sshd_config with its includes: the main file, two drop-ins (one reached by a glob, one by an
//! explicit `Include`), and `sshd -T` output; the settings as the files give them, the
//! effective settings for a connection (Match blocks), and the sshd_config probes.
#![no_main]
use ecs_doctor::probe::ssh::{effective, sshd_config};
use ecs_doctor_fuzz::{context, parts, probes, root, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 4);
    let host = root(&[
        ("/etc/ssh/sshd_config", Some(p[0])),
        ("/etc/ssh/sshd_config.d/50-cloud-init.conf", Some(p[1])),
        ("/etc/ssh/extra.conf", Some(p[2])),
    ]);
    if let Ok(settings) = sshd_config::read_settings(&host, "/etc/ssh/sshd_config") {
        let conn = effective::Conn {
            user: "root".into(),
            groups: vec!["root".into(), "wheel".into()],
            host: "203.0.113.9".into(),
            addr: "203.0.113.9".into(),
        };
        let _ = effective::from_files(&settings, &conn);
    }
    let _ = sshd_config::global_lines(&host, "/etc/ssh/sshd_config");
    let t = text(p[3]);
    let _ = sshd_config::parse_sshd_t(&t);
    let _ = effective::parse_sshd_t_full(&t);
    probes(&context(host), &["sshd_config", "sshd_words", "login_matrix"]);
});
