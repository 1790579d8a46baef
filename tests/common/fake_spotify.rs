//! A fake Spotify (accounts + Web API) for the tests.
