//! 4 KiB-aligned buffers for O_DIRECT, recycled through a small global pool keyed by power-of-two size
//! so a steady stream of 4 MiB writes does not hit the allocator (and page faults) every time.
use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::Mutex;

use crate::types::BLOCK_BYTES;

const MIN_LOG2: u32 = 12;
const MAX_LOG2: u32 = 27;
/// Cached (idle) buffers beyond this are freed instead of kept.
const MAX_CACHED_BYTES: usize = 256 << 20;

struct RawBuf {
    ptr: NonNull<u8>,
    capacity: usize,
}

// SAFETY: a RawBuf exclusively owns its allocation.
unsafe impl Send for RawBuf {}

impl RawBuf {
    fn new(capacity: usize) -> RawBuf {
        let layout = Layout::from_size_align(capacity, BLOCK_BYTES as usize).expect("valid aligned layout");
        // Zeroed once so every byte is initialized; recycled buffers keep old (initialized) bytes.
        // SAFETY: the layout has non-zero size (capacity >= 4 KiB).
        let ptr = unsafe { alloc_zeroed(layout) };
        RawBuf { ptr: NonNull::new(ptr).unwrap_or_else(|| std::alloc::handle_alloc_error(layout)), capacity }
    }
}

impl Drop for RawBuf {
    fn drop(&mut self) {
        let layout = Layout::from_size_align(self.capacity, BLOCK_BYTES as usize).expect("valid aligned layout");
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.ptr.as_ptr(), layout) };
    }
}

struct Cache {
    by_log2: Vec<Vec<RawBuf>>,
    cached_bytes: usize,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache { by_log2: Vec::new(), cached_bytes: 0 });

/// An aligned buffer of `len` bytes (capacity rounded up to a power of two). Contents start arbitrary:
/// zero or whatever the previous user left.
pub struct AlignedBuf {
    raw: Option<RawBuf>,
    len: usize,
}

impl AlignedBuf {
    pub fn new(len: usize) -> AlignedBuf {
        let log2 = len.max(1).next_power_of_two().trailing_zeros().max(MIN_LOG2);
        let cached = if log2 <= MAX_LOG2 {
            let mut cache = CACHE.lock().expect("buffer cache lock");
            let slot = log2 as usize;
            let buf = cache.by_log2.get_mut(slot).and_then(|v| v.pop());
            if let Some(b) = &buf {
                cache.cached_bytes -= b.capacity;
            }
            buf
        } else {
            None
        };
        let raw = cached.unwrap_or_else(|| RawBuf::new(1usize << log2));
        AlignedBuf { raw: Some(raw), len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Deref for AlignedBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        let raw = self.raw.as_ref().expect("live buffer");
        // SAFETY: len <= capacity and the memory is owned and initialized (zeroed at allocation).
        unsafe { std::slice::from_raw_parts(raw.ptr.as_ptr(), self.len) }
    }
}

impl DerefMut for AlignedBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        let raw = self.raw.as_ref().expect("live buffer");
        // SAFETY: as in deref, with exclusive access through &mut self.
        unsafe { std::slice::from_raw_parts_mut(raw.ptr.as_ptr(), self.len) }
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        let Some(raw) = self.raw.take() else { return };
        let log2 = raw.capacity.trailing_zeros();
        if log2 > MAX_LOG2 {
            return;
        }
        let mut cache = CACHE.lock().expect("buffer cache lock");
        if cache.cached_bytes + raw.capacity <= MAX_CACHED_BYTES {
            let slot = log2 as usize;
            if cache.by_log2.len() <= slot {
                cache.by_log2.resize_with(slot + 1, Vec::new);
            }
            cache.cached_bytes += raw.capacity;
            cache.by_log2[slot].push(raw);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_and_recycled() {
        let mut a = AlignedBuf::new(5000);
        assert_eq!(a.len(), 5000);
        assert_eq!(a.as_ptr() as usize % 4096, 0);
        a[4999] = 7;
        drop(a);
        let b = AlignedBuf::new(8192);
        assert_eq!(b.as_ptr() as usize % 4096, 0);
        assert_eq!(b.len(), 8192);
    }
}
