//! Injection and rendering (RELIABILITY.md T26–T30), each run on SQLite and PostgreSQL.
//!
//! - T26: hostile values through every API that takes a value are bound, never written into
//!   the SQL text, read back exactly, and touch only the rows they name.
//! - T27: identifiers (table, column and label names) and JSON keys round-trip exactly.
//! - T28: the LIKE helpers select exactly what `str::contains` / `starts_with` / `ends_with`
//!   select.
//! - T29: degenerate predicates and typed clauses (snapshots in both dialects; the
//!   compile-fail half is `ui-tests/tests/ui/inject/`).
//! - T30: placeholders and parameters agree after composition, and every rendered statement
//!   prepares on both databases.
//!
//! `PROPTEST_CASES` sets the number of cases per property and database (default 64).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use orm::dialect::{Dialect, Postgres, Rendered, Sqlite};
use orm::expr::JsonExpression;
use orm::prelude::*;

use crate::common::both;
use orm::{Engine, Error, Expr, Misuse, RawSql, Value};

use crate::common::{each_db, pg_url, Db};

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "inj_rows")]
struct InjRow {
    #[orm(primary_key)]
    id: i64,
    #[orm(unique)]
    name: String,
    note: Option<String>,
    tag: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "inj_like")]
struct InjLike {
    #[orm(primary_key)]
    id: i64,
    s: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "inj_docs")]
struct InjDoc {
    #[orm(primary_key)]
    id: i64,
    body: serde_json::Value,
}

/// Text that marks a bound value: it must never show in SQL text.
const MARK: &str = "QZXV";

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

fn runner() -> TestRunner {
    TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() })
}

/// Run a property on one database; a failure names the database.
fn check<S: Strategy>(db: &Db, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    if let Err(e) = runner().run(&strategy, test) {
        panic!("{}: {e}", db.name);
    }
}

fn fail(what: &str, e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(format!("{what}: {e}"))
}

/// The pieces hostile strings are made of: quotes, backslashes, LIKE wildcards, NUL, comment
/// and statement syntax, casts, every placeholder spelling, bidi controls, emoji, non-ASCII.
const PIECES: &[&str] = &[
    "'",
    "''",
    "\"",
    "\\",
    "\\'",
    "%",
    "_",
    "\0",
    "--",
    "/*",
    "*/",
    ";",
    "::",
    "::text",
    "$1",
    "$$",
    "?",
    "?1",
    ":name",
    "@p1",
    "\u{202E}",
    "\u{200F}",
    "😀",
    "ß",
    "中",
    " ",
    "\n",
    "'); DROP TABLE inj_rows; --",
    "a",
    "Z",
];

fn piece() -> impl Strategy<Value = String> {
    proptest::sample::select(PIECES).prop_map(str::to_owned)
}

/// A hostile tail: short mixes, the empty string, and ~10k-character runs.
fn hostile_tail() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::collection::vec(piece(), 0..8).prop_map(|p| p.concat()),
        1 => Just(String::new()),
        1 => proptest::collection::vec(piece(), 1..4).prop_map(|p| {
            let unit = p.concat();
            let n = 10_000 / unit.chars().count().max(1) + 1;
            unit.repeat(n).chars().take(10_000).collect()
        }),
    ]
}

/// A hostile value that carries [`MARK`], so that its presence in SQL text is detectable.
fn hostile() -> impl Strategy<Value = String> {
    hostile_tail().prop_map(|t| format!("{MARK}{t}"))
}

