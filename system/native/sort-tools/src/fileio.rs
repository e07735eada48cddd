//! File helpers shared by the tools: gensort-style file names, whole-record sizes, positional reads.

use crate::record::RECORD_BYTES;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// gensort/valsort's SUMP build accepts `FILE,opt,opt=value` (buf, dir, trans=N, count=N: buffered or
/// direct i/o tuning, as smallpond passes `file,buf,trans=100m`). They only tune i/o, so they are
/// accepted and ignored; anything else after a comma is an error.
pub fn strip_sump_options(spec: &str) -> Result<&str, String> {
    let mut parts = spec.split(',');
    let name = parts.next().unwrap_or("");
    for opt in parts {
        let key = opt.split('=').next().unwrap_or("");
        if !matches!(key, "buf" | "dir" | "trans" | "count") {
            return Err(format!("unknown file option '{opt}' in '{spec}' (accepted: buf, dir, trans=N, count=N)"));
        }
    }
    if name.is_empty() {
        return Err(format!("missing file name in '{spec}'"));
    }
    Ok(name)
}

/// Opens a record file and returns it with its record count; a partial trailing record is an error.
pub fn open_records(path: &str) -> io::Result<(File, u64)> {
    let file = File::open(path).map_err(|e| io::Error::new(e.kind(), format!("can't open {path}: {e}")))?;
    let bytes = file.metadata()?.len();
    if bytes % RECORD_BYTES as u64 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{path} is {bytes} bytes, not a multiple of the {RECORD_BYTES}-byte record size"),
        ));
    }
    Ok((file, bytes / RECORD_BYTES as u64))
}

/// Creates (truncates) an output file. `-` and `/dev/stdout` mean this process's standard output, taken
/// as a duplicate of fd 1: opening /dev/stdout fails when stdout is a socket (Node's child pipes are).
pub fn create_output(path: &str) -> io::Result<File> {
    if path == "-" || path == "/dev/stdout" {
        use std::os::fd::AsFd;
        return Ok(File::from(io::stdout().as_fd().try_clone_to_owned()?));
    }
    File::create(path).map_err(|e| io::Error::new(e.kind(), format!("can't create {path}: {e}")))
}

/// Reads exactly `buf.len()` bytes at `offset`.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    file.read_exact_at(buf, offset)
}
