//! Checkpoints: the whole chunk table written to `checkpoint.tmp`, synced, then renamed over
//! `checkpoint`, so a crash leaves either the old or the new one. It names the first WAL segment that
//! is not folded into it; older segments are deleted only after the rename is durable.
use std::fs;
use std::io::Write;
use std::path::Path;

use super::codec::{Reader, Writer};
use super::wal::sync_dir;
use crate::crc32c;
use crate::errors::{Code, EngineError, Result};
use crate::types::{ChunkId, Entry, Pending};

const MAGIC: &[u8; 8] = b"FCECKPT1";
const HAS_COMMITTED: u8 = 1;
const HAS_PENDING_DATA: u8 = 2;
const HAS_PENDING_REMOVE: u8 = 4;

pub struct Checkpoint {
    pub next_seq: u64,
    pub entries: Vec<(ChunkId, Entry)>,
}

pub fn write(dir: &Path, next_seq: u64, entries: &[(ChunkId, Entry)]) -> Result<()> {
    let mut bytes = Vec::with_capacity(24 + entries.len() * 64);
    bytes.extend_from_slice(MAGIC);
    let mut w = Writer(&mut bytes);
    w.u64(next_seq);
    w.u64(entries.len() as u64);
    for (id, entry) in entries {
        w.id(id);
        let flags = entry.committed.map_or(0, |_| HAS_COMMITTED)
            | match entry.pending {
                Some(Pending::Data(_)) => HAS_PENDING_DATA,
                Some(Pending::Remove { .. }) => HAS_PENDING_REMOVE,
                None => 0,
            };
        w.u8(flags);
        if let Some(c) = &entry.committed {
            w.version(c);
        }
        match &entry.pending {
            Some(Pending::Data(v)) => w.version(v),
            Some(Pending::Remove { ver, chain_ver }) => {
                w.u32(*ver);
                w.u32(*chain_ver);
            }
            None => {}
        }
    }
    let crc = crc32c::crc32c(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());

    let tmp = dir.join("checkpoint.tmp");
    let io = |e| EngineError::io(format!("write checkpoint in {}", dir.display()), e);
    let mut file = fs::File::create(&tmp).map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.sync_all().map_err(|e| EngineError::new(Code::Failed, format!("fsync checkpoint: {e}")))?;
    fs::rename(&tmp, dir.join("checkpoint")).map_err(io)?;
    sync_dir(dir)
}

pub fn read(dir: &Path) -> Result<Option<Checkpoint>> {
    let path = dir.join("checkpoint");
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(EngineError::io(format!("read {}", path.display()), e)),
    };
    if bytes.len() < MAGIC.len() + 20 || &bytes[..8] != MAGIC {
        fail!(Code::MetadataCorrupt, "{} is not a checkpoint", path.display());
    }
    let (body, trailer) = bytes.split_at(bytes.len() - 4);
    if crc32c::crc32c(body) != u32::from_le_bytes(trailer.try_into().expect("4 bytes")) {
        fail!(Code::MetadataCorrupt, "checkpoint checksum mismatch in {}", path.display());
    }
    let mut r = Reader::new(&body[8..]);
    let next_seq = r.u64()?;
    let count = r.u64()?;
    let mut entries = Vec::with_capacity(count.min(1 << 24) as usize);
    for _ in 0..count {
        let id = r.id()?;
        let flags = r.u8()?;
        let committed = if flags & HAS_COMMITTED != 0 { Some(r.version()?) } else { None };
        let pending = if flags & HAS_PENDING_DATA != 0 {
            Some(Pending::Data(r.version()?))
        } else if flags & HAS_PENDING_REMOVE != 0 {
            Some(Pending::Remove { ver: r.u32()?, chain_ver: r.u32()? })
        } else {
            None
        };
        entries.push((id, Entry { committed, pending }));
    }
    if r.remaining() != 0 {
        fail!(Code::MetadataCorrupt, "{} trailing bytes in checkpoint", r.remaining());
    }
    Ok(Some(Checkpoint { next_seq, entries }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Position, SizeClass, Version};

    #[test]
    fn round_trip_and_corruption() {
        let dir = std::env::temp_dir().join(format!("fce-ckpt-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        assert!(read(&dir).unwrap().is_none());
        let v = Version { ver: 3, chain_ver: 1, len: 5, crc: 9, pos: Position { class: SizeClass::from_index(2), index: 4 } };
        let entries = vec![
            ([1u8; 16], Entry { committed: Some(v), pending: None }),
            ([2u8; 16], Entry { committed: Some(v), pending: Some(Pending::Data(Version { ver: 4, ..v })) }),
            ([3u8; 16], Entry { committed: None, pending: Some(Pending::Remove { ver: 1, chain_ver: 1 }) }),
        ];
        write(&dir, 42, &entries).unwrap();
        let loaded = read(&dir).unwrap().unwrap();
        assert_eq!(loaded.next_seq, 42);
        assert_eq!(loaded.entries, entries);
        let path = dir.join("checkpoint");
        let mut bytes = fs::read(&path).unwrap();
        bytes[30] ^= 1;
        fs::write(&path, bytes).unwrap();
        assert_eq!(read(&dir).err().unwrap().code, Code::MetadataCorrupt);
        fs::remove_dir_all(&dir).unwrap();
    }
}
