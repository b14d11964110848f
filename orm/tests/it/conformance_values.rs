//! Issue 12, values and names: the `first` / `one` / `one_or_none` / `scalar_one` terminals of
//! raw `text()` (Core and Session), lossless widening reads on PostgreSQL, NUL bytes in text,
//! named indexes and constraints with a naming convention, and `orm::VERSION`.

use orm::prelude::*;
use orm::Error;

use crate::common::{each_db, Db};

fn seed_numbers(db: &Db) {
    text("CREATE TABLE nums (id INTEGER PRIMARY KEY, label TEXT NOT NULL)").execute(&db.engine).unwrap();
    text("INSERT INTO nums (id, label) VALUES (1, 'one'), (2, 'two'), (3, 'three')").execute(&db.engine).unwrap();
}

#[test]
fn text_first_one_one_or_none_scalar_one_on_an_engine() {
    each_db("cv_text_core", |db| {
        seed_numbers(db);
        let all = text("SELECT id, label FROM nums ORDER BY id");
        let none = text("SELECT id, label FROM nums WHERE id > :n").bind("n", 10);
        let single = text("SELECT id, label FROM nums WHERE id = :id").bind("id", 2);

        // first: the first row or None; further rows are no error.
        assert_eq!(all.first::<(i64, String)>(&db.engine).unwrap(), Some((1, "one".to_string())));
        assert_eq!(none.first::<(i64, String)>(&db.engine).unwrap(), None);

        // one: exactly one row.
        assert_eq!(single.one::<(i64, String)>(&db.engine).unwrap(), (2, "two".to_string()));
        let err = none.one::<(i64, String)>(&db.engine).unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
        let err = all.one::<(i64, String)>(&db.engine).unwrap_err();
        assert!(matches!(err, Error::MultipleRows { .. }), "{err}");

        // one_or_none: at most one row.
        assert_eq!(single.one_or_none::<i64>(&db.engine).unwrap(), Some(2));
        assert_eq!(none.one_or_none::<i64>(&db.engine).unwrap(), None);
        let err = all.one_or_none::<i64>(&db.engine).unwrap_err();
        assert!(matches!(err, Error::MultipleRows { .. }), "{err}");

        // scalar_one: the first column of exactly one row.
        assert_eq!(single.scalar_one::<i64>(&db.engine).unwrap(), 2);
        assert_eq!(text("SELECT label FROM nums WHERE id = 3").scalar_one::<String>(&db.engine).unwrap(), "three");
        let err = none.scalar_one::<i64>(&db.engine).unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
        let err = all.scalar_one::<i64>(&db.engine).unwrap_err();
        assert!(matches!(err, Error::MultipleRows { .. }), "{err}");

        // scalar_one_or_none: the first column of at most one row.
        assert_eq!(single.scalar_one_or_none::<i64>(&db.engine).unwrap(), Some(2));
        assert_eq!(none.scalar_one_or_none::<i64>(&db.engine).unwrap(), None);
        let err = all.scalar_one_or_none::<i64>(&db.engine).unwrap_err();
        assert!(matches!(err, Error::MultipleRows { .. }), "{err}");

        // A bind missing is refused before anything is sent, by every terminal.
        db.log.clear();
        let err = text("SELECT id FROM nums WHERE id = :id").scalar_one::<i64>(&db.engine).unwrap_err();
        assert!(matches!(err, Error::MissingBind { .. }), "{err}");
        let err = text("SELECT id FROM nums WHERE id = :id").first::<i64>(&db.engine).unwrap_err();
        assert!(matches!(err, Error::MissingBind { .. }), "{err}");
        assert!(db.log.statements().is_empty());
    });
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "nums")]
struct Num {
    #[orm(primary_key)]
    id: i64,
    label: String,
}

