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

/// Why a command failed, with the exit status it maps to: the message is already in the
/// command's language. Every command returns `Result<ExitStatus, Failure>`; `app` prints the
/// message and exits with [`Failure::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The user asked for something that cannot be done as asked (exit 64).
    Usage(String),
    /// The tool itself failed (exit 3).
    Tool(String),
}

impl Failure {
    /// The exit status this failure maps to.
    pub fn status(&self) -> ExitStatus {
        match self {
            Failure::Usage(_) => ExitStatus::Usage,
            Failure::Tool(_) => ExitStatus::Unknown,
        }
    }

    /// The message, as `app` prints it after `ecs-doctor: `.
    pub fn message(&self) -> &str {
        match self {
            Failure::Usage(m) | Failure::Tool(m) => m,
        }
    }
}
