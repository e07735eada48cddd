//! The write-ahead log. Segments `wal-<seq>.log` hold framed records: [body length u32][crc32c of
//! (segment seq ++ body) u32][body]. The file is zero-filled ahead of the write position and that
//! extension is synced once, so a group commit afterwards is an overwrite plus fdatasync that needs no
//! inode-size update. Replay stops at the first zero length (clean end) or bad frame (a torn last write).
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::record::Record;
use crate::crc32c;
use crate::errors::{Code, EngineError, Result};

const FRAME_HEADER_BYTES: usize = 8;
const ZERO_CHUNK_BYTES: usize = 1 << 20;

pub fn segment_path(dir: &Path, seq: u64) -> PathBuf {
    dir.join(format!("wal-{seq:016x}.log"))
}

/// Segments in `dir` by sequence number, ascending.
pub fn list_segments(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut segments = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if let Some(hex) = name.strip_prefix("wal-").and_then(|s| s.strip_suffix(".log"))
            && let Ok(seq) = u64::from_str_radix(hex, 16) {
                segments.push((seq, entry.path()));
            }
    }
    segments.sort();
    Ok(segments)
}

fn frame_crc(seq: u64, body: &[u8]) -> u32 {
    crc32c::extend(crc32c::crc32c(&seq.to_le_bytes()), body)
}

