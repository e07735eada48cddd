//! Process-wide thread pools.
//! - `spawn` (I/O pool): jobs that block in pread/pwrite/fdatasync: chunk writes, reads when io_uring is
//!   off, compaction copies. Up to the largest `io_threads` an engine asked for; threads start on demand.
//! - `spawn_cpu` (CPU pool, one thread per core): checksums that run alongside a blocking write. Its
//!   jobs never wait on anything, so I/O jobs may block on them without risk of deadlock.
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};
use std::thread;

type Job = Box<dyn FnOnce() + Send + 'static>;

struct Queue {
    jobs: VecDeque<Job>,
    idle_threads: usize,
    threads: usize,
    max_threads: usize,
}

struct Pool {
    name: &'static str,
    queue: Mutex<Queue>,
    ready: Condvar,
}

impl Pool {
    const fn new(name: &'static str, max_threads: usize) -> Pool {
        Pool { name, queue: Mutex::new(Queue { jobs: VecDeque::new(), idle_threads: 0, threads: 0, max_threads }), ready: Condvar::new() }
    }

    fn spawn(&'static self, job: Job) {
        let mut q = self.queue.lock().expect("pool lock");
        q.jobs.push_back(job);
        if q.jobs.len() > q.idle_threads && q.threads < q.max_threads {
            q.threads += 1;
            let started = thread::Builder::new().name(self.name.into()).stack_size(THREAD_STACK_BYTES).spawn(move || self.work());
            if started.is_err() {
                q.threads -= 1;
                assert!(q.threads > 0, "could not start any {} thread", self.name);
            }
        } else {
            self.ready.notify_one();
        }
    }

    fn work(&self) {
        loop {
            let job = {
                let mut q = self.queue.lock().expect("pool lock");
                loop {
                    if let Some(job) = q.jobs.pop_front() {
                        break job;
                    }
                    q.idle_threads += 1;
                    q = self.ready.wait(q).expect("pool lock");
                    q.idle_threads -= 1;
                }
            };
            // Jobs report errors through completions; a panic is a bug, caught so the thread survives.
            let _ = catch_unwind(AssertUnwindSafe(job));
        }
    }
}

static IO: Pool = Pool::new("fce-io", 1);
static CPU: Pool = Pool::new("fce-cpu", 0);
const THREAD_STACK_BYTES: usize = 256 << 10;

pub fn raise_max_threads(threads: usize) {
    let mut q = IO.queue.lock().expect("pool lock");
    q.max_threads = q.max_threads.max(threads.max(1));
}

pub fn thread_count() -> usize {
    IO.queue.lock().expect("pool lock").threads
}

/// Runs `job` on an I/O pool thread.
pub fn spawn(job: impl FnOnce() + Send + 'static) {
    IO.spawn(Box::new(job));
}

/// Runs `f` on the CPU pool; `Pending::wait` returns its result.
pub fn spawn_cpu<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Pending<T> {
    {
        let mut q = CPU.queue.lock().expect("pool lock");
        if q.max_threads == 0 {
            q.max_threads = thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
        }
    }
    let (tx, rx) = mpsc::sync_channel(1);
    CPU.spawn(Box::new(move || {
        let _ = tx.send(f());
    }));
    Pending(rx)
}

pub struct Pending<T>(mpsc::Receiver<T>);

impl<T> Pending<T> {
    pub fn wait(self) -> T {
        self.0.recv().expect("CPU pool job panicked")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_jobs_concurrently() {
        raise_max_threads(8);
        let (tx, rx) = mpsc::channel();
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        for i in 0..4 {
            let tx = tx.clone();
            let barrier = barrier.clone();
            // All four must run at once to pass the barrier.
            spawn(move || {
                barrier.wait();
                tx.send(i).unwrap();
            });
        }
        let mut got: Vec<i32> = (0..4).map(|_| rx.recv().unwrap()).collect();
        got.sort();
        assert_eq!(got, vec![0, 1, 2, 3]);
        assert!(thread_count() >= 4);
    }

    #[test]
    fn cpu_jobs_return_results() {
        let pending: Vec<_> = (0..10u64).map(|i| spawn_cpu(move || i * i)).collect();
        assert_eq!(pending.into_iter().map(Pending::wait).sum::<u64>(), 285);
    }
}
