//! Read I/O on an io_uring driven by the caller's thread (the Node event loop), with no thread hop in
//! either direction:
//! - `submit` writes an SQE (when the ring is full: a backlog) and enters the kernel every
//!   `SUBMIT_BATCH` SQEs, so a burst of reads shares syscalls and virtio doorbells while the disk
//!   already works on the first ones; `flush` submits the rest (the wrapper flushes once per
//!   event-loop turn) and `reap` flushes too.
//! - The ring signals the completion eventfd (IORING_REGISTER_EVENTFD) that libuv already watches, and
//!   `reap`, called from fce_harvest, runs the continuations of finished I/Os on that same thread.
//!
//! Measured on this VM, 4 KiB random O_DIRECT reads at depth 64 through the whole TypeScript path
//! (fio with io_uring at depth 64: 100-129 k IOPS):
//! - a pool thread per in-flight read: 38-55 k IOPS, 110 % system CPU (futex wake-ups, context
//!   switches, one virtio doorbell per I/O);
//! - Node doing the reads itself on the (fd, offset) the engine hands out: 33-42 k (libuv's 4 threads);
//! - an io_uring on its own reactor thread: 67-76 k (a thread hop each way);
//! - this, flushing once per event-loop turn: 58-65 k (the whole queue moved in waves, the disk idled
//!   while JavaScript handled each wave); entering every 8 SQEs instead: 77-102 k. The event loop is
//!   then the bottleneck (utilization 1.0), not the disk.
//!
//! Without io_uring (old kernel, seccomp) requests run as blocking pread/pwrite on the pool.
use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::os::fd::FromRawFd;
use std::sync::{Mutex, OnceLock};

use super::pool;
use super::uring::{IORING_OP_READ, IORING_OP_WRITE, Ring};

const RING_ENTRIES: u32 = 256;

/// One read or write. `buf` must stay valid until `done` runs. `done` runs on the thread that reaps
/// (the event loop) or on a pool thread in fallback mode, so it must be short: hand heavy work to the pool.
pub struct IoRequest {
    pub write: bool,
    pub fd: i32,
    pub offset_bytes: u64,
    pub buf: *mut u8,
    pub len: usize,
    pub done: Box<dyn FnOnce(io::Result<()>) + Send>,
}

// SAFETY: the buffer's owner guarantees it outlives the request and is not touched meanwhile.
unsafe impl Send for IoRequest {}

struct InFlight {
    request: IoRequest,
    done_bytes: usize,
}

struct RingState {
    ring: Ring,
    slots: Vec<Option<InFlight>>,
    free_slots: Vec<usize>,
    backlog: VecDeque<IoRequest>,
    in_flight: usize,
}

impl RingState {
    fn push(&mut self, slot: usize) -> bool {
        let f = self.slots[slot].as_ref().expect("slot in use");
        let r = &f.request;
        let remaining = (r.len - f.done_bytes).min(u32::MAX as usize & !4095) as u32;
        // SAFETY (pointer arithmetic): done_bytes < len, inside the caller's buffer.
        let buf = unsafe { r.buf.add(f.done_bytes) };
        let op = if r.write { IORING_OP_WRITE } else { IORING_OP_READ };
        self.ring.push(op, r.fd, r.offset_bytes + f.done_bytes as u64, buf, remaining, slot as u64)
    }

    /// Moves backlog into the submission ring while there is room.
    fn fill(&mut self) {
        while self.in_flight < self.ring.sq_capacity() as usize {
            let Some(request) = self.backlog.pop_front() else { break };
            let slot = self.free_slots.pop().unwrap_or_else(|| {
                self.slots.push(None);
                self.slots.len() - 1
            });
            self.slots[slot] = Some(InFlight { request, done_bytes: 0 });
            let pushed = self.push(slot);
            assert!(pushed, "in-flight I/O is bounded by the ring size");
            self.in_flight += 1;
        }
    }
}

fn ring() -> Option<&'static Mutex<RingState>> {
    static RING: OnceLock<Option<Mutex<RingState>>> = OnceLock::new();
    RING.get_or_init(|| {
        let ring = Ring::new(RING_ENTRIES).ok()?;
        ring.register_eventfd(super::completion::event_fd()).ok()?;
        Some(Mutex::new(RingState { ring, slots: Vec::new(), free_slots: Vec::new(), backlog: VecDeque::new(), in_flight: 0 }))
    })
    .as_ref()
}

/// Whether I/O goes through io_uring (reported in engine stats).
pub fn uses_io_uring() -> bool {
    ring().is_some()
}

