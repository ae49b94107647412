//! Exit codes shared by every relkit tool, and the one place that turns a tool's result into a
//! message and a process exit status.

use std::fmt;
use std::process::ExitCode;

/// The outcome of a tool run, as its process exit status.
///
/// Every tool uses the same four codes, documented in each `--help`:
/// 0 success, 1 the check failed, 2 bad usage or input, 3 the environment failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exit {
    /// Everything asked for was done and every check passed.
    Ok = 0,
    /// A check said no: a gate failed, a checksum mismatched, a health check failed.
    Failed = 1,
    /// Bad usage or bad input: unknown flag, unreadable or malformed file.
    Usage = 2,
    /// The environment failed: network, permissions, a missing program.
    Env = 3,
}

impl Exit {
    /// The numeric exit status.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The worse of two outcomes, for tools that keep going after one failure and exit with the
    /// worst code seen (an environment failure outranks bad input, which outranks a failed check).
    pub fn worst(self, other: Exit) -> Exit {
        self.max(other)
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// An error that knows which exit code it stands for.
///
/// Each tool has its own `thiserror` enum; implementing this trait is all the shared entry point
/// needs to report it.
pub trait ToolError: std::error::Error {
    /// The exit status this error ends the process with.
    fn exit(&self) -> Exit;
}

/// Errors from I/O on a named file, shared by tools that read and write files.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A path is not valid UTF-8 and has to become text (a manifest line, a JSON string).
    #[error("{path}: the path is not valid UTF-8 and cannot be written as text; rename the file")]
    NotUtf8 {
        /// The path, lossily converted for display.
        path: String,
    },
}

impl ToolError for FileError {
    fn exit(&self) -> Exit {
        match self {
            // Failing to read an input is bad input; failing to write where we were told to is
            // the environment (full disk, permissions).
            FileError::Read { .. } | FileError::NotUtf8 { .. } => Exit::Usage,
            FileError::Write { .. } => Exit::Env,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_orders_env_over_usage_over_failed_over_ok() {
        assert_eq!(Exit::Ok.worst(Exit::Failed), Exit::Failed);
        assert_eq!(Exit::Usage.worst(Exit::Failed), Exit::Usage);
        assert_eq!(Exit::Usage.worst(Exit::Env), Exit::Env);
        assert_eq!(Exit::Ok.worst(Exit::Ok), Exit::Ok);
    }

    #[test]
    fn codes_are_the_documented_numbers() {
        let codes: Vec<u8> = [Exit::Ok, Exit::Failed, Exit::Usage, Exit::Env]
            .iter()
            .map(|e| e.code())
            .collect();
        assert_eq!(codes, vec![0, 1, 2, 3]);
    }
}
