//! Slot allocation for one size class, after 3FS's chunk_allocator: the class file is carved into
//! groups of 256 slots, each tracked by a `used` bitmap and a `reserved` bitmap (slots whose bytes were
//! fallocated). Allocation takes the fullest non-full group first, so live chunks pack into few groups
//! and whole groups fall empty and can be punched. This type is pure bookkeeping: it returns the ranges
//! to reserve or punch and the caller performs the syscalls.
use std::cmp::Reverse;
use std::collections::BTreeSet;

use super::bitmap::Bitmap256;
use crate::types::{SLOTS_PER_GROUP, SizeClass};

#[derive(Clone, Debug, Default)]
struct Group {
    used: Bitmap256,
    reserved: Bitmap256,
    /// Being compacted: no new slots come from it.
    frozen: bool,
}

/// A run of slots [start, start + count) by slot index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotRun {
    pub start: u64,
    pub count: u64,
}

pub struct ClassAllocator {
    pub class: SizeClass,
    groups: Vec<Group>,
    /// Groups with 0 < used < 256 that are not frozen, ordered so `last()` is the fullest (lowest id on ties).
    partial: BTreeSet<(u32, Reverse<u64>)>,
    /// Groups with no used slot that are not frozen, lowest id first.
    empty: BTreeSet<u64>,
    used_slots: u64,
    reserved_slots: u64,
}

impl ClassAllocator {
    pub fn new(class: SizeClass) -> ClassAllocator {
        ClassAllocator { class, groups: Vec::new(), partial: BTreeSet::new(), empty: BTreeSet::new(), used_slots: 0, reserved_slots: 0 }
    }

    pub fn used_slots(&self) -> u64 {
        self.used_slots
    }

    pub fn reserved_slots(&self) -> u64 {
        self.reserved_slots
    }

    pub fn group_count(&self) -> u64 {
        self.groups.len() as u64
    }

    fn split(index: u64) -> (u64, u32) {
        (index / SLOTS_PER_GROUP, (index % SLOTS_PER_GROUP) as u32)
    }

    fn ensure_group(&mut self, group: u64) {
        while self.groups.len() as u64 <= group {
            self.empty.insert(self.groups.len() as u64);
            self.groups.push(Group::default());
        }
    }

    /// Removes a group from the free-space indexes before its counts change; `index_group` puts it back.
    fn unindex_group(&mut self, group: u64) {
        let count = self.groups[group as usize].used.count();
        self.partial.remove(&(count, Reverse(group)));
        self.empty.remove(&group);
    }

    fn index_group(&mut self, group: u64) {
        let g = &self.groups[group as usize];
        if g.frozen {
            return;
        }
        match g.used.count() {
            0 => {
                self.empty.insert(group);
            }
            c if c < Bitmap256::BITS => {
                self.partial.insert((c, Reverse(group)));
            }
            _ => {}
        }
    }

    fn take_slot_in(&mut self, group: u64) -> u64 {
        self.unindex_group(group);
        let g = &mut self.groups[group as usize];
        // Reuse an already reserved slot before touching an unreserved one: no fallocate needed.
        let slot = g.reserved.and_not(&g.used).first_set().or_else(|| g.used.not().first_set());
        let slot = slot.expect("group chosen for allocation has a free slot");
        g.used.set(slot);
        self.used_slots += 1;
        self.index_group(group);
        group * SLOTS_PER_GROUP + slot as u64
    }

    /// Takes a free slot: fullest partial group, else the lowest empty group, else a new group.
    pub fn allocate(&mut self) -> u64 {
        let group = match self.partial.last() {
            Some(&(_, Reverse(group))) => group,
            None => match self.empty.first() {
                Some(&group) => group,
                None => {
                    let group = self.groups.len() as u64;
                    self.ensure_group(group);
                    group
                }
            },
        };
        self.take_slot_in(group)
    }

    /// For compaction: a slot in a non-frozen group holding at least `min_used` slots, if any.
    pub fn allocate_in_group_with(&mut self, min_used: u32) -> Option<u64> {
        let &(count, Reverse(group)) = self.partial.last()?;
        (count >= min_used).then(|| self.take_slot_in(group))
    }

    pub fn is_reserved(&self, index: u64) -> bool {
        let (group, slot) = Self::split(index);
        self.groups.get(group as usize).is_some_and(|g| g.reserved.get(slot))
    }

