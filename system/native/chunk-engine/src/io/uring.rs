//! A minimal io_uring over raw syscalls (no liburing, no crates): setup, the two mmapped rings, READ
//! and WRITE submissions, and completion reaping. Used by one thread only (io/reactor.rs), so the
//! rings need no locks: only acquire/release ordering against the kernel on the shared head/tail words.
use std::io;
use std::os::raw::{c_int, c_long, c_void};
use std::ptr;
use std::sync::atomic::{AtomicU32, Ordering};

const SYS_IO_URING_SETUP: c_long = 425;
const SYS_IO_URING_ENTER: c_long = 426;
const SYS_IO_URING_REGISTER: c_long = 427;
const IORING_REGISTER_EVENTFD: c_long = 4;
const IORING_OFF_SQ_RING: i64 = 0;
const IORING_OFF_CQ_RING: i64 = 0x800_0000;
const IORING_OFF_SQES: i64 = 0x1000_0000;
const IORING_FEAT_SINGLE_MMAP: u32 = 1;
const IORING_ENTER_GETEVENTS: u32 = 1;
pub const IORING_OP_READ: u8 = 22;
pub const IORING_OP_WRITE: u8 = 23;
const PROT_READ_WRITE: c_int = 0x1 | 0x2;
const MAP_SHARED_POPULATE: c_int = 0x01 | 0x8000;

unsafe extern "C" {
    fn syscall(number: c_long, ...) -> c_long;
    fn mmap(addr: *mut c_void, len: usize, prot: c_int, flags: c_int, fd: c_int, offset: i64) -> *mut c_void;
    fn munmap(addr: *mut c_void, len: usize) -> c_int;
    fn close(fd: c_int) -> c_int;
}

#[repr(C)]
#[derive(Default)]
struct SqRingOffsets {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    flags: u32,
    dropped: u32,
    array: u32,
    resv1: u32,
    user_addr: u64,
}

#[repr(C)]
#[derive(Default)]
struct CqRingOffsets {
    head: u32,
    tail: u32,
    ring_mask: u32,
    ring_entries: u32,
    overflow: u32,
    cqes: u32,
    flags: u32,
    resv1: u32,
    user_addr: u64,
}

#[repr(C)]
#[derive(Default)]
struct Params {
    sq_entries: u32,
    cq_entries: u32,
    flags: u32,
    sq_thread_cpu: u32,
    sq_thread_idle: u32,
    features: u32,
    wq_fd: u32,
    resv: [u32; 3],
    sq_off: SqRingOffsets,
    cq_off: CqRingOffsets,
}

/// struct io_uring_sqe (64 bytes), only the fields READ/WRITE use.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Sqe {
    opcode: u8,
    flags: u8,
    ioprio: u16,
    fd: i32,
    off: u64,
    addr: u64,
    len: u32,
    rw_flags: u32,
    user_data: u64,
    pad: [u64; 3],
}

#[repr(C)]
struct Cqe {
    user_data: u64,
    res: i32,
    flags: u32,
}

struct Mapping {
    ptr: *mut c_void,
    len: usize,
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: mapped in `map` with this length, unmapped once.
        unsafe { munmap(self.ptr, self.len) };
    }
}

fn map(fd: c_int, len: usize, offset: i64) -> io::Result<Mapping> {
    // SAFETY: a fresh shared mapping of the ring fd at a kernel-defined offset.
    let ptr = unsafe { mmap(ptr::null_mut(), len, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset) };
    if ptr as isize == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(Mapping { ptr, len })
}

pub struct Ring {
    fd: c_int,
    sq_head: *const AtomicU32,
    sq_tail: *const AtomicU32,
    sq_mask: u32,
    sq_entries: u32,
    sq_array: *mut u32,
    sqes: *mut Sqe,
    cq_head: *const AtomicU32,
    cq_tail: *const AtomicU32,
    cq_mask: u32,
    cqes: *const Cqe,
    /// SQEs written since the last enter.
    unsubmitted: u32,
    _maps: Vec<Mapping>,
}

