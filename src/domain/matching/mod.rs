//! The matching engine: which Soulseek file is the wanted track (`matching.md`).
//!
//! - `bounds`: how much of a text is read (bounded work per candidate).
//! - `normalize`: comparison forms ([`fold`]), tokens that remember their
//!   path component, dash segment and bracket group.
//! - `path_reading`: what a remote path says ([`read_path`]).
//! - `versions`: live, remix, instrumental… and what is not a version.
//! - `wanted`: the wanted track read once (base title, qualifiers, artists).
//! - `classical`: composer and performers of a classical work.
//! - `conditions`: the hard conditions on title, artist, version, duration.
//! - `quality`: format, bitrate, peer.
//! - `score`: one candidate's verdict ([`Matcher`]).
//! - `rank`: ordering and choosing ([`rank()`]).
//! - `queries`: Soulseek search texts ([`search_queries`]).
//! - `free_text`: relevance to a free-text search ([`free_text_score`]).

mod bounds;
mod classical;
mod conditions;
mod free_text;
mod normalize;
mod path_reading;
mod quality;
mod queries;
mod rank;
mod score;
pub mod types;
mod versions;
mod wanted;
mod wanted_artist;

pub use free_text::free_text_score;
pub use normalize::fold;
pub use path_reading::{read_path, PathReading};
pub use queries::search_queries;
pub use rank::{rank, rank_until};
pub use score::Matcher;
pub use types::*;