thread_local! {
    /// Renderings checked for [`MARK`] by this test's thread (for the figures it prints).
    static RENDERINGS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Render in both dialects; neither SQL text may contain [`MARK`]. Returns the two renderings.
fn rendered_without_values(
    what: &str,
    f: impl Fn(&dyn Dialect) -> orm::Result<Rendered>,
) -> Result<[Rendered; 2], TestCaseError> {
    let mut out = Vec::with_capacity(2);
    for d in [&Sqlite as &dyn Dialect, &Postgres] {
        let r = f(d).map_err(|e| fail(&format!("{what}: render on {}", d.name()), e))?;
        prop_assert!(!r.sql.contains(MARK), "{}: a bound value is in the {} SQL text: {}", what, d.name(), r.sql);
        out.push(r);
        RENDERINGS.with(|c| c.set(c.get() + 1));
    }
    let [a, b]: [Rendered; 2] = out.try_into().map_err(|_| fail(what, "two renderings"))?;
    Ok([a, b])
}

/// The one statement of an insert (a single row renders as one).
fn single(r: orm::Result<Vec<Rendered>>) -> orm::Result<Rendered> {
    let mut v = r?;
    match (v.pop(), v.is_empty()) {
        (Some(one), true) => Ok(one),
        (one, _) => Err(Error::Internal {
            invariant: "an insert of one row renders as one statement",
            detail: format!("{} statements", v.len() + usize::from(one.is_some())),
        }),
    }
}

fn count_rows(db: &Db) -> Result<i64, TestCaseError> {
    select(func::count_all()).from::<InjRow>().one(&db.engine).map_err(|e| fail("count", e))
}

fn ids<E: Expression<Value = bool>>(db: &Db, cond: E) -> Result<Vec<i64>, TestCaseError> {
    let q = select(InjRow::id).filter(Expr::<bool, InjRow>::from_node(cond.into_node())).order_by(InjRow::id.asc());
    rendered_without_values("select ids", |d| q.render(d))?;
    q.all(&db.engine).map_err(|e| fail("select ids", e))
}

fn decoys() -> [InjRow; 2] {
    [
        InjRow { id: 1, name: "decoy one".into(), note: None, tag: "t1".into() },
        InjRow { id: 2, name: "decoy two".into(), note: None, tag: "t2".into() },
    ]
}

/// T26 for one pair of hostile values `v`, `w` on one database.
fn hostile_case(db: &Db, v: &str, w: &str) -> Result<(), TestCaseError> {
    let e = &db.engine;
    delete::<InjRow>().all_rows().execute(e).map_err(|x| fail("reset", x))?;
    insert::<InjRow>().values_many(&decoys()).execute(e).map_err(|x| fail("decoys", x))?;

    // insert().values(..)
    let row = InjRow { id: 10, name: v.to_owned(), note: Some(w.to_owned()), tag: v.to_owned() };
    let ins = insert::<InjRow>().values(&row);
    rendered_without_values("insert values", |d| single(ins.render(d)))?;
    let written = ins.execute(e);
    if db.is_pg() && (v.contains('\0') || w.contains('\0')) {
        // PostgreSQL text cannot hold NUL: a typed error, and nothing written (no truncation).
        let err = written.err().ok_or_else(|| fail("NUL on PostgreSQL", "the insert succeeded"))?;
        prop_assert!(!matches!(err, Error::Disconnected { .. }), "NUL broke the connection: {err}");
        prop_assert_eq!(count_rows(db)?, 2);
        return Ok(());
    }
    prop_assert_eq!(written.map_err(|x| fail("insert values", x))?, 1);

    // insert().set(..)
    let name2 = format!("{w}#2");
    let ins = insert::<InjRow>().set(InjRow::id, 11).set(InjRow::name, name2.as_str()).set(InjRow::tag, w);
    rendered_without_values("insert set", |d| single(ins.render(d)))?;
    prop_assert_eq!(ins.execute(e).map_err(|x| fail("insert set", x))?, 1);
    prop_assert_eq!(count_rows(db)?, 4);

    // Exact read-back.
    let back = select_model::<InjRow>().filter(InjRow::id.eq(10)).one(e).map_err(|x| fail("read back", x))?;
    prop_assert_eq!(&back, &row);
    let back2: String = select(InjRow::name).filter(InjRow::id.eq(11)).one(e).map_err(|x| fail("read back", x))?;
    prop_assert_eq!(&back2, &name2);

    // filter eq / ne / lt, IN / NOT IN.
    prop_assert_eq!(ids(db, InjRow::name.eq(v))?, vec![10]);
    prop_assert_eq!(ids(db, InjRow::name.ne(v))?, vec![1, 2, 11]);
    prop_assert!(!ids(db, InjRow::tag.lt(v))?.contains(&10));
    prop_assert_eq!(ids(db, InjRow::name.in_(vec![v.to_owned(), "nobody".to_owned()]))?, vec![10]);
    prop_assert_eq!(ids(db, InjRow::name.not_in(vec![v.to_owned(), name2.clone()]))?, vec![1, 2]);

    // LIKE helpers: exactly what Rust selects.
    let all: Vec<(i64, String)> =
        select((InjRow::id, InjRow::name)).order_by(InjRow::id.asc()).all(e).map_err(|x| fail("all", x))?;
    let oracle = |f: &dyn Fn(&str) -> bool| all.iter().filter(|(_, n)| f(n)).map(|(i, _)| *i).collect::<Vec<_>>();
    // (SQLite's LIKE stops at a NUL; the helpers compare bytes there, so NUL is no exception:
    // `t26_inject_sqlite_like_helpers_stop_at_nul`.)
    for needle in [v, w] {
        prop_assert_eq!(ids(db, InjRow::name.contains(needle))?, oracle(&|n| n.contains(needle)), "contains");
        prop_assert_eq!(ids(db, InjRow::name.starts_with(needle))?, oracle(&|n| n.starts_with(needle)));
        prop_assert_eq!(ids(db, InjRow::name.ends_with(needle))?, oracle(&|n| n.ends_with(needle)));
    }

    // update().set(..): one row.
    let upd = update::<InjRow>().set(InjRow::note, w).filter(InjRow::name.eq(v));
    rendered_without_values("update", |d| upd.render(d))?;
    prop_assert_eq!(upd.execute(e).map_err(|x| fail("update", x))?, 1);
    let notes: Vec<Option<String>> =
        select(InjRow::note).order_by(InjRow::id.asc()).all(e).map_err(|x| fail("notes", x))?;
    prop_assert_eq!(notes, vec![None, None, Some(w.to_owned()), None]);

    // Upsert: the conflicting row is updated, no row added.
    let proposed = InjRow { id: 12, name: v.to_owned(), note: None, tag: "proposed".into() };
    let up = insert::<InjRow>().values(&proposed).on_conflict(InjRow::name).do_update(|s| s.set(InjRow::tag, w));
    rendered_without_values("upsert", |d| single(up.render(d)))?;
    prop_assert_eq!(up.execute(e).map_err(|x| fail("upsert", x))?, 1);
    prop_assert_eq!(count_rows(db)?, 4);
    let tag: String = select(InjRow::tag).filter(InjRow::id.eq(10)).one(e).map_err(|x| fail("tag", x))?;
    prop_assert_eq!(&tag, w);

    // coalesce default, CASE values, function arguments (replace, string_agg's delimiter).
    let q = select(func::coalesce(InjRow::note, v)).order_by(InjRow::id.asc());
    rendered_without_values("coalesce", |d| q.render(d))?;
    let got = q.all(e).map_err(|x| fail("coalesce", x))?;
    prop_assert_eq!(got, vec![v.to_owned(), v.to_owned(), w.to_owned(), v.to_owned()]);

    let q = select(case().when(InjRow::id.eq(10), v).otherwise(w)).order_by(InjRow::id.asc());
    rendered_without_values("case", |d| q.render(d))?;
    let got = q.all(e).map_err(|x| fail("case", x))?;
    prop_assert_eq!(got, vec![w.to_owned(), w.to_owned(), v.to_owned(), w.to_owned()]);

    let q = select(func::replace(InjRow::name, v, w)).filter(InjRow::id.eq(10));
    rendered_without_values("replace", |d| q.render(d))?;
    let got: String = q.one(e).map_err(|x| fail("replace", x))?;
    prop_assert_eq!(&got, w);

    let q = select(func::string_agg(InjRow::tag, v)).filter(InjRow::id.in_([1, 2]));
    rendered_without_values("string_agg", |d| q.render(d))?;
    let got: Option<String> = q.one(e).map_err(|x| fail("string_agg", x))?;
    let (a, b) = (format!("t1{v}t2"), format!("t2{v}t1"));
    prop_assert!(got.as_deref() == Some(a.as_str()) || got.as_deref() == Some(b.as_str()), "string_agg: {:?}", got);

    // text() binds.
    let t = text("SELECT id FROM inj_rows WHERE name = :v AND (tag <> :v OR tag = :v)").bind("v", v);
    rendered_without_values("text", |d| t.render(d))?;
    prop_assert_eq!(t.all::<i64>(e).map_err(|x| fail("text", x))?, vec![10]);

    // delete().filter(..): one row.
    let del = delete::<InjRow>().filter(InjRow::name.eq(v));
    rendered_without_values("delete", |d| del.render(d))?;
    prop_assert_eq!(del.execute(e).map_err(|x| fail("delete", x))?, 1);
    prop_assert_eq!(count_rows(db)?, 3);
    Ok(())
}

#[test]
fn t26_inject_hostile_values_always_bound() {
    each_db("t26_hostile", |db| {
        db.engine.create_all(&[InjRow::table()]).unwrap();
        RENDERINGS.with(|c| c.set(0));
        let values = std::cell::Cell::new(0usize);
        check(db, (hostile(), hostile()), |(v, w)| {
            values.set(values.get() + 2);
            hostile_case(db, &v, &w)
        });
        // The corpus, one piece at a time and all together.
        for p in PIECES {
            let v = format!("{MARK}{p}");
            hostile_case(db, &v, &format!("{MARK}x{p}{p}")).unwrap_or_else(|e| panic!("{}: {p:?}: {e}", db.name));
        }
        let all = format!("{MARK}{}", PIECES.concat());
        hostile_case(db, &all, &format!("{MARK}-")).unwrap_or_else(|e| panic!("{}: all pieces: {e}", db.name));
        let values = values.get() + 2 * PIECES.len() + 2;
        let renderings = RENDERINGS.with(std::cell::Cell::get);
        eprintln!("T26 {}: {values} hostile values, {renderings} renderings checked, 0 values in SQL text", db.name);
    });
}

/// Exact round-trips outside the marker scheme: the empty string, NUL alone and inside text,
/// 10k characters.
#[test]
fn t26_inject_exact_round_trip_of_edge_values() {
    each_db("t26_edges", |db| {
        db.engine.create_all(&[InjRow::table()]).unwrap();
        let long: String = "'\\%_😀".repeat(2_000);
        for (i, v) in ["", "\0", "a\0b", "\0'; --", long.as_str()].into_iter().enumerate() {
            let id = i64::try_from(i).unwrap() + 100;
            let row = InjRow { id, name: format!("edge {id}"), note: Some(v.to_owned()), tag: v.to_owned() };
            let written = insert::<InjRow>().values(&row).execute(&db.engine);
            if db.is_pg() && v.contains('\0') {
                let err = written.expect_err("PostgreSQL must refuse NUL in text");
                assert!(
                    matches!(&err, Error::NulInText { table: Some(t), column: Some(_) } if t == "inj_rows"),
                    "{err:?}"
                );
                let n: i64 =
                    select(func::count_all()).from::<InjRow>().filter(InjRow::id.eq(id)).one(&db.engine).unwrap();
                assert_eq!(n, 0, "nothing written");
                continue;
            }
            assert_eq!(written.unwrap(), 1);
            let back = select_model::<InjRow>().filter(InjRow::id.eq(id)).one(&db.engine).unwrap();
            assert_eq!(back, row, "{}: {v:?}", db.name);
            let found: Vec<i64> = select(InjRow::id).filter(InjRow::tag.eq(v)).all(&db.engine).unwrap();
            assert_eq!(found, vec![id], "{}: {v:?}", db.name);
        }
    });
}

/// SQLite's LIKE reads the value and the pattern as NUL-terminated C strings: with it,
/// `ends_with("ab")` would match `"ab\0cd"` and `contains("x\0y")` would match `"x"`. The
/// case-sensitive helpers therefore compare bytes on SQLite (`instr` / `substr` over
/// `CAST(x AS BLOB)`).
#[test]
#[cfg(feature = "sqlite")]
fn t26_inject_sqlite_like_helpers_stop_at_nul() {
    let engine = Engine::connect("sqlite::memory:").unwrap();
    engine.create_all(&[InjRow::table()]).unwrap();
    for (id, name) in [(1, "ab\0cd"), (2, "x")] {
        insert::<InjRow>()
            .values(&InjRow { id, name: name.into(), note: None, tag: String::new() })
            .execute(&engine)
            .unwrap();
    }
    let ends: Vec<i64> = select(InjRow::id).filter(InjRow::name.ends_with("ab")).all(&engine).unwrap();
    assert_eq!(ends, Vec::<i64>::new(), "ends_with(\"ab\") must not match \"ab\\0cd\"");
    let contains: Vec<i64> = select(InjRow::id).filter(InjRow::name.contains("x\0y")).all(&engine).unwrap();
    assert_eq!(contains, Vec::<i64>::new(), "contains(\"x\\0y\") must not match \"x\"");
}

/// The one literal the renderer writes, LIKE's escape character, is `E'\\'` on PostgreSQL:
/// a plain `'\'` would be an unterminated string on a session with
/// `standard_conforming_strings = off` (RELIABILITY.md I2).
#[test]
#[cfg(feature = "postgres")]
fn t26_inject_like_escape_literal_under_standard_conforming_strings_off() {
    each_db("t26_scs_off", |db| {
        let Some(schema) = &db._schema else { return };
        db.engine.create_all(&[InjRow::table()]).unwrap();
        let sql = select(InjRow::id).filter(InjRow::name.contains("50%")).render(&Postgres).unwrap().sql;
        let mut client = postgres::Client::connect(&pg_url(), postgres::NoTls).unwrap();
        client.batch_execute(&format!("SET search_path TO {}", schema.name)).unwrap();
        client.batch_execute("SET standard_conforming_strings = off").unwrap();
        if let Err(e) = client.prepare(&sql) {
            panic!("{sql} does not parse with standard_conforming_strings = off: {e}");
        }
    });
}

/// SQLite stores whatever bytes it is given in a TEXT column; invalid UTF-8 must come back
/// as a typed decode error, never as a `String` holding it (RUSTSEC-2026-0111).
#[test]
#[cfg(feature = "sqlite")]
fn t26_inject_invalid_utf8_in_sqlite_text_is_a_decode_error() {
    let engine = Engine::connect("sqlite::memory:").unwrap();
    engine.create_all(&[InjRow::table()]).unwrap();
    engine
        .execute("INSERT INTO inj_rows (id, name, note, tag) VALUES (1, CAST(X'C328FF' AS TEXT), NULL, 'x')", &[])
        .unwrap();
    let typeof_: String = text("SELECT typeof(name) FROM inj_rows").scalar(&engine).unwrap();
    assert_eq!(typeof_, "text");
    let err = select(InjRow::name).one(&engine).unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let err = select_model::<InjRow>().one(&engine).unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let err = text("SELECT name FROM inj_rows").scalar::<String>(&engine).unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "inj_defaults")]
