//! One image download with every limit of `config.md`: the URL and each
//! redirect target must be allow-listed (redirects are followed here, not
//! by the client), `ARTWORK_HTTP_TIMEOUT` bounds the whole exchange,
//! `ARTWORK_MAX_BYTES` is checked against `Content-Length` and against the
//! bytes as they arrive, the `Content-Type` must be `image/*` and the bytes
//! must really be an image.

use std::time::Duration;

use awc::http::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION, USER_AGENT};
use futures_util::StreamExt;

use super::CoverError;
use crate::domain::artwork::image_hosts::{resolve_location, ImageHosts};
use crate::domain::artwork::image_size;
use crate::integrations::http;

/// Redirect hops followed (the Cover Art Archive needs one or two).
const MAX_REDIRECTS: usize = 5;

#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    pub max_bytes: u64,
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedImage {
    pub bytes: Vec<u8>,
    /// The URL that finally answered (after redirects).
    pub url: String,
    /// From the bytes, not from the headers.
    pub mime: &'static str,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Downloads the image at `url` (see the module documentation).
pub async fn fetch_image(
    hosts: &ImageHosts,
    url: &str,
    limits: FetchLimits,
) -> Result<FetchedImage, CoverError> {
    actix_rt::time::timeout(limits.timeout, follow(hosts, url, limits))
        .await
        .map_err(|_| CoverError::Timeout(limits.timeout))?
}

async fn follow(
    hosts: &ImageHosts,
    url: &str,
    limits: FetchLimits,
) -> Result<FetchedImage, CoverError> {
    let client = awc::Client::builder()
        .disable_redirects()
        .add_default_header((USER_AGENT, http::USER_AGENT))
        .connector(
            awc::Connector::new()
                .rustls_0_23(http::tls())
                .timeout(limits.timeout),
        )
        .timeout(limits.timeout)
        .finish();
    let mut current = url.to_string();
    for _ in 0..=MAX_REDIRECTS {
        if !hosts.allows(&current) {
            return Err(CoverError::NotAllowed(current));
        }
        let mut res = client
            .get(&current)
            .send()
            .await
            .map_err(|e| CoverError::Network(e.to_string()))?;
        let status = res.status();
        if status.is_redirection() {
            let location = res
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| resolve_location(&current, l))
                .ok_or_else(|| CoverError::Decode("redirect without a usable Location".into()))?;
            current = location;
            continue;
        }
        if status.as_u16() == 404 {
            return Err(CoverError::NotFound);
        }
        if !status.is_success() {
            return Err(CoverError::Status(status.as_u16()));
        }
        let content_type = res
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !content_type.trim_start().starts_with("image/") {
            return Err(CoverError::NotAnImage(format!(
                "Content-Type '{content_type}'"
            )));
        }
        let declared = res
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limits.max_bytes) {
            return Err(CoverError::TooLarge(limits.max_bytes));
        }
        let capacity = declared.unwrap_or(0).min(limits.max_bytes);
        let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        while let Some(chunk) = res.next().await {
            let chunk = chunk.map_err(|e| CoverError::Network(e.to_string()))?;
            if (bytes.len() + chunk.len()) as u64 > limits.max_bytes {
                return Err(CoverError::TooLarge(limits.max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        return identify(bytes, current);
    }
    Err(CoverError::TooManyRedirects)
}

/// The bytes decide the type: a server's `Content-Type` can lie.
fn identify(bytes: Vec<u8>, url: String) -> Result<FetchedImage, CoverError> {
    let (mime, width, height) = match image_size::sniff(&bytes) {
        Some(info) => (info.mime, Some(info.width), Some(info.height)),
        None => match image_size::mime_of(&bytes) {
            Some(mime) => (mime, None, None),
            None => {
                return Err(CoverError::NotAnImage(
                    "the bytes are not a known image format".into(),
                ))
            }
        },
    };
    Ok(FetchedImage {
        bytes,
        url,
        mime,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_decide_the_type() {
        let png = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/cover_800.png"
        ))
        .unwrap();
        let got = identify(png, "u".into()).unwrap();
        assert_eq!(
            (got.mime, got.width, got.height),
            ("image/png", Some(800), Some(800))
        );
        assert!(matches!(
            identify(b"<html>not an image</html>".to_vec(), "u".into()),
            Err(CoverError::NotAnImage(_))
        ));
    }
}
