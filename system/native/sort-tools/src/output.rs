//! Output files written with O_DIRECT where possible. On this class of VM buffered writes of gigabytes
//! run at 250-650 MB/s (dirty-page throttling) while O_DIRECT runs at 1-1.5 GB/s, and a GraySort's
//! output must reach the disk anyway. gensort 1.5's threaded build also writes direct by default.
//! Blocks that are not 4 KiB multiples (the tail) go through a second, buffered handle at their offset;
//! files on file systems without O_DIRECT (tmpfs) or non-files (pipes, /dev/null) are written buffered.

use crate::fileio::create_output;
use crate::memory::DIRECT_ALIGN;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, FileTypeExt, OpenOptionsExt};

#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "x86")))]
const O_DIRECT: Option<i32> = Some(0o40000);
#[cfg(all(target_os = "linux", any(target_arch = "aarch64", target_arch = "arm")))]
const O_DIRECT: Option<i32> = Some(0o200000);
#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64", target_arch = "arm"))))]
const O_DIRECT: Option<i32> = None;

pub struct OutputFile {
    buffered: File,
    direct: Option<File>,
    /// Regular files are written by position, so the two handles never disagree about where the end is.
    positional: bool,
    offset: u64,
}

impl OutputFile {
    /// Creates (truncates) `path`; `direct` asks for O_DIRECT on aligned blocks when the file allows it.
    pub fn create(path: &str, direct: bool) -> io::Result<OutputFile> {
        let buffered = create_output(path)?;
        let regular = buffered.metadata().map(|m| m.file_type().is_file() && !m.file_type().is_fifo()).unwrap_or(false);
        let direct = match (direct && regular, O_DIRECT) {
            (true, Some(flag)) => OpenOptions::new().write(true).custom_flags(flag).open(path).ok(),
            _ => None,
        };
        Ok(OutputFile { buffered, direct, positional: regular, offset: 0 })
    }

    pub fn is_direct(&self) -> bool {
        self.direct.is_some()
    }

    /// Appends `block`. Direct when the block's address and length are 4 KiB multiples.
    pub fn write_block(&mut self, block: &[u8]) -> io::Result<()> {
        let aligned = block.as_ptr() as usize % DIRECT_ALIGN == 0 && block.len() % DIRECT_ALIGN == 0;
        match (&self.direct, aligned) {
            (Some(d), true) => match d.write_all_at(block, self.offset) {
                Ok(()) => {}
                // Some file systems accept the open flag and refuse the write: carry on buffered.
                Err(e) if e.raw_os_error() == Some(22) => {
                    self.direct = None;
                    self.buffered.write_all_at(block, self.offset)?;
                }
                Err(e) => return Err(e),
            },
            _ if self.positional => self.buffered.write_all_at(block, self.offset)?,
            // Pipes and devices have no positions: they stream.
            _ => self.buffered.write_all(block)?,
        }
        self.offset += block.len() as u64;
        Ok(())
    }

    /// fdatasync: the data is on disk when this returns.
    pub fn sync(&mut self) -> io::Result<()> {
        if let Some(d) = &self.direct {
            d.sync_data()?;
        }
        self.buffered.sync_data()
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.buffered.flush()
    }
}
