//! Phase 1 of GraySort: split a file of records into P part files by key range, so that part p holds
//! only keys below every key of part p+1 and sorting each part then concatenating gives a total order.
//! Every producer must map keys to parts the same way, so the mapping depends only on P and the key
//! space (or an explicit splitter file), never on the data one producer happens to see.

use crate::fileio::open_records;
use crate::record::{KEY_BYTES, RECORD_BYTES};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::thread;

pub enum KeySpace {
    /// Uniform binary keys: the first 8 key bytes as a fraction of 2^64 (smallpond's top-bits buckets,
    /// generalised to any P).
    Binary,
    /// Uniform ASCII keys (95 printable values per byte): the first 4 characters as a base-95 fraction.
    Ascii,
    /// Explicit boundaries, sorted: part = number of splitters <= key (skew-tolerant, from sampling).
    Splitters(Vec<[u8; KEY_BYTES]>),
}

const ASCII_SPAN: u64 = 95 * 95 * 95 * 95;

impl KeySpace {
    #[inline(always)]
    pub fn part_of(&self, key: &[u8], parts: usize) -> usize {
        match self {
            KeySpace::Binary => {
                let k = u64::from_be_bytes(key[..8].try_into().unwrap());
                ((k as u128 * parts as u128) >> 64) as usize
            }
            KeySpace::Ascii => {
                // Clamping bytes outside ' '..'~' keeps the map monotone for any input.
                let v = key[..4].iter().fold(0u64, |acc, &b| acc * 95 + (b.clamp(b' ', b'~') - b' ') as u64);
                (v as u128 * parts as u128 / ASCII_SPAN as u128) as usize
            }
            KeySpace::Splitters(s) => s.partition_point(|sp| sp[..] <= key[..KEY_BYTES]),
        }
    }
}

/// Reads a splitter file: P-1 sorted 10-byte keys.
pub fn read_splitters(path: &str, parts: usize) -> Result<Vec<[u8; KEY_BYTES]>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("can't read splitters {path}: {e}"))?;
    if bytes.len() != (parts - 1) * KEY_BYTES {
        return Err(format!("{path} has {} bytes; {parts} parts need {} splitters of {KEY_BYTES} bytes", bytes.len(), parts - 1));
    }
    let keys: Vec<[u8; KEY_BYTES]> = bytes.chunks_exact(KEY_BYTES).map(|k| k.try_into().unwrap()).collect();
    if keys.windows(2).any(|w| w[0] > w[1]) {
        return Err(format!("splitters in {path} are not sorted"));
    }
    Ok(keys)
}

pub fn part_path(dir: &Path, part: usize) -> PathBuf {
    dir.join(format!("part-{part:05}.dat"))
}

/// Above this many parts, part files are reopened (append) per flush instead of all held open, to stay
/// under the usual 1024 open-file limit.
const MAX_OPEN_PARTS: usize = 256;
const READ_BYTES: usize = 80_000 * RECORD_BYTES;
/// All part buffers together hold about this much; each gets at least 64 KB and at most 4 MB.
const BUFFER_BUDGET_BYTES: usize = 256 << 20;

pub struct PartitionResult {
    pub records: u64,
    pub counts: Vec<u64>,
}

