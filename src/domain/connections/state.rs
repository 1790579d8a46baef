//! Health of an outside service, from the last real call made to it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    Ok,
    Unreachable,
    Unauthorized,
    Unconfigured,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Ok => "ok",
            ConnectionState::Unreachable => "unreachable",
            ConnectionState::Unauthorized => "unauthorized",
            ConnectionState::Unconfigured => "unconfigured",
        }
    }
}
