//! Flyer's GraySort tools, std only: a gensort/valsort 1.5 compatible generator and validator and a
//! multi-threaded sort and partitioner for 100-byte records. The binaries in src/bin are thin wrappers
//! around the `*_cmd` modules; the TypeScript side (system/graysort/) spawns them, and loads the same
//! crate as libflyer_sort_tools.so for the in-memory C ABI (ffi.rs).
pub mod args;
pub mod crc32;
pub mod ffi;
pub mod ffi_stream;
pub mod fileio;
pub mod gensort_cmd;
pub mod mapped;
pub mod memory;
pub mod output;
pub mod partition;
pub mod partition_slice;
pub mod pipeline;
pub mod rand16;
pub mod record;
pub mod skew;
pub mod sort;
pub mod sort_cmd;
pub mod summarize;
pub mod summary;
pub mod valsort_cmd;