struct InjDefault {
    #[orm(primary_key)]
    id: i64,
    #[orm(server_default = "'it''s -- not a comment'")]
    note: Option<String>,
}

/// `server_default` is SQL text written by the model's author (a string literal in the
/// attribute, fixed at compile time), not a value path: it reaches the DDL as written, so a
/// quote inside it must be written as SQL writes it (`''`). No run-time value can reach it.
#[test]
fn t26_inject_server_default_is_author_sql_not_a_value() {
    each_db("t26_default", |db| {
        db.engine.create_all(&[InjDefault::table()]).unwrap();
        insert::<InjDefault>().set(InjDefault::id, 1).execute(&db.engine).unwrap();
        let note: Option<String> = select(InjDefault::note).one(&db.engine).unwrap();
        assert_eq!(note.as_deref(), Some("it's -- not a comment"));
    });
}

// -- T27 ------------------------------------------------------------------------------------

/// Pieces of hostile identifiers: quotes, spaces, dots, statement and comment syntax,
/// placeholders, non-ASCII, mixed case and keywords.
const IDENT_PIECES: &[&str] =
    &["\"", "\"\"", " ", ".", ";", "--", "/*", "'", "$1", "?", ":x", "é", "中", "😀", "select", "order", "Mixed", "a"];

fn identifier() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(IDENT_PIECES), 1..6)
        .prop_map(|p| p.concat())
        // Room for the `_t` / `_v` suffixes within PostgreSQL's 63 bytes.
        .prop_filter("fits PostgreSQL's limit", |s| s.len() <= 60)
}

