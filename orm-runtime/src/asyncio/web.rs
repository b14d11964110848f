//! axum integration (feature `axum`): one [`AsyncSession`] per request, committed when the
//! handler succeeds and rolled back when it fails or panics, and the ORM's errors as HTTP
//! responses.
//!
//! ```no_run
//! use axum::{routing::get, Router};
//! use orm::asyncio::{AsyncEngine, AsyncSessionFactory};
//! use orm::web::{session_per_request, ApiError, DbSession};
//!
//! async fn count(DbSession(session): DbSession) -> Result<String, ApiError> {
//!     let n: i64 = session.one(orm::query::text("SELECT 1").rows::<(i64,)>()).await?.0;
//!     Ok(n.to_string())
//! }
//!
//! # #[tokio::main]
//! # async fn main() -> orm::Result<()> {
//! let engine = AsyncEngine::connect("sqlite::memory:").await?;
//! let factory = AsyncSessionFactory::new(&engine);
//! let app: Router = Router::new()
//!     .route("/count", get(count))
//!     .layer(axum::middleware::from_fn_with_state(factory, session_per_request));
//! # let _ = app;
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::task::Poll;

use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::asyncio::{AsyncSession, AsyncSessionFactory};
use crate::error::Error;

/// The request's session, put there by [`session_per_request`]: an axum extractor.
/// Everything the handler does through it is committed after the handler returns a success
/// (2xx or 3xx) and rolled back otherwise.
#[derive(Clone, Debug)]
pub struct DbSession(pub AsyncSession);

impl std::ops::Deref for DbSession {
    type Target = AsyncSession;

    fn deref(&self) -> &AsyncSession {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for DbSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<DbSession>().cloned().ok_or_else(|| {
            ApiError::internal("no session in the request: add the `orm::web::session_per_request` layer to the route")
        })
    }
}

/// The session-per-request middleware, for `axum::middleware::from_fn_with_state(state,
/// session_per_request)`, where `state` is the application's state holding the
/// [`AsyncSessionFactory`] (`impl FromRef<AppState> for AsyncSessionFactory`) or the factory
/// itself. It makes a session from the factory for each request (no connection is taken
/// until the handler needs one), hands it to the handler ([`DbSession`]), then
///
/// - commits it when the response is a success (2xx, 3xx); a commit that fails becomes the
///   response instead ([`ApiError`]: a unique violation is 409, and so on);
/// - rolls it back when the response is an error (4xx, 5xx): a handler that wrote and then
///   failed leaves nothing in the database;
/// - rolls it back when the handler panics, and answers 500.
///
/// The connection goes back to the pool before the response is sent.
pub async fn session_per_request<S>(State(state): State<S>, mut request: Request, next: Next) -> Response
where
    AsyncSessionFactory: FromRef<S>,
{
    let session = AsyncSessionFactory::from_ref(&state).session();
    request.extensions_mut().insert(DbSession(session.clone()));
    let response = match caught(next.run(request)).await {
        Ok(response) => response,
        Err(()) => {
            let _ = session.close().await;
            return ApiError::internal("the request handler panicked").into_response();
        }
    };
    let status = response.status();
    let ended = if status.is_success() || status.is_redirection() {
        match session.commit().await {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = session.rollback().await;
                Err(e)
            }
        }
    } else {
        session.rollback().await
    };
    match ended {
        Ok(()) => response,
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Run `f`, catching a panic in it (`Err`).
async fn caught<F: Future>(f: F) -> Result<F::Output, ()> {
    let mut f = pin!(f);
    std::future::poll_fn(|cx| match std::panic::catch_unwind(AssertUnwindSafe(|| f.as_mut().poll(cx))) {
        Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(_) => Poll::Ready(Err(())),
    })
    .await
}

/// An error as an HTTP response: the status its kind calls for and a JSON body
/// `{"error": message}`. From an [`Error`]:
///
/// | error | status |
/// |---|---|
/// | `NotFound` | 404 Not Found |
/// | `Validation`, `NotNullViolation`, `CheckViolation`, `ValueTooLong`, `NulInText` | 422 Unprocessable Entity |
/// | `UniqueViolation`, `ForeignKeyViolation`, `StaleData`, `IdentityConflict` | 409 Conflict |
/// | `Serialization`, `Deadlock`, `Busy`, `PoolTimeout`, `Disconnected` | 503 Service Unavailable |
/// | anything else | 500 Internal Server Error, with the details in the log, not the body |
///
/// Handlers return `Result<_, ApiError>` and use `?` on the ORM's results; [`ApiError::new`]
/// makes one of their own.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// An error response with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }

    fn internal(detail: &str) -> ApiError {
        tracing::error!(target: "orm::web", "{detail}");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }

    /// The response's status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The message the body carries.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let status = match e.root_cause() {
            Error::NotFound { .. } => StatusCode::NOT_FOUND,
            Error::Validation { .. }
            | Error::NotNullViolation { .. }
            | Error::CheckViolation { .. }
            | Error::ValueTooLong { .. }
            | Error::NulInText { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::UniqueViolation { .. }
            | Error::ForeignKeyViolation { .. }
            | Error::StaleData { .. }
            | Error::IdentityConflict { .. } => StatusCode::CONFLICT,
            Error::Serialization { .. }
            | Error::Deadlock { .. }
            | Error::Busy { .. }
            | Error::PoolTimeout { .. }
            | Error::Disconnected { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => return ApiError::internal(&e.to_string()),
        };
        ApiError::new(status, e.root_cause().to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(serde_json::json!({ "error": self.message }))).into_response()
    }
}
