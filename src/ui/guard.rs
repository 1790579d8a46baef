//! Who may see and change what through the UI. The API's paths keep their
//! API keys (`api::middleware`); the UI's pages ask for a session instead:
//! with API keys configured, a browser signs in once with a key and keeps an
//! HttpOnly, SameSite=Strict cookie. Every state-changing request must come
//! from one of our own pages (Origin/Referer), keys or not.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse, ResponseError};

use super::error::UiError;
use super::{is_ui_path, login};
use crate::api::AppState;
use crate::domain::ui_session::{local_target, same_origin};

enum Verdict {
    Pass,
    SignIn,
    Refuse(UiError),
}

fn header_str(req: &ServiceRequest, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn judge(req: &ServiceRequest) -> Verdict {
    let path = req.path();
    if !is_ui_path(path) || path.starts_with("/ui/assets/") {
        return Verdict::Pass;
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    if !safe
        && !same_origin(
            header_str(req, header::HOST),
            header_str(req, header::ORIGIN),
            header_str(req, header::REFERER),
        )
    {
        return Verdict::Refuse(UiError::Forbidden(
            "this request did not come from one of Harmony's pages",
        ));
    }
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return Verdict::Pass;
    };
    if state.api_keys.is_empty() || path == "/login" {
        return Verdict::Pass;
    }
    match login::session_of(state, req.request()).await {
        Ok(true) => Verdict::Pass,
        Ok(false) if safe => Verdict::SignIn,
        Ok(false) => Verdict::Refuse(UiError::Api(crate::api::error::ApiError::Unauthorized)),
        Err(e) => Verdict::Refuse(e),
    }
}

pub async fn require_session(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    match judge(&req).await {
        Verdict::Pass => Ok(next.call(req).await?.map_into_left_body()),
        Verdict::SignIn => {
            let target = match req.query_string() {
                "" => req.path().to_string(),
                q => format!("{}?{q}", req.path()),
            };
            let location = format!(
                "/login?next={}",
                percent_encoding::utf8_percent_encode(
                    local_target(Some(&target)),
                    percent_encoding::NON_ALPHANUMERIC
                )
            );
            let response = HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish();
            Ok(req.into_response(response).map_into_right_body())
        }
        Verdict::Refuse(e) => Ok(req.into_response(e.error_response()).map_into_right_body()),
    }
}
