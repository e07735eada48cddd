//! Read-only memory maps of input files (std has no mmap, so the three libc calls are declared here;
//! std links libc anyway). Sorting from a map of the page cache saves what a read() into a fresh buffer
//! costs: zeroing and faulting in 2 GiB of anonymous pages plus copying 2 GiB into them.

use std::fs::File;
use std::io;

pub struct Mapped {
    ptr: *const u8,
    len: usize,
    /// Where mmap is unavailable the file is simply read.
    #[allow(dead_code)]
    fallback: Vec<u8>,
}

// SAFETY: the mapping is read-only and owned by this value; sharing &[u8] views across threads is fine.
unsafe impl Send for Mapped {}
unsafe impl Sync for Mapped {}

#[cfg(target_os = "linux")]
mod sys {
    use std::ffi::c_void;
    unsafe extern "C" {
        pub fn mmap(addr: *mut c_void, len: usize, prot: i32, flags: i32, fd: i32, offset: i64) -> *mut c_void;
        pub fn munmap(addr: *mut c_void, len: usize) -> i32;
    }
    pub const PROT_READ: i32 = 1;
    pub const MAP_PRIVATE: i32 = 2;
    /// Fault the whole file in up front, in the kernel, in large batches (x86-64 and arm64 value).
    pub const MAP_POPULATE: i32 = 0x8000;
}

impl Mapped {
    /// Maps the first `len` bytes of `file` read-only.
    pub fn map(file: &File, len: usize) -> io::Result<Mapped> {
        if len == 0 {
            return Ok(Mapped { ptr: std::ptr::NonNull::<u8>::dangling().as_ptr(), len: 0, fallback: Vec::new() });
        }
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: a fresh private read-only mapping of a file we hold open; the pointer is checked.
            let ptr = unsafe { sys::mmap(std::ptr::null_mut(), len, sys::PROT_READ, sys::MAP_PRIVATE | sys::MAP_POPULATE, file.as_raw_fd(), 0) };
            if ptr as isize == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(Mapped { ptr: ptr as *const u8, len, fallback: Vec::new() })
        }
        #[cfg(not(target_os = "linux"))]
        {
            use std::os::unix::fs::FileExt;
            let mut fallback = vec![0u8; len];
            file.read_exact_at(&mut fallback, 0)?;
            Ok(Mapped { ptr: fallback.as_ptr(), len, fallback })
        }
    }

    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: ptr is valid for len bytes for the life of self (mapping or fallback buffer). The file
        // must not be truncated while sorting, like any input a program is reading.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if self.len > 0 {
            // SAFETY: unmapping exactly what `map` mapped.
            unsafe { sys::munmap(self.ptr as *mut std::ffi::c_void, self.len) };
        }
    }
}
