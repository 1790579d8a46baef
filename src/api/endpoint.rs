//! One route and its methods: `HEAD` wherever `GET` works, and every other
//! method answered 405 with an `Allow` header (RFC 9110 §9.3.2, §15.5.6).

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::Method;
use actix_web::{guard, web, FromRequest, Handler, HttpResponse, Resource, Responder};

use super::error::ApiError;

/// A resource that remembers the methods it answers.
pub struct Endpoint {
    resource: Resource,
    allow: Vec<Method>,
}

/// A route whose other methods answer 405 in the contract's shape.
pub fn resource(path: &str) -> Endpoint {
    Endpoint {
        resource: web::resource(path),
        allow: Vec::new(),
    }
}

impl Endpoint {
    /// `GET`, and `HEAD` with the same headers and no body (the HTTP/1
    /// codec drops the body of an answer to `HEAD`).
    pub fn get<F, Args>(mut self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.allow.extend([Method::GET, Method::HEAD]);
        self.resource = self.resource.route(
            web::route()
                .guard(guard::Any(guard::Get()).or(guard::Head()))
                .to(handler),
        );
        self
    }

    pub fn post<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.method(Method::POST, handler)
    }

    pub fn put<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.method(Method::PUT, handler)
    }

    pub fn patch<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.method(Method::PATCH, handler)
    }

    pub fn delete<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.method(Method::DELETE, handler)
    }

    /// Data for this route only (e.g. a larger body limit).
    pub fn app_data<U: 'static>(mut self, data: U) -> Self {
        self.resource = self.resource.app_data(data);
        self
    }

    fn method<F, Args>(mut self, method: Method, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.allow.push(method.clone());
        self.resource = self.resource.route(web::route().method(method).to(handler));
        self
    }

    /// The `Allow` header's value.
    fn allow_header(&self) -> String {
        let names: Vec<&str> = self.allow.iter().map(Method::as_str).collect();
        names.join(", ")
    }
}

impl HttpServiceFactory for Endpoint {
    fn register(self, config: &mut AppService) {
        let allow = self.allow_header();
        let refuse = move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(ApiError::MethodNotAllowed { allow }) }
        };
        self.resource
            .default_service(web::to(refuse))
            .register(config);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn ok() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[test]
    fn allow_lists_head_after_get_in_route_order() {
        let endpoint = resource("/x").get(ok).post(ok).delete(ok);
        assert_eq!(endpoint.allow_header(), "GET, HEAD, POST, DELETE");
    }
}
