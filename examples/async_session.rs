//! Async sessions (feature `async`): the sync vocabulary with `.await`, one identity map,
//! a transaction with the application's own error type, `run_sync`, and what happens when a
//! future is dropped.
//!
//! Run with `cargo run --example async_session` (`DATABASE_URL=postgres://…` for PostgreSQL).

use orm::asyncio::{AsyncEngine, AsyncSession};
use orm::prelude::*;

/// A bank account.
#[derive(Model, Debug)]
#[orm(table = "accounts", check = "balance >= 0")]
struct Account {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(unique)]
    owner: String,
    balance: i64,
}

/// The application's error: a transaction hands it back unchanged.
#[derive(Debug)]
enum BankError {
    Db(orm::Error),
    Insufficient { wanted: i64, had: i64 },
}

impl std::fmt::Display for BankError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BankError::Db(e) => write!(f, "database: {e}"),
            BankError::Insufficient { wanted, had } => write!(f, "insufficient funds: wanted {wanted}, had {had}"),
        }
    }
}

impl std::error::Error for BankError {}

impl From<orm::Error> for BankError {
    fn from(e: orm::Error) -> Self {
        BankError::Db(e)
    }
}

async fn transfer(s: &AsyncSession, from: i64, to: i64, amount: i64) -> Result<(), BankError> {
    s.transaction(async |s: &AsyncSession| {
        let a = s.get_for_update::<Account>(from).await?.ok_or(orm::Error::NotFound { table: "accounts".into() })?;
        let b = s.get_for_update::<Account>(to).await?.ok_or(orm::Error::NotFound { table: "accounts".into() })?;
        let had = a.read().balance;
        if had < amount {
            return Err(BankError::Insufficient { wanted: amount, had });
        }
        a.write().balance -= amount;
        b.write().balance += amount;
        Ok(())
    })
    .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = AsyncEngine::build(Engine::builder(&url).echo(std::env::var("ECHO").is_ok_and(|v| v == "1"))).await?;
    engine.drop_all(&[Account::table()]).await?;
    engine.create_all(&[Account::table()]).await?;

    println!("-- add and commit, as in sync code");
    let s = engine.session();
    let ada = s.add(Account { id: 0, owner: "ada".into(), balance: 100 }).await?;
    let bob = s.add(Account { id: 0, owner: "bob".into(), balance: 0 }).await?;
    s.commit().await?;
    let (ada_id, bob_id) = (ada.read().id, bob.read().id);

    println!("-- a transaction: committed when it returns Ok");
    transfer(&s, ada_id, bob_id, 30).await?;
    println!("ada {} bob {}", ada.read().balance, bob.read().balance);

    println!("-- the application's error comes out unchanged, and the work is rolled back");
    match transfer(&s, bob_id, ada_id, 500).await {
        Err(BankError::Insufficient { wanted, had }) => println!("refused: wanted {wanted}, had {had}"),
        other => println!("unexpected: {other:?}"),
    }

    println!("-- many sync calls in one hop");
    let total = s
        .run_sync(|s| {
            let all = s.query::<Account>().all()?;
            let sum: i64 = all.iter().map(|a| a.read().balance).sum();
            Ok(sum)
        })
        .await?;
    println!("total {total}");

    println!("-- a commit whose future is dropped still runs to its end, and says so");
    ada.write().balance += 1;
    let many: Vec<Account> = (0..20_000).map(|i| Account { id: 0, owner: format!("owner {i}"), balance: 0 }).collect();
    s.add_all(many).await?;
    let cut = tokio::time::timeout(std::time::Duration::from_millis(1), s.commit()).await.is_err();
    println!("commit future dropped by the timeout: {cut}");
    // The session's next call waits for that commit.
    let balance: i64 = s.one(select(Account::balance).filter(Account::id.eq(ada_id))).await?;
    let accounts: i64 = s.one(select(func::count_all()).from::<Account>()).await?;
    for report in s.interrupted() {
        println!("interrupted: {report}");
    }
    println!("in the database: ada's balance {balance}, {accounts} accounts");
    Ok(())
}
