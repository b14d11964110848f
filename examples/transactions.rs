//! Transactions: commit and rollback, the `transaction` closure, savepoints, recovering from
//! a failed flush, session factories and per-request (current) sessions.
//!
//! Run with `cargo run --example transactions` (`DATABASE_URL=postgres://...` to run it on
//! PostgreSQL). Every statement is printed, BEGIN / SAVEPOINT / COMMIT / ROLLBACK included.

use orm::prelude::*;
use orm::Error;

/// A bank account; the database refuses a negative balance.
#[derive(Model, Debug)]
#[orm(table = "tx_accounts", check = "balance >= 0")]
struct Account {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(max_length = 30, unique)]
    owner: String,
    balance: i64,
}

fn account(owner: &str, balance: i64) -> Account {
    Account { id: 0, owner: owner.into(), balance }
}

/// The owners in the database, sorted (read outside any session).
fn owners(engine: &Engine) -> orm::Result<Vec<String>> {
    select(Account::owner).order_by(Account::owner.asc()).all(engine)
}

/// One request of a web handler: every `with_current` call on this thread gets the same
/// session; `request` commits it when the handler returns `Ok`, rolls it back on `Err` or a
/// panic, and removes it in every case.
fn handle_deposit(factory: &SessionFactory, owner: &str, amount: i64) -> orm::Result<()> {
    factory.request(|| deposit(factory, owner, amount))
}

/// The handler's work (`request` commits it).
fn deposit(factory: &SessionFactory, owner: &str, amount: i64) -> orm::Result<()> {
    let acct = factory.with_current(|s| s.query::<Account>().filter(Account::owner.eq(owner)).one())??;
    // Anywhere else in the request, `with_current` gives the same session, so the same object.
    let id = acct.read().id;
    assert!(factory.with_current(|s| s.get::<Account>(id))??.is_some_and(|same| same.ptr_eq(&acct)));
    acct.write().balance += amount;
    Ok(())
}

fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = Engine::builder(&url).echo(true).build()?;
    engine.drop_all(&[Account::table()])?;
    engine.create_all(&[Account::table()])?;
    let mut s = engine.session();

    println!("-- commit, then rollback: the objects go back to their committed state");
    let ada = s.add(account("ada", 100))?;
    s.commit()?;
    ada.write().balance = 0;
    let bob = s.add(account("bob", 50))?;
    s.flush()?; // written inside the transaction...
    s.rollback()?; // ...and undone, in the database and in memory
    assert_eq!((ada.read().balance, bob.state()), (100, ObjectState::Transient));
    assert_eq!(owners(&engine)?, ["ada"]);

    println!("-- transaction(): commits on Ok, rolls back on Err and on panic");
    let bob_id = s.transaction(|s| {
        let bob = s.add(account("bob", 50))?;
        s.flush()?; // the INSERT fills in the generated key
        let id = bob.read().id;
        Ok::<_, Error>(id) // the error type is the caller's: name it where nothing else does
    })?;
    assert!(bob_id > 0);
    let refused: orm::Result<()> = s.transaction(|_| {
        ada.write().balance -= 500;
        Err(Error::Validation {
            model: "Account".into(),
            field: Some("balance".into()),
            message: "insufficient funds".into(),
        })
    });
    assert!(refused.is_err() && ada.read().balance == 100);
    std::panic::set_hook(Box::new(|_| {})); // keep the demo's panic message quiet
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        s.transaction(|s| -> orm::Result<()> {
            s.add(account("mallory", 1))?;
            s.flush()?;
            panic!("a bug in the handler")
        })
    }));
    let _ = std::panic::take_hook();
    assert!(panicked.is_err());
    assert_eq!(owners(&engine)?, ["ada", "bob"]);

    println!("-- savepoints: rolling back to one undoes only what came after it");
    s.transaction(|s| {
        let carol = s.add(account("carol", 10))?;
        let sp = s.begin_nested()?; // flushes carol, then SAVEPOINT
        carol.write().balance = 999;
        let dave = s.add(account("dave", 5))?;
        s.flush()?;
        s.rollback_to_savepoint(sp)?; // ROLLBACK TO SAVEPOINT: dave and the 999 are gone
        assert_eq!((carol.read().balance, dave.state()), (10, ObjectState::Transient));
        // The closure form releases on Ok and rolls back to the savepoint on Err.
        s.savepoint(|s| s.add(account("erin", 7)).map(drop))?;
        Ok::<_, Error>(())
    })?;
    assert_eq!(owners(&engine)?, ["ada", "bob", "carol", "erin"]);

    println!("-- a failed flush: the session refuses work until rollback()");
    s.add(account("ada", 1))?; // duplicate owner
    let err = s.commit().unwrap_err();
    println!("commit failed: {err}");
    assert!(matches!(err, Error::UniqueViolation { .. }));
    let refused = s.query::<Account>().count().unwrap_err();
    assert!(matches!(refused, Error::PendingRollback { .. }));
    s.rollback()?;
    assert_eq!(s.query::<Account>().count()?, 4, "usable again");
    // Inside a savepoint the failure is contained: rolling back to it keeps the outer work.
    ada.write().balance = 90;
    let sp = s.begin_nested()?;
    s.add(account("bob", 1))?;
    assert!(s.flush().is_err());
    s.rollback_to_savepoint(sp)?;
    s.commit()?;
    assert_eq!(select(Account::balance).filter(Account::owner.eq("ada")).one(&engine)?, 90);

    println!("-- a SessionFactory gives every session the same settings");
    let factory = SessionFactory::new(&engine).autoflush(false).expire_on_commit(false);
    let mut s = factory.session();
    s.add(account("frank", 3))?;
    assert_eq!(s.query::<Account>().count()?, 4, "autoflush is off: frank is not written yet");
    s.commit()?;
    let frank = s.query::<Account>().filter(Account::owner.eq("frank")).one()?;
    s.commit()?;
    assert!(!frank.is_expired(), "expire_on_commit is off");

    println!("-- per request: one current session per thread, removed at the end");
    let factory = &SessionFactory::new(&engine); // keep one in the application state
    std::thread::scope(|scope| {
        let requests = [("ada", 10), ("bob", 20)].map(|(o, n)| scope.spawn(move || handle_deposit(factory, o, n)));
        requests.map(|r| r.join().expect("no panic")).into_iter().collect::<orm::Result<Vec<()>>>()
    })?;
    let err = handle_deposit(factory, "carol", -100).unwrap_err(); // the CHECK refuses it
    println!("request failed: {err}");
    assert!(matches!(err, Error::CheckViolation { .. }));
    std::panic::set_hook(Box::new(|_| {})); // keep the demo's panic message quiet
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        factory.request(|| -> orm::Result<()> {
            deposit(factory, "erin", 1_000)?;
            factory.with_current(|s| s.flush())??; // written inside the transaction...
            panic!("a bug in the handler") // ...and rolled back: the next request starts clean
        })
    }));
    let _ = std::panic::take_hook();
    assert!(panicked.is_err());
    let balances: Vec<i64> = select(Account::balance).order_by(Account::owner.asc()).all(&engine)?;
    assert_eq!(balances, [100, 70, 10, 7, 3], "ada and bob got their deposits, carol's was rolled back");
    Ok(())
}