// SAFETY: the ring is owned and driven by one thread at a time (the reactor); the raw pointers point
// into mappings the Ring owns.
unsafe impl Send for Ring {}

impl Ring {
    pub fn new(entries: u32) -> io::Result<Ring> {
        let mut p = Params::default();
        // SAFETY: io_uring_setup(entries, &params); the kernel fills params.
        let fd = unsafe { syscall(SYS_IO_URING_SETUP, entries as c_long, &mut p as *mut Params) } as c_int;
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let result = Self::map_rings(fd, &p);
        if result.is_err() {
            // SAFETY: fd came from io_uring_setup and is not used after this.
            unsafe { close(fd) };
        }
        result
    }

    fn map_rings(fd: c_int, p: &Params) -> io::Result<Ring> {
        let sq_len = p.sq_off.array as usize + p.sq_entries as usize * 4;
        let cq_len = p.cq_off.cqes as usize + p.cq_entries as usize * size_of::<Cqe>();
        let mut maps = Vec::new();
        let sq = if p.features & IORING_FEAT_SINGLE_MMAP != 0 { map(fd, sq_len.max(cq_len), IORING_OFF_SQ_RING)? } else { map(fd, sq_len, IORING_OFF_SQ_RING)? };
        let sq_base = sq.ptr as *mut u8;
        let cq_base = if p.features & IORING_FEAT_SINGLE_MMAP != 0 {
            sq_base
        } else {
            let cq = map(fd, cq_len, IORING_OFF_CQ_RING)?;
            let base = cq.ptr as *mut u8;
            maps.push(cq);
            base
        };
        maps.push(sq);
        let sqes = map(fd, p.sq_entries as usize * size_of::<Sqe>(), IORING_OFF_SQES)?;
        let sqes_ptr = sqes.ptr as *mut Sqe;
        maps.push(sqes);
        // SAFETY: offsets come from the kernel and lie inside the mappings.
        unsafe {
            Ok(Ring {
                fd,
                sq_head: sq_base.add(p.sq_off.head as usize) as *const AtomicU32,
                sq_tail: sq_base.add(p.sq_off.tail as usize) as *const AtomicU32,
                sq_mask: *(sq_base.add(p.sq_off.ring_mask as usize) as *const u32),
                sq_entries: p.sq_entries,
                sq_array: sq_base.add(p.sq_off.array as usize) as *mut u32,
                sqes: sqes_ptr,
                cq_head: cq_base.add(p.cq_off.head as usize) as *const AtomicU32,
                cq_tail: cq_base.add(p.cq_off.tail as usize) as *const AtomicU32,
                cq_mask: *(cq_base.add(p.cq_off.ring_mask as usize) as *const u32),
                cqes: cq_base.add(p.cq_off.cqes as usize) as *const Cqe,
                unsubmitted: 0,
                _maps: maps,
            })
        }
    }

    pub fn sq_capacity(&self) -> u32 {
        self.sq_entries
    }

    pub fn unsubmitted(&self) -> u32 {
        self.unsubmitted
    }

    /// Has the kernel signal `eventfd` whenever it posts a completion.
    pub fn register_eventfd(&self, eventfd: i32) -> io::Result<()> {
        let fd_arg: i32 = eventfd;
        // SAFETY: io_uring_register(fd, IORING_REGISTER_EVENTFD, &eventfd, 1).
        let ret = unsafe { syscall(SYS_IO_URING_REGISTER, self.fd as c_long, IORING_REGISTER_EVENTFD, &fd_arg as *const i32, 1 as c_long) };
        if ret < 0 { Err(io::Error::last_os_error()) } else { Ok(()) }
    }

