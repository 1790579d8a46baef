//! Forms: the refusals of the API's validation, shown beside their fields.

use maud::{html, Markup};

use crate::api::error::ApiError;

/// Field → message, from a 422 of the shared validation.
#[derive(Debug, Default, Clone)]
pub struct Errors(Vec<(String, String)>);

impl Errors {
    /// The validation's field names with the request's nesting removed
    /// (`items[0].artist` → `artist`); `None` when it is not a validation
    /// error (the caller answers it as it is).
    pub fn from_api(error: &ApiError) -> Option<Errors> {
        match error {
            ApiError::Validation { details, message } => {
                let mut list: Vec<(String, String)> = details
                    .iter()
                    .map(|d| {
                        let field = d.field.rsplit('.').next().unwrap_or(&d.field).to_string();
                        (field, d.message.clone())
                    })
                    .collect();
                if list.is_empty() {
                    list.push((String::new(), message.clone()));
                }
                Some(Errors(list))
            }
            _ => None,
        }
    }

    pub fn single(field: &str, message: impl Into<String>) -> Errors {
        Errors(vec![(field.to_string(), message.into())])
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields with a message, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(f, _)| f.as_str())
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The message under a field, tied to it for screen readers.
    pub fn show(&self, field: &str) -> Markup {
        html! {
            @if let Some(message) = self.get(field) {
                p.error id={ (field) "-error" } role="alert" { (message) }
            }
        }
    }

    /// Messages of fields the form does not show.
    pub fn others(&self, shown: &[&str]) -> Markup {
        html! {
            @for (field, message) in &self.0 {
                @if !shown.contains(&field.as_str()) {
                    p.error role="alert" { @if !field.is_empty() { (field) ": " } (message) }
                }
            }
        }
    }

    /// `aria-describedby`/`aria-invalid` values for a field.
    pub fn described_by(&self, field: &str) -> Option<String> {
        self.get(field).map(|_| format!("{field}-error"))
    }
}

/// A whole number as typed (spaces around allowed); `None` otherwise.
pub fn integer(raw: Option<&str>) -> Option<i64> {
    raw.map(str::trim).and_then(|s| s.parse().ok())
}

/// Text as typed, `None` when blank.
pub fn text(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// `m:ss` or seconds → milliseconds.
pub fn duration_ms(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    match raw.split_once(':') {
        Some((m, s)) => {
            let (m, s): (i64, i64) = (m.trim().parse().ok()?, s.trim().parse().ok()?);
            (m >= 0 && (0..60).contains(&s)).then_some((m * 60 + s) * 1000)
        }
        None => raw
            .parse::<i64>()
            .ok()
            .filter(|s| *s >= 0)
            .map(|s| s * 1000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_are_tied_to_their_fields() {
        let e = ApiError::validation("items[0].artist", "is required");
        let errors = Errors::from_api(&e).unwrap_or_default();
        assert_eq!(errors.get("artist"), Some("is required"));
        assert!(Errors::from_api(&ApiError::Unauthorized).is_none());
    }

    #[test]
    fn lengths_are_read_as_people_write_them() {
        assert_eq!(duration_ms("5:20"), Some(320_000));
        assert_eq!(duration_ms("320"), Some(320_000));
        assert_eq!(duration_ms("5:75"), None);
        assert_eq!(duration_ms("soon"), None);
    }
}
