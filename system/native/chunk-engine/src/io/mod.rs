pub mod aligned;
pub mod completion;
pub mod data_files;
pub mod pool;
