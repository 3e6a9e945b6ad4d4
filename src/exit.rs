//! Exit statuses: the Nagios plugin convention, so monitoring agents can run ecs-doctor as is,
//! plus 64 (EX_USAGE) for usage errors. clap's own usage-error status (2) would read as CRITICAL.

/// What the process tells its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Ok = 0,
    Warning = 1,
    Critical = 2,
    Unknown = 3,
    Usage = 64,
}

impl ExitStatus {
    pub fn code(self) -> i32 {
        self as i32
    }
}
