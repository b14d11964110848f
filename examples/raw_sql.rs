//! Raw SQL: `text()` with named binds run on an engine, a pooled connection and a session,
//! rows decoded by position or onto a model by column name, and `sql!` checking the SQL
//! against the models at compile time.
//!
//! Run with `cargo run --example raw_sql`. Set `DATABASE_URL=postgres://...` to run the same
//! program on PostgreSQL. Every statement is printed as it runs.

use orm::prelude::*;

/// A user account.
#[derive(Model, Debug)]
#[orm(table = "users")]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(unique)]
    name: String,
    age: i32,
    email: Option<String>,
}

/// An order placed by a user.
#[derive(Model, Debug)]
#[orm(table = "orders")]
struct Order {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = User::id, on_delete = cascade)]
    user_id: i64,
    total: f64,
}

fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = Engine::builder(&url).echo(true).build()?;
    engine.drop_all(&[User::table(), Order::table()])?;
    engine.create_all(&[User::table(), Order::table()])?;

    println!("-- text(): named binds, sent as parameters");
    let add_user = text("INSERT INTO users (name, age) VALUES (:name, :age)");
    for (name, age) in [("Ada", 36), ("Bob", 17), ("Cy", 52)] {
        add_user.clone().bind("name", name).bind("age", age).execute(&engine)?;
    }
    let add_order = text("INSERT INTO orders (user_id, total) VALUES (:user, :total)");
    for (user, total) in [(1i64, 10.0), (1, 30.0), (3, 7.5)] {
        add_order.clone().bind("user", user).bind("total", total).execute(&engine)?;
    }

    println!("-- rows by position: one column, tuples, the first n, one by one");
    let n: i64 = text("SELECT count(*) FROM users WHERE age >= :age").bind("age", 18).scalar(&engine)?;
    println!("adults: {n}");
    // `:age` twice: one value (`$1` twice on PostgreSQL, bound twice on SQLite).
    let rows: Vec<(String, i32)> =
        text("SELECT name, age FROM users WHERE age BETWEEN :age - 20 AND :age + 20 AND name <> 'x:y' ORDER BY name")
            .bind("age", 40)
            .all(&engine)?;
    println!("{rows:?}");
    let oldest: Vec<String> = text("SELECT name FROM users ORDER BY age DESC").fetchmany(&engine, 2)?;
    println!("two oldest: {oldest:?}");
    let mut conn = engine.connection()?;
    text("SELECT name, total FROM users JOIN orders ON orders.user_id = users.id ORDER BY total")
        .for_each::<(String, f64)>(&mut conn, |(name, total)| {
            println!("  {name} spent {total}");
            Ok(())
        })?;
    drop(conn);

    println!("-- a bind missing is an error before anything is sent");
    let err = text("SELECT name FROM users WHERE age > :age").all::<String>(&engine).unwrap_err();
    println!("{err}");

    println!("-- onto a model, by column name");
    let users = text("SELECT age, email, name, id FROM users WHERE name LIKE :p")
        .bind("p", "%y")
        .from_statement::<User>()
        .all(&engine)?;
    println!("{users:?}");

    println!("-- sql!: tables, columns and bind types checked at compile time");
    let min_total = 9.0;
    let big: Vec<(String, f64)> = sql!(User, Order =>
        "SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE o.total > :min ORDER BY o.total",
        min = min_total)
    .all(&engine)?;
    println!("{big:?}");

    println!("-- in a session: after an autoflush, in its transaction, through the identity map");
    let mut session = engine.session();
    let dee = session.add(User { id: 0, name: "Dee".into(), age: 29, email: None })?;
    let found = session
        .from_statement::<User>(sql!(User => "SELECT * FROM users WHERE age BETWEEN :lo AND :hi", lo = 20, hi = 30))
        .all()?;
    assert!(found[0].ptr_eq(&dee));
    sql!(User => "UPDATE users SET email = :email WHERE name = :name", email = "dee@example.com", name = "Dee")
        .execute(&mut session)?;
    let n: i64 = text("SELECT count(*) FROM users WHERE email IS NOT NULL").scalar(session.autoflushed())?;
    println!("with an email: {n}");
    session.rollback()?;
    let n: i64 = text("SELECT count(*) FROM users").scalar(&engine)?;
    println!("after the rollback: {n} users");
    Ok(())
}
