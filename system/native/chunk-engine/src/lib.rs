//! Flyer's native chunk engine: 3FS's Rust chunk engine rebuilt with std only (no crates), exported
//! through a C ABI (ffi.rs) that the TypeScript wrapper in system/real/chunk-engine/ calls with koffi.
#[macro_use]
pub mod errors;
pub mod alloc;
pub mod crc32c;
pub mod engine;
pub mod ffi;
pub mod ffi_types;
pub mod io;
pub mod store;
pub mod sys;
pub mod types;
