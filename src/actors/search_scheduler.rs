//! The search scheduler (placeholder).