pub fn frame(seq: u64, record: &Record, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0u8; FRAME_HEADER_BYTES]);
    record.encode(out);
    let body_len = out.len() - start - FRAME_HEADER_BYTES;
    let crc = frame_crc(seq, &out[start + FRAME_HEADER_BYTES..]);
    out[start..start + 4].copy_from_slice(&(body_len as u32).to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

pub struct SegmentContents {
    pub records: Vec<Record>,
    /// The segment ended in a partial or corrupt frame (a write cut short by a crash).
    pub torn: bool,
}

pub fn read_segment(path: &Path, seq: u64) -> Result<SegmentContents> {
    let bytes = fs::read(path).map_err(|e| EngineError::io(format!("read {}", path.display()), e))?;
    let mut records = Vec::new();
    let mut at = 0usize;
    while at + FRAME_HEADER_BYTES <= bytes.len() {
        let body_len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize;
        if body_len == 0 {
            return Ok(SegmentContents { records, torn: false });
        }
        let crc = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes"));
        let body_start = at + FRAME_HEADER_BYTES;
        if body_start + body_len > bytes.len() || frame_crc(seq, &bytes[body_start..body_start + body_len]) != crc {
            return Ok(SegmentContents { records, torn: true });
        }
        records.push(Record::decode(&bytes[body_start..body_start + body_len])?);
        at = body_start + body_len;
    }
    Ok(SegmentContents { records, torn: at != bytes.len() })
}

pub struct WalWriter {
    file: File,
    pub seq: u64,
    offset_bytes: u64,
    zeroed_to_bytes: u64,
    extend_step_bytes: u64,
    scratch: Vec<u8>,
}

impl WalWriter {
    /// Creates segment `seq` (it must not exist) with `extend_step_bytes` of zeros already durable.
    pub fn create(dir: &Path, seq: u64, extend_step_bytes: u64) -> Result<WalWriter> {
        let path = segment_path(dir, seq);
        let file = OpenOptions::new().read(true).write(true).create_new(true).open(&path)
            .map_err(|e| EngineError::io(format!("create {}", path.display()), e))?;
        let mut writer = WalWriter { file, seq, offset_bytes: 0, zeroed_to_bytes: 0, extend_step_bytes: extend_step_bytes.max(4096), scratch: Vec::new() };
        // A segment that could not be prepared is removed, so a later attempt can create it again.
        if let Err(e) = writer.extend(0).and_then(|()| sync_dir(dir)) {
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        Ok(writer)
    }

    pub fn size_bytes(&self) -> u64 {
        self.offset_bytes
    }

    fn extend(&mut self, needed_bytes: u64) -> Result<()> {
        let target = (self.offset_bytes + needed_bytes).max(self.zeroed_to_bytes) + self.extend_step_bytes;
        let zeros = vec![0u8; ZERO_CHUNK_BYTES];
        let mut at = self.zeroed_to_bytes;
        while at < target {
            let n = (target - at).min(ZERO_CHUNK_BYTES as u64) as usize;
            self.file.write_all_at(&zeros[..n], at).map_err(|e| EngineError::io("extend write-ahead log", e))?;
            at += n as u64;
        }
        self.file.sync_all().map_err(|e| EngineError::new(Code::Failed, format!("sync write-ahead log extension: {e}")))?;
        self.zeroed_to_bytes = target;
        Ok(())
    }

    /// Appends the records and makes them durable. On error nothing counts as written: the next append
    /// overwrites the same offset, and replay treats any partial frame left there as a torn tail.
    pub fn append(&mut self, records: &[Record]) -> Result<()> {
        let mut bytes = std::mem::take(&mut self.scratch);
        bytes.clear();
        for record in records {
            frame(self.seq, record, &mut bytes);
        }
        let result = self.append_bytes(&bytes);
        self.scratch = bytes;
        result
    }

    fn append_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let len = bytes.len() as u64;
        if self.offset_bytes + len > self.zeroed_to_bytes {
            self.extend(len)?;
        }
        self.file.write_all_at(bytes, self.offset_bytes).map_err(|e| EngineError::io("write write-ahead log", e))?;
        // A failed fdatasync leaves the page cache in an unknown state (it may drop the dirty pages), so
        // it is fatal for the engine rather than retried.
        self.file.sync_data().map_err(|e| EngineError::new(Code::Failed, format!("fdatasync write-ahead log: {e}")))?;
        self.offset_bytes += len;
        Ok(())
    }
}

pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| EngineError::new(Code::Failed, format!("fsync directory {}: {e}", dir.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Pending;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fce-wal-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn commit(i: u8) -> Record {
        Record::Commit { id: [i; 16], ver: i as u32, chain_ver: 1 }
    }

    #[test]
    fn append_and_replay() {
        let dir = temp_dir("replay");
        let mut w = WalWriter::create(&dir, 7, 4096).unwrap();
        w.append(&[commit(1), commit(2)]).unwrap();
        // Cross the zeroed region to exercise extension.
        let many: Vec<Record> = (0..200).map(|i| Record::Pending { id: [i as u8; 16], pending: Pending::Remove { ver: i, chain_ver: 2 } }).collect();
        w.append(&many).unwrap();
        let contents = read_segment(&segment_path(&dir, 7), 7).unwrap();
        assert!(!contents.torn);
        assert_eq!(contents.records.len(), 202);
        assert_eq!(contents.records[1], commit(2));
        assert_eq!(list_segments(&dir).unwrap().iter().map(|s| s.0).collect::<Vec<_>>(), vec![7]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn torn_tail_and_wrong_segment_stop_replay() {
        let dir = temp_dir("torn");
        let mut w = WalWriter::create(&dir, 1, 4096).unwrap();
        w.append(&[commit(1), commit(2), commit(3)]).unwrap();
        let path = segment_path(&dir, 1);
        let mut bytes = fs::read(&path).unwrap();
        // Corrupt the third frame's body: replay keeps the first two and reports a torn tail.
        let frame_len = 8 + 25;
        bytes[2 * frame_len + 10] ^= 0xff;
        fs::write(&path, &bytes).unwrap();
        let contents = read_segment(&path, 1).unwrap();
        assert!(contents.torn);
        assert_eq!(contents.records, vec![commit(1), commit(2)]);
        // The same bytes read as another segment's do not validate at all.
        assert_eq!(read_segment(&path, 2).unwrap().records.len(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }
}
