//! The search budget (placeholder; see the search scheduler brief).
