//! Large buffers: 4 KiB-aligned blocks for O_DIRECT writes, and the gigabyte-sized arrays of the sort.

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::sync::Mutex;

pub const DIRECT_ALIGN: usize = 4096;

/// A zeroed, 4 KiB-aligned byte buffer of fixed size (Vec cannot promise the alignment O_DIRECT needs).
pub struct AlignedBuf {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: AlignedBuf owns its allocation exclusively, like a Vec<u8>.
unsafe impl Send for AlignedBuf {}
unsafe impl Sync for AlignedBuf {}

impl AlignedBuf {
    pub fn zeroed(len: usize) -> AlignedBuf {
        assert!(len > 0);
        let layout = Layout::from_size_align(len, DIRECT_ALIGN).expect("valid layout");
        // SAFETY: layout has non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        AlignedBuf { ptr, len }
    }

    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: ptr is valid for len initialised (zeroed) bytes while self lives.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as above, and &mut self guarantees exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        // SAFETY: allocated in `zeroed` with exactly this layout.
        unsafe { dealloc(self.ptr, Layout::from_size_align(self.len, DIRECT_ALIGN).unwrap()) }
    }
}

/// A zero-filled Vec for a big array. Zeroed allocations this large come straight from mmap, so they
/// cost page faults on first touch, not a memset. (Transparent huge pages via madvise were tried: on
/// this VM, whose THP defrag mode compacts memory synchronously on fault, they made loading 2 GiB three
/// times slower, so they are not used.)
pub fn big_zeroed<T: Clone + Default>(n: usize) -> Vec<T> {
    vec![T::default(); n]
}

/// Entry arrays kept for the next sort of this process, and the most bytes they may hold together.
/// A process that sorts partition after partition (a GraySort client through the C ABI) would
/// otherwise map fresh arrays for every one, and on this VM a fresh page costs a fault and a zeroing:
/// about 0.5 s per GB touched, against 0.04 s to clear memory already mapped.
static SPARE_ENTRIES: Mutex<Vec<Vec<u128>>> = Mutex::new(Vec::new());
const SPARE_ENTRIES_MAX_BYTES: usize = 1 << 30;

/// `n` zeroed entries, in a recycled array when one is spare (the smallest big enough, else the
/// largest, grown), else in a fresh one.
pub fn entries_zeroed(n: usize) -> Vec<u128> {
    let spare = {
        let mut spares = SPARE_ENTRIES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let fits = (0..spares.len()).filter(|&i| spares[i].capacity() >= n).min_by_key(|&i| spares[i].capacity());
        let pick = fits.or_else(|| (0..spares.len()).max_by_key(|&i| spares[i].capacity()));
        pick.map(|i| spares.swap_remove(i))
    };
    match spare {
        Some(mut v) => {
            v.clear();
            v.resize(n, 0);
            v
        }
        None => big_zeroed(n),
    }
}

/// Keeps `v`'s memory for a later `entries_zeroed`, unless the spares would exceed their byte limit.
pub fn recycle_entries(v: Vec<u128>) {
    let bytes = v.capacity() * std::mem::size_of::<u128>();
    if bytes == 0 {
        return;
    }
    let mut spares = SPARE_ENTRIES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let held: usize = spares.iter().map(|s| s.capacity() * std::mem::size_of::<u128>()).sum();
    if held + bytes <= SPARE_ENTRIES_MAX_BYTES {
        spares.push(v);
    }
}

#[cfg(test)]
mod tests {
    use super::{entries_zeroed, recycle_entries};

    #[test]
    fn recycled_entries_come_back_zeroed_and_sized() {
        let mut v = entries_zeroed(1000);
        v.iter_mut().enumerate().for_each(|(i, e)| *e = i as u128 + 1);
        recycle_entries(v);
        let again = entries_zeroed(500);
        assert_eq!(again.len(), 500);
        assert!(again.iter().all(|&e| e == 0), "a recycled array must be cleared");
        let bigger = entries_zeroed(5000);
        assert_eq!(bigger.len(), 5000);
        assert!(bigger.iter().all(|&e| e == 0));
        recycle_entries(again);
        recycle_entries(bigger);
    }
}