    /// Slots from `index` (just allocated, unreserved) onward within its group that are neither used
    /// nor reserved, at most `max_slots`: reserving them in one fallocate call saves syscalls later.
    pub fn reservable_run(&self, index: u64, max_slots: u64) -> SlotRun {
        let (group, slot) = Self::split(index);
        let g = &self.groups[group as usize];
        assert!(g.used.get(slot) && !g.reserved.get(slot), "slot {index} must be allocated and unreserved");
        let mut count = 1u64;
        let mut next = slot + 1;
        while count < max_slots && next < Bitmap256::BITS && !g.used.get(next) && !g.reserved.get(next) {
            count += 1;
            next += 1;
        }
        SlotRun { start: index, count }
    }

    pub fn mark_reserved(&mut self, run: SlotRun) {
        let (group, slot) = Self::split(run.start);
        assert!(slot as u64 + run.count <= SLOTS_PER_GROUP, "reserved run crosses a group boundary");
        let g = &mut self.groups[group as usize];
        for bit in slot..slot + run.count as u32 {
            if !g.reserved.get(bit) {
                g.reserved.set(bit);
                self.reserved_slots += 1;
            }
        }
    }

    /// Frees a slot. When its group has no used slot left, the whole group is unreserved and returned for
    /// the caller to punch (3FS gives space back a group at a time).
    pub fn free(&mut self, index: u64) -> Option<SlotRun> {
        let (group, slot) = Self::split(index);
        self.unindex_group(group);
        let g = &mut self.groups[group as usize];
        assert!(g.used.get(slot), "double free of slot {index} in class {:?}", self.class);
        g.used.clear(slot);
        self.used_slots -= 1;
        let mut punch = None;
        if g.used.is_empty() && !g.reserved.is_empty() {
            self.reserved_slots -= g.reserved.count() as u64;
            g.reserved = Bitmap256::default();
            punch = Some(SlotRun { start: group * SLOTS_PER_GROUP, count: SLOTS_PER_GROUP });
        }
        self.index_group(group);
        punch
    }

    /// Marks a slot used while rebuilding from metadata; false if it already was (two owners: corrupt).
    pub fn mark_used(&mut self, index: u64) -> bool {
        let (group, slot) = Self::split(index);
        self.ensure_group(group);
        self.unindex_group(group);
        let g = &mut self.groups[group as usize];
        let fresh = !g.used.get(slot);
        if fresh {
            g.used.set(slot);
            self.used_slots += 1;
            if !g.reserved.get(slot) {
                g.reserved.set(slot);
                self.reserved_slots += 1;
            }
        }
        self.index_group(group);
        fresh
    }

    /// Unreserves every free slot and returns the runs to punch (after a rebuild, or under space pressure).
    pub fn take_free_runs(&mut self, include_unreserved: bool) -> Vec<SlotRun> {
        let mut runs = Vec::new();
        for (group, g) in self.groups.iter_mut().enumerate() {
            let free = if include_unreserved { g.used.not() } else { g.reserved.and_not(&g.used) };
            for (start, count) in free.runs() {
                runs.push(SlotRun { start: group as u64 * SLOTS_PER_GROUP + start as u64, count: count as u64 });
            }
            // Keep reservations of used slots only. Not `reserved = used`: a slot being allocated right now
            // is used but not yet reserved, and must stay unreserved until its fallocate succeeds.
            let unreserve = g.reserved.and_not(&g.used);
            self.reserved_slots -= unreserve.count() as u64;
            g.reserved = g.reserved.and_not(&unreserve);
        }
        runs
    }

    /// Non-frozen groups with 1..=max_used used slots, emptiest first: compaction sources.
    pub fn sparse_groups(&self, max_used: u32) -> Vec<(u64, u32)> {
        self.partial.iter().filter(|(count, _)| *count <= max_used).map(|&(count, Reverse(group))| (group, count)).collect()
    }

    pub fn used_in_group(&self, group: u64) -> Vec<u64> {
        let g = &self.groups[group as usize];
        (0..Bitmap256::BITS).filter(|&bit| g.used.get(bit)).map(|bit| group * SLOTS_PER_GROUP + bit as u64).collect()
    }

    pub fn set_frozen(&mut self, group: u64, frozen: bool) {
        self.unindex_group(group);
        self.groups[group as usize].frozen = frozen;
        self.index_group(group);
    }

