//! The user's Spotify account for workers and handlers: the authorization
//! (PKCE + `state`), the stored token refreshed a minute before it expires
//! and once on a 401, and `connections.spotify` kept true. Tokens go from
//! the database to the client and back, never anywhere else.

use crate::lifecycle::{Event, Lifecycle};
use std::future::Future;
use std::sync::Arc;

use futures_util::lock::Mutex;

use crate::config::SharedConfig;
use crate::db::{spotify as store, Db, DbError};
use crate::domain::connections::state::ConnectionState;
use crate::domain::spotify::pkce;
use crate::domain::time::now_millis;
use crate::integrations::spotify::{
    RateGate, SpotifyClient, SpotifyEndpoints, SpotifyError, SpotifyUser, TokenGrant,
};

/// Read access to the playlists, the library and the followed artists,
/// nothing more (`api.md` §13 "Spotify").
pub const SCOPE: &str =
    "playlist-read-private playlist-read-collaborative user-library-read user-follow-read";
/// A token this close to expiry is refreshed before use.
const REFRESH_MARGIN_MS: i64 = 60_000;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("Spotify is not configured (SPOTIFY_CLIENT_ID is empty)")]
    Unconfigured,
    #[error("Spotify is not authorized (GET /api/v1/spotify/authorize)")]
    Unauthorized,
    #[error("unknown or expired authorization state")]
    UnknownState,
    #[error("{0}")]
    Spotify(#[from] SpotifyError),
    #[error("{0}")]
    Db(#[from] DbError),
    #[error("no randomness available: {0}")]
    Random(String),
}

impl AccessError {
    /// Worth trying again later (Spotify or the database had a moment).
    pub fn is_transient(&self) -> bool {
        match self {
            AccessError::Spotify(e) => e.is_transient(),
            AccessError::Db(_) => true,
            _ => false,
        }
    }
}

/// What `GET /api/v1/spotify/status` shows.
#[derive(Debug, Clone)]
pub struct AccountStatus {
    pub configured: bool,
    pub authorized: bool,
    pub user: Option<(String, Option<String>)>,
}

/// Told whenever Spotify's connection state is learned (the registry keeps
/// it for `/status`).
pub type ConnectionObserver = Arc<dyn Fn(ConnectionState) + Send + Sync>;

/// Cheap to clone; shared by the handlers and every worker.
#[derive(Clone)]
pub struct SpotifyAccess {
    db: Db,
    /// The revoked grant is a state change with its event.
    lifecycle: Lifecycle,
    config: SharedConfig,
    gate: RateGate,
    observer: Option<ConnectionObserver>,
    /// One refresh at a time: Spotify may rotate the refresh token.
    refreshing: Arc<Mutex<()>>,
}

impl SpotifyAccess {
    pub fn new(
        lifecycle: Lifecycle,
        config: SharedConfig,
        observer: Option<ConnectionObserver>,
    ) -> Self {
        SpotifyAccess {
            db: lifecycle.db().clone(),
            lifecycle,
            config,
            gate: RateGate::default(),
            observer,
            refreshing: Arc::new(Mutex::new(())),
        }
    }

    pub fn configured(&self) -> bool {
        !self.config.current().spotify_client_id.is_empty()
    }

    /// A client on the current settings (one per arbiter: awc is not `Send`).
    pub fn client(&self) -> SpotifyClient {
        let c = self.config.current();
        SpotifyClient::new(
            SpotifyEndpoints {
                api_url: c.spotify_api_url.trim_end_matches('/').to_string(),
                accounts_url: c.spotify_accounts_url.trim_end_matches('/').to_string(),
                client_id: c.spotify_client_id.clone(),
                client_secret: c.spotify_client_secret.clone(),
                redirect_uri: c.spotify_redirect_uri.clone(),
            },
            self.gate.clone(),
        )
    }

    fn observe(&self, state: ConnectionState) {
        if let Some(observer) = &self.observer {
            observer(state);
        }
    }

    pub async fn status(&self) -> Result<AccountStatus, DbError> {
        let account = self.db.read(store::account).await?;
        let authorized = account.as_ref().is_some_and(store::Account::is_authorized);
        Ok(AccountStatus {
            configured: self.configured(),
            authorized,
            user: account
                .filter(|_| authorized)
                .and_then(|a| a.user_id.map(|id| (id, a.display_name))),
        })
    }

    /// `Err` (503 `unavailable` for a handler) unless an account is
    /// configured and authorized: for actions that need Spotify now.
    pub async fn require_authorized(&self) -> Result<(), AccessError> {
        let status = self.status().await?;
        if !status.configured {
            return Err(AccessError::Unconfigured);
        }
        if !status.authorized {
            return Err(AccessError::Unauthorized);
        }
        Ok(())
    }

    /// The URL to send the user to: a fresh `state` and PKCE verifier are
    /// stored, only the verifier's challenge goes into the URL.
    pub async fn begin_authorization(&self) -> Result<String, AccessError> {
        if !self.configured() {
            return Err(AccessError::Unconfigured);
        }
        let state = random_token(24)?;
        let verifier = random_token(48)?;
        let challenge = pkce::challenge_s256(&verifier);
        let url = self.client().authorize_url(&state, &challenge, SCOPE);
        self.db
            .write(move |c| store::start_authorization(c, &state, &verifier, now_millis()))
            .await?;
        Ok(url)
    }

    /// Exchanges the code of the authorization started with `state`, stores
    /// the tokens and the user.
    pub async fn complete_authorization(
        &self,
        code: &str,
        state: &str,
    ) -> Result<SpotifyUser, AccessError> {
        // The state first: a callback nobody started is refused as such.
        let key = state.to_string();
        let verifier = self
            .db
            .write(move |c| store::take_authorization(c, &key, now_millis()))
            .await?
            .ok_or(AccessError::UnknownState)?;
        if !self.configured() {
            return Err(AccessError::Unconfigured);
        }
        let client = self.client();
        let grant = client
            .exchange_code(code, &verifier)
            .await
            .inspect_err(|e| {
                self.observe(e.connection_state());
            })?;
        self.store_grant(&grant).await?;
        let user = client.me(&grant.access_token).await.inspect_err(|e| {
            self.observe(e.connection_state());
        })?;
        let (id, name) = (user.id.clone(), user.display_name.clone());
        self.db
            .write(move |c| store::save_user(c, &id, name.as_deref()))
            .await?;
        self.observe(ConnectionState::Ok);
        Ok(user)
    }

    /// A session with a usable token (refreshed first when it is about to expire).
    pub async fn session(&self) -> Result<Session, AccessError> {
        if !self.configured() {
            self.observe(ConnectionState::Unconfigured);
            return Err(AccessError::Unconfigured);
        }
        let token = self.fresh_token(None).await?;
        Ok(Session {
            access: self.clone(),
            client: self.client(),
            token,
        })
    }

    /// The stored token, refreshed when it expires within a minute or when
    /// `stale` (a token Spotify just refused) is still the stored one.
    async fn fresh_token(&self, stale: Option<&str>) -> Result<String, AccessError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let account = self.db.read(store::account).await?;
        let Some(account) = account.filter(store::Account::is_authorized) else {
            self.observe(ConnectionState::Unauthorized);
            return Err(AccessError::Unauthorized);
        };
        let now = now_millis();
        let refused = stale.is_some_and(|t| t == account.access_token);
        if !refused && account.expires_at - now > REFRESH_MARGIN_MS {
            return Ok(account.access_token);
        }
        let Some(refresh_token) = account.refresh_token.clone() else {
            self.observe(ConnectionState::Unauthorized);
            return Err(AccessError::Unauthorized);
        };
        match self.client().refresh(&refresh_token).await {
            Ok(grant) => {
                self.store_grant(&grant).await?;
                tracing::info!("Spotify token refreshed");
                Ok(grant.access_token)
            }
            Err(SpotifyError::Grant(reason)) => {
                tracing::warn!(%reason, "Spotify refused the refresh token; authorize again");
                self.lifecycle
                    .change(move |c| {
                        store::mark_revoked(c.conn(), now)?;
                        c.emit(Event::SpotifyAuthorizationNeeded);
                        Ok(())
                    })
                    .await?;
                self.observe(ConnectionState::Unauthorized);
                Err(AccessError::Unauthorized)
            }
            Err(e) => {
                self.observe(e.connection_state());
                Err(e.into())
            }
        }
    }
}

