//! The few libc calls std does not wrap. "std only" forbids crates, not libc symbols: std itself links
//! libc, so declaring these prototypes is enough. Constants are the Linux x86_64 values.
use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::raw::{c_char, c_int, c_uint, c_ulong, c_void};
use std::path::Path;

pub const O_DIRECT: i32 = 0o40000;
const FALLOC_FL_KEEP_SIZE: c_int = 0x01;
const FALLOC_FL_PUNCH_HOLE: c_int = 0x02;
const EFD_CLOEXEC: c_int = 0o2000000;
const EFD_NONBLOCK: c_int = 0o4000;
const LOCK_SH: c_int = 1;
const LOCK_EX: c_int = 2;
const LOCK_NB: c_int = 4;
const PROT_NONE: c_int = 0;
const PROT_READ: c_int = 1;
const MAP_SHARED: c_int = 0x01;
const MAP_PRIVATE: c_int = 0x02;
const MAP_FIXED: c_int = 0x10;
const MAP_ANONYMOUS: c_int = 0x20;
const MAP_NORESERVE: c_int = 0x4000;
const MADV_POPULATE_READ: c_int = 22;
const EINVAL: i32 = 22;
const PAGE_BYTES: u64 = 4096;

/// glibc's `struct statvfs` on x86_64 (11 longs + 6 spare ints); padded generously.
#[repr(C)]
#[derive(Default)]
struct StatVfs {
    f_bsize: c_ulong,
    f_frsize: c_ulong,
    f_blocks: u64,
    f_bfree: u64,
    f_bavail: u64,
    f_files: u64,
    f_ffree: u64,
    f_favail: u64,
    f_fsid: c_ulong,
    f_flag: c_ulong,
    f_namemax: c_ulong,
    spare: [u64; 8],
}

unsafe extern "C" {
    fn fallocate(fd: c_int, mode: c_int, offset: i64, len: i64) -> c_int;
    fn eventfd(initval: c_uint, flags: c_int) -> c_int;
    fn flock(fd: c_int, operation: c_int) -> c_int;
    fn statvfs(path: *const c_char, buf: *mut StatVfs) -> c_int;
    fn mmap(addr: *mut c_void, len: usize, prot: c_int, flags: c_int, fd: c_int, offset: i64) -> *mut c_void;
    fn munmap(addr: *mut c_void, len: usize) -> c_int;
    fn madvise(addr: *mut c_void, len: usize, advice: c_int) -> c_int;
}

fn check(ret: c_int) -> io::Result<()> {
    if ret == 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// Reserves [offset, offset+len) so later writes cannot hit ENOSPC. Mode 0 (not KEEP_SIZE) on purpose:
/// the file grows to cover the reservation, because ext4 only punches holes below i_size and blocks
/// reserved past it could never be given back.
pub fn reserve(file: &File, offset_bytes: u64, len_bytes: u64) -> io::Result<()> {
    debug_assert!(len_bytes > 0);
    check(unsafe { fallocate(file.as_raw_fd(), 0, offset_bytes as i64, len_bytes as i64) })
}

/// Gives [offset, offset+len) back to the file system; reads of it return zeros afterwards.
pub fn punch_hole(file: &File, offset_bytes: u64, len_bytes: u64) -> io::Result<()> {
    debug_assert!(len_bytes > 0);
    let mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
    check(unsafe { fallocate(file.as_raw_fd(), mode, offset_bytes as i64, len_bytes as i64) })
}

/// An eventfd, wrapped in a File so reads, writes and close come from std. Non-blocking for fds polled
/// by libuv; blocking for the one io_uring reads (io_uring then waits on it asynchronously).
pub fn new_eventfd(nonblocking: bool) -> io::Result<File> {
    let flags = if nonblocking { EFD_CLOEXEC | EFD_NONBLOCK } else { EFD_CLOEXEC };
    let fd = unsafe { eventfd(0, flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Takes an advisory lock, failing at once (EWOULDBLOCK) when another process holds it. The kernel drops
/// it when the process dies, so a SIGKILLed engine never leaves its directory locked.
pub fn try_lock(file: &File, exclusive: bool) -> io::Result<()> {
    let op = if exclusive { LOCK_EX } else { LOCK_SH } | LOCK_NB;
    check(unsafe { flock(file.as_raw_fd(), op) })
}

/// Reserves `len` bytes of address space (no access, no memory, no swap), for file mappings to be
/// placed into with `map_file_at`.
pub fn reserve_address_space(len: usize) -> io::Result<*mut u8> {
    let p = unsafe { mmap(std::ptr::null_mut(), len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) };
    if p as isize == -1 { Err(io::Error::last_os_error()) } else { Ok(p as *mut u8) }
}

/// Maps `len` bytes of `file` at `offset_bytes`, read-only and shared (coherent with the page cache),
/// over the address range at `addr`, which must lie in a reservation made by `reserve_address_space`.
///
/// # Safety
/// `[addr, addr + len)` must be reserved by the caller and hold no mapping anyone else still uses.
pub unsafe fn map_file_at(addr: *mut u8, len: usize, file: &File, offset_bytes: u64) -> io::Result<()> {
    let p = unsafe { mmap(addr as *mut c_void, len, PROT_READ, MAP_SHARED | MAP_FIXED, file.as_raw_fd(), offset_bytes as i64) };
    if p as isize == -1 { Err(io::Error::last_os_error()) } else { Ok(()) }
}

/// # Safety
/// Nothing may access `[addr, addr + len)` afterwards.
pub unsafe fn unmap(addr: *mut u8, len: usize) -> io::Result<()> {
    check(unsafe { munmap(addr as *mut c_void, len) })
}

/// Faults `[addr, addr + len)` of a file mapping in (reading the file where its pages are not cached)
/// without touching the bytes: an I/O error comes back as an error here instead of a SIGBUS on access.
/// Kernels before 5.14 lack MADV_POPULATE_READ: the pages are then touched one by one, so an I/O
/// error there does raise SIGBUS, as it would when the bytes are read anyway.
pub fn populate_read(addr: *const u8, len: usize) -> io::Result<()> {
    if len == 0 {
        return Ok(());
    }
    let start = addr as u64 / PAGE_BYTES * PAGE_BYTES;
    let end = addr as u64 + len as u64;
    if unsafe { madvise(start as *mut c_void, (end - start) as usize, MADV_POPULATE_READ) } == 0 {
        return Ok(());
    }
    let error = io::Error::last_os_error();
    if error.raw_os_error() != Some(EINVAL) {
        return Err(error);
    }
    let mut page = start;
    while page < end {
        // SAFETY: the caller passes a mapped range; one volatile read per page faults it in.
        unsafe { std::ptr::read_volatile(page.max(addr as u64) as *const u8) };
        page += PAGE_BYTES;
    }
    Ok(())
}

pub struct FsSpace {
    pub total_bytes: u64,
    pub available_bytes: u64,
}

pub fn fs_space(path: &Path) -> io::Result<FsSpace> {
    let c_path = CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))?;
    let mut buf = StatVfs::default();
    check(unsafe { statvfs(c_path.as_ptr(), &mut buf) })?;
    let unit = buf.f_frsize;
    Ok(FsSpace { total_bytes: buf.f_blocks * unit, available_bytes: buf.f_bavail * unit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fs_space_reports_something() {
        let space = fs_space(Path::new("/tmp")).unwrap();
        assert!(space.total_bytes > 0 && space.available_bytes <= space.total_bytes);
    }
}