pub fn partition_file(input: &str, dir: &Path, parts: usize, space: &KeySpace) -> std::io::Result<PartitionResult> {
    assert!(parts >= 1);
    let (mut file, records) = open_records(input)?;
    std::fs::create_dir_all(dir)?;
    let mut open: Vec<Option<File>> = Vec::with_capacity(parts);
    for p in 0..parts {
        // Every part exists afterwards, empty or not, so consumers never guess.
        let f = File::create(part_path(dir, p))?;
        open.push(if parts <= MAX_OPEN_PARTS { Some(f) } else { None });
    }
    let per_part = (BUFFER_BUDGET_BYTES / parts).clamp(64 << 10, 4 << 20) / RECORD_BYTES * RECORD_BYTES;
    let mut counts = vec![0u64; parts];

    thread::scope(|scope| -> std::io::Result<()> {
        // reader -> (partition on this thread) -> writer; buffers travel back for reuse.
        let (full_tx, full_rx) = sync_channel::<Vec<u8>>(2);
        let (empty_tx, empty_rx) = sync_channel::<Vec<u8>>(4);
        for _ in 0..3 {
            empty_tx.send(Vec::with_capacity(READ_BYTES)).unwrap();
        }
        let reader = scope.spawn(move || -> std::io::Result<()> {
            let mut left = records as usize * RECORD_BYTES;
            while left > 0 {
                let Ok(mut buf) = empty_rx.recv() else { break };
                let take = left.min(READ_BYTES);
                buf.resize(take, 0);
                file.read_exact(&mut buf)?;
                left -= take;
                if full_tx.send(buf).is_err() {
                    break;
                }
            }
            Ok(())
        });
        let (out_tx, out_rx) = sync_channel::<(usize, Vec<u8>)>(8);
        let (back_tx, back_rx) = sync_channel::<Vec<u8>>(16);
        let dir_owned = dir.to_path_buf();
        let writer = scope.spawn(move || -> std::io::Result<()> {
            for (p, buf) in out_rx {
                match &mut open[p] {
                    Some(f) => f.write_all(&buf)?,
                    None => OpenOptions::new().append(true).open(part_path(&dir_owned, p))?.write_all(&buf)?,
                }
                let _ = back_tx.try_send(buf);
            }
            Ok(())
        });
        let mut buffers: Vec<Vec<u8>> = (0..parts).map(|_| Vec::new()).collect();
        let mut failed = None;
        'read: for chunk in full_rx {
            for rec in chunk.chunks_exact(RECORD_BYTES) {
                let p = space.part_of(&rec[..KEY_BYTES], parts);
                counts[p] += 1;
                let buf = &mut buffers[p];
                if buf.capacity() == 0 {
                    *buf = back_rx.try_recv().unwrap_or_else(|_| Vec::with_capacity(per_part));
                    buf.clear();
                }
                buf.extend_from_slice(rec);
                if buf.len() + RECORD_BYTES > per_part {
                    if out_tx.send((p, std::mem::take(buf))).is_err() {
                        failed = Some(std::io::Error::other("part writer stopped"));
                        break 'read;
                    }
                }
            }
            let _ = empty_tx.send(chunk);
        }
        drop(empty_tx);
        if failed.is_none() {
            for (p, buf) in buffers.into_iter().enumerate() {
                if !buf.is_empty() && out_tx.send((p, buf)).is_err() {
                    break;
                }
            }
        }
        drop(out_tx);
        let wrote = writer.join().expect("writer thread panicked");
        let read = reader.join().expect("reader thread panicked");
        read?;
        wrote?;
        match failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    })?;
    Ok(PartitionResult { records, counts })
}

/// Boundaries for `parts` parts from `samples` keys spread evenly over the inputs: for skewed data,
/// where a fixed key-space split would give unbalanced parts (Daytona rules).
pub fn sample_splitters(inputs: &[String], parts: usize, samples: usize) -> std::io::Result<Vec<[u8; KEY_BYTES]>> {
    use std::os::unix::fs::FileExt;
    let mut files = Vec::new();
    for path in inputs {
        files.push(open_records(path)?);
    }
    let total: u64 = files.iter().map(|(_, n)| n).sum();
    if total == 0 || parts < 2 {
        return Ok(Vec::new());
    }
    let samples = (samples as u64).min(total).max(1);
    let mut keys: Vec<[u8; KEY_BYTES]> = Vec::with_capacity(samples as usize);
    for s in 0..samples {
        let mut global = total * s / samples + total / samples / 2;
        for (f, n) in &files {
            if global < *n {
                let mut key = [0u8; KEY_BYTES];
                f.read_exact_at(&mut key, global * RECORD_BYTES as u64)?;
                keys.push(key);
                break;
            }
            global -= n;
        }
    }
    keys.sort_unstable();
    Ok((1..parts).map(|i| keys[(keys.len() * i / parts).min(keys.len() - 1)]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_are_monotone_and_in_range() {
        let parts = 7;
        let mut keys: Vec<[u8; 10]> = (0..=255u8).flat_map(|a| [[a, 0, 0, 0, 0, 0, 0, 0, 0, 0], [a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]]).collect();
        keys.sort();
        for space in [KeySpace::Binary, KeySpace::Ascii, KeySpace::Splitters(vec![[10; 10], [20; 10], [20; 10], [200; 10], [201; 10], [255; 10]])] {
            let mapped: Vec<usize> = keys.iter().map(|k| space.part_of(k, parts)).collect();
            assert!(mapped.windows(2).all(|w| w[0] <= w[1]));
            assert!(mapped.iter().all(|&p| p < parts));
        }
        assert_eq!(KeySpace::Binary.part_of(&[0xff; 10], parts), parts - 1);
        assert_eq!(KeySpace::Ascii.part_of(b"~~~~~~~~~~", parts), parts - 1);
        assert_eq!(KeySpace::Ascii.part_of(b"          ", parts), 0);
    }
}
