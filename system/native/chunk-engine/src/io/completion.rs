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
    QUEUE.get_or_init(|| Queue { items: Mutex::new(Vec::new()), eventfd: sys::new_eventfd().expect("create eventfd") })
}

pub fn event_fd() -> i32 {
    queue().eventfd.as_raw_fd()
}

fn signal(q: &Queue) {
    // EAGAIN only if the counter is at its maximum, which still means "readable": ignore errors.
    let _ = (&q.eventfd).write(&1u64.to_ne_bytes());
}

pub fn post(completion: Completion) {
    let q = queue();
    let was_empty = {
        let mut items = q.items.lock().expect("completion lock");
        let was_empty = items.is_empty();
        items.push(completion);
        was_empty
    };
    if was_empty {
        signal(q);
    }
}

/// Moves up to `out.len()` completions into `out`, oldest first, and returns how many.
pub fn harvest(out: &mut [Completion]) -> usize {
    let q = queue();
    let mut counter = [0u8; 8];
    let _ = (&q.eventfd).read(&mut counter); // EAGAIN when not signalled: fine
    let mut items = q.items.lock().expect("completion lock");
    let n = items.len().min(out.len());
    out[..n].copy_from_slice(&items[..n]);
    items.drain(..n);
    if !items.is_empty() {
        signal(q);
    }
    n
}
