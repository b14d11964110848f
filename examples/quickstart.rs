//! Quick start: declare models, create their tables, and work with them through the Session
//! (unit of work) and through Core statements, on the embedded SQLite default.
//!
//! Run with `cargo run --example quickstart`. Set `DATABASE_URL=postgres://...` to run the
//! same program on PostgreSQL. Every statement is printed as it runs.

use orm::prelude::*;

/// A user account.
#[derive(Model, Debug)]
#[orm(table = "users", check = "age >= 0")]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(max_length = 50, unique)]
    name: String,
    #[orm(index)]
    age: i32,
    email: Option<String>,
}

/// An order placed by a user; deleted with its user.
#[derive(Model, Debug)]
#[orm(table = "orders")]
struct Order {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = User::id, on_delete = cascade)]
    user_id: i64,
    #[orm(check = "total >= 0")]
    total: f64,
}

fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = Engine::builder(&url).echo(true).build()?;
    engine.drop_all(&[User::table(), Order::table()])?;
    engine.create_all(&[User::table(), Order::table()])?;

    println!("-- unit of work: add, flush (generated keys), commit");
    let mut session = engine.session();
    let ada = session.add(User { id: 0, name: "Ada".into(), age: 36, email: None })?;
    let bob = session.add(User { id: 0, name: "Bob".into(), age: 17, email: Some("bob@example.com".into()) })?;
    println!("before flush: ada is {:?}, id = {}", ada.state(), ada.read().id);
    session.flush()?;
    println!("after flush: ada is {:?}, id = {}", ada.state(), ada.read().id);
    let (ada_id, bob_id) = (ada.read().id, bob.read().id);
    session.add(Order { id: 0, user_id: ada_id, total: 120.0 })?;
    session.add(Order { id: 0, user_id: ada_id, total: 35.5 })?;
    session.add(Order { id: 0, user_id: bob_id, total: 12.0 })?;
    session.commit()?;

    println!("-- change tracking: only the changed column is written");
    ada.write().age += 1;
    session.commit()?;
    println!("-- nothing changed: no statement");
    session.commit()?;

    println!("-- identity map: the same row is the same object");
    let again = session.get::<User>(ada_id)?.expect("ada exists");
    println!("same object: {}", again.ptr_eq(&ada));

    println!("-- ORM query with typed filters");
    let adults =
        session.query::<User>().filter(User::age.ge(18) & User::email.is_null()).order_by(User::name.asc()).all()?;
    for u in &adults {
        println!("adult: {:?}", *u.read());
    }

    println!("-- Core: typed tuples, aggregates, group by");
    let totals: Vec<(i64, i64, Option<f64>)> =
        select((Order::user_id, func::count(Order::id), func::sum(Order::total)))
            .group_by(Order::user_id)
            .order_by(Order::user_id)
            .all(&engine)?;
    println!("orders per user: {totals:?}");
    let raised =
        update::<Order>().set(Order::total, Order::total * 1.1).filter(Order::total.lt(50.0)).execute(&engine)?;
    println!("raised {raised} small orders");

    println!("-- delete cascades to the orders");
    session.delete(&bob)?;
    session.commit()?;
    println!("bob is {:?}", bob.state());
    let left: i64 = select(func::count_all()).from::<Order>().one(&engine)?;
    println!("orders left: {left}");

    println!("-- constraint violations are typed errors");
    session.add(User { id: 0, name: "Ada".into(), age: 1, email: None })?;
    match session.commit() {
        Err(e @ orm::Error::UniqueViolation { .. }) => println!("refused: {e}"),
        other => println!("unexpected: {other:?}"),
    }
    session.rollback()?;
    Ok(())
}
