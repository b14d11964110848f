//! A JSON service on axum: users and their orders (list with filters and paging, get,
//! create, update, delete), one ORM session per request — committed when the handler
//! succeeds, rolled back when it fails or panics — and the ORM's errors as status codes
//! (404, 422, 409).
//!
//! Run with `cargo run --example axum_service` (SQLite in memory; `DATABASE_URL=postgres://…`
//! for PostgreSQL). It serves on 127.0.0.1:3000 (`PORT` to change), makes a few requests of
//! its own to show the flows, and keeps serving when `SERVE=1`.

#[path = "app.rs"]
mod app;

use orm::asyncio::AsyncEngine;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = AsyncEngine::build(orm::Engine::builder(&url).pool_size(10)).await?;
    engine.drop_all(&app::tables()).await?;
    engine.create_all(&app::tables()).await?;

    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    let addr = listener.local_addr()?;
    println!("serving on http://{addr}");
    let server = tokio::spawn(async move { axum::serve(listener, app::app(&engine)).await });

    // A short tour, with a real HTTP client.
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let show = |what: &str, status: reqwest::StatusCode, body: String| println!("{what}: {status} {body}");

    let r = http
        .post(format!("{base}/users"))
        .json(&serde_json::json!({"name": "ada", "email": "ada@example.com"}))
        .send()
        .await?;
    show("POST /users", r.status(), r.text().await?);
    let r = http.post(format!("{base}/users")).json(&serde_json::json!({"name": "bob"})).send().await?;
    show("POST /users", r.status(), r.text().await?);
    let r = http
        .post(format!("{base}/users/1/orders"))
        .json(&serde_json::json!({"item": "pen", "quantity": 3}))
        .send()
        .await?;
    show("POST /users/1/orders", r.status(), r.text().await?);
    let r = http.get(format!("{base}/users/1")).send().await?;
    show("GET /users/1", r.status(), r.text().await?);
    let r = http.get(format!("{base}/users?has_email=false&page=1&per_page=10")).send().await?;
    show("GET /users?has_email=false", r.status(), r.text().await?);
    let r = http.patch(format!("{base}/users/2")).json(&serde_json::json!({"email": "bob@example.com"})).send().await?;
    show("PATCH /users/2", r.status(), r.text().await?);
    let r = http.post(format!("{base}/users")).json(&serde_json::json!({"name": "ada"})).send().await?;
    show("POST /users (a taken name)", r.status(), r.text().await?);
    let r = http
        .post(format!("{base}/users/1/orders"))
        .json(&serde_json::json!({"item": "ink", "quantity": 0}))
        .send()
        .await?;
    show("POST /users/1/orders (quantity 0)", r.status(), r.text().await?);
    let r = http.get(format!("{base}/users/99")).send().await?;
    show("GET /users/99", r.status(), r.text().await?);
    let r = http.delete(format!("{base}/users/1")).send().await?;
    show("DELETE /users/1", r.status(), r.text().await?);

    if std::env::var("SERVE").is_ok_and(|v| v == "1") {
        server.await??;
    }
    Ok(())
}
