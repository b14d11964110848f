//! The axum example service (`examples/axum_service/app.rs`), started on a loopback port and
//! driven by a real HTTP client, on both databases: the CRUD flows and their status codes,
//! 1,000 requests from 50 concurrent clients against a pool of 10 connections, and handlers
//! that fail or panic after writing.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::routing::post;
use orm::asyncio::{AsyncEngine, AsyncSessionFactory};
use orm::web::{ApiError, DbSession};
use serde_json::json;

use crate::async_session::{app as app_name, block_on};
use crate::common::{each_db_with, Db};
use crate::fault_support::assert_no_leaks_any;

#[path = "../../../examples/axum_service/app.rs"]
#[allow(dead_code)]
mod app;

use app::{OrderOut, Page, UserOut};

/// The service on a loopback port, with extra test routes; its base URL.
async fn serve(db: &Db, extra: axum::Router<app::AppState>) -> String {
    let engine = AsyncEngine::from(db.engine.clone());
    engine.drop_all(&app::tables()).await.unwrap();
    engine.create_all(&app::tables()).await.unwrap();
    let state = app::AppState { sessions: AsyncSessionFactory::new(&engine).runs(orm::asyncio::Runs::InPlace) };
    let router = app::with_sessions(app::routes().merge(extra), state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

fn pool_of_ten(b: orm::EngineBuilder) -> orm::EngineBuilder {
    b.pool_size(10).connection_timeout(Duration::from_secs(10))
}

async fn users_in_db(db: &Db) -> i64 {
    let engine = AsyncEngine::from(db.engine.clone());
    engine.one(orm::query::text("SELECT COUNT(*) FROM users").rows::<(i64,)>()).await.unwrap().0
}

#[test]
fn crud_flows_answer_with_the_right_status_codes() {
    each_db_with("web_crud", pool_of_ten, |db| {
        block_on(async {
            let base = serve(db, axum::Router::new()).await;
            let http = reqwest::Client::new();

            // Create.
            let r =
                http.post(format!("{base}/users")).json(&json!({"name": "ada", "email": "a@x"})).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            let ada: UserOut = r.json().await.unwrap();
            assert_eq!((ada.name.as_str(), ada.email.as_deref()), ("ada", Some("a@x")));
            for name in ["bob", "bea", "cy"] {
                let r = http.post(format!("{base}/users")).json(&json!({ "name": name })).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
            }
            let r = http
                .post(format!("{base}/users/{}/orders", ada.id))
                .json(&json!({"item": "pen", "quantity": 2}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            let pen: OrderOut = r.json().await.unwrap();

            // Get, with the orders.
            let got: UserOut = http.get(format!("{base}/users/{}", ada.id)).send().await.unwrap().json().await.unwrap();
            assert_eq!(got.orders, Some(vec![pen]));
            let orders: Vec<OrderOut> =
                http.get(format!("{base}/users/{}/orders", ada.id)).send().await.unwrap().json().await.unwrap();
            assert_eq!(orders.len(), 1);

            // List: a filter, a page.
            let page: Page =
                http.get(format!("{base}/users?name=b&page=1&per_page=1")).send().await.unwrap().json().await.unwrap();
            assert_eq!((page.total, page.items.len()), (2, 1));
            assert_eq!(page.items[0].name, "bob");
            let page: Page =
                http.get(format!("{base}/users?name=b&page=2&per_page=1")).send().await.unwrap().json().await.unwrap();
            assert_eq!(page.items[0].name, "bea");
            let page: Page =
                http.get(format!("{base}/users?has_email=true")).send().await.unwrap().json().await.unwrap();
            assert_eq!(page.total, 1);

            // Update.
            let r =
                http.patch(format!("{base}/users/{}", ada.id)).json(&json!({"name": "ada l."})).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let got: UserOut = http.get(format!("{base}/users/{}", ada.id)).send().await.unwrap().json().await.unwrap();
            assert_eq!(got.name, "ada l.");

            // Errors: not found 404, validation 422, unique violation 409.
            let r = http.get(format!("{base}/users/999")).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
            let r = http.patch(format!("{base}/users/999")).json(&json!({"name": "x"})).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
            let r = http.post(format!("{base}/users")).json(&json!({"name": "  "})).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let r = http
                .post(format!("{base}/users/{}/orders", ada.id))
                .json(&json!({"item": "ink", "quantity": 0}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let body: serde_json::Value = r.json().await.unwrap();
            assert!(body["error"].as_str().unwrap().contains("quantity"), "{body}");
            let r = http.post(format!("{base}/users")).json(&json!({"name": "bob"})).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::CONFLICT, "{}", db.name);
            let r = http.patch(format!("{base}/users/{}", ada.id)).json(&json!({"name": "cy"})).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::CONFLICT);
            let r = http.get(format!("{base}/users?per_page=0")).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

            // Delete (the orders go with the user).
            let r = http.delete(format!("{base}/users/{}", ada.id)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NO_CONTENT);
            let r = http.get(format!("{base}/users/{}", ada.id)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND);
            assert_eq!(users_in_db(db).await, 3);
        });
        assert_no_leaks_any(&db.engine, app_name(db));
    });
}

#[test]
fn a_thousand_requests_from_fifty_clients_on_a_pool_of_ten() {
    each_db_with("web_load", pool_of_ten, |db| {
        block_on(async {
            let base = serve(db, axum::Router::new()).await;
            let http = reqwest::Client::new();
            let started = Instant::now();
            let clients: Vec<_> = (0..50)
                .map(|c| {
                    let (http, base) = (http.clone(), base.clone());
                    tokio::spawn(async move {
                        let mut latencies = Vec::with_capacity(20);
                        let mut timed = async |req: reqwest::RequestBuilder, want: StatusCode| {
                            let t = Instant::now();
                            let r = req.send().await.unwrap();
                            latencies.push(t.elapsed());
                            assert_eq!(r.status(), want, "{}", r.text().await.unwrap_or_default());
                            r
                        };
                        // 20 requests per client: 4 rounds of create, add an order, get, list, update.
                        for round in 0..4 {
                            let r = timed(
                                http.post(format!("{base}/users")).json(&json!({"name": format!("c{c}-{round}")})),
                                StatusCode::CREATED,
                            )
                            .await;
                            let user: UserOut = r.json().await.unwrap();
                            let id = user.id;
                            timed(
                                http.post(format!("{base}/users/{id}/orders"))
                                    .json(&json!({"item": "x", "quantity": 1})),
                                StatusCode::CREATED,
                            )
                            .await;
                            timed(http.get(format!("{base}/users/{id}")), StatusCode::OK).await;
                            timed(http.get(format!("{base}/users?name=c{c}-&per_page=10")), StatusCode::OK).await;
                            timed(
                                http.patch(format!("{base}/users/{id}")).json(&json!({"email": "e@x"})),
                                StatusCode::OK,
                            )
                            .await;
                        }
                        latencies
                    })
                })
                .collect();
            let mut latencies = Vec::new();
            for c in clients {
                latencies.extend(c.await.unwrap());
            }
            let elapsed = started.elapsed();
            assert_eq!(latencies.len(), 1000);
            latencies.sort();
            let p = |q: usize| latencies[(latencies.len() * q / 100).min(latencies.len() - 1)];
            eprintln!(
                "{}: 1000 requests, 50 clients, pool of 10: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms",
                db.name,
                1000.0 / elapsed.as_secs_f64(),
                p(50).as_secs_f64() * 1e3,
                p(99).as_secs_f64() * 1e3,
            );
            assert_eq!(users_in_db(db).await, 200);
            let status = db.engine.pool_status();
            assert!(status.connections <= 10, "{status:?}");
        });
        assert_no_leaks_any(&db.engine, app_name(db));
    });
}

/// Writes a user, then fails.
async fn write_then_fail(DbSession(s): DbSession) -> Result<StatusCode, ApiError> {
    s.add(app::User { id: 0, name: "ghost".into(), email: None, orders: orm::HasMany::new() }).await?;
    s.flush().await?;
    Err(ApiError::new(StatusCode::BAD_GATEWAY, "the payment service said no"))
}

/// Writes a user, then panics.
async fn write_then_panic(DbSession(s): DbSession) -> StatusCode {
    s.add(app::User { id: 0, name: "ghost".into(), email: None, orders: orm::HasMany::new() }).await.unwrap();
    s.flush().await.unwrap();
    panic!("a bug in the handler");
}

#[test]
fn a_handler_that_fails_or_panics_after_writing_leaves_nothing() {
    each_db_with("web_fail", pool_of_ten, |db| {
        block_on(async {
            let extra =
                axum::Router::new().route("/fail", post(write_then_fail)).route("/panic", post(write_then_panic));
            let base = serve(db, extra).await;
            let http = reqwest::Client::new();
            let r = http.post(format!("{base}/fail")).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
            let r = http.post(format!("{base}/panic")).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body, json!({"error": "internal error"}));
            assert_eq!(users_in_db(db).await, 0, "{}", db.name);
            // The service goes on.
            let r = http.post(format!("{base}/users")).json(&json!({"name": "ghost"})).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            assert_eq!(users_in_db(db).await, 1);
        });
        assert_no_leaks_any(&db.engine, app_name(db));
    });
}
