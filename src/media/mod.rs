//! Files on disk: finding what slskd finished, moving it into the library.

pub mod files;
pub mod library_walk;
pub mod organize;
pub mod tags;
