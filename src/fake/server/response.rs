//! Building HTTP answers: JSON and plain-text bodies with Zendesk's content types, error
//! answers with `Retry-After` and `WWW-Authenticate`, and successful replies with `Location`.

use axum::body::Body;
use hyper::header::{HeaderValue, RETRY_AFTER};
use hyper::{Response, StatusCode};
use serde_json::Value;

use crate::fake::api::{Reply, ReplyBody};
use crate::fake::api_error::{ApiError, ErrorBody};

pub(super) fn json_response(status: u16, body: &Value) -> Response<Body> {
    let mut response = Response::new(Body::from(serde_json::to_vec(body).unwrap_or_default()));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

pub(super) fn error_response(error: &ApiError) -> Response<Body> {
    let mut response = match &error.body {
        ErrorBody::Json(body) => json_response(error.status, body),
        ErrorBody::Text(text) => {
            let mut r = Response::new(Body::from(text.clone()));
            *r.status_mut() =
                StatusCode::from_u16(error.status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
            r.headers_mut().insert(
                "content-type",
                HeaderValue::from_static("text/plain; charset=UTF-8"),
            );
            r
        }
    };
    if let Some(seconds) = error.retry_after {
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    if error.www_authenticate {
        response.headers_mut().insert(
            "www-authenticate",
            HeaderValue::from_static("Basic realm=\"Web Password\""),
        );
    }
    response
}

pub(super) fn reply_response(reply: Reply) -> Response<Body> {
    let mut response = match reply.body {
        Some(ReplyBody::Json(body)) => json_response(reply.status, &body),
        Some(ReplyBody::Raw(bytes)) => {
            let mut r = Response::new(Body::from(bytes));
            *r.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
            r.headers_mut().insert(
                "content-type",
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            r
        }
        None => {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::NO_CONTENT);
            r
        }
    };
    if let Some(location) = reply.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert("location", location);
    }
    response
}
