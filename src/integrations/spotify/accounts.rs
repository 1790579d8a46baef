//! The Accounts service: the authorization URL (PKCE, S256) and the token
//! endpoint (code exchange, refresh). What to do with the tokens is the
//! caller's business; this file only obtains them.

use std::fmt;

use awc::http::Method;
use serde::Deserialize;

use super::error::{grant_error, SpotifyError};
use super::transport::{query, Auth, Request, Retry};
use super::SpotifyClient;
use crate::domain::secret::MASK;

/// A token endpoint answer. `refresh_token` may be absent on a refresh:
/// keep the previous one then.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct TokenGrant {
    pub access_token: String,
    #[serde(default = "bearer")]
    pub token_type: String,
    /// Seconds from now.
    #[serde(default)]
    pub expires_in: u64,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
}

fn bearer() -> String {
    "Bearer".to_string()
}

/// Tokens are credentials: never printed.
impl fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenGrant")
            .field("access_token", &MASK)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| MASK))
            .field("scope", &self.scope)
            .finish()
    }
}

impl SpotifyClient {
    /// Where to send the user's browser to authorize Harmony.
    pub fn authorize_url(&self, state: &str, code_challenge: &str, scope: &str) -> String {
        let e = &self.endpoints;
        let params = query(&[
            ("client_id", e.client_id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", e.redirect_uri.as_str()),
            ("scope", scope),
            ("state", state),
            ("code_challenge_method", "S256"),
            ("code_challenge", code_challenge),
        ]);
        format!(
            "{}/authorize?{params}",
            e.accounts_url.trim_end_matches('/')
        )
    }

    /// Trades the code from the callback (with the PKCE verifier) for tokens.
    pub async fn exchange_code(
        &self,
        code: &str,
        code_verifier: &str,
    ) -> Result<TokenGrant, SpotifyError> {
        let e = &self.endpoints;
        let form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", e.redirect_uri.as_str()),
            ("client_id", e.client_id.as_str()),
            ("code_verifier", code_verifier),
        ];
        self.token_request(form, &[code, code_verifier]).await
    }

    /// A new access token from a refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenGrant, SpotifyError> {
        let form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", self.endpoints.client_id.as_str()),
        ];
        self.token_request(form, &[refresh_token]).await
    }

    /// `POST <accounts>/api/token`; a confidential client also authenticates
    /// with HTTP Basic, a public (PKCE) one by its id in the form alone.
    async fn token_request(
        &self,
        form: Vec<(&str, &str)>,
        sent_secrets: &[&str],
    ) -> Result<TokenGrant, SpotifyError> {
        let e = &self.endpoints;
        let auth = if e.client_secret.is_empty() {
            Auth::None
        } else {
            Auth::Basic(&e.client_id, e.client_secret.expose())
        };
        let url = format!("{}/api/token", e.accounts_url.trim_end_matches('/'));
        let answer = self
            .send(Request {
                method: Method::POST,
                url,
                auth,
                form: Some(form),
                retry: Retry::OnlyRateLimit,
            })
            .await?;
        let mut secrets = sent_secrets.to_vec();
        secrets.push(e.client_secret.expose());
        if !answer.status.is_success() {
            return Err(grant_error(answer.status.as_u16(), &answer.body, &secrets));
        }
        parse_grant(&answer.body)
    }
}

/// The grant, or an error that cannot quote the body (it holds tokens).
fn parse_grant(body: &[u8]) -> Result<TokenGrant, SpotifyError> {
    let grant: TokenGrant = serde_json::from_slice(body).map_err(|e| {
        SpotifyError::Decode(format!(
            "token answer: {:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    if grant.access_token.is_empty() {
        return Err(SpotifyError::Decode(
            "token answer without an access token".into(),
        ));
    }
    Ok(grant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_both_tokens() {
        let grant = parse_grant(
            br#"{"access_token":"BQsecretA","expires_in":3600,"refresh_token":"AQsecretR","scope":"s"}"#,
        )
        .unwrap();
        assert_eq!(grant.token_type, "Bearer");
        let shown = format!("{grant:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains(MASK));
    }

    #[test]
    fn a_broken_grant_is_not_quoted() {
        let e = parse_grant(br#"{"access_token":"BQsecretA","expires_in":"soon"}"#).unwrap_err();
        assert!(!e.to_string().contains("BQsecretA"), "{e}");
        assert!(parse_grant(br#"{"token_type":"Bearer"}"#).is_err());
    }
}
