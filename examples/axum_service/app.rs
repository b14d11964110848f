//! The service: users and their orders, as JSON over HTTP, one session per request.
//!
//! Shared by the example's `main.rs` and by the integration test that drives it
//! (`orm/tests/it/axum_service.rs`).

use axum::extract::{FromRef, Path, Query};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use orm::asyncio::{AsyncEngine, AsyncSessionFactory, Runs};
use orm::prelude::*;
use orm::web::{session_per_request, ApiError, DbSession};
use serde::{Deserialize, Serialize};

/// A customer.
#[derive(Model, Debug)]
#[orm(table = "users")]
pub(crate) struct User {
    #[orm(primary_key, auto_increment)]
    pub(crate) id: i64,
    #[orm(max_length = 50, unique, validate = not_blank)]
    pub(crate) name: String,
    pub(crate) email: Option<String>,
    pub(crate) orders: orm::HasMany<Order>,
}

/// An order of a user; deleted with its user.
#[derive(Model, Debug)]
#[orm(table = "orders")]
pub(crate) struct Order {
    #[orm(primary_key, auto_increment)]
    pub(crate) id: i64,
    #[orm(foreign_key = User::id, on_delete = cascade, index)]
    pub(crate) user_id: i64,
    #[orm(validate = not_blank)]
    pub(crate) item: String,
    #[orm(validate = positive)]
    pub(crate) quantity: i32,
    pub(crate) user: orm::BelongsTo<User>,
}

fn not_blank(s: &str) -> Result<(), &'static str> {
    if s.trim().is_empty() {
        return Err("must not be blank");
    }
    Ok(())
}

fn positive(n: &i32) -> Result<(), &'static str> {
    if *n <= 0 {
        return Err("must be positive");
    }
    Ok(())
}

/// The tables, for `create_all`.
pub(crate) fn tables() -> [&'static orm::schema::TableDef; 2] {
    [User::table(), Order::table()]
}

/// A user as the API shows it.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub(crate) struct UserOut {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) email: Option<String>,
    /// Present when the user is read alone (`GET /users/{id}`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub(crate) orders: Option<Vec<OrderOut>>,
}

/// An order as the API shows it.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub(crate) struct OrderOut {
    pub(crate) id: i64,
    pub(crate) item: String,
    pub(crate) quantity: i32,
}

/// A page of users.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) struct Page {
    pub(crate) items: Vec<UserOut>,
    pub(crate) page: u64,
    pub(crate) per_page: u64,
    pub(crate) total: i64,
}

fn user_out(u: &Obj<User>, with_orders: bool) -> Result<UserOut, ApiError> {
    let u = u.read();
    let orders = match with_orders {
        true => Some(u.orders.get()?.iter().map(order_out).collect()),
        false => None,
    };
    Ok(UserOut { id: u.id, name: u.name.clone(), email: u.email.clone(), orders })
}

fn order_out(o: &Obj<Order>) -> OrderOut {
    let o = o.read();
    OrderOut { id: o.id, item: o.item.clone(), quantity: o.quantity }
}

/// `GET /users` filters and paging.
#[derive(Deserialize, Debug)]
pub(crate) struct ListParams {
    /// Names containing this text.
    pub(crate) name: Option<String>,
    /// Users with an email address (`true`) or without (`false`).
    pub(crate) has_email: Option<bool>,
    #[serde(default = "first_page")]
    pub(crate) page: u64,
    #[serde(default = "twenty")]
    pub(crate) per_page: u64,
}

fn first_page() -> u64 {
    1
}

fn twenty() -> u64 {
    20
}

async fn list_users(DbSession(s): DbSession, Query(p): Query<ListParams>) -> Result<Json<Page>, ApiError> {
    if p.per_page == 0 || p.per_page > 100 || p.page == 0 {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "page from 1, per_page from 1 to 100"));
    }
    let filtered = || {
        let mut q = s.query::<User>();
        if let Some(name) = &p.name {
            q = q.filter(User::name.contains(name.as_str()));
        }
        match p.has_email {
            Some(true) => q.filter(User::email.is_not_null()),
            Some(false) => q.filter(User::email.is_null()),
            None => q,
        }
    };
    let total = filtered().count().await?;
    let users = filtered().order_by(User::id).paginate(p.page, p.per_page).all().await?;
    let items = users.iter().map(|u| user_out(u, false)).collect::<Result<_, _>>()?;
    Ok(Json(Page { items, page: p.page, per_page: p.per_page, total }))
}