fn quoted(d: &dyn Dialect, name: &str) -> Result<String, TestCaseError> {
    let mut out = String::new();
    d.push_identifier(&mut out, name).map_err(|e| fail("quote", e))?;
    prop_assert_eq!(&out, &format!("\"{}\"", name.replace('"', "\"\"")));
    Ok(out)
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// The names of the result columns of `sql`, as the database describes them.
fn column_names(db: &Db, sql: &str) -> Result<Vec<String>, TestCaseError> {
    if let Some(schema) = &db._schema {
        let mut client = postgres::Client::connect(&pg_url(), postgres::NoTls).map_err(|e| fail("connect", e))?;
        client.batch_execute(&format!("SET search_path TO {}", schema.name)).map_err(|e| fail("search_path", e))?;
        let stmt = client.prepare(sql).map_err(|e| fail(&format!("prepare {sql}"), e))?;
        return Ok(stmt.columns().iter().map(|c| c.name().to_owned()).collect());
    }
    // SQLite: through a view, whose columns `pragma_table_info` lists by name.
    let view = "inj_describe";
    let _ = db.engine.execute(RawSql::audited(format!("DROP VIEW IF EXISTS {view}")), &[]);
    db.engine.execute(RawSql::audited(format!("CREATE VIEW {view} AS {sql}")), &[]).map_err(|e| fail("view", e))?;
    text("SELECT name FROM pragma_table_info(:t) ORDER BY cid")
        .bind("t", view)
        .all::<String>(&db.engine)
        .map_err(|e| fail("pragma_table_info", e))
}

fn identifier_case(db: &Db, name: &str) -> Result<(), TestCaseError> {
    let d = db.engine.dialect_kind().dialect();
    let table = format!("{name}_t");
    let (qt, qc) = (quoted(d, &table)?, quoted(d, name)?);
    let run = |sql: String| db.engine.execute(RawSql::audited(sql), &[]).map_err(|e| fail("raw", e));
    run(format!("DROP TABLE IF EXISTS {qt}"))?;
    run(format!("CREATE TABLE {qt} ({qc} BIGINT)"))?;
    run(format!("INSERT INTO {qt} ({qc}) VALUES (7)"))?;
    let sql = format!("SELECT {qc} AS {qc} FROM {qt}");
    prop_assert_eq!(column_names(db, &sql)?, vec![name.to_owned()]);
    // text() leaves `:x`, `?` and `$1` inside quoted identifiers alone.
    let got: i64 = text(RawSql::audited(sql)).scalar(&db.engine).map_err(|e| fail("select", e))?;
    prop_assert_eq!(got, 7);
    run(format!("DROP TABLE {qt}"))?;

    // An ORM label.
    let label = leak(name);
    let q = select((InjRow::id.label(label), InjRow::name));
    let r = q.render(d).map_err(|e| fail("render label", e))?;
    prop_assert!(r.sql.contains(&format!(" AS {qc}")), "{}", r.sql);
    prop_assert_eq!(column_names(db, &r.sql)?, vec![name.to_owned(), "name".to_owned()]);
    Ok(())
}

#[test]
fn t27_inject_identifier_alias_roundtrip() {
    each_db("t27_ident", |db| {
        db.engine.create_all(&[InjRow::table()]).unwrap();
        check(db, identifier(), |name| identifier_case(db, &name));
        for p in IDENT_PIECES {
            identifier_case(db, p).unwrap_or_else(|e| panic!("{}: {p:?}: {e}", db.name));
        }
    });
}

/// NUL, empty and over-long names are refused before anything is sent; PostgreSQL would
/// truncate a name over 63 bytes silently.
#[test]
fn t27_inject_unusable_identifiers_are_refused() {
    let long64 = "x".repeat(64);
    let long_utf8 = "é".repeat(32); // 64 bytes, 32 characters
    for (d, bad) in
        [(&Postgres as &dyn Dialect, vec!["", "a\0b", long64.as_str(), long_utf8.as_str()]), (&Sqlite, vec!["", "\0"])]
    {
        for name in bad {
            let mut out = String::new();
            let err = d.push_identifier(&mut out, name).unwrap_err();
            assert!(matches!(&err, Error::InvalidIdentifier { name: n, .. } if n == name), "{err:?}");
            assert!(out.is_empty());
            let err = select(InjRow::id.label(leak(name))).render(d).unwrap_err();
            assert!(matches!(err, Error::InvalidIdentifier { .. }), "{err:?}");
        }
    }
    let mut out = String::new();
    Postgres.push_identifier(&mut out, &"x".repeat(63)).unwrap();
    // The server agrees with the limit: it truncates (with a NOTICE), which is why we refuse.
    each_db("t27_limit", |db| {
        if !db.is_pg() {
            let err = db.engine.execute(RawSql::audited(format!("CREATE TABLE {} (a INTEGER)", "\"\0\"")), &[]);
            assert!(err.is_err(), "SQLite: NUL in a name");
            return;
        }
        let t = format!("\"{}\"", "y".repeat(70));
        db.engine.execute(RawSql::audited(format!("CREATE TABLE {t} (a INTEGER)")), &[]).unwrap();
        let n: i64 = text("SELECT length(tablename)::bigint FROM pg_tables WHERE tablename LIKE 'yyy%'")
            .scalar(&db.engine)
            .unwrap();
        assert_eq!(n, 63);
    });
}

/// Pieces of hostile JSON keys (Django CVE-2019-14234's class).
const KEY_PIECES: &[&str] =
    &["'", "\"", ")", "::text", "--", ".", "$", "[", "]", "[0]", "\\", "*", " ", "é", "😀", "\n", "a", "b", ":k", "?"];

fn json_key() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(KEY_PIECES), 0..5).prop_map(|p| p.concat())
}

