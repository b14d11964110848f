//! Validators, Rust-side defaults, `update_default` values and client-generated keys.

use std::sync::atomic::{AtomicI64, Ordering};

use orm::prelude::*;
use orm::Error;

use crate::common::{each_db, Db};

fn email(value: &String) -> Result<(), String> {
    if value.contains('@') {
        Ok(())
    } else {
        Err(format!("`{value}` is not an e-mail address"))
    }
}

fn not_blank(value: &str) -> Result<(), &'static str> {
    if value.trim().is_empty() {
        Err("must not be blank")
    } else {
        Ok(())
    }
}

fn dates_in_order(b: &Booking) -> Result<(), String> {
    if b.start_day <= b.end_day {
        Ok(())
    } else {
        Err(format!("ends (day {}) before it starts (day {})", b.end_day, b.start_day))
    }
}

#[derive(Model, Debug)]
#[orm(table = "accounts", validates(first_name, last_name) = not_blank)]
struct Account {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(validate = email)]
    email: String,
    first_name: String,
    last_name: String,
    logins: i32,
}

impl Account {
    fn new(email: &str) -> Account {
        Account { id: 0, email: email.into(), first_name: "Ada".into(), last_name: "Lovelace".into(), logins: 0 }
    }
}

#[derive(Model, Debug)]
#[orm(table = "bookings", validate = dates_in_order)]
struct Booking {
    #[orm(primary_key, auto_increment)]
    id: i64,
    start_day: i32,
    end_day: i32,
}

static CLOCK: AtomicI64 = AtomicI64::new(1_000);

/// A clock that moves forward on every reading.
fn tick() -> i64 {
    CLOCK.fetch_add(1, Ordering::Relaxed)
}

static IDS: AtomicI64 = AtomicI64::new(1);

fn new_code() -> String {
    format!("doc-{}-{}", std::process::id(), IDS.fetch_add(1, Ordering::Relaxed))
}

#[derive(Model, Debug)]
#[orm(table = "documents")]
struct Document {
    /// Generated client-side for each object built with `..Default::default()`.
    #[orm(primary_key, default = new_code())]
    code: String,
    title: String,
    #[orm(default = "draft")]
    status: String,
    #[orm(default = 3)]
    priority: Option<i32>,
    #[orm(default = tick())]
    created_at: i64,
    #[orm(default = tick(), update_default = tick())]
    updated_at: i64,
}

impl Document {
    /// A new document with the declared defaults (`Default` is generated from them).
    fn new(title: &str) -> Document {
        Document { title: title.into(), ..Default::default() }
    }
}

fn count<M: orm::Model>(db: &Db) -> i64 {
    select(func::count_all()).from::<M>().one(&db.engine).unwrap()
}

