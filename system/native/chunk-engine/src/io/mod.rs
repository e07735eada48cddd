pub mod aligned;
pub mod completion;
pub mod data_files;
pub mod mapped;
pub mod pool;
pub mod uring;
pub mod ring_io;