fn json_case(db: &Db, keys: &[String], lookup: &str) -> Result<(), TestCaseError> {
    let e = &db.engine;
    let mut doc = serde_json::Map::new();
    for (i, k) in keys.iter().enumerate() {
        let v = match i % 3 {
            0 => serde_json::Value::String(format!("{MARK}v{i}{k}")),
            1 => serde_json::json!({ "inner": k, "n": i }),
            _ => serde_json::json!([k, i, null]),
        };
        doc.insert(k.clone(), v);
    }
    let doc = serde_json::Value::Object(doc);
    delete::<InjDoc>().all_rows().execute(e).map_err(|x| fail("reset", x))?;
    insert::<InjDoc>().values(&InjDoc { id: 1, body: doc.clone() }).execute(e).map_err(|x| fail("insert doc", x))?;

    let q = select(InjDoc::body.json_text(lookup)).filter(InjDoc::id.eq(1));
    let [lite, pg] = rendered_without_values("json_text", |d| q.render(d))?;
    // The SQL text is the same whatever the key: the key is only ever a parameter.
    let expected = r#"SELECT CAST("inj_docs"."body" ->> ? AS TEXT) FROM "inj_docs" WHERE "inj_docs"."id" = ?"#;
    prop_assert_eq!(lite.sql.as_str(), expected);
    prop_assert_eq!(pg.sql.replace("$1", "?").replace("$2", "?"), expected);
    let got: Option<String> = q.one(e).map_err(|x| fail(&format!("json_text({lookup:?})"), x))?;
    let expected = doc.get(lookup).and_then(|v| v.as_str()).map(str::to_owned);
    if expected.is_some() || doc.get(lookup).is_none() {
        prop_assert_eq!(got, expected, "json_text({:?})", lookup);
    } else {
        prop_assert!(got.is_some(), "json_text({:?}) of a non-string member", lookup);
    }

    let q = select(InjDoc::body.json_get::<serde_json::Value>(lookup)).filter(InjDoc::id.eq(1));
    rendered_without_values("json_get", |d| q.render(d))?;
    let got: Option<serde_json::Value> = q.one(e).map_err(|x| fail(&format!("json_get({lookup:?})"), x))?;
    prop_assert_eq!(got, doc.get(lookup).cloned(), "json_get({:?})", lookup);

    // In a filter, too.
    let hits: Vec<i64> = select(InjDoc::id)
        .filter(InjDoc::body.json_text(lookup).is_not_null())
        .all(e)
        .map_err(|x| fail("json filter", x))?;
    prop_assert_eq!(hits.len(), usize::from(doc.get(lookup).is_some_and(|v| !v.is_null())));
    Ok(())
}

#[test]
fn t27_inject_json_keys_are_bound_and_match_serde_json() {
    each_db("t27_json", |db| {
        db.engine.create_all(&[InjDoc::table()]).unwrap();
        let strategy = proptest::collection::vec(json_key(), 0..5).prop_flat_map(|keys| {
            let pick = if keys.is_empty() {
                json_key().boxed()
            } else {
                prop_oneof![proptest::sample::select(keys.clone()), json_key()].boxed()
            };
            (Just(keys), pick)
        });
        check(db, strategy, |(keys, lookup)| json_case(db, &keys, &lookup));
        let all: Vec<String> = KEY_PIECES.iter().map(|p| (*p).to_owned()).collect();
        for k in &all {
            json_case(db, &all, k).unwrap_or_else(|e| panic!("{}: {k:?}: {e}", db.name));
        }
        let joined = KEY_PIECES.concat();
        json_case(db, std::slice::from_ref(&joined), &joined).unwrap_or_else(|e| panic!("{}: {e}", db.name));
        json_case(db, &[String::new()], "").unwrap_or_else(|e| panic!("{}: empty key: {e}", db.name));
    });
}

// -- T28 ------------------------------------------------------------------------------------

const LIKE_ALPHABET: &[char] = &['a', '_', '%', '\\', '\'', 'A', 'ß'];

fn like_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(LIKE_ALPHABET), 0..max).prop_map(|c| c.into_iter().collect())
}