async fn get_user(DbSession(s): DbSession, Path(id): Path<i64>) -> Result<Json<UserOut>, ApiError> {
    let user = s.query::<User>().options(selectinload(User::orders)).filter(User::id.eq(id)).one().await?;
    Ok(Json(user_out(&user, true)?))
}

/// `POST /users` and `PATCH /users/{id}` bodies.
#[derive(Deserialize, Debug)]
pub(crate) struct UserIn {
    pub(crate) name: Option<String>,
    pub(crate) email: Option<String>,
}

async fn create_user(
    DbSession(s): DbSession,
    Json(body): Json<UserIn>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    let name = body.name.ok_or_else(|| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "`name` is required"))?;
    let user = s.add(User { id: 0, name, email: body.email, orders: orm::HasMany::new() }).await?;
    s.flush().await?; // the generated id, and a duplicate name refused here (409)
    Ok((StatusCode::CREATED, Json(user_out(&user, false)?)))
}

async fn update_user(
    DbSession(s): DbSession,
    Path(id): Path<i64>,
    Json(body): Json<UserIn>,
) -> Result<Json<UserOut>, ApiError> {
    let user = s.get::<User>(id).await?.ok_or(orm::Error::NotFound { table: "users".into() })?;
    {
        let mut u = user.write();
        if let Some(name) = body.name {
            u.name = name;
        }
        if body.email.is_some() {
            u.email = body.email;
        }
    }
    s.flush().await?;
    Ok(Json(user_out(&user, false)?))
}

async fn delete_user(DbSession(s): DbSession, Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    let user = s.get::<User>(id).await?.ok_or(orm::Error::NotFound { table: "users".into() })?;
    s.delete(&user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /users/{id}/orders` body.
#[derive(Deserialize, Debug)]
pub(crate) struct OrderIn {
    pub(crate) item: String,
    pub(crate) quantity: i32,
}

async fn create_order(
    DbSession(s): DbSession,
    Path(id): Path<i64>,
    Json(body): Json<OrderIn>,
) -> Result<(StatusCode, Json<OrderOut>), ApiError> {
    s.get::<User>(id).await?.ok_or(orm::Error::NotFound { table: "users".into() })?;
    let order = s
        .add(Order { id: 0, user_id: id, item: body.item, quantity: body.quantity, user: orm::BelongsTo::not_loaded() })
        .await?;
    s.flush().await?; // a validator's refusal is a 422 here
    Ok((StatusCode::CREATED, Json(order_out(&order))))
}

async fn list_orders(DbSession(s): DbSession, Path(id): Path<i64>) -> Result<Json<Vec<OrderOut>>, ApiError> {
    let orders = s.query::<Order>().filter(Order::user_id.eq(id)).order_by(Order::id).all().await?;
    Ok(Json(orders.iter().map(order_out).collect()))
}

/// The application's state: the session factory (and whatever else handlers need).
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) sessions: AsyncSessionFactory,
}

impl FromRef<AppState> for AsyncSessionFactory {
    fn from_ref(state: &AppState) -> Self {
        state.sessions.clone()
    }
}

/// The routes, without sessions (add more, then [`with_sessions`]).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user).patch(update_user).delete(delete_user))
        .route("/users/{id}/orders", get(list_orders).post(create_order))
}

/// One session per request for every route of `router`, made by the factory in `state`.
pub(crate) fn with_sessions(router: Router<AppState>, state: AppState) -> Router {
    router.layer(axum::middleware::from_fn_with_state(state.clone(), session_per_request::<AppState>)).with_state(state)
}

/// The whole service on `engine`. Each request is one task, so the sessions' calls run in
/// place on its worker thread (`Runs::InPlace`: about half the cost per call of a hop to the
/// blocking pool; see the README's "Async").
pub(crate) fn app(engine: &AsyncEngine) -> Router {
    let state = AppState { sessions: AsyncSessionFactory::new(engine).runs(Runs::InPlace) };
    with_sessions(routes(), state)
}
