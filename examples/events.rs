//! Events: engine listeners (connections and statements), session listeners (flush, commit,
//! rollback) and mapper listeners (each INSERT / UPDATE / DELETE of one model).
//!
//! Run with `cargo run --example events` (`DATABASE_URL=postgres://...` to run it on
//! PostgreSQL). Listener output is indented under the statements that trigger it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use orm::backend::Connection;
use orm::prelude::*;
use orm::DialectKind;

/// A note; `slug` and `revision` are maintained by mapper listeners, not by the caller.
#[derive(Model, Debug)]
#[orm(table = "ev_notes")]
struct Note {
    #[orm(primary_key, auto_increment)]
    id: i64,
    title: String,
    slug: String,
    revision: i32,
}

/// One line of the audit trail, written in the same transaction as the change it records.
#[derive(Model, Debug)]
#[orm(table = "ev_audit")]
struct Audit {
    #[orm(primary_key, auto_increment)]
    id: i64,
    note_id: i64,
    action: String,
}

/// A booking; its validators run before each write of it, Session or Core (`Error::Validation`).
#[derive(Model, Debug)]
#[orm(table = "ev_bookings", validates(name, city) = not_blank, validate = nights_in_order)]
struct Booking {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(validate = email)]
    email: String,
    name: String,
    city: String,
    arrive: i32,
    leave: i32,
}

// Validators say why they refuse a value. A field validator gets the field's value (`&str`
// for a `String`); `validates(name, city) = not_blank` shares one; a whole-object one sees it all.
fn email(value: &str) -> Result<(), String> {
    value.contains('@').then_some(()).ok_or_else(|| format!("`{value}` has no '@'"))
}

fn not_blank(value: &str) -> Result<(), &'static str> {
    (!value.trim().is_empty()).then_some(()).ok_or("must not be blank")
}

fn nights_in_order(b: &Booking) -> Result<(), String> {
    (b.arrive <= b.leave).then_some(()).ok_or_else(|| format!("leaves (night {}) before arriving", b.leave))
}

fn booking() -> Booking {
    Booking { id: 0, email: String::new(), name: "Ada".into(), city: "London".into(), arrive: 2, leave: 3 }
}

fn note(title: &str) -> Note {
    Note { id: 0, title: title.into(), slug: String::new(), revision: 0 }
}

/// An after-write listener that records `action` with the flush's own connection.
fn audit(action: &'static str) -> impl Fn(&mut Connection, &Note) -> orm::Result<()> + Send + Sync {
    move |conn, note| {
        println!("    after_write: note #{} {action}", note.id);
        insert::<Audit>().values(&Audit { id: 0, note_id: note.id, action: action.into() }).execute(conn).map(drop)
    }
}