#[test]
fn text_terminals_in_a_session() {
    each_db("cv_text_session", |db| {
        seed_numbers(db);
        let mut session = db.engine.session();
        // Plain values, in the session's transaction (with and without an autoflush first).
        session.add(Num { id: 4, label: "four".into() }).unwrap();
        let n = text("SELECT count(*) FROM nums").scalar_one::<i64>(session.autoflushed()).unwrap();
        assert_eq!(n, 4, "the pending object was flushed first");
        let first = text("SELECT label FROM nums ORDER BY id DESC").first::<String>(&mut session).unwrap();
        assert_eq!(first.as_deref(), Some("four"));
        let err = text("SELECT id FROM nums").scalar_one::<i64>(&mut session).unwrap_err();
        assert!(matches!(err, Error::MultipleRows { .. }), "{err}");
        let err = text("SELECT id FROM nums WHERE id < 0").scalar_one::<i64>(&mut session).unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
        let none = text("SELECT id FROM nums WHERE id < 0").one_or_none::<i64>(session.autoflushed()).unwrap();
        assert_eq!(none, None);

        // Tracked objects: the session's own objects, same terminals and errors.
        let two = session.from_statement::<Num>(text("SELECT * FROM nums WHERE id = :id").bind("id", 2)).one().unwrap();
        assert_eq!(two.read().label, "two");
        let again = session.from_statement::<Num>(text("SELECT * FROM nums ORDER BY id")).first().unwrap().unwrap();
        assert_eq!(again.read().id, 1);
        let same = session.from_statement::<Num>(text("SELECT * FROM nums WHERE id = 2")).one_or_none().unwrap();
        assert!(same.is_some_and(|o| o.ptr_eq(&two)), "one row, one object");
        let err = session.from_statement::<Num>(text("SELECT * FROM nums")).one().unwrap_err();
        assert!(matches!(err, Error::MultipleRows { .. }), "{err}");
        let err = session.from_statement::<Num>(text("SELECT * FROM nums")).one_or_none().unwrap_err();
        assert!(matches!(err, Error::MultipleRows { .. }), "{err}");
        let err = session.from_statement::<Num>(text("SELECT * FROM nums WHERE id < 0")).one().unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
        assert!(session.from_statement::<Num>(text("SELECT * FROM nums WHERE id < 0")).first().unwrap().is_none());
        session.rollback().unwrap();
    });
}

// ---------------------------------------------------------------------------------------
// Widening reads
// ---------------------------------------------------------------------------------------

#[test]
fn widening_integer_and_float_reads_are_accepted() {
    each_db("cv_widen", |db| {
        // `SELECT 1` is an INT4 on PostgreSQL.
        assert_eq!(text("SELECT 1").scalar::<i64>(&db.engine).unwrap(), 1);
        assert_eq!(text("SELECT 1").scalar_one::<i64>(&db.engine).unwrap(), 1);
        assert_eq!(text("SELECT 1").scalar::<i32>(&db.engine).unwrap(), 1);
        assert_eq!(text("SELECT count(*)").scalar::<i64>(&db.engine).unwrap(), 1);

        text(
            "CREATE TABLE widths (id INTEGER PRIMARY KEY, small SMALLINT NOT NULL, num INTEGER NOT NULL, \
             big BIGINT NOT NULL, single REAL NOT NULL, double DOUBLE PRECISION NOT NULL)",
        )
        .execute(&db.engine)
        .unwrap();
        text("INSERT INTO widths VALUES (1, -32768, -2147483648, 5000000000, 1.5, 2.25)").execute(&db.engine).unwrap();

        // INT2 -> i32 / i64, INT4 -> i64, FLOAT4 -> f64: lossless, accepted.
        let row: (i32, i64, i64, f64, Option<i64>) =
            text("SELECT small, small, num, single, num FROM widths").one(&db.engine).unwrap();
        assert_eq!(row, (-32768, -32768, -2_147_483_648, 1.5, Some(-2_147_483_648)));

        // Through a model's typed fields and a Core selection (the same decode path).
        let wide = select_model::<Wide>().one(&db.engine).unwrap();
        assert_eq!(wide, Wide { id: 1, small: -32768, num: -2_147_483_648, single: 1.5 });
        let cols: (i64, f64) = select((Wide::num, Wide::single)).one(&db.engine).unwrap();
        assert_eq!(cols, (-2_147_483_648, 1.5));
    });
}

/// A view of `widths` whose fields are wider than its columns.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "widths")]
struct Wide {
    #[orm(primary_key)]
    id: i64,
    small: i64,
    num: i64,
    single: f64,
}

