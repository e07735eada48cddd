//! CRAQ version rules, as 3FS's Rust engine applies them (engine.rs update_chunk / commit_chunk). Pure
//! functions of the durable entry and the request, so they are unit-tested without any I/O.
use crate::errors::{Code, Result};
use crate::types::Entry;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateKind {
    Write,
    /// Full-chunk replace sent by resync: authoritative, so any version is accepted.
    Replace,
    Truncate,
    Remove,
}

/// The version a new pending copy gets. Only one pending copy exists: a valid update replaces it.
pub fn update_version(entry: Option<&Entry>, kind: UpdateKind, req_ver: u32, req_chain_ver: u32) -> Result<u32> {
    let committed = entry.and_then(|e| e.committed);
    let commit_ver = committed.map_or(0, |v| v.ver);
    if let Some(c) = committed
        && req_chain_ver < c.chain_ver {
            fail!(Code::ChainVersionMismatch, "request chain version {req_chain_ver} < stored {}", c.chain_ver);
        }
    if kind == UpdateKind::Remove && entry.is_none() {
        fail!(Code::ChunkNotFound, "remove of a chunk that does not exist");
    }
    if req_ver == 0 {
        // The head picks the version: one past the committed one.
        return next(commit_ver);
    }
    if kind == UpdateKind::Replace {
        return Ok(req_ver);
    }
    if req_ver <= commit_ver {
        fail!(Code::CommittedUpdate, "update version {req_ver} <= committed version {commit_ver}");
    }
    if req_ver > commit_ver + 1 {
        fail!(Code::MissingUpdate, "update version {req_ver} skips past committed version {commit_ver} + 1");
    }
    Ok(req_ver)
}

fn next(commit_ver: u32) -> Result<u32> {
    match commit_ver.checked_add(1) {
        Some(v) => Ok(v),
        None => fail!(Code::InvalidArgument, "chunk version space exhausted"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitDecision {
    /// Make the pending version the committed one.
    Apply,
    /// Already committed (a retried commit): report success with the current state.
    Stale,
}

pub fn commit_decision(entry: Option<&Entry>, req_ver: u32, req_chain_ver: u32) -> Result<CommitDecision> {
    let Some(entry) = entry else {
        fail!(Code::ChunkNotFound, "commit of version {req_ver} for a chunk that does not exist");
    };
    if let Some(c) = entry.committed
        && req_chain_ver < c.chain_ver {
            fail!(Code::ChainVersionMismatch, "commit chain version {req_chain_ver} < stored {}", c.chain_ver);
        }
    match entry.pending {
        Some(p) if p.ver() == req_ver => Ok(CommitDecision::Apply),
        _ if req_ver <= entry.commit_ver() => Ok(CommitDecision::Stale),
        Some(p) => fail!(Code::CommitMismatch, "commit of version {req_ver} but the pending version is {}", p.ver()),
        None => fail!(Code::CommitMismatch, "commit of version {req_ver} but nothing is pending (committed {})", entry.commit_ver()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Pending, Position, SizeClass, Version};

    fn entry(commit_ver: Option<u32>, pending_ver: Option<u32>) -> Entry {
        let pos = Position { class: SizeClass::from_index(0), index: 0 };
        let version = |ver| Version { ver, chain_ver: 5, len: 10, crc: 0, pos };
        Entry { committed: commit_ver.map(version), pending: pending_ver.map(|v| Pending::Data(version(v))) }
    }

    #[test]
    fn head_picks_next_version() {
        assert_eq!(update_version(None, UpdateKind::Write, 0, 1).unwrap(), 1);
        assert_eq!(update_version(Some(&entry(Some(4), None)), UpdateKind::Write, 0, 5).unwrap(), 5);
        // A leftover pending copy (failed earlier attempt) is replaced, not stacked.
        assert_eq!(update_version(Some(&entry(Some(4), Some(5))), UpdateKind::Write, 0, 5).unwrap(), 5);
    }

    #[test]
    fn successor_rules() {
        let e = entry(Some(4), None);
        assert_eq!(update_version(Some(&e), UpdateKind::Write, 5, 5).unwrap(), 5);
        assert_eq!(update_version(Some(&e), UpdateKind::Write, 4, 5).unwrap_err().code, Code::CommittedUpdate);
        assert_eq!(update_version(Some(&e), UpdateKind::Write, 6, 5).unwrap_err().code, Code::MissingUpdate);
        assert_eq!(update_version(Some(&e), UpdateKind::Truncate, 3, 5).unwrap_err().code, Code::CommittedUpdate);
        assert_eq!(update_version(Some(&e), UpdateKind::Write, 5, 4).unwrap_err().code, Code::ChainVersionMismatch);
        assert_eq!(update_version(None, UpdateKind::Remove, 1, 1).unwrap_err().code, Code::ChunkNotFound);
    }

    #[test]
    fn replace_is_authoritative() {
        let e = entry(Some(9), Some(10));
        assert_eq!(update_version(Some(&e), UpdateKind::Replace, 3, 6).unwrap(), 3);
        assert_eq!(update_version(Some(&e), UpdateKind::Replace, 0, 6).unwrap(), 10);
        assert_eq!(update_version(Some(&e), UpdateKind::Replace, 3, 4).unwrap_err().code, Code::ChainVersionMismatch);
    }

    #[test]
    fn commit_rules() {
        let e = entry(Some(4), Some(5));
        assert_eq!(commit_decision(Some(&e), 5, 5).unwrap(), CommitDecision::Apply);
        assert_eq!(commit_decision(Some(&e), 4, 5).unwrap(), CommitDecision::Stale);
        assert_eq!(commit_decision(Some(&e), 6, 5).unwrap_err().code, Code::CommitMismatch);
        assert_eq!(commit_decision(Some(&e), 5, 2).unwrap_err().code, Code::ChainVersionMismatch);
        assert_eq!(commit_decision(Some(&entry(Some(4), None)), 5, 5).unwrap_err().code, Code::CommitMismatch);
        assert_eq!(commit_decision(None, 1, 1).unwrap_err().code, Code::ChunkNotFound);
    }
}
