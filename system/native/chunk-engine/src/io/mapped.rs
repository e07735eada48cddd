//! Read-only shared mappings of the class files, for mapped reads (engine/read.rs) on buffered engines:
//! a read hands out the address of the committed bytes inside the mapping, so the caller's socket send
//! copies them straight out of the page cache, with no copy into a read buffer first.
//!
//! Mappings are made lazily, one address range per group of a class file (256 slots; the file grows
//! by reservations inside groups). On first use the whole group's address range is reserved
//! (PROT_NONE, no memory), and the file is mapped into it up to the file's current end; when a later
//! read needs bytes past that (the file grew), the mapping is extended in place with MAP_FIXED over the
//! still unused rest of the reservation. So a slot's address never changes while the engine is open,
//! and nothing is ever mapped past the end of the file (touching such pages raises SIGBUS).
//!
//! Freeing slots punches holes (FALLOC_FL_PUNCH_HOLE | KEEP_SIZE), which is safe under a mapping: the
//! pages drop out of the page cache and later accesses read zeros. Only pinned slots are read through
//! the mapping, and a pinned slot is never freed.
//!
//! Mappings live until the engine closes with no pins outstanding (`unmap_all`). If pins remain, a
//! JavaScript view (an external ArrayBuffer) may still point into them, and unmapping would turn its
//! next access into a segfault: they are then left mapped until the process exits (address space
//! only; the kernel drops the pages with the file's).
use std::collections::HashMap;
use std::sync::Mutex;

use super::data_files::ClassFile;
use crate::errors::{EngineError, Result};
use crate::sys;
use crate::types::{CLASS_COUNT, SizeClass};

const PAGE_BYTES: u64 = 4096;

struct Region {
    /// Start of the reservation: the group's first byte.
    base: *mut u8,
    /// Bytes of the group mapped from the file, from `base` on; the rest stays reserved PROT_NONE.
    mapped: u64,
}

/// A range handed out by `MappedFiles::address`, with the group mapping it lies in (JavaScript wraps
/// the whole group in one ArrayBuffer, so reads need no ArrayBuffer of their own).
#[derive(Clone, Copy, Debug)]
pub struct MappedRange {
    pub address: *const u8,
    /// The group's first byte and how much of it is mapped (at least up to the end of the range). The
    /// mapped part only grows, at the same address, while the engine is open.
    pub region: *const u8,
    pub region_bytes: u64,
}

pub struct MappedFiles {
    /// Per size class: group index -> region.
    classes: Vec<Mutex<HashMap<u64, Region>>>,
}

// SAFETY: the raw pointers are addresses of mappings owned by this struct; all access to the map goes
// through the mutexes, and the mapped memory itself is read-only.
unsafe impl Send for MappedFiles {}
unsafe impl Sync for MappedFiles {}

impl Default for MappedFiles {
    fn default() -> Self {
        MappedFiles { classes: (0..CLASS_COUNT).map(|_| Mutex::new(HashMap::new())).collect() }
    }
}

impl MappedFiles {
    /// The address of bytes `[offset_bytes, offset_bytes + len)` of `class`'s file (a range inside one
    /// slot, `len` > 0), mapping or extending the group's mapping when needed. Fails (as a read would,
    /// with an I/O error) when the range lies past the end of the file.
    pub fn address(&self, class: SizeClass, file: &ClassFile, offset_bytes: u64, len: u64) -> Result<MappedRange> {
        let group_bytes = class.group_bytes();
        let group = offset_bytes / group_bytes;
        let group_start = group * group_bytes;
        let end_in_group = offset_bytes + len - group_start;
        assert!(len > 0 && end_in_group <= group_bytes, "mapped range [{offset_bytes}, +{len}) crosses a group of {}", file.path.display());
        let mut regions = self.classes[class.index()].lock().expect("mapping lock");
        let range = |region: &Region| MappedRange {
            // SAFETY: inside the region's mapped part.
            address: unsafe { region.base.add((offset_bytes - group_start) as usize) },
            region: region.base,
            region_bytes: region.mapped,
        };
        if let Some(region) = regions.get(&group)
            && end_in_group <= region.mapped {
                return Ok(range(region));
            }
        let io_err = |what: &str, e: std::io::Error| EngineError::io(format!("{what} {} (group {group})", file.path.display()), e);
        let file_bytes = file.buffered.metadata().map_err(|e| io_err("stat", e))?.len();
        let available = file_bytes.saturating_sub(group_start).min(group_bytes);
        if end_in_group > available {
            return Err(io_err("map", std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "mapped read past the end of the file")));
        }
        let region = match regions.entry(group) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let base = sys::reserve_address_space(group_bytes as usize).map_err(|e| io_err("reserve address space for", e))?;
                e.insert(Region { base, mapped: 0 })
            }
        };
        // A partial last page is fine (its tail past EOF reads as zeros); whole pages past EOF are not mapped.
        let target = available.div_ceil(PAGE_BYTES) * PAGE_BYTES;
        let target = target.min(group_bytes);
        // SAFETY: [base + mapped, base + target) is part of this region's reservation and not mapped yet,
        // so no view can point into it.
        unsafe {
            sys::map_file_at(region.base.add(region.mapped as usize), (target - region.mapped) as usize, &file.buffered, group_start + region.mapped)
                .map_err(|e| io_err("mmap", e))?;
        }
        region.mapped = target;
        // end_in_group <= available <= target: mapped.
        Ok(range(region))
    }

    /// Bytes currently mapped, over all classes (tests).
    pub fn mapped_bytes(&self) -> u64 {
        self.classes.iter().map(|c| c.lock().expect("mapping lock").values().map(|r| r.mapped).sum::<u64>()).sum()
    }

    /// Unmaps every region. The caller guarantees that no address handed out is used any more (the
    /// engine is closed and no slot is pinned).
    pub fn unmap_all(&self) {
        for (index, class) in self.classes.iter().enumerate() {
            let group_bytes = SizeClass::from_index(index).group_bytes();
            for (_, region) in class.lock().expect("mapping lock").drain() {
                // SAFETY: see above; the reservation covers the file mapping too, so this drops both.
                let _ = unsafe { sys::unmap(region.base, group_bytes as usize) };
            }
        }
    }
}