/// A view of `widths` whose fields are narrower than its columns.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "widths")]
struct Narrow {
    #[orm(primary_key)]
    id: i64,
    big: i32,
}

#[test]
fn narrowing_reads_keep_their_typed_error() {
    each_db("cv_narrow", |db| {
        text("CREATE TABLE widths (id INTEGER PRIMARY KEY, big BIGINT NOT NULL, double DOUBLE PRECISION NOT NULL)")
            .execute(&db.engine)
            .unwrap();
        text("INSERT INTO widths VALUES (1, 5000000000, 2.25)").execute(&db.engine).unwrap();

        // INT8 -> i32: refused (on SQLite, which has one INTEGER type, because the value is
        // out of range), with the typed decode error naming what was expected.
        let err = text("SELECT big FROM widths").scalar::<i32>(&db.engine).unwrap_err();
        assert!(matches!(&err, Error::Decode { expected, .. } if expected == "i32"), "{err}");
        let err = select_model::<Narrow>().one(&db.engine).unwrap_err();
        assert!(
            matches!(&err, Error::Decode { column, expected, .. } if column == "big" && expected == "i32"),
            "{err}"
        );
        let err = text("SELECT big FROM widths").scalar::<i16>(&db.engine).unwrap_err();
        assert!(matches!(&err, Error::Decode { expected, .. } if expected == "i16"), "{err}");
        if db.is_pg() {
            // The type decides on PostgreSQL, not the value: an INT8 that would fit is refused too.
            let err = text("SELECT 7::bigint").scalar::<i32>(&db.engine).unwrap_err();
            assert!(matches!(&err, Error::Decode { found, .. } if found == "int8"), "{err}");
            // FLOAT8 -> f32 is narrowing.
            let err = text("SELECT double FROM widths").scalar::<f32>(&db.engine).unwrap_err();
            assert!(
                matches!(&err, Error::Decode { expected, found, .. } if expected == "f32" && found == "float8"),
                "{err}"
            );
            let err = text("SELECT 1").scalar::<i16>(&db.engine).unwrap_err();
            assert!(matches!(&err, Error::Decode { found, .. } if found == "int4"), "{err}");
        } else {
            // An in-range value narrows fine on SQLite's single INTEGER type.
            assert_eq!(text("SELECT 7").scalar::<i32>(&db.engine).unwrap(), 7);
            let err = text("SELECT 2147483648").scalar::<i32>(&db.engine).unwrap_err();
            assert!(matches!(&err, Error::Decode { expected, .. } if expected == "i32"), "{err}");
        }
    });
}

// ---------------------------------------------------------------------------------------
// NUL characters in text
// ---------------------------------------------------------------------------------------

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "memos")]
struct Memo {
    #[orm(primary_key, auto_increment)]
    id: i64,
    title: String,
    body: Option<String>,
}

fn assert_nul_error(err: &Error, table: Option<&str>, column: &str) {
    match err {
        Error::NulInText { table: t, column: c } => {
            assert_eq!((t.as_deref(), c.as_deref()), (table, Some(column)), "{err}");
            assert!(err.to_string().contains(column) && err.to_string().contains("NUL"), "{err}");
        }
        other => panic!("expected NulInText, got {other:?}"),
    }
}

