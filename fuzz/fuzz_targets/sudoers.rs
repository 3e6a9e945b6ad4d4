//! sudoers with `#include`/`@includedir`: the main file and two files of /etc/sudoers.d, walked
//! by the sudoers reader (the includes are files, so they are written into the scratch root,
//! rewritten in place per input). `sudoers_root` runs the sudoers probe itself.
#![no_main]
use ecs_doctor_fuzz::{parts, root};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 3);
    let host = root(&[
        ("/etc/sudoers", Some(p[0])),
        ("/etc/sudoers.d/90-cloud-init-users", Some(p[1])),
        ("/etc/sudoers.d/admins", Some(p[2])),
    ]);
    let _ = ecs_doctor::probe::accounts::sudoers::other_password_defaults(&host);
});