    /// Queues a READ or WRITE of `len` bytes at `buf`; false when the submission ring is full.
    pub fn push(&mut self, opcode: u8, fd: i32, offset: u64, buf: *mut u8, len: u32, user_data: u64) -> bool {
        // SAFETY: head/tail words live in the SQ mapping; only this thread writes the tail.
        let (head, tail) = unsafe { ((*self.sq_head).load(Ordering::Acquire), (*self.sq_tail).load(Ordering::Relaxed)) };
        if tail.wrapping_sub(head) >= self.sq_entries {
            return false;
        }
        let index = tail & self.sq_mask;
        let sqe = Sqe { opcode, fd, off: offset, addr: buf as u64, len, user_data, ..Sqe::default() };
        // SAFETY: index < sq_entries; the slot is ours until the tail store publishes it.
        unsafe {
            ptr::write(self.sqes.add(index as usize), sqe);
            ptr::write(self.sq_array.add(index as usize), index);
            (*self.sq_tail).store(tail.wrapping_add(1), Ordering::Release);
        }
        self.unsubmitted += 1;
        true
    }

    /// Submits queued SQEs and, if `wait`, blocks until at least one completion is available.
    pub fn enter(&mut self, wait: bool) -> io::Result<()> {
        let to_submit = self.unsubmitted;
        let min_complete = u32::from(wait);
        let flags = if wait { IORING_ENTER_GETEVENTS } else { 0 };
        if to_submit == 0 && !wait {
            return Ok(());
        }
        // SAFETY: io_uring_enter(fd, to_submit, min_complete, flags, NULL, 0).
        let ret = unsafe { syscall(SYS_IO_URING_ENTER, self.fd as c_long, to_submit as c_long, min_complete as c_long, flags as c_long, ptr::null::<c_void>(), 0 as c_long) };
        if ret < 0 {
            let e = io::Error::last_os_error();
            return if e.raw_os_error() == Some(4) { Ok(()) } else { Err(e) }; // EINTR: just retry later
        }
        self.unsubmitted -= (ret as u32).min(self.unsubmitted);
        Ok(())
    }

    /// Calls `f(user_data, result)` for every available completion.
    pub fn reap(&mut self, mut f: impl FnMut(u64, i32)) -> usize {
        // SAFETY: only this thread advances the CQ head; the tail is published by the kernel.
        let mut head = unsafe { (*self.cq_head).load(Ordering::Relaxed) };
        let tail = unsafe { (*self.cq_tail).load(Ordering::Acquire) };
        let mut n = 0;
        while head != tail {
            // SAFETY: entries between head and tail are filled in by the kernel.
            let cqe = unsafe { &*self.cqes.add((head & self.cq_mask) as usize) };
            f(cqe.user_data, cqe.res);
            head = head.wrapping_add(1);
            n += 1;
        }
        unsafe { (*self.cq_head).store(head, Ordering::Release) };
        n
    }
}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: the fd is owned; mappings drop after this.
        unsafe { close(self.fd) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;

    #[test]
    fn reads_and_writes_a_file() {
        let Ok(mut ring) = Ring::new(8) else { return }; // io_uring not permitted here: nothing to test
        let path = std::env::temp_dir().join(format!("fce-uring-{}", std::process::id()));
        let mut file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
        file.write_all(&[7u8; 8192]).unwrap();
        let mut buf = vec![0u8; 4096];
        let mut data = vec![9u8; 100];
        assert!(ring.push(IORING_OP_READ, file.as_raw_fd(), 4096, buf.as_mut_ptr(), 4096, 11));
        assert!(ring.push(IORING_OP_WRITE, file.as_raw_fd(), 0, data.as_mut_ptr(), 100, 12));
        let mut results = Vec::new();
        while results.len() < 2 {
            ring.enter(true).unwrap();
            ring.reap(|user_data, res| results.push((user_data, res)));
        }
        results.sort();
        assert_eq!(results, vec![(11, 4096), (12, 100)]);
        assert!(buf.iter().all(|b| *b == 7));
        assert_eq!(std::fs::read(&path).unwrap()[..100], [9u8; 100]);
        std::fs::remove_file(path).unwrap();
    }
}