#[test]
fn nul_in_text_round_trips_on_sqlite_and_is_a_typed_error_naming_the_column_on_postgres() {
    each_db("cv_nul", |db| {
        db.engine.create_all(&[Memo::table()]).unwrap();
        let with_nul = "a\0b".to_string();

        // Core insert of a model row, Core insert of column values, Core update.
        let r = insert::<Memo>()
            .values(&Memo { id: 0, title: "t".into(), body: Some(with_nul.clone()) })
            .execute(&db.engine);
        if db.is_pg() {
            assert_nul_error(&r.unwrap_err(), Some("memos"), "body");
        } else {
            r.unwrap();
            let body: Option<String> = select(Memo::body).one(&db.engine).unwrap();
            assert_eq!(body.as_deref(), Some("a\0b"), "SQLite stores the NUL");
            let raw: String = text("SELECT body FROM memos").scalar_one(&db.engine).unwrap();
            assert_eq!(raw, "a\0b");
            text("DELETE FROM memos").execute(&db.engine).unwrap();
        }
        let r = insert::<Memo>().set(Memo::title, with_nul.clone()).execute(&db.engine);
        if db.is_pg() {
            assert_nul_error(&r.unwrap_err(), Some("memos"), "title");
        } else {
            r.unwrap();
        }
        insert::<Memo>().values(&Memo { id: 0, title: "ok".into(), body: None }).execute(&db.engine).unwrap();
        let r = update::<Memo>().set(Memo::title, with_nul.clone()).filter(Memo::title.eq("ok")).execute(&db.engine);
        if db.is_pg() {
            assert_nul_error(&r.unwrap_err(), Some("memos"), "title");
        } else {
            assert_eq!(r.unwrap(), 1);
        }

        // The session: an insert and an update at flush; the session stays usable after rollback.
        let mut session = db.engine.session();
        session.add(Memo { id: 0, title: "s".into(), body: Some(with_nul.clone()) }).unwrap();
        let r = session.flush();
        if db.is_pg() {
            assert_nul_error(&r.unwrap_err(), Some("memos"), "body");
            session.rollback().unwrap();
        } else {
            r.unwrap();
            session.commit().unwrap();
        }
        let memo = session.query::<Memo>().filter(Memo::id.eq(if db.is_pg() { 1 } else { 3 })).one().unwrap();
        memo.write().body = Some("x\0".into());
        let r = session.commit();
        if db.is_pg() {
            let err = r.unwrap_err();
            assert_nul_error(err.root_cause(), Some("memos"), "body");
            session.rollback().unwrap();
        } else {
            r.unwrap();
            let body: Option<String> = select(Memo::body).filter(Memo::id.eq(3)).one(&db.engine).unwrap();
            assert_eq!(body.as_deref(), Some("x\0"));
        }

        // Refused before it is sent: an open transaction goes on (PostgreSQL would abort it).
        let mut conn = db.engine.connection().unwrap();
        conn.begin(true).unwrap();
        let r = insert::<Memo>().set(Memo::title, "\0").execute(&mut conn);
        if db.is_pg() {
            assert_nul_error(&r.unwrap_err(), Some("memos"), "title");
        } else {
            r.unwrap();
        }
        insert::<Memo>().set(Memo::title, "after").execute(&mut conn).unwrap();
        conn.commit().unwrap();
        assert_eq!(select(Memo::id).filter(Memo::title.eq("after")).all(&db.engine).unwrap().len(), 1);

        // Raw SQL: named by the statement where it shows the column.
        let r =
            text("INSERT INTO memos (title, body) VALUES (:t, :b)").bind("t", "r").bind("b", "\0").execute(&db.engine);
        if db.is_pg() {
            assert_nul_error(&r.unwrap_err(), Some("memos"), "body");
            // A parameter not tied to a column is still the typed error.
            let err = text("SELECT length(:v)").bind("v", "\0").scalar::<i32>(&db.engine).unwrap_err();
            assert!(matches!(err, Error::NulInText { column: None, .. }), "{err}");
        } else {
            r.unwrap();
        }
    });
}

// ---------------------------------------------------------------------------------------
// Named indexes and constraints, naming conventions
// ---------------------------------------------------------------------------------------

/// Every index and constraint named in the model.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(
    table = "shipments",
    index(name = "ix_custom", status, created_at),
    unique_index(name = "ux_tracking", tracking),
    unique(name = "uq_ship_ref", reference, carrier),
    check(name = "ck_weight_positive", "weight > 0")
)]
struct Shipment {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(index(name = "ix_ship_status"))]
    status: String,
    created_at: i64,
    reference: String,
    carrier: String,
    tracking: String,
    weight: f64,
    #[orm(unique(name = "uq_ship_code"), check(name = "ck_code_len", "length(code) > 1"))]
    code: String,
}

impl Shipment {
    fn new(code: &str, weight: f64) -> Shipment {
        Shipment {
            id: 0,
            status: "new".into(),
            created_at: 1,
            reference: format!("ref-{code}"),
            carrier: "post".into(),
            tracking: format!("trk-{code}"),
            weight,
            code: code.into(),
        }
    }
}

