pub mod checkpoint;
pub mod codec;
pub mod record;
pub mod table;
pub mod versioning;
pub mod wal;
