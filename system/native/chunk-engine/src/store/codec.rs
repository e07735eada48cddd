//! Little-endian byte encoding for WAL records and checkpoints.
use crate::errors::{Code, EngineError, Result};
use crate::types::{ChunkId, ID_BYTES, Position, Version};

pub struct Writer<'a>(pub &'a mut Vec<u8>);

impl Writer<'_> {
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn id(&mut self, id: &ChunkId) {
        self.0.extend_from_slice(id);
    }
    pub fn version(&mut self, v: &Version) {
        self.u32(v.ver);
        self.u32(v.chain_ver);
        self.u32(v.len);
        self.u32(v.crc);
        self.u64(v.pos.encode());
    }
}

pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.remaining() < n {
            return Err(EngineError::new(Code::MetadataCorrupt, format!("record truncated at byte {}", self.at)));
        }
        let slice = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(slice)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    pub fn id(&mut self) -> Result<ChunkId> {
        Ok(self.take(ID_BYTES)?.try_into().expect("16 bytes"))
    }
    pub fn version(&mut self) -> Result<Version> {
        let ver = self.u32()?;
        let chain_ver = self.u32()?;
        let len = self.u32()?;
        let crc = self.u32()?;
        let pos = Position::decode(self.u64()?)?;
        Ok(Version { ver, chain_ver, len, crc, pos })
    }
}