    /// Checks the counters against the bitmaps (tests and debug stats).
    pub fn check_invariants(&self) {
        let used: u64 = self.groups.iter().map(|g| g.used.count() as u64).sum();
        let reserved: u64 = self.groups.iter().map(|g| g.reserved.count() as u64).sum();
        assert_eq!(used, self.used_slots, "used slot counter");
        assert_eq!(reserved, self.reserved_slots, "reserved slot counter");
        for (i, g) in self.groups.iter().enumerate() {
            let key = (g.used.count(), Reverse(i as u64));
            let indexed = self.partial.contains(&key) || self.empty.contains(&(i as u64));
            let should = !g.frozen && g.used.count() < Bitmap256::BITS;
            assert_eq!(indexed, should, "group {i} indexing");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allocator() -> ClassAllocator {
        ClassAllocator::new(SizeClass::from_index(0))
    }

    #[test]
    fn allocates_densely_and_prefers_fullest_group() {
        let mut a = allocator();
        let slots: Vec<u64> = (0..300).map(|_| a.allocate()).collect();
        assert_eq!(slots[..256], (0..256).collect::<Vec<_>>()[..]);
        assert_eq!(a.group_count(), 2);
        // Free many in group 0 and a few in group 1: the next allocation goes to the fuller group 0?
        for i in 0..200 {
            assert_eq!(a.free(i), None);
        }
        a.free(256);
        // group 0 holds 56, group 1 holds 43: fullest first.
        let next = a.allocate();
        assert!(next < 256, "expected group 0, got {next}");
        a.check_invariants();
    }

    #[test]
    fn reuses_reserved_slots_and_punches_empty_groups() {
        let mut a = allocator();
        let first = a.allocate();
        assert!(!a.is_reserved(first));
        let run = a.reservable_run(first, 16);
        assert_eq!(run, SlotRun { start: 0, count: 16 });
        a.mark_reserved(run);
        assert_eq!(a.reserved_slots(), 16);
        let second = a.allocate();
        assert!(a.is_reserved(second));
        assert_eq!(a.free(first), None);
        assert_eq!(a.free(second), Some(SlotRun { start: 0, count: 256 }));
        assert_eq!(a.reserved_slots(), 0);
        assert_eq!(a.used_slots(), 0);
        a.check_invariants();
    }

    #[test]
    fn rebuild_detects_double_use_and_trims() {
        let mut a = allocator();
        assert!(a.mark_used(5));
        assert!(a.mark_used(600));
        assert!(!a.mark_used(5));
        assert_eq!(a.group_count(), 3);
        assert_eq!(a.reserved_slots(), 2);
        let runs = a.take_free_runs(true);
        assert_eq!(runs[0], SlotRun { start: 0, count: 5 });
        assert_eq!(runs[1], SlotRun { start: 6, count: 250 });
        assert_eq!(a.reserved_slots(), 2);
        // The next allocation fills the fullest group (group 0 and 2 tie: lowest id).
        assert_eq!(a.allocate(), 0);
        a.check_invariants();
    }

    #[test]
    fn trimming_keeps_an_allocated_but_unreserved_slot_unreserved() {
        // A slot just allocated (fallocate still to come) must not become "reserved" by a trim.
        let mut fresh = allocator();
        let slot = fresh.allocate();
        assert!(fresh.take_free_runs(false).is_empty());
        assert!(!fresh.is_reserved(slot));
        assert_eq!(fresh.reservable_run(slot, 2).count, 2);
        fresh.check_invariants();
        // Free reserved slots are given back; the used one keeps its reservation.
        let mut a = allocator();
        let first = a.allocate();
        let run = a.reservable_run(first, 4);
        a.mark_reserved(run);
        assert_eq!(a.take_free_runs(false), vec![SlotRun { start: 1, count: 3 }]);
        assert_eq!(a.reserved_slots(), 1);
        assert!(a.is_reserved(first));
        a.check_invariants();
    }

    #[test]
    fn frozen_groups_are_skipped() {
        let mut a = allocator();
        for _ in 0..257 {
            a.allocate();
        }
        for i in 10..256 {
            a.free(i);
        }
        assert_eq!(a.sparse_groups(64), vec![(1, 1), (0, 10)]);
        a.set_frozen(0, true);
        assert_eq!(a.allocate(), 257);
        assert_eq!(a.allocate_in_group_with(3), None);
        a.set_frozen(0, false);
        assert_eq!(a.used_in_group(1), vec![256, 257]);
        a.check_invariants();
    }
}
