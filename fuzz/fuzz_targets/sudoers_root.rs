//! sudoers with `#include`/`@includedir`: the main file and two files of /etc/sudoers.d.
#![no_main]
use ecs_doctor_fuzz::{context, parts, probes, root};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = parts(data, 3);
    let host = root(&[
        ("/etc/sudoers", Some(p[0])),
        ("/etc/sudoers.d/90-cloud-init-users", Some(p[1])),
        ("/etc/sudoers.d/admins", Some(p[2])),
        ("/etc/passwd", Some(b"root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\n")),
        ("/etc/group", Some(b"root:x:0:\nwheel:x:10:alice\nsudo:x:27:alice\n")),
    ]);
    probes(&context(host), &["sudoers"]);
});