/// A LIKE pattern matching `s` literally (the ORM's escape character is `\`).
fn escape_like(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn like_case(db: &Db, rows: &[String], needle: &str) -> Result<(), TestCaseError> {
    let e = &db.engine;
    delete::<InjLike>().all_rows().execute(e).map_err(|x| fail("reset", x))?;
    let data: Vec<InjLike> = rows
        .iter()
        .enumerate()
        .map(|(i, s)| InjLike { id: i64::try_from(i).unwrap_or(i64::MAX), s: s.clone() })
        .collect();
    if !data.is_empty() {
        insert::<InjLike>().values_many(&data).execute(e).map_err(|x| fail("insert", x))?;
    }
    let run = |cond: Expr<bool, InjLike>| -> Result<Vec<i64>, TestCaseError> {
        select(InjLike::id).filter(cond).order_by(InjLike::id.asc()).all(e).map_err(|x| fail("like", x))
    };
    let oracle = |f: &dyn Fn(&str) -> bool| data.iter().filter(|r| f(&r.s)).map(|r| r.id).collect::<Vec<_>>();
    prop_assert_eq!(run(InjLike::s.contains(needle))?, oracle(&|s| s.contains(needle)), "contains {:?}", needle);
    prop_assert_eq!(run(InjLike::s.starts_with(needle))?, oracle(&|s| s.starts_with(needle)), "starts_with");
    prop_assert_eq!(run(InjLike::s.ends_with(needle))?, oracle(&|s| s.ends_with(needle)), "ends_with");
    // `like` with an escaped pattern is the same as `contains`.
    let pattern = format!("%{}%", escape_like(needle));
    prop_assert_eq!(run(InjLike::s.like(&pattern))?, oracle(&|s| s.contains(needle)), "like");
    prop_assert_eq!(run(InjLike::s.not_like(&pattern))?, oracle(&|s| !s.contains(needle)), "not_like");
    // `ilike`: ASCII case folding on both (the alphabet's only non-ASCII letter, ß, has no
    // other case in either database's LOWER).
    let lower = needle.to_ascii_lowercase();
    prop_assert_eq!(
        run(InjLike::s.ilike(&pattern))?,
        oracle(&|s| s.to_ascii_lowercase().contains(&lower)),
        "ilike {:?}",
        pattern
    );
    Ok(())
}

#[test]
fn t28_inject_like_escaping_oracle() {
    each_db("t28_like", |db| {
        db.engine.create_all(&[InjLike::table()]).unwrap();
        let strategy = (proptest::collection::vec(like_text(7), 0..10), like_text(4));
        check(db, strategy, |(rows, needle)| like_case(db, &rows, &needle));
        let rows: Vec<String> = ["", "a", "A", "_", "%", "\\", "'", "ß", "a_b", "a%b", "a\\b", "aAß", "\\%", "\\_"]
            .map(String::from)
            .into();
        for n in ["", "a", "A", "_", "%", "\\", "'", "ß", "\\%", "\\_", "%_", "a_", "_b"] {
            like_case(db, &rows, n).unwrap_or_else(|e| panic!("{}: {n:?}: {e}", db.name));
        }
    });
}

/// `ilike` beyond ASCII: PostgreSQL's ILIKE folds by the database's locale, SQLite's emulation
/// (`LOWER(x) LIKE LOWER(p)`) folds ASCII only. Recorded here so a change shows.
#[test]
fn t28_inject_ilike_non_ascii_folding_differs() {
    each_db("t28_ilike", |db| {
        db.engine.create_all(&[InjLike::table()]).unwrap();
        insert::<InjLike>().values(&InjLike { id: 1, s: "ÉTÉ".into() }).execute(&db.engine).unwrap();
        let ascii: Vec<i64> = select(InjLike::id).filter(InjLike::s.ilike("%t%")).all(&db.engine).unwrap();
        assert_eq!(ascii, [1], "{}: ASCII letters fold on both", db.name);
        let accented: Vec<i64> = select(InjLike::id).filter(InjLike::s.ilike("été")).all(&db.engine).unwrap();
        if db.is_pg() {
            let ctype: String = text("SELECT datctype::text FROM pg_database WHERE datname = current_database()")
                .scalar(&db.engine)
                .unwrap();
            eprintln!("PostgreSQL (LC_CTYPE {ctype}): 'ÉTÉ' ILIKE 'été' matched {} row(s)", accented.len());
        } else {
            assert!(accented.is_empty(), "SQLite's LOWER folds ASCII only");
        }
    });
}

// -- T29 ------------------------------------------------------------------------------------

#[test]
fn t29_render_degenerate_predicates_and_typed_clauses() {
    // Empty IN / NOT IN: constants, never `IN ()`, never a dropped predicate.
    insta::assert_snapshot!(
        "t29_empty_in_lists",
        both(|d| select(InjRow::id)
            .filter(InjRow::name.in_(Vec::<String>::new()) | InjRow::id.gt(5))
            .filter(InjRow::tag.not_in(Vec::<String>::new()))
            .filter(InjRow::note.is_null() | InjRow::note.is_not_null())
            .render(d))
    );
    // LIMIT / OFFSET are u64 values, bound (saturated to i64::MAX); direction and NULLS are enums.
    insta::assert_snapshot!(
        "t29_limit_offset_order",
        both(|d| select(InjRow::id)
            .order_by(InjRow::note.desc().nulls_first())
            .order_by(InjRow::id.asc().nulls_last())
            .limit(u64::MAX)
            .offset(3)
            .render(d))
    );
    // JSON key lookups: the key is a parameter in both dialects.
    insta::assert_snapshot!(
        "t29_json_key_lookup",
        both(|d| select(InjDoc::body.json_get::<serde_json::Value>("a\"b"))
            .filter(InjDoc::body.json_text("x') OR 1=1 --").eq("y"))
            .render(d))
    );
    // UPDATE / DELETE without a filter are refused (also when rendered, for UPDATE).
    let err = update::<InjRow>().set(InjRow::tag, "x").render(&Sqlite).unwrap_err();
    assert!(matches!(err, Error::Misuse(Misuse::MissingFilter { statement: "UPDATE", table: "inj_rows" })), "{err:?}");
}

#[test]
fn t29_render_degenerate_predicates_run() {
    each_db("t29_run", |db| {
        let e = &db.engine;
        e.create_all(&[InjRow::table()]).unwrap();
        insert::<InjRow>().values_many(&decoys()).execute(e).unwrap();
        let none: Vec<i64> = select(InjRow::id).filter(InjRow::name.in_(Vec::<String>::new())).all(e).unwrap();
        assert!(none.is_empty());
        let all: Vec<i64> = select(InjRow::id).filter(InjRow::name.not_in(Vec::<String>::new())).all(e).unwrap();
        assert_eq!(all, [1, 2]);
        // NULL rows too: `x NOT IN (empty)` is true even for a NULL x.
        let all: Vec<i64> = select(InjRow::id).filter(InjRow::note.not_in(Vec::<String>::new())).all(e).unwrap();
        assert_eq!(all, [1, 2]);
        let nulls: Vec<i64> = select(InjRow::id).filter(InjRow::note.is_null()).all(e).unwrap();
        assert_eq!(nulls, [1, 2]);

        // UPDATE / DELETE without a filter do not compile (`execute` needs `.filter(...)` or
        // `.all_rows()`: ui tests); an always-false filter changes nothing.
        let n = update::<InjRow>().set(InjRow::tag, "x").filter(InjRow::name.in_(Vec::<String>::new())).execute(e);
        assert_eq!(n.unwrap(), 0);
        let n = delete::<InjRow>().filter(InjRow::name.in_(Vec::<String>::new())).execute(e);
        assert_eq!(n.unwrap(), 0);
        let n: i64 = select(func::count_all()).from::<InjRow>().one(e).unwrap();
        assert_eq!(n, 2, "nothing changed");

        let page: Vec<i64> = select(InjRow::id).order_by(InjRow::id.desc()).limit(u64::MAX).offset(1).all(e).unwrap();
        assert_eq!(page, [1]);
        let page: Vec<i64> = select(InjRow::id).order_by(InjRow::id.asc()).offset(u64::MAX).all(e).unwrap();
        assert!(page.is_empty());
    });
}

// -- T30 ------------------------------------------------------------------------------------

/// Random predicates over `InjRow` with hostile values.
#[derive(Debug, Clone)]
enum P {
    NameEq(String),
    TagLt(String),
    IdIn(Vec<i64>),
    NameIn(Vec<String>),
    NoteContains(String),
    NoteIsNull,
    NoteOr(String),
    IdInSub(Box<P>),
    Exists(Box<P>),
    Not(Box<P>),
    And(Box<P>, Box<P>),
    Or(Box<P>, Box<P>),
}

fn small_hostile() -> impl Strategy<Value = String> {
    proptest::collection::vec(piece(), 0..4).prop_map(|p| format!("{MARK}{}", p.concat().replace('\0', "")))
}

fn pred() -> impl Strategy<Value = P> {
    let leaf = prop_oneof![
        small_hostile().prop_map(P::NameEq),
        small_hostile().prop_map(P::TagLt),
        proptest::collection::vec(-3i64..15, 0..4).prop_map(P::IdIn),
        proptest::collection::vec(small_hostile(), 0..3).prop_map(P::NameIn),
        small_hostile().prop_map(P::NoteContains),
        Just(P::NoteIsNull),
        small_hostile().prop_map(P::NoteOr),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|p| P::IdInSub(Box::new(p))),
            inner.clone().prop_map(|p| P::Exists(Box::new(p))),
            inner.clone().prop_map(|p| P::Not(Box::new(p))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| P::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| P::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn b<E: Expression<Value = bool>>(e: E) -> Expr<bool, InjRow> {
    Expr::from_node(e.into_node())
}

fn build(p: &P) -> Expr<bool, InjRow> {
    match p {
        P::NameEq(v) => b(InjRow::name.eq(v)),
        P::TagLt(v) => b(InjRow::tag.lt(v)),
        P::IdIn(v) => b(InjRow::id.in_(v.clone())),
        P::NameIn(v) => b(InjRow::name.in_(v.clone())),
        P::NoteContains(v) => b(InjRow::note.contains(v)),
        P::NoteIsNull => b(InjRow::note.is_null()),
        P::NoteOr(v) => b(func::coalesce(InjRow::note, v.as_str()).eq(InjRow::tag)),
        P::IdInSub(p) => b(InjRow::id.in_(select(InjRow::id).filter(build(p)))),
        P::Exists(p) => b(exists(select(InjRow::id).filter(build(p)))),
        P::Not(p) => b(!build(p)),
        P::And(x, y) => b(build(x) & build(y)),
        P::Or(x, y) => b(build(x) | build(y)),
    }
}

/// The placeholders of `sql` in order of appearance, outside string literals and quoted
/// identifiers: `Some(n)` for `$n`, `None` for `?`.
fn placeholders(sql: &str) -> Vec<Option<usize>> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    for (i, c) in sql.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '?') => out.push(None),
            (None, '$') => {
                let digits: String = sql[i + 1..].chars().take_while(char::is_ascii_digit).collect();
                if let Ok(n) = digits.parse() {
                    out.push(Some(n));
                }
            }
            _ => {}
        }
    }
    out
}

