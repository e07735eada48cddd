//! One sparse data file per size class (`data/class-<KiB>.dat`), opened twice when direct I/O is on:
//! O_DIRECT for the engine's own aligned I/O and buffered for callers that want a plain fd. 3FS spreads
//! each class over 256 files for huge disks; one file per class keeps fds few and is enough here.
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::errors::{EngineError, Result};
use crate::sys;
use crate::types::{CLASS_COUNT, Position, SizeClass};

pub struct ClassFile {
    pub path: PathBuf,
    pub buffered: File,
    pub direct: Option<File>,
    /// Written since the last fdatasync (group commit syncs only dirty files).
    pub dirty: AtomicBool,
}

impl ClassFile {
    /// The fd for the engine's I/O: O_DIRECT when available, so callers must pass aligned buffers.
    pub fn io_file(&self) -> &File {
        self.direct.as_ref().unwrap_or(&self.buffered)
    }
}

pub struct DataFiles {
    dir: PathBuf,
    direct_io: bool,
    read_only: bool,
    classes: Vec<OnceLock<ClassFile>>,
    pub punch_failures: AtomicU64,
}

impl DataFiles {
    pub fn new(dir: &Path, direct_io: bool, read_only: bool) -> DataFiles {
        DataFiles {
            dir: dir.to_path_buf(),
            direct_io,
            read_only,
            classes: (0..CLASS_COUNT).map(|_| OnceLock::new()).collect(),
            punch_failures: AtomicU64::new(0),
        }
    }

    pub fn path_of(&self, class: SizeClass) -> PathBuf {
        self.dir.join(format!("class-{}k.dat", class.slot_bytes() >> 10))
    }

    /// Whether direct I/O is really in use (a file system without O_DIRECT support falls back).
    pub fn direct_active(&self) -> bool {
        self.classes.iter().filter_map(|c| c.get()).any(|c| c.direct.is_some())
    }

    /// The class file, opened (created unless read-only) on first use.
    pub fn get(&self, class: SizeClass) -> Result<&ClassFile> {
        let cell = &self.classes[class.index()];
        if let Some(file) = cell.get() {
            return Ok(file);
        }
        let path = self.path_of(class);
        let mut options = OpenOptions::new();
        options.read(true).write(!self.read_only).create(!self.read_only);
        let buffered = options.open(&path).map_err(|e| EngineError::io(format!("open {}", path.display()), e))?;
        // EINVAL means the file system does not do O_DIRECT (tmpfs on older kernels): stay buffered.
        let direct = if self.direct_io { options.custom_flags(sys::O_DIRECT).open(&path).ok() } else { None };
        let _ = cell.set(ClassFile { path, buffered, direct, dirty: AtomicBool::new(false) });
        Ok(cell.get().expect("just set"))
    }

    /// Class files that exist already (recovery trims them).
    pub fn existing(&self, class: SizeClass) -> Result<Option<&ClassFile>> {
        if self.path_of(class).exists() { self.get(class).map(Some) } else { Ok(None) }
    }

    pub fn read_at(&self, pos: Position, offset_in_slot: u64, buf: &mut [u8]) -> Result<()> {
        debug_assert!(offset_in_slot + buf.len() as u64 <= pos.class.slot_bytes());
        let file = self.get(pos.class)?;
        file.io_file().read_exact_at(buf, pos.offset_bytes() + offset_in_slot)
            .map_err(|e| EngineError::io(format!("read {} at slot {}", file.path.display(), pos.index), e))
    }

    pub fn write_at(&self, pos: Position, offset_in_slot: u64, buf: &[u8]) -> Result<()> {
        debug_assert!(offset_in_slot + buf.len() as u64 <= pos.class.slot_bytes());
        let file = self.get(pos.class)?;
        file.io_file().write_all_at(buf, pos.offset_bytes() + offset_in_slot)
            .map_err(|e| EngineError::io(format!("write {} at slot {}", file.path.display(), pos.index), e))?;
        file.dirty.store(true, Ordering::Release);
        Ok(())
    }

    pub fn reserve(&self, class: SizeClass, first_index: u64, slots: u64) -> Result<()> {
        let file = self.get(class)?;
        sys::reserve(&file.buffered, first_index * class.slot_bytes(), slots * class.slot_bytes())
            .map_err(|e| EngineError::io(format!("fallocate {}", file.path.display()), e))
    }

    /// Punch failures leave space allocated but never corrupt data, so they are counted, not raised.
    pub fn punch(&self, class: SizeClass, offset_bytes: u64, len_bytes: u64) {
        let ok = self.get(class).is_ok_and(|file| sys::punch_hole(&file.buffered, offset_bytes, len_bytes).is_ok());
        if !ok {
            self.punch_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// fdatasync every class file written since the last call.
    pub fn sync_dirty(&self) -> std::io::Result<()> {
        for file in self.classes.iter().filter_map(|c| c.get()) {
            if file.dirty.swap(false, Ordering::AcqRel)
                && let Err(e) = file.io_file().sync_data() {
                    file.dirty.store(true, Ordering::Release);
                    return Err(e);
                }
        }
        Ok(())
    }
}
