//! Ordered parallel blocks: `threads` workers fill blocks 0..n (worker w takes w, w+T, ...), the calling
//! thread consumes them strictly in order. Each worker owns a small pool of buffers that circulate
//! between it and the consumer, so memory stays bounded and large buffers are allocated (and page-
//! faulted) once, not once per block, while generation, gathering or validation overlaps the
//! sequential write or merge.

use std::sync::mpsc::sync_channel;
use std::thread;

/// Buffers per worker: one being filled, one queued, one being consumed.
const POOL: usize = 3;

pub fn ordered_blocks<B, M, P, C>(blocks: usize, threads: usize, make: M, produce: P, mut consume: C) -> std::io::Result<()>
where
    B: Send,
    M: Fn() -> B + Sync,
    P: Fn(usize, &mut B) -> std::io::Result<()> + Sync,
    C: FnMut(usize, &mut B) -> std::io::Result<()>,
{
    let threads = threads.clamp(1, blocks.max(1));
    thread::scope(|scope| {
        let mut filled = Vec::with_capacity(threads);
        let mut empties = Vec::with_capacity(threads);
        for w in 0..threads {
            let (full_tx, full_rx) = sync_channel::<std::io::Result<B>>(POOL);
            let (empty_tx, empty_rx) = sync_channel::<B>(POOL);
            filled.push(full_rx);
            empties.push(empty_tx);
            let (make, produce) = (&make, &produce);
            scope.spawn(move || {
                let mut fresh = POOL;
                for b in (w..blocks).step_by(threads) {
                    let mut buf = if fresh > 0 {
                        fresh -= 1;
                        make()
                    } else {
                        match empty_rx.recv() {
                            Ok(buf) => buf,
                            Err(_) => return, // the consumer stopped (it failed)
                        }
                    };
                    let result = produce(b, &mut buf).map(|()| buf);
                    let failed = result.is_err();
                    if full_tx.send(result).is_err() || failed {
                        return;
                    }
                }
            });
        }
        for b in 0..blocks {
            let w = b % threads;
            let mut buf = filled[w].recv().map_err(|_| std::io::Error::other("worker stopped early"))??;
            consume(b, &mut buf)?;
            // The worker may have finished its blocks and gone: then the buffer is simply dropped.
            let _ = empties[w].send(buf);
        }
        Ok(())
    })
}

/// Worker threads to use: the machine's parallelism unless the caller asked for a number.
pub fn default_threads() -> usize {
    thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn consumes_in_order() {
        let mut seen = Vec::new();
        super::ordered_blocks(
            37,
            3,
            || 0usize,
            |b, v| {
                *v = b * 2;
                Ok(())
            },
            |b, v| {
                assert_eq!(*v, b * 2);
                seen.push(b);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(seen, (0..37).collect::<Vec<_>>());
    }
}