#[test]
fn a_field_validator_refuses_an_insert_and_nothing_is_written() {
    each_db("v_insert", |db| {
        db.engine.create_all(&[Account::table()]).unwrap();
        let mut s = db.engine.session();
        let ok = s.add(Account::new("ada@example.com")).unwrap();
        let bad = s.add(Account::new("not-an-address")).unwrap();
        db.log.clear();
        let err = s.commit().unwrap_err();
        match &err {
            Error::Validation { model, field, message } => {
                assert_eq!(model, "Account");
                assert_eq!(field.as_deref(), Some("email"));
                assert_eq!(message, "`not-an-address` is not an e-mail address");
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
        assert_eq!(err.to_string(), "invalid `Account.email`: `not-an-address` is not an e-mail address");
        assert!(db.log.statements().is_empty(), "nothing is sent");
        assert_eq!(count::<Account>(db), 0);

        // The session is still usable: correct the value and commit again.
        bad.write().email = "bob@example.com".into();
        s.commit().unwrap();
        assert_eq!(count::<Account>(db), 2);
        assert!(ok.read().id > 0 && bad.read().id > 0);
    });
}

#[test]
fn an_update_validates_only_the_columns_it_writes() {
    each_db("v_update", |db| {
        db.engine.create_all(&[Account::table()]).unwrap();
        // A row written without the ORM holds a value the validator would refuse.
        insert::<Account>()
            .set(Account::email, "legacy")
            .set(Account::first_name, "Old")
            .set(Account::last_name, "Row")
            .set(Account::logins, 0)
            .execute(&db.engine)
            .unwrap_err();
        db.engine
            .execute(
                "INSERT INTO accounts (email, first_name, last_name, logins) VALUES ('legacy', 'Old', 'Row', 0)",
                &[],
            )
            .unwrap();
        let mut s = db.engine.session();
        let acc = s.query::<Account>().one().unwrap();
        acc.write().logins += 1;
        s.commit().unwrap(); // `email` is not written, so it is not validated

        acc.write().last_name = "  ".into();
        let err = s.flush().unwrap_err();
        assert!(
            matches!(&err, Error::Validation { field: Some(f), message, .. } if f == "last_name" && message == "must not be blank"),
            "{err:?}"
        );
        acc.write().last_name = "Row".into();
        acc.write().email = "legacy2".into();
        assert!(matches!(s.flush().unwrap_err(), Error::Validation { field: Some(f), .. } if f == "email"));
        s.rollback().unwrap();
        let logins: i32 = select(Account::logins).one(&db.engine).unwrap();
        assert_eq!(logins, 1);
    });
}

#[test]
fn a_model_validator_sees_the_whole_object() {
    each_db("v_model", |db| {
        db.engine.create_all(&[Booking::table()]).unwrap();
        let mut s = db.engine.session();
        let b = s.add(Booking { id: 0, start_day: 10, end_day: 3 }).unwrap();
        let err = s.commit().unwrap_err();
        assert!(
            matches!(&err, Error::Validation { model, field: None, message } if model == "Booking" && message == "ends (day 3) before it starts (day 10)"),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "invalid `Booking`: ends (day 3) before it starts (day 10)");
        b.write().end_day = 12;
        s.commit().unwrap();
        b.write().start_day = 20;
        assert!(matches!(s.commit().unwrap_err(), Error::Validation { field: None, .. }));
    });
}

#[test]
fn core_writes_of_a_value_run_its_validators() {
    each_db("v_core", |db| {
        db.engine.create_all(&[Account::table()]).unwrap();
        let a = Account::new("ada@example.com");
        insert::<Account>().values(&a).execute(&db.engine).unwrap();
        let err = insert::<Account>().values(&Account::new("nope")).execute(&db.engine).unwrap_err();
        assert!(matches!(&err, Error::Validation { field: Some(f), .. } if f == "email"), "{err:?}");
        let err = update::<Account>().set(Account::email, "nope").all_rows().execute(&db.engine).unwrap_err();
        assert!(matches!(&err, Error::Validation { field: Some(f), .. } if f == "email"), "{err:?}");
        // An expression is computed by the database: validators cannot see its value.
        update::<Account>().set(Account::logins, Account::logins + 1).all_rows().execute(&db.engine).unwrap();

        let mut s = db.engine.session();
        let err = s.bulk_update(update::<Account>().set(Account::first_name, "").all_rows()).unwrap_err();
        assert!(matches!(&err, Error::Validation { field: Some(f), .. } if f == "first_name"), "{err:?}");
        let email: String = select(Account::email).one(&db.engine).unwrap();
        assert_eq!(email, "ada@example.com");
        assert_eq!(count::<Account>(db), 1);
    });
}

#[test]
fn objects_built_with_default_get_the_declared_defaults_and_keep_them_through_the_insert() {
    each_db("d_insert", |db| {
        db.engine.create_all(&[Document::table()]).unwrap();
        let built = Document::new("a");
        assert!(built.code.starts_with("doc-"), "client-side key, when built: {}", built.code);
        assert_eq!((built.status.as_str(), built.priority), ("draft", Some(3)));
        let mut s = db.engine.session();
        let a = s.add(built).unwrap();
        let b = s.add(Document { status: "published".into(), priority: Some(1), ..Document::new("b") }).unwrap();
        s.commit().unwrap();
        {
            let a = a.read();
            assert!(a.code.starts_with("doc-"), "client-side key: {}", a.code);
            assert_eq!((a.status.as_str(), a.priority), ("draft", Some(3)));
            assert!(a.created_at >= 1_000 && a.updated_at >= 1_000);
        }
        {
            let b = b.read();
            assert_ne!(b.code, a.read().code);
            assert_eq!((b.status.as_str(), b.priority), ("published", Some(1)), "values given are kept");
        }
        let code = a.read().code.clone();
        let rows: Vec<(String, Option<i32>)> =
            select((Document::status, Document::priority)).filter(Document::code.eq(code)).all(&db.engine).unwrap();
        assert_eq!(rows, vec![("draft".to_string(), Some(3))]);
    });
}

#[test]
fn update_default_values_are_written_by_every_update() {
    each_db("d_update_default", |db| {
        db.engine.create_all(&[Document::table()]).unwrap();
        let mut s = db.engine.session();
        let doc = s.add(Document::new("a")).unwrap();
        s.commit().unwrap();
        let (created, first) = (doc.read().created_at, doc.read().updated_at);

        doc.write().title = "b".into();
        db.log.clear();
        s.commit().unwrap();
        let sql = db.log.statements();
        assert!(sql.iter().any(|q| q.contains("\"updated_at\" = ")), "{sql:?}");
        let second = doc.read().updated_at;
        assert!(second > first, "{second} > {first}");
        assert_eq!(doc.read().created_at, created, "created_at has no update_default");

        // Nothing changed: no UPDATE, no new stamp.
        db.log.clear();
        s.commit().unwrap();
        assert!(db.log.statements().is_empty());

        // Core UPDATE that does not set the column also stamps it.
        update::<Document>().set(Document::title, "c").all_rows().execute(&db.engine).unwrap();
        let third: i64 = select(Document::updated_at).one(&db.engine).unwrap();
        assert!(third > second);
        // ... unless it sets it itself.
        update::<Document>().set(Document::updated_at, 7_i64).all_rows().execute(&db.engine).unwrap();
        let fourth: i64 = select(Document::updated_at).one(&db.engine).unwrap();
        assert_eq!(fourth, 7);
    });
}

#[test]
fn a_rolled_back_insert_leaves_the_object_as_it_was_built() {
    each_db("d_rollback", |db| {
        db.engine.create_all(&[Document::table()]).unwrap();
        let mut s = db.engine.session();
        let built = Document { priority: None, ..Document::new("a") };
        let fields = |d: &Document| (d.code.clone(), d.status.clone(), d.priority, d.created_at, d.updated_at);
        let before = fields(&built);
        let doc = s.add(built).unwrap();
        s.flush().unwrap();
        assert_eq!(fields(&doc.read()), before, "the insert binds the fields as they are");
        s.rollback().unwrap();
        assert_eq!(fields(&doc.read()), before, "nothing to give back");
        assert_eq!(count::<Document>(db), 0);
    });
}

#[test]
fn core_inserts_of_objects_bind_the_values_the_objects_hold() {
    each_db("d_core", |db| {
        db.engine.create_all(&[Document::table()]).unwrap();
        let docs = [Document::new("a"), Document { status: "published".into(), priority: None, ..Document::new("b") }];
        insert::<Document>().values_many(&docs).execute(&db.engine).unwrap();
        let rows: Vec<(String, String, String, Option<i32>)> =
            select((Document::code, Document::title, Document::status, Document::priority))
                .order_by(Document::title.asc())
                .all(&db.engine)
                .unwrap();
        assert_eq!(
            rows,
            [
                (docs[0].code.clone(), "a".to_string(), "draft".to_string(), Some(3)),
                (docs[1].code.clone(), "b".to_string(), "published".to_string(), None)
            ],
            "the defaults given when built, and `None` where it was written"
        );
        assert_ne!(docs[0].code, docs[1].code);
    });
}

#[test]
fn update_default_in_the_rendered_update_of_both_dialects() {
    use orm::dialect::{Postgres, Sqlite};
    let show = |r: orm::Result<orm::dialect::Rendered>| {
        let r = r.unwrap();
        // The clock's reading differs from run to run: show its type only.
        let params: Vec<&str> = r.params.iter().map(|p| p.kind_name()).collect();
        format!("{}\n-- params: {params:?}", r.sql)
    };
    let u = update::<Document>().set(Document::title, "t").filter(Document::status.eq("draft"));
    insta::assert_snapshot!(format!(
        "-- sqlite\n{}\n\n-- postgres\n{}",
        show(u.render(&Sqlite)),
        show(u.render(&Postgres))
    ));
}

#[derive(Model, Debug)]
#[orm(table = "tickets")]
struct Ticket {
    /// Generated client-side for each object built with `..Default::default()`: the key is
    /// known before the INSERT.
    #[orm(primary_key, default = uuid::Uuid::new_v4())]
    id: uuid::Uuid,
    title: String,
}

#[test]
fn uuid_keys_are_generated_client_side() {
    each_db("d_uuid", |db| {
        db.engine.create_all(&[Ticket::table()]).unwrap();
        let mut s = db.engine.session();
        let a = s.add(Ticket { title: "a".into(), ..Default::default() }).unwrap();
        let b = s.add(Ticket { title: "b".into(), ..Default::default() }).unwrap();
        let given = uuid::Uuid::new_v4();
        let c = s.add(Ticket { id: given, title: "c".into() }).unwrap();
        db.log.clear();
        s.commit().unwrap();
        let inserts = db.log.statements();
        assert!(inserts.iter().all(|q| !q.contains("RETURNING")), "nothing to read back: {inserts:?}");
        let (ka, kb) = (a.read().id, b.read().id);
        assert!(!ka.is_nil() && !kb.is_nil() && ka != kb);
        assert_eq!(c.read().id, given, "a key given is kept");
        let mut fresh = db.engine.session();
        assert_eq!(fresh.get::<Ticket>(ka).unwrap().unwrap().read().title, "a");

        // Core: a fresh key per object built, and a nil key the user wrote is stored as nil.
        let built =
            [Ticket { title: "d".into(), ..Default::default() }, Ticket { title: "e".into(), ..Default::default() }];
        insert::<Ticket>().values_many(&built).execute(&db.engine).unwrap();
        insert::<Ticket>().values(&Ticket { id: uuid::Uuid::nil(), title: "f".into() }).execute(&db.engine).unwrap();
        let mut keys: Vec<uuid::Uuid> = select(Ticket::id).all(&db.engine).unwrap();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), 6, "six rows, six keys");
        let nil: Vec<String> = select(Ticket::title).filter(Ticket::id.eq(uuid::Uuid::nil())).all(&db.engine).unwrap();
        assert_eq!(nil, ["f"]);
        assert!(built.iter().all(|t| !t.id.is_nil()));
    });
}