/// Nothing named in the model but one index: the convention names the rest.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "lines", unique(sku, barcode), index(qty, sku), check = "qty > 0")]
struct Line {
    #[orm(primary_key, foreign_key = Shipment::id)]
    shipment_id: i64,
    #[orm(primary_key)]
    line: i32,
    #[orm(index)]
    sku: String,
    #[orm(unique, check = "length(barcode) = 8")]
    barcode: String,
    #[orm(index(name = "ix_line_qty"))]
    qty: i32,
}

fn convention() -> orm::NamingConvention {
    orm::NamingConvention::new()
        .index("idx_{table}_{column_0}")
        .unique_index("uidx_{table}_{columns}")
        .unique("uniq_{table}_{columns}")
        .check("chk_{table}_{constraint}")
        .foreign_key("fkey_{table}_{column_0}_{referred_table}")
        .primary_key("pkey_{table}")
}

fn ddl_of(d: &dyn orm::Dialect, naming: &orm::NamingConvention) -> orm::Result<orm::dialect::Rendered> {
    use orm::dialect::render_ddl_with;
    use orm::query::Ddl;
    let mut sql = Vec::new();
    for table in [Shipment::table(), Line::table()] {
        sql.extend(render_ddl_with(
            d,
            &Ddl::CreateTable { table, if_not_exists: false, subtypes: Vec::new() },
            naming,
        )?);
        sql.extend(render_ddl_with(d, &Ddl::CreateIndexes { table, if_not_exists: false }, naming)?);
    }
    Ok(orm::dialect::Rendered { sql: sql.join(";\n"), params: Vec::new() })
}

#[test]
fn ddl_of_named_constraints_and_a_naming_convention() {
    // Default convention: the explicit names, and the former names for the rest.
    insta::assert_snapshot!(
        "named_default_convention",
        crate::common::both(|d| ddl_of(d, &orm::NamingConvention::new()))
    );
    // Another convention: it names what the models leave unnamed; explicit names win.
    insta::assert_snapshot!("named_custom_convention", crate::common::both(|d| ddl_of(d, &convention())));
}

/// The names of indexes made by CREATE INDEX (not those the database makes for keys and
/// UNIQUE constraints).
fn named(ix: Vec<String>) -> Vec<String> {
    ix.into_iter().filter(|n| ["ix_", "ux_", "idx_", "uidx_"].iter().any(|p| n.starts_with(p))).collect()
}

/// Index names of `table` and, on PostgreSQL, constraint names, read from the catalog; on
/// SQLite the constraint names are read from the table's stored SQL.
fn catalog(db: &Db, table: &str) -> (Vec<String>, String) {
    if db.is_pg() {
        let mut ix: Vec<String> =
            text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = :t")
                .bind("t", table)
                .all(&db.engine)
                .unwrap();
        ix.sort();
        let mut cons: Vec<String> = text(
            "SELECT conname::text FROM pg_constraint WHERE conrelid = (quote_ident(current_schema()) || '.' || quote_ident(:t))::regclass",
        )
        .bind("t", table)
        .all(&db.engine)
        .unwrap();
        cons.sort();
        (named(ix), cons.join(" "))
    } else {
        let mut ix: Vec<String> =
            text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t AND sql IS NOT NULL")
                .bind("t", table)
                .all(&db.engine)
                .unwrap();
        ix.sort();
        let sql: String = text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t")
            .bind("t", table)
            .scalar_one(&db.engine)
            .unwrap();
        (ix, sql)
    }
}

