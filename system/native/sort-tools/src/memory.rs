//! Large buffers: 4 KiB-aligned blocks for O_DIRECT writes, and the gigabyte-sized arrays of the sort.

use std::alloc::{Layout, alloc_zeroed, dealloc};

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
