pub mod bitmap;
pub mod class_allocator;