#[test]
fn named_indexes_and_constraints_exist_in_the_catalog() {
    each_db("cv_named", |db| {
        db.engine.create_all(&[Shipment::table(), Line::table()]).unwrap();
        let (ix, cons) = catalog(db, "shipments");
        assert_eq!(ix, ["ix_custom", "ix_ship_status", "ux_tracking"]);
        for name in ["uq_ship_ref", "uq_ship_code", "ck_weight_positive", "ck_code_len"] {
            assert!(cons.contains(name), "{name} missing from {cons}");
        }
        let (ix, cons) = catalog(db, "lines");
        assert_eq!(ix, ["ix_line_qty", "ix_lines_qty_sku", "ix_lines_sku"]);
        for name in [
            "pk_lines",
            "uq_lines_sku_barcode",
            "uq_lines_barcode",
            "ck_lines_1",
            "ck_lines_barcode",
            "fk_lines_shipment_id",
        ] {
            assert!(cons.contains(name), "{name} missing from {cons}");
        }

        // The database reports a violated CHECK by the name given.
        let err = insert::<Shipment>().values(&Shipment::new("ab", -1.0)).execute(&db.engine).unwrap_err();
        assert!(
            matches!(&err, Error::CheckViolation { constraint, .. } if constraint == "ck_weight_positive"),
            "{err}"
        );
    });
}

#[test]
fn create_all_with_a_naming_convention() {
    each_db("cv_convention", |db| {
        db.engine.create_all_with(&[Shipment::table(), Line::table()], &convention()).unwrap();
        let (ix, _) = catalog(db, "shipments");
        assert_eq!(ix, ["ix_custom", "ix_ship_status", "ux_tracking"]);
        let (ix, cons) = catalog(db, "lines");
        assert_eq!(ix, ["idx_lines_qty", "idx_lines_sku", "ix_line_qty"]);
        for name in [
            "pkey_lines",
            "uniq_lines_sku_barcode",
            "uniq_lines_barcode",
            "chk_lines_1",
            "chk_lines_barcode",
            "fkey_lines_shipment_id_shipments",
        ] {
            assert!(cons.contains(name), "{name} missing from {cons}");
        }
        for old in ["pk_lines", "uq_lines_sku_barcode", "ck_lines_1", "fk_lines_shipment_id"] {
            assert!(!cons.contains(old), "{old} in {cons}");
        }
        insert::<Shipment>().values(&Shipment::new("ab", 1.0)).execute(&db.engine).unwrap();
        let line = Line { shipment_id: 1, line: 1, sku: "s".into(), barcode: "12345678".into(), qty: 0 };
        let err = insert::<Line>().values(&line).execute(&db.engine).unwrap_err();
        assert!(matches!(&err, Error::CheckViolation { constraint, .. } if constraint == "chk_lines_1"), "{err}");

        // A template that cannot name a constraint is refused before anything is sent.
        db.log.clear();
        let bad = orm::NamingConvention::new().check("ck_{table}_{column_0}");
        let err = db.engine.create_all_with(&[Shipment::table(), Line::table()], &bad).unwrap_err();
        assert!(matches!(&err, Error::InvalidNamingConvention { key: "ck", .. }), "{err}");
        let bad = orm::NamingConvention::new().index("ix_{tabel}");
        let err = db.engine.create_all_with(&[Line::table()], &bad).unwrap_err();
        assert!(matches!(&err, Error::InvalidNamingConvention { key: "ix", .. }), "{err}");
        assert!(err.to_string().contains("{tabel}"), "{err}");
        assert!(db.log.statements().is_empty());

        // A generated name longer than the dialect allows (63 bytes on PostgreSQL) is refused,
        // never truncated.
        let long = orm::NamingConvention::new().index(format!("{}_{{table}}_{{columns}}", "x".repeat(60)));
        let r = db.engine.create_all_with(&[Shipment::table(), Line::table()], &long);
        if db.is_pg() {
            let err = r.unwrap_err();
            assert!(matches!(&err, Error::InvalidIdentifier { name, .. } if name.starts_with("xxx")), "{err}");
        } else {
            r.unwrap();
        }
    });
}

// ---------------------------------------------------------------------------------------
// orm::VERSION
// ---------------------------------------------------------------------------------------

#[test]
fn version_is_the_crate_version() {
    assert_eq!(orm::VERSION, env!("CARGO_PKG_VERSION"));
    let parts: Vec<&str> = orm::VERSION.split('.').collect();
    assert_eq!(parts.len(), 3, "{}", orm::VERSION);
    assert!(parts.iter().all(|p| p.chars().next().is_some_and(|c| c.is_ascii_digit())), "{}", orm::VERSION);
}
