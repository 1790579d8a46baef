//! slskd searches (placeholder).
