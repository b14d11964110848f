//! The engine: URLs and their parts, the statement log, commit-as-you-go connections, the
//! pool's status, listeners that can refuse a statement, and names from a naming convention.
//!
//! Run with `cargo run --example engine` (SQLite in memory). Set
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/test` to run it on PostgreSQL.

use std::time::Duration;

use orm::prelude::*;
use orm::{DatabaseUrl, NamingConvention};

/// An account; its index and check constraint are named by the convention below, its
/// unique email by the model itself.
#[derive(Model, Debug)]
#[orm(table = "engine_accounts", check = "balance >= 0")]
struct Account {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(index)]
    owner: String,
    #[orm(unique(name = "accounts_email_key"))]
    email: String,
    balance: i64,
    active: bool,
}

fn account(owner: &str, balance: i64) -> Account {
    Account { id: 0, owner: owner.into(), email: format!("{owner}@example.com"), balance, active: true }
}

fn main() -> orm::Result<()> {
    println!("orm {}", orm::VERSION);

    println!("-- URLs: SQLAlchemy's forms, the password never shown");
    let parsed = DatabaseUrl::parse("postgresql+postgres://app:s%40cret@db.internal:5433/shop?sslmode=verify-full")?;
    assert_eq!(parsed.password(), Some("s@cret"));
    println!("{parsed} (user {:?}, port {:?}, sslmode {:?})", parsed.user(), parsed.port(), parsed.ssl_mode());
    assert!(!format!("{parsed:?}").contains("s@cret"));
    assert!(DatabaseUrl::parse("sqlite:///:memory:")?.is_memory());

    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite://".into());
    let engine = Engine::builder(&url)
        .pool_size(2)
        .max_overflow(2) // opened under load, closed when returned
        .max_lifetime(Some(Duration::from_secs(1800)))
        .echo(true) // every statement, its parameters, duration and rows on stderr
        .build()?;
    println!("connected to {}", engine.url());
    engine.execute("DROP TABLE IF EXISTS engine_accounts", &[])?;

    println!("-- a naming convention for what the models leave unnamed");
    let naming = NamingConvention::new().index("idx_{table}_{column_0}").check("chk_{table}_{constraint}");
    engine.create_all_with(&[Account::table()], &naming)?;

    println!("-- commit as you go: a connection's first statement begins a transaction");
    let mut conn = engine.connection()?;
    insert::<Account>().values(&account("ada", 100)).execute(&mut conn)?;
    conn.commit()?;
    insert::<Account>().values(&account("bob", 50)).execute(&mut conn)?;
    drop(conn); // not committed: rolled back
    let owners: Vec<String> = select(Account::owner).order_by(Account::owner).all(&engine)?;
    assert_eq!(owners, ["ada"]);

    println!("-- statements on the engine itself commit at once");
    insert::<Account>().values(&account("cy", 10)).execute(&engine)?;
    let inactive = Account { active: false, ..account("dee", 0) };
    insert::<Account>().values(&inactive).execute(&engine)?;

    println!("-- a boolean column is a predicate");
    let active: Vec<String> = select(Account::owner).filter(Account::active).order_by(Account::owner).all(&engine)?;
    assert_eq!(active, ["ada", "cy"]);
    let n: i64 = select(func::count_all()).from::<Account>().filter(!Account::active).one(&engine)?;
    assert_eq!(n, 1);

    println!("-- raw SQL has the same terminals: first / one / one_or_none / scalar_one");
    let total: i64 =
        orm::query::text("SELECT CAST(sum(balance) AS BIGINT) FROM engine_accounts").scalar_one(&engine)?;
    assert_eq!(total, 110);
    let none: Option<(String,)> =
        orm::query::text("SELECT owner FROM engine_accounts WHERE balance > 1000").one_or_none(&engine)?;
    assert!(none.is_none());

    println!("-- a listener added to the built engine can refuse a statement");
    engine.events().before_execute(|sql, _| {
        if sql.starts_with("DELETE") {
            return Err(orm::Error::Validation {
                model: "Account".into(),
                field: None,
                message: "accounts are closed, never deleted".into(),
            });
        }
        Ok(())
    });
    let refused = delete::<Account>().filter(Account::owner.eq("cy")).execute(&engine);
    println!("refused: {}", refused.as_ref().err().map(ToString::to_string).unwrap_or_default());
    assert!(matches!(refused, Err(orm::Error::Validation { .. })));

    let status = engine.pool_status();
    println!(
        "-- pool: size {}, open {}, checked out {}, idle {}, overflow {}",
        status.size, status.connections, status.checked_out, status.idle, status.overflow
    );
    engine.events().before_execute(|_, _| {}); // an infallible listener needs no Result
    engine.execute("DROP TABLE engine_accounts", &[])?;
    Ok(())
}
