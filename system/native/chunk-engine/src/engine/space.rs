//! Slot allocation with space reservation, trimming, and the space report.
use std::path::Path;

use super::{Engine, Options, State};
use crate::alloc::class_allocator::SlotRun;
use crate::crc32c;
use crate::errors::{Code, EngineError, Result};
use crate::ffi_types::{FceSpace, SPACE_HW_CRC, SPACE_LOW};
use crate::io::data_files::DataFiles;
use crate::sys;
use crate::types::{Position, SizeClass};

impl Engine {
    /// The fallocate `State::allocate_deferring` left to an update's pool job, run without the state
    /// lock. Should the file system be full, the careful path runs under the lock: trim free reserved
    /// slots, then reserve the single slot.
    pub fn reserve_deferred(&self, pos: Position, run: SlotRun) -> Result<()> {
        match self.files.reserve(pos.class, run.start, run.count) {
            Ok(()) => {
                // Slots of the run allocated meanwhile are reserved by this fallocate too.
                self.lock_state().allocs[pos.class.index()].mark_reserved(run);
                Ok(())
            }
            Err(e) if e.code == Code::NoSpace => self.lock_state().reserve_for(&self.files, &self.options, pos),
            Err(e) => Err(e),
        }
    }
}

impl State {
    pub fn reserved_bytes(&self) -> u64 {
        self.allocs.iter().map(|a| a.reserved_slots() * a.class.slot_bytes()).sum()
    }

    pub fn used_slot_bytes(&self) -> u64 {
        self.allocs.iter().map(|a| a.used_slots() * a.class.slot_bytes()).sum()
    }

    /// Punches every free-but-reserved slot in every class (space pressure).
    pub fn trim(&mut self, files: &DataFiles) {
        for alloc in &mut self.allocs {
            let class = alloc.class;
            for run in alloc.take_free_runs(false) {
                files.punch(class, run.start * class.slot_bytes(), run.count * class.slot_bytes());
            }
        }
    }

    /// Allocates a slot whose bytes are reserved on disk. Reservation fallocates a run of following
    /// slots too (`reserve_bytes` at a time), within the capacity limit; under pressure it first gives
    /// back free reserved slots of every class. Fails with NoSpace, leaving no slot allocated.
    pub fn allocate(&mut self, files: &DataFiles, options: &Options, class: SizeClass) -> Result<Position> {
        let index = self.allocs[class.index()].allocate();
        let pos = Position { class, index };
        if self.allocs[class.index()].is_reserved(index) {
            return Ok(pos);
        }
        self.reserve_or_free(files, options, pos).map(|()| pos)
    }

    /// Allocates a slot as `allocate` does, except that the fallocate an unreserved slot needs is left
    /// to the caller (`Engine::reserve_deferred`, on a pool thread, without the state lock): fallocate
    /// waits for the file system's journal, up to tens of milliseconds while it commits, and updates
    /// are planned on the event loop's thread holding the lock every other call needs. Under capacity
    /// pressure it reserves here after all, the careful way (trim first, then a single slot).
    pub fn allocate_deferring(&mut self, files: &DataFiles, options: &Options, class: SizeClass) -> Result<(Position, Option<SlotRun>)> {
        let index = self.allocs[class.index()].allocate();
        let pos = Position { class, index };
        if self.allocs[class.index()].is_reserved(index) {
            return Ok((pos, None));
        }
        let max_slots = self.reservable_slots(options, class.slot_bytes());
        if max_slots == 0 {
            return self.reserve_or_free(files, options, pos).map(|()| (pos, None));
        }
        Ok((pos, Some(self.allocs[class.index()].reservable_run(index, max_slots))))
    }

    /// Reserves the just allocated `pos`, or frees it again and says why not.
    fn reserve_or_free(&mut self, files: &DataFiles, options: &Options, pos: Position) -> Result<()> {
        let class = pos.class;
        self.reserve_for(files, options, pos).inspect_err(|_| {
            let punch = self.allocs[class.index()].free(pos.index);
            if let Some(run) = punch {
                files.punch(class, run.start * class.slot_bytes(), run.count * class.slot_bytes());
            }
        })
    }

    /// Slots one fallocate may reserve: `reserve_bytes` worth, within the capacity limit.
    fn reservable_slots(&self, options: &Options, slot_bytes: u64) -> u64 {
        let max_slots = (options.reserve_bytes / slot_bytes).max(1);
        if options.capacity_bytes == 0 {
            return max_slots;
        }
        max_slots.min(options.capacity_bytes.saturating_sub(self.reserved_bytes()) / slot_bytes)
    }