/// Queues `request` on the ring, or runs it on the pool when `use_ring` is off or io_uring unavailable.
pub fn submit(request: IoRequest, use_ring: bool) {
    if request.len == 0 {
        (request.done)(Ok(()));
        return;
    }
    let Some(ring) = ring().filter(|_| use_ring) else {
        pool::spawn(move || blocking(request));
        return;
    };
    let mut state = ring.lock().expect("ring lock");
    state.backlog.push_back(request);
    state.fill();
    if state.ring.unsubmitted() >= SUBMIT_BATCH {
        enter(&mut state);
    }
}

/// SQEs per io_uring_enter while submitting: 4-8 measured best (1: a syscall and doorbell per read;
/// 16 and up: the disk waits for the batch).
const SUBMIT_BATCH: u32 = 8;

fn enter(state: &mut RingState) {
    if let Err(e) = state.ring.enter(false) {
        // EAGAIN/EBUSY: the kernel is short of resources; the SQEs stay queued for the next flush.
        assert!(matches!(e.raw_os_error(), Some(11) | Some(16)), "io_uring_enter failed: {e}");
    }
}

/// Submits every queued SQE with one io_uring_enter.
pub fn flush() {
    if let Some(ring) = ring() {
        let mut state = ring.lock().expect("ring lock");
        if state.ring.unsubmitted() > 0 {
            enter(&mut state);
        }
    }
}

/// Runs the continuations of finished I/Os, refills the ring from the backlog and flushes.
pub fn reap() -> usize {
    let Some(ring) = ring() else { return 0 };
    let mut finished = Vec::new();
    {
        let mut state = ring.lock().expect("ring lock");
        let mut completions = Vec::new();
        state.ring.reap(|user_data, res| completions.push((user_data as usize, res)));
        for (slot, res) in completions {
            let mut f = state.slots[slot].take().expect("completion for an in-flight slot");
            let outcome = if res < 0 {
                Some(Err(io::Error::from_raw_os_error(-res)))
            } else if res == 0 {
                Some(Err(io::Error::new(io::ErrorKind::UnexpectedEof, "I/O past the end of the file")))
            } else {
                f.done_bytes += res as usize;
                (f.done_bytes == f.request.len).then_some(Ok(()))
            };
            match outcome {
                Some(result) => {
                    state.free_slots.push(slot);
                    state.in_flight -= 1;
                    finished.push((f.request.done, result));
                }
                None => {
                    // Short transfer: resubmit the rest (this slot's SQ room was just given back).
                    state.slots[slot] = Some(f);
                    let pushed = state.push(slot);
                    assert!(pushed, "room for a resubmission");
                }
            }
        }
        state.fill();
    }
    flush();
    let n = finished.len();
    // Continuations run without the ring lock: they may submit more I/O.
    for (done, result) in finished {
        done(result);
    }
    n
}

fn blocking(request: IoRequest) {
    use std::os::unix::fs::FileExt;
    // SAFETY: borrows the caller's fd without taking ownership (ManuallyDrop: never closed here).
    let file = std::mem::ManuallyDrop::new(unsafe { File::from_raw_fd(request.fd) });
    // SAFETY: see IoRequest.
    let buf = unsafe { std::slice::from_raw_parts_mut(request.buf, request.len) };
    let result = if request.write { file.write_all_at(buf, request.offset_bytes) } else { file.read_exact_at(buf, request.offset_bytes) };
    (request.done)(result);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;
    use std::sync::mpsc;

    #[test]
    fn many_reads_complete() {
        let path = std::env::temp_dir().join(format!("fce-ring-io-{}", std::process::id()));
        let bytes: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let file = std::sync::Arc::new(File::open(&path).unwrap());
        let (tx, rx) = mpsc::channel();
        for i in 0..1000usize {
            let mut buf = vec![0u8; 1000];
            let tx = tx.clone();
            let keep = file.clone();
            let ptr = buf.as_mut_ptr();
            submit(IoRequest {
                write: false,
                fd: file.as_raw_fd(),
                offset_bytes: (i * 997) as u64,
                buf: ptr,
                len: 1000,
                done: Box::new(move |result| {
                    drop(keep);
                    tx.send((i, result.is_ok(), buf)).unwrap();
                }),
            }, i % 2 == 0);
        }
        flush();
        let mut got = 0;
        while got < 1000 {
            reap();
            while let Ok((i, ok, buf)) = rx.try_recv() {
                assert!(ok);
                assert_eq!(buf[..], bytes[i * 997..i * 997 + 1000]);
                got += 1;
            }
            std::thread::sleep(std::time::Duration::from_micros(100));
        }
        std::fs::remove_file(path).unwrap();
    }
}
