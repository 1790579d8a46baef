//! `multipart/form-data` bodies, read whole: the import upload
//! (`POST /api/v1/imports`) and the web UI's import form share one reader
//! and one size limit.

use actix_multipart::Multipart;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;

use super::error::ApiError;
use super::extract::UPLOAD_LIMIT;

/// One part of a form.
pub struct FormPart {
    /// The `name` of its `Content-Disposition` ("" when absent).
    pub name: String,
    /// The uploaded file's own name, for a file part.
    pub file_name: Option<String>,
    /// Its `Content-Type`, without parameters.
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// Every part in order; more than `UPLOAD_LIMIT` bytes in all is a 413,
/// whichever parts hold them.
pub async fn read_parts(mut multipart: Multipart) -> Result<Vec<FormPart>, ApiError> {
    let unreadable = |e: actix_multipart::MultipartError| {
        ApiError::BadRequest(format!("unreadable form data: {e}"))
    };
    let mut parts = Vec::new();
    let mut total = 0usize;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(unreadable)?;
        let disposition = field.content_disposition().cloned();
        let name = disposition
            .as_ref()
            .and_then(|d| d.get_name())
            .unwrap_or("")
            .to_string();
        let file_name = disposition
            .as_ref()
            .and_then(|d| d.get_filename())
            .map(str::to_string);
        let content_type = field.content_type().map(|m| m.essence_str().to_string());
        let mut bytes = BytesMut::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            total += chunk.len();
            if total > UPLOAD_LIMIT {
                return Err(ApiError::PayloadTooLarge {
                    limit: UPLOAD_LIMIT,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        parts.push(FormPart {
            name,
            file_name,
            content_type,
            bytes: bytes.freeze(),
        });
    }
    Ok(parts)
}
