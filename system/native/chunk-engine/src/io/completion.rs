//! The process-wide completion queue. Jobs push results here; the JavaScript side watches one eventfd
//! with libuv (koffi.node.poll), so a batch of completions costs one event-loop wake-up and one
//! synchronous harvest call, instead of one koffi async call (30-110 us on this VM) per I/O.
//!
//! Signalling protocol: a producer writes the eventfd only when it makes the queue non-empty; the
//! consumer reads (resets) the eventfd before draining. Any item pushed after the drain finds the queue
//! empty and signals again, so no completion is ever left without a pending wake-up.
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::sync::{Mutex, OnceLock};

use crate::sys;

pub const DETAIL_BYTES: usize = 120;

/// One finished operation, laid out for the JavaScript reader (192 bytes, see ffi.rs).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Completion {
    pub tag: u64,
    pub status: i32,
    pub op: u32,
    pub value: u64,
    pub meta: crate::ffi_types::FceMeta,
    pub detail_len: u32,
    pub reserved: u32,
    pub detail: [u8; DETAIL_BYTES],
}

impl Completion {
    pub fn new(tag: u64, op: u32, status: i32, value: u64, meta: crate::ffi_types::FceMeta, detail: &str) -> Completion {
        let mut c = Completion { tag, status, op, value, meta, detail_len: 0, reserved: 0, detail: [0; DETAIL_BYTES] };
        let bytes = truncate_utf8(detail, DETAIL_BYTES);
        c.detail[..bytes.len()].copy_from_slice(bytes);
        c.detail_len = bytes.len() as u32;
        c
    }
}

pub fn truncate_utf8(s: &str, max_bytes: usize) -> &[u8] {
    let mut end = s.len().min(max_bytes);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s.as_bytes()[..end]
}

struct Queue {
    items: Mutex<Vec<Completion>>,
    eventfd: File,
}

fn queue() -> &'static Queue {
    static QUEUE: OnceLock<Queue> = OnceLock::new();
    QUEUE.get_or_init(|| Queue { items: Mutex::new(Vec::new()), eventfd: sys::new_eventfd(true).expect("create eventfd") })
}

pub fn event_fd() -> i32 {
    queue().eventfd.as_raw_fd()
}

fn signal(q: &Queue) {
    // EAGAIN only if the counter is at its maximum, which still means "readable": ignore errors.
    let _ = (&q.eventfd).write(&1u64.to_ne_bytes());
}

thread_local! {
    /// Set while this thread is inside harvest: whatever it posts is drained right after, no signal needed.
    static HARVESTING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub fn post(completion: Completion) {
    let q = queue();
    let was_empty = {
        let mut items = q.items.lock().expect("completion lock");
        let was_empty = items.is_empty();
        items.push(completion);
        was_empty
    };
    if was_empty && !HARVESTING.with(|h| h.get()) {
        signal(q);
    }
}

/// Moves up to `max` completions, oldest first, to `out` (room for `max` records, any alignment) and
/// returns how many.
///
/// # Safety
/// `out` must be valid for writes of `max * size_of::<Completion>()` bytes.
pub unsafe fn harvest_into(out: *mut u8, max: usize) -> usize {
    let q = queue();
    let mut counter = [0u8; 8];
    // Reset first, then look: a completion (queue item or ring CQE) that lands after this read signals
    // again, so none is ever left without a wake-up.
    let _ = (&q.eventfd).read(&mut counter); // EAGAIN when not signalled: fine
    HARVESTING.with(|h| h.set(true));
    super::ring_io::reap();
    HARVESTING.with(|h| h.set(false));
    let mut items = q.items.lock().expect("completion lock");
    let n = items.len().min(max);
    // SAFETY: the caller guarantees room for n records; Completion is plain old data.
    unsafe { std::ptr::copy_nonoverlapping(items.as_ptr() as *const u8, out, n * size_of::<Completion>()) };
    items.drain(..n);
    if !items.is_empty() {
        signal(q);
    }
    n
}

/// Safe wrapper for Rust callers (tests).
pub fn harvest(out: &mut [Completion]) -> usize {
    // SAFETY: `out` has room for out.len() records.
    unsafe { harvest_into(out.as_mut_ptr() as *mut u8, out.len()) }
}