    /// Reserves `pos` (allocated, maybe reserved meanwhile by an overlapping run), trimming under pressure.
    pub fn reserve_for(&mut self, files: &DataFiles, options: &Options, pos: Position) -> Result<()> {
        let slot_bytes = pos.class.slot_bytes();
        let mut trimmed = false;
        loop {
            if self.allocs[pos.class.index()].is_reserved(pos.index) {
                return Ok(());
            }
            let max_slots = self.reservable_slots(options, slot_bytes);
            if max_slots == 0 {
                if !trimmed {
                    self.trim(files);
                    trimmed = true;
                    continue;
                }
                fail!(Code::NoSpace, "capacity limit {} bytes reached ({} reserved)", options.capacity_bytes, self.reserved_bytes());
            }
            let run = self.allocs[pos.class.index()].reservable_run(pos.index, max_slots);
            match files.reserve(pos.class, run.start, run.count) {
                Ok(()) => {
                    self.allocs[pos.class.index()].mark_reserved(run);
                    return Ok(());
                }
                Err(e) if e.code == Code::NoSpace && !trimmed => {
                    self.trim(files);
                    trimmed = true;
                }
                Err(e) if e.code == Code::NoSpace && run.count > 1 => {
                    // The batch does not fit but the one slot might.
                    let single = SlotRun { start: pos.index, count: 1 };
                    files.reserve(pos.class, single.start, 1)?;
                    self.allocs[pos.class.index()].mark_reserved(single);
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// (capacity, free) in bytes. Free counts reserved-but-unused slots: allocation reuses them, and
    /// under pressure trims them for other classes. With a capacity option the file system still bounds it.
    pub fn capacity_and_free(&self, options: &Options, dir: &Path) -> Result<(u64, u64)> {
        let fs = sys::fs_space(dir).map_err(|e| EngineError::io(format!("statvfs {}", dir.display()), e))?;
        let live = self.used_slot_bytes();
        let reusable = self.reserved_bytes().saturating_sub(live);
        let fs_free = fs.available_bytes + reusable;
        if options.capacity_bytes > 0 {
            Ok((options.capacity_bytes, options.capacity_bytes.saturating_sub(live).min(fs_free)))
        } else {
            Ok((fs.total_bytes, fs_free.min(fs.total_bytes)))
        }
    }

    /// New chunks are refused above the reject ratio (3FS: 98 %) so updates of existing ones still fit.
    pub fn check_create_allowed(&self, options: &Options, dir: &Path) -> Result<()> {
        let (capacity, free) = self.capacity_and_free(options, dir)?;
        let used_ratio = 1.0 - free as f64 / capacity.max(1) as f64;
        if used_ratio >= options.reject_create_ratio {
            fail!(Code::NoSpace, "{:.1} % used, new chunks refused at {:.1} %", used_ratio * 100.0, options.reject_create_ratio * 100.0);
        }
        Ok(())
    }

    pub fn space(&self, options: &Options, dir: &Path) -> Result<FceSpace> {
        let (capacity, free) = self.capacity_and_free(options, dir)?;
        let used = capacity.saturating_sub(free);
        let mut flags = if crc32c::uses_hardware() { SPACE_HW_CRC } else { 0 };
        if used as f64 >= capacity as f64 * options.low_space_ratio {
            flags |= SPACE_LOW;
        }
        let (mut data_bytes, mut pending) = (0u64, 0u64);
        for (_, entry) in self.table.iter() {
            data_bytes += entry.committed.map_or(0, |c| c.len as u64);
            pending += entry.pending.is_some() as u64;
        }
        Ok(FceSpace {
            capacity_bytes: capacity,
            used_bytes: used,
            free_bytes: free,
            reserved_bytes: self.reserved_bytes(),
            used_slot_bytes: self.used_slot_bytes(),
            data_bytes,
            chunk_count: self.table.len() as u64,
            used_slots: self.allocs.iter().map(|a| a.used_slots()).sum(),
            referenced_slots: self.referenced_slots(),
            pinned_slots: self.pinned_slots(),
            pending_versions: pending,
            group_count: self.allocs.iter().map(|a| a.group_count()).sum(),
            flags,
            ..FceSpace::default()
        })
    }
}