/// T30: one statement's SQL in both dialects: placeholders match the parameters (numbered
/// 1, 2, 3, ... in order on PostgreSQL), no value in the text, and it prepares on `db`.
fn statement_checks(
    db: &Db,
    what: &str,
    f: impl Fn(&dyn Dialect) -> orm::Result<Rendered>,
) -> Result<(), TestCaseError> {
    let [lite, pg] = rendered_without_values(what, f)?;
    let ph = placeholders(&lite.sql);
    prop_assert!(ph.iter().all(Option::is_none), "{}: SQLite placeholders: {}", what, lite.sql);
    prop_assert_eq!(ph.len(), lite.params.len(), "{}: SQLite: {}", what, lite.sql);
    let ph = placeholders(&pg.sql);
    let expected: Vec<Option<usize>> = (1..=pg.params.len()).map(Some).collect();
    prop_assert_eq!(ph, expected, "{}: PostgreSQL: {}", what, pg.sql);
    // (The values differ between dialects where a predicate renders differently: SQLite's
    // text helpers compare bytes and bind the needle as it is, PostgreSQL binds a LIKE pattern.)
    if let Some(schema) = &db._schema {
        let mut client = postgres::Client::connect(&pg_url(), postgres::NoTls).map_err(|e| fail("connect", e))?;
        client.batch_execute(&format!("SET search_path TO {}", schema.name)).map_err(|e| fail("search_path", e))?;
        let stmt = client.prepare(&pg.sql).map_err(|e| fail(&format!("{what}: prepare {}", pg.sql), e))?;
        prop_assert_eq!(stmt.params().len(), pg.params.len(), "{}: {}", what, pg.sql);
    } else {
        let mut conn = db.engine.connection().map_err(|e| fail("connection", e))?;
        conn.prepared(&lite.sql).map_err(|e| fail(&format!("{what}: prepare {}", lite.sql), e))?;
    }
    Ok(())
}

