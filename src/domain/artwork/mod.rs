//! Covers: which album a cover belongs to, when to embed one, which hosts
//! it may come from and how large an image is.

pub mod cache_key;
pub mod image_hosts;
pub mod image_size;
pub mod rules;
