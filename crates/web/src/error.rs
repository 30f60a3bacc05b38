//! The one error type at the HTTP edge: `{"code":"snake_case","message":"…"}`
//! with the right status. Codes are stable API; messages are for people.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds, for 429 answers.
    pub retry_after: Option<u64>,
    /// Who the answer is about, where a client shows it (a reply collision's
    /// other agent): `user: {id, name}` beside code and message.
    pub user: Option<ErrorUser>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorUser {
    pub id: i64,
    pub name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable, snake_case.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<ErrorUser>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), retry_after: None, user: None }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "The resource was not found.")
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Sign in, or send a valid api_access_token.")
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// The error for a bare status, for answers axum makes by itself (a method
    /// a route does not have, a body it could not read): see `uniform_errors`.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, message) = match status.as_u16() {
            400 => ("bad_request", "The request is not valid."),
            401 => return Self::unauthorized(),
            403 => ("forbidden", "This is not allowed."),
            404 => return Self::not_found(),
            405 => ("method_not_allowed", "This path does not take that method."),
            408 => ("request_timeout", "The request took too long."),
            411 => ("length_required", "Send a Content-Length."),
            413 => ("payload_too_large", "The request body is too large."),
            415 => ("unsupported_media_type", "Send the body as application/json."),
            422 => ("invalid_params", "Invalid parameters."),
            429 => ("rate_limited", "Too many requests; try again shortly."),
            503 => ("unavailable", "The server is busy; try again shortly."),
            s if s < 500 => ("bad_request", "The request is not valid."),
            _ => ("internal", "Something went wrong on our side."),
        };
        Self::new(status, code, message)
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        ApiError {
            retry_after: Some(retry_after.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many requests; try again shortly.")
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { code: self.code.to_owned(), message: self.message, user: self.user };
        let mut res = (self.status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

impl From<app::AppError> for ApiError {
    fn from(e: app::AppError) -> Self {
        use app::AppError as E;
        match e {
            E::NotFound => ApiError::not_found(),
            E::Invalid(i) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, i.code, i.message),
            E::Unauthorized => ApiError::unauthorized(),
            E::Forbidden { message } => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            E::Refused { code, message } => ApiError::new(StatusCode::FORBIDDEN, code, message),
            E::Conflict { code, message } => ApiError::new(StatusCode::CONFLICT, code, message),
            E::Collision { user_id, name } => ApiError {
                user: Some(ErrorUser { id: user_id.0, name: name.clone() }),
                ..ApiError::new(
                    StatusCode::CONFLICT,
                    "reply_collision",
                    format!("{name} is replying to this conversation right now."),
                )
            },
            E::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "The server is busy; try again.")
            }
            E::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Something went wrong on our side.")
            }
        }
    }
}

impl From<domain::InvalidInput> for ApiError {
    fn from(i: domain::InvalidInput) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, i.code, i.message)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
