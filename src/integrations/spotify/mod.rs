//! Spotify Accounts service and Web API client (issue 5).