fn main() -> orm::Result<()> {
    println!("-- engine events: on_connect, before_execute, after_execute");
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let connections = Arc::new(AtomicUsize::new(0));
    let timings: Arc<Mutex<Vec<(Duration, bool)>>> = Arc::default(); // (elapsed, failed) per statement
    let (opened, times) = (connections.clone(), timings.clone());
    let engine = Engine::builder(&url)
        .on_connect(move |conn| {
            // Once per new pooled connection: session settings, PRAGMAs.
            println!("    on_connect: connection #{}", opened.fetch_add(1, Ordering::Relaxed) + 1);
            let sqlite = conn.dialect_kind() == DialectKind::Sqlite;
            conn.batch(if sqlite { "PRAGMA temp_store = MEMORY" } else { "SET statement_timeout = '30s'" })
        })
        // Each statement on stderr (SQL, parameters, time, rows), without a hook.
        .echo(true)
        .after_execute(move |e| {
            // SQL, parameters, duration and error of every statement: a slow-query log, metrics.
            times.lock().expect("not poisoned").push((e.elapsed, e.error.is_some()));
            if let Some(err) = e.error {
                println!("    after_execute: failed after {:?}: {err}", e.elapsed);
            }
        })
        .build()?;
    engine.drop_all(&[Note::table(), Audit::table(), Booking::table()])?;
    engine.create_all(&[Note::table(), Audit::table(), Booking::table()])?;
    assert!(engine.execute("SELECT * FROM no_such_table", &[]).is_err());
    assert!(timings.lock().expect("not poisoned").last().is_some_and(|&(_, failed)| failed));

    println!("-- a listener added to the running engine, that refuses statements: its error stops them");
    engine.events().before_execute(|sql, _| {
        if sql.starts_with("DROP") {
            return Err(orm::Error::Validation {
                model: "engine".into(),
                field: None,
                message: "no DROP from this program".into(),
            });
        }
        Ok(())
    });
    let err = engine.execute("DROP TABLE ev_notes", &[]).unwrap_err();
    println!("    refused: {err}");

    println!("-- session and mapper listeners, set once on a factory for all its sessions");
    let log: Arc<Mutex<Vec<&str>>> = Arc::default();
    let record = |event: &'static str| {
        let log = log.clone();
        move |s: &mut Session| {
            println!("    {event}: {:?}", s.counts());
            log.lock().expect("not poisoned").push(event);
            Ok(())
        }
    };
    let factory = SessionFactory::new(&engine)
        // An Err from a before_flush listener would fail the flush (rolled back).
        .listen(SessionEvent::BeforeFlush, record("before_flush"))
        .listen(SessionEvent::AfterCommit, record("after_commit"))
        .listen(SessionEvent::AfterRollback, record("after_rollback"))
        // Mapper events: typed, per model, around each write. Changes made before the write
        // are part of it (the stamped slug is in the INSERT).
        .before_write::<Note>(WriteEvent::Insert, |_conn, n| {
            let words: Vec<&str> = n.title.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
            n.slug = words.join("-").to_lowercase();
            Ok(())
        })
        .before_write::<Note>(WriteEvent::Update, |_conn, n| {
            n.revision += 1;
            Ok(())
        })
        .after_write::<Note>(WriteEvent::Insert, audit("inserted"))
        .after_write::<Note>(WriteEvent::Update, audit("updated"))
        .after_write::<Note>(WriteEvent::Delete, audit("deleted"));
    let mut s = factory.session();

    println!("-- insert: before_flush, before_write stamps the slug, after_write audits, after_commit");
    let hello = s.add(note("Hello, World!"))?;
    s.commit()?;
    let id = hello.read().id;
    assert_eq!(hello.read().slug, "hello-world");

    println!("-- update: before_write bumps the revision in the same UPDATE");
    hello.write().title = "Hello again".into();
    s.commit()?;
    assert_eq!((hello.read().revision, hello.read().slug.as_str()), (1, "hello-world"));

    println!("-- rollback: the flushed draft and its audit row are both undone");
    s.add(note("Draft"))?;
    s.flush()?;
    s.rollback()?;

    println!("-- delete");
    s.delete(&hello)?;
    s.commit()?;
    let trail: Vec<(i64, String)> = select((Audit::note_id, Audit::action)).order_by(Audit::id.asc()).all(&engine)?;
    println!("audit trail: {trail:?}");
    assert_eq!(trail, ["inserted", "updated", "deleted"].map(|a| (id, a.to_owned())));
    let events = log.lock().expect("not poisoned").join(", ");
    assert_eq!(
        events,
        "before_flush, after_commit, before_flush, after_commit, before_flush, after_rollback, before_flush, after_commit"
    );
    assert!(connections.load(Ordering::Relaxed) >= 1, "on_connect ran");

    println!("-- validators: checked before any SQL; a refused write sends nothing");
    let mut s = engine.session();
    let stay = s.add(Booking { id: 0, email: "ada.example.com".into(), ..booking() })?;
    let sent = || timings.lock().expect("not poisoned").len(); // statements sent so far
    let before = sent();
    let err = s.commit().unwrap_err();
    println!("refused: {err}");
    assert!(matches!(&err, orm::Error::Validation { model, field: Some(f), message }
        if model == "Booking" && f == "email" && message == "`ada.example.com` has no '@'"));
    assert_eq!(sent(), before, "nothing was sent, not even BEGIN");
    stay.write().email = "ada@example.com".into(); // corrected: the same session goes on
    s.commit()?;
    stay.write().city = " ".into(); // the shared validator: the error names the field
    let err = s.commit().unwrap_err();
    println!("refused: {err}");
    assert!(matches!(&err, orm::Error::Validation { field: Some(f), .. } if f == "city"));
    stay.write().city = "Paris".into();
    stay.write().leave = 1; // the whole-object validator: `field` is None
    let err = s.commit().unwrap_err();
    println!("refused: {err}");
    assert!(matches!(&err, orm::Error::Validation { field: None, .. }));
    // The one good commit was one INSERT, sent alone (no BEGIN / COMMIT needed).
    assert_eq!(sent(), before + 1, "one INSERT: the refused writes sent nothing");
    stay.write().leave = 4;
    s.commit()?;
    assert_eq!(select((Booking::city, Booking::leave)).one(&engine)?, ("Paris".to_owned(), 4));

    let times = timings.lock().expect("not poisoned");
    let (total, slowest) = (times.iter().map(|t| t.0).sum::<Duration>(), times.iter().map(|t| t.0).max());
    println!("{} statements in {total:?} (slowest {slowest:?})", times.len());
    Ok(())
}