impl SpotifyAccess {
    /// Keeps a grant's tokens (a grant without a refresh token keeps the old one).
    async fn store_grant(&self, grant: &TokenGrant) -> Result<(), DbError> {
        let now = now_millis();
        let expires_at = now + expires_in_ms(grant.expires_in);
        let (access, refresh, scope) = (
            grant.access_token.clone(),
            grant.refresh_token.clone(),
            grant.scope.clone(),
        );
        self.db
            .write(move |c| {
                store::save_tokens(
                    c,
                    &access,
                    refresh.as_deref(),
                    expires_at,
                    scope.as_deref(),
                    now,
                )
            })
            .await
    }
}

/// Calls made with one token; a 401 refreshes it once and repeats the call.
pub struct Session {
    access: SpotifyAccess,
    client: SpotifyClient,
    token: String,
}

impl Session {
    pub async fn call<T, F, Fut>(&mut self, f: F) -> Result<T, AccessError>
    where
        F: Fn(SpotifyClient, String) -> Fut,
        Fut: Future<Output = Result<T, SpotifyError>>,
    {
        let first = f(self.client.clone(), self.token.clone()).await;
        let result = match first {
            Err(SpotifyError::Unauthorized(_)) => {
                self.token = self.access.fresh_token(Some(&self.token)).await?;
                f(self.client.clone(), self.token.clone()).await
            }
            other => other,
        };
        match &result {
            Ok(_) => self.access.observe(ConnectionState::Ok),
            Err(e) => self.access.observe(e.connection_state()),
        }
        Ok(result?)
    }
}

fn expires_in_ms(seconds: u64) -> i64 {
    i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX / 2)
}

/// Unguessable, URL-safe: `state` values and PKCE verifiers.
fn random_token(bytes: usize) -> Result<String, AccessError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AccessError::Random(e.to_string()))?;
    Ok(pkce::encode_random(&buf))
}