fn composed_case(db: &Db, p1: &P, p2: &P, v: &str, limit: u64) -> Result<(), TestCaseError> {
    let e = &db.engine;
    let plain = select(InjRow::id).filter(build(p1));
    statement_checks(db, "filter", |d| plain.render(d))?;
    plain.all(e).map_err(|x| fail("run filter", x))?;

    let union = select(InjRow::id.label("id"))
        .filter(build(p1))
        .union(select(InjRow::id).filter(build(p2)))
        .limit(limit)
        .offset(1);
    statement_checks(db, "union", |d| union.render(d))?;
    union.all(e).map_err(|x| fail("run union", x))?;

    let sub = select((InjRow::id, InjRow::name))
        .filter(build(p2))
        .filter(InjRow::id.in_(select(InjRow::id).filter(build(p1))))
        .filter(InjRow::tag.ne(v))
        .limit(limit);
    statement_checks(db, "in subquery", |d| sub.render(d))?;
    sub.all(e).map_err(|x| fail("run in subquery", x))?;

    let cte = select(InjRow::id).filter(build(p2)).cte::<1>("inj_cte");
    let with = select(InjRow::name)
        .with(&cte)
        .filter(build(p1))
        .filter(InjRow::id.in_(select(cte.col::<0>()).select_from(&cte)));
    statement_checks(db, "cte", |d| with.render(d))?;
    with.all(e).map_err(|x| fail("run cte", x))?;

    let upd = update::<InjRow>().set(InjRow::note, v).set(InjRow::tag, InjRow::name).filter(build(p1));
    statement_checks(db, "update", |d| upd.render(d))?;
    let del = delete::<InjRow>().filter(build(p2) & InjRow::name.eq(v));
    statement_checks(db, "delete", |d| del.render(d))?;
    let proposed = InjRow { id: 1, name: v.to_owned(), note: None, tag: v.to_owned() };
    let up = insert::<InjRow>()
        .values(&proposed)
        .on_conflict(InjRow::id)
        .do_update(|s| s.set(InjRow::note, v).set(InjRow::tag, excluded(InjRow::tag)));
    statement_checks(db, "upsert", |d| single(up.render(d)))?;
    Ok(())
}

#[test]
fn t30_render_placeholders_match_params_and_statements_prepare() {
    each_db("t30_prepare", |db| {
        db.engine.create_all(&[InjRow::table()]).unwrap();
        insert::<InjRow>().values_many(&decoys()).execute(&db.engine).unwrap();
        let strategy = (pred(), pred(), small_hostile(), 0u64..5);
        check(db, strategy, |(p1, p2, v, limit)| composed_case(db, &p1, &p2, &v, limit));
    });
}

#[test]
fn t30_render_placeholder_scanner_skips_quoted_text() {
    assert_eq!(placeholders(r#"SELECT "a?$1" FROM t WHERE x = ? AND y = '?' AND z = $2"#), [None, Some(2)]);
    assert_eq!(placeholders("$1 $$ $10"), [Some(1), Some(10)]);
}

/// `fuzz/decode_values` found that rust_decimal's binary NUMERIC decoder panics (in
/// `Decimal::from_i128_with_scale`) on some *malformed* inputs, which only a malicious server or
/// proxy sends. What a real server sends decodes or is a typed error, never a panic. (Digits
/// beyond `Decimal`'s 28 of scale are rounded away by rust_decimal, not refused.)
#[test]
fn t30_render_pg_numeric_beyond_decimal_scale_is_not_a_panic() {
    each_db("t30_numeric", |db| {
        if !db.is_pg() {
            return;
        }
        for sql in [
            "SELECT 0.000000000000000000000000000000001::numeric",
            "SELECT 1.00000000000000000000000000000000000000::numeric",
            "SELECT 123456789012345678901234567890.5::numeric",
            "SELECT 1e-40::numeric",
            "SELECT 'NaN'::numeric",
        ] {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                text(sql).scalar::<rust_decimal::Decimal>(&db.engine)
            }));
            match r {
                Ok(Ok(d)) => eprintln!("{sql}: {d}"),
                Ok(Err(e)) => eprintln!("{sql}: typed error: {e}"),
                Err(_) => panic!("{sql}: decoding panicked"),
            }
        }
    });
}

/// Large-value guard (RELIABILITY.md §4.2, after T30; RUSTSEC-2024-0363/-0365: a length cast
/// that truncates lets the server read the rest of a value as protocol messages). SQLite: one
/// value longer than SQLITE_LIMIT_LENGTH (10^9 bytes) is `ValueTooLarge` at bind time, nothing
/// runs, the connection stays usable (about 1 GB for a moment). PostgreSQL: one value of
/// `i32::MAX + 1` bytes is refused by the driver before sending (its checked length cast);
/// about 2 GB of memory and 4 s here, so it runs in CI too.
#[test]
#[cfg(all(feature = "postgres", feature = "sqlite"))]
fn t30_inject_oversized_value_refused_before_sending() {
    let engine = Engine::builder("sqlite::memory:").pool_size(1).build().unwrap();
    engine.execute("CREATE TABLE huge (v TEXT)", &[]).unwrap();
    let big = "x".repeat(1_000_000_001);
    let err = engine.execute("INSERT INTO huge (v) VALUES (?)", &[Value::Text(big)]).unwrap_err();
    assert!(matches!(err, Error::ValueTooLarge { .. }), "{err:?}");
    let n: i64 = text("SELECT count(*) FROM huge").scalar(&engine).unwrap();
    assert_eq!(n, 0);
    engine.execute("INSERT INTO huge (v) VALUES (?)", &[Value::Text("small".into())]).unwrap();

    if let Some(schema) = crate::common::PgSchema::create("t30_huge") {
        drop(engine);
        let pg = Engine::builder(&pg_url()).pool_size(1).search_path(&schema.name).build().unwrap();
        pg.execute("CREATE TABLE huge (v BYTEA)", &[]).unwrap();
        let over = usize::try_from(i32::MAX).unwrap() + 1;
        let err = pg.execute("INSERT INTO huge (v) VALUES ($1)", &[Value::Blob(vec![0u8; over])]).unwrap_err();
        assert!(matches!(err, Error::ValueTooLarge { .. }), "{err:?}");
        let n: i64 = text("SELECT count(*) FROM huge").scalar(&pg).unwrap();
        assert_eq!(n, 0, "nothing ran, and the connection still answers");
    }
}
