//! One credited artist of a wanted track, in the forms the path is read
//! against (shared by the wanted track and the classical-credits reading).

#[derive(Debug, Clone)]
pub(crate) struct WantedArtist {
    /// Folded, leading "the" dropped.
    pub folded: String,
    pub compact: String,
    /// Initials of a multi-word name ("electric light orchestra" → "elo").
    pub acronyms: Vec<String>,
    /// The name itself looks like an acronym ("elo"): matches the initials
    /// of consecutive words in the path.
    pub as_initials: bool,
    /// A main artist (not only featured).
    pub main: bool,
}
