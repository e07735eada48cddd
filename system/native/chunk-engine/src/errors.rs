//! Numeric codes that cross the C ABI. They are the wire numbers of Flyer's error catalogue
//! (system/env/errors.ts, "Chunk engine." section, 400-499, plus two generic ones), so the TypeScript
//! side maps them one to one and never parses message text.
use std::fmt;
use std::io;

#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    Ok = 0,
    InvalidArgument = 1,
    Assertion = 2,
    ChunkNotFound = 400,
    InvalidId = 401,
    OutOfRange = 402,
    TooLarge = 403,
    ChecksumMismatch = 404,
    PayloadChecksum = 405,
    NoSpace = 406,
    ReadOnly = 407,
    CommittedUpdate = 408,
    MissingUpdate = 409,
    ChainVersionMismatch = 410,
    CommitMismatch = 411,
    Busy = 412,
    Io = 413,
    Closed = 414,
    Locked = 415,
    MetadataCorrupt = 416,
    // 417 is CHUNK_ENGINE_UNAVAILABLE, raised only by TypeScript (library missing).
    Failed = 418,
}

impl Code {
    pub fn wire(self) -> i32 {
        self as i32
    }
}

#[derive(Debug, Clone)]
pub struct EngineError {
    pub code: Code,
    pub detail: String,
}

impl EngineError {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        debug_assert!(code != Code::Ok);
        EngineError { code, detail: detail.into() }
    }

    /// An OS error in context; ENOSPC and EDQUOT become NoSpace so callers can free space and retry.
    pub fn io(context: impl fmt::Display, error: io::Error) -> Self {
        let code = match error.raw_os_error() {
            Some(28) | Some(122) => Code::NoSpace,
            _ => Code::Io,
        };
        EngineError::new(code, format!("{context}: {error}"))
    }
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} ({}): {}", self.code, self.code.wire(), self.detail)
    }
}

pub type Result<T> = std::result::Result<T, EngineError>;

/// `fail!(Code::X, "fmt", args)` returns early with a coded error.
#[macro_export]
macro_rules! fail {
    ($code:expr, $($arg:tt)*) => {
        return Err($crate::errors::EngineError::new($code, format!($($arg)*)))
    };
}
