//! Test support: interrupts a thread blocked in a system call with a real signal, so the
//! `EINTR` retry loops of the socket clients ([`super::http`], [`super::sntp`]) are exercised the
//! way a child exiting (SIGCHLD) or a runtime's timer would hit them.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Signals handled so far (the handler only counts).
static HANDLED: AtomicUsize = AtomicUsize::new(0);

extern "C" fn count(_: libc::c_int) {
    HANDLED.fetch_add(1, Ordering::SeqCst);
}

/// The calling thread's id, for [`interrupt`].
pub fn thread_id() -> libc::pid_t {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() }
}

/// The scheduler state of one thread of this process (`S` while it sleeps in a system call).
fn state(tid: libc::pid_t) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Waits until thread `tid` sleeps (blocked in its read), then delivers SIGUSR1 to it, `times`
/// times, each time waiting until the handler ran. The handler is installed without
/// `SA_RESTART`, and a socket with a receive timeout is never restarted anyway (signal(7)): the
/// blocked call returns `EINTR`.
pub fn interrupt(tid: libc::pid_t, times: usize) {
    // SAFETY: a plain sigaction with a handler that only touches an atomic.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = count as *const () as libc::sighandler_t;
        sa.sa_flags = 0;
        libc::sigemptyset(&mut sa.sa_mask);
        assert_eq!(libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()), 0, "sigaction");
    }
    for _ in 0..times {
        // Bounded so a broken test fails rather than hangs (not a timing assertion).
        let mut waited = 0;
        loop {
            match state(tid) {
                Some('S') => break,
                // It returned instead of waiting again: the interrupted call was not retried.
                None => panic!("thread {tid} ended instead of blocking again"),
                Some(other) => assert!(waited < 20_000, "thread {tid} never blocked (state {other})"),
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
            waited += 1;
        }
        let before = HANDLED.load(Ordering::SeqCst);
        // SAFETY: tgkill to a thread of this process that is alive (it is blocked in its read).
        let rc = unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, libc::SIGUSR1) };
        assert_eq!(rc, 0, "tgkill");
        while HANDLED.load(Ordering::SeqCst) == before {
            std::thread::yield_now();
        }
    }
}
