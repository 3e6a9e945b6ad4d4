//! Lab helper for the root-only tests (not part of the tool): mounts a FUSE filesystem at
//! MOUNTPOINT whose daemon answers INIT and then never answers anything again, runs COMMAND,
//! and exits with COMMAND's status. Run it inside `unshare --mount --propagation private` so the
//! hung mount is visible to nothing else and disappears with the namespace; when this process
//! exits, the FUSE connection is aborted and every stuck caller gets ENOTCONN.
//!
//! usage: lab-hung-fuse MOUNTPOINT -- COMMAND [ARGS...]

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::process::{Command, ExitCode};

const FUSE_INIT: u32 = 26;
const HEADER_IN: usize = 40;

fn serve(mut dev: std::fs::File) {
    let mut buf = vec![0u8; (1 << 20) + 8192];
    loop {
        let n = match dev.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.raw_os_error() == Some(4) => continue, // EINTR
            Err(_) => return,                                  // unmounted or aborted
        };
        if n < HEADER_IN + 16 {
            continue;
        }
        let u32_at = |o: usize| u32::from_le_bytes([buf[o], buf[o + 1], buf[o + 2], buf[o + 3]]);
        let opcode = u32_at(4);
        let unique = &buf[8..16];
        if opcode != FUSE_INIT {
            continue; // the point of this daemon: never answer
        }
        let minor = u32_at(HEADER_IN + 4).min(31);
        let max_readahead = u32_at(HEADER_IN + 8);
        let mut reply = Vec::with_capacity(80);
        reply.extend_from_slice(&80u32.to_le_bytes()); // out header len
        reply.extend_from_slice(&0i32.to_le_bytes()); // error
        reply.extend_from_slice(unique);
        reply.extend_from_slice(&7u32.to_le_bytes()); // major
        reply.extend_from_slice(&minor.to_le_bytes());
        reply.extend_from_slice(&max_readahead.to_le_bytes());
        reply.extend_from_slice(&0u32.to_le_bytes()); // flags
        reply.extend_from_slice(&16u16.to_le_bytes()); // max_background
        reply.extend_from_slice(&12u16.to_le_bytes()); // congestion_threshold
        reply.extend_from_slice(&4096u32.to_le_bytes()); // max_write
        reply.extend_from_slice(&1u32.to_le_bytes()); // time_gran
        reply.extend_from_slice(&[0u8; 4]); // max_pages, map_alignment
        reply.extend_from_slice(&[0u8; 32]); // flags2, unused
        if dev.write_all(&reply).is_err() {
            return;
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 || args[2] != "--" {
        eprintln!("usage: lab-hung-fuse MOUNTPOINT -- COMMAND [ARGS...]");
        return ExitCode::from(64);
    }
    let dev = match OpenOptions::new().read(true).write(true).open("/dev/fuse") {
        Ok(d) => d,
        Err(e) => {
            eprintln!("lab-hung-fuse: /dev/fuse: {e}");
            return ExitCode::from(70);
        }
    };
    let data =
        match std::ffi::CString::new(format!("fd={},rootmode=40000,user_id=0,group_id=0,allow_other", dev.as_raw_fd()))
        {
            Ok(d) => d,
            Err(e) => {
                eprintln!("lab-hung-fuse: {e}");
                return ExitCode::from(70);
            }
        };
    let flags = rustix::mount::MountFlags::NOSUID | rustix::mount::MountFlags::NODEV;
    if let Err(e) = rustix::mount::mount("lab-hung", args[1].as_str(), "fuse", flags, data.as_c_str()) {
        eprintln!("lab-hung-fuse: mount {}: {e}", args[1]);
        return ExitCode::from(70);
    }
    let server = match dev.try_clone() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("lab-hung-fuse: dup: {e}");
            return ExitCode::from(70);
        }
    };
    std::thread::spawn(move || serve(server));
    let status = Command::new(&args[3]).args(&args[4..]).status();
    match status {
        Ok(s) => ExitCode::from(s.code().unwrap_or(125).clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("lab-hung-fuse: {}: {e}", args[3]);
            ExitCode::from(127)
        }
    }
}
