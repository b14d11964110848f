//! `orm::reflect`: what a live database holds, read back on both databases — from tables the
//! models created, and from tables written by hand (quoted names, composite keys, partial
//! and expression indexes).

use orm::prelude::*;
use orm::reflect::{self, CheckConstraint, Column, ForeignKey, Index, PrimaryKey, UniqueConstraint};
use orm::schema::ReferentialAction;

use crate::common::{each_db, Db};

#[derive(Model)]
#[orm(
    table = "rf_authors",
    unique(name = "uq_rf_authors_pair", name, born),
    check(name = "ck_rf_authors_named", "length(name) > 0")
)]
struct Author {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(max_length = 40)]
    name: String,
    born: i32,
    #[orm(unique)]
    email: Option<String>,
    #[orm(server_default = "'active'")]
    status: Option<String>,
}

#[derive(Model)]
#[orm(table = "rf_books", index(name = "ix_rf_books_recent", author_id, year))]
struct Book {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = Author::id, on_delete = cascade)]
    author_id: i64,
    #[orm(check = "pages > 0")]
    pages: i32,
    #[orm(index)]
    year: i32,
    title: String,
}

/// A composite primary key (named by the naming convention) and a unique index.
#[derive(Model)]
#[orm(table = "rf_editions", unique_index(name = "ux_rf_editions_isbn", isbn))]
struct Edition {
    #[orm(primary_key, foreign_key = Book::id, on_delete = cascade, on_update = restrict)]
    book_id: i64,
    #[orm(primary_key)]
    number: i32,
    isbn: String,
}

fn create(db: &Db) {
    db.engine.create_all(&[Author::table(), Book::table(), Edition::table()]).unwrap();
}

fn table(db: &Db, name: &str) -> reflect::Table {
    let mut conn = db.engine.connection().unwrap();
    reflect::reflect_table(&mut conn, name).unwrap().unwrap_or_else(|| panic!("{name} not reflected"))
}

fn column(name: &str, data_type: &str, nullable: bool, default: Option<&str>, auto_increment: bool) -> Column {
    Column {
        name: name.into(),
        data_type: data_type.into(),
        nullable,
        default: default.map(Into::into),
        auto_increment,
    }
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn columns_come_back_with_their_types_nullability_defaults_and_generated_keys() {
    each_db("rf_columns", |db| {
        create(db);
        let authors = table(db, "rf_authors");
        let expected = if db.is_pg() {
            vec![
                column("id", "bigint", false, None, true),
                column("name", "character varying(40)", false, None, false),
                column("born", "integer", false, None, false),
                column("email", "text", true, None, false),
                column("status", "text", true, Some("'active'::text"), false),
            ]
        } else {
            vec![
                column("id", "INTEGER", false, None, true),
                column("name", "VARCHAR(40)", false, None, false),
                column("born", "INTEGER", false, None, false),
                column("email", "TEXT", true, None, false),
                column("status", "TEXT", true, Some("'active'"), false),
            ]
        };
        assert_eq!(authors.columns, expected, "{}", db.name);
    });
}

#[test]
fn primary_keys_come_back_with_their_columns_in_key_order_and_their_names() {
    each_db("rf_keys", |db| {
        create(db);
        let authors = table(db, "rf_authors");
        // An inline `PRIMARY KEY` is unnamed in the DDL: PostgreSQL names it `<table>_pkey`.
        let inline_name = db.is_pg().then(|| "rf_authors_pkey".to_owned());
        assert_eq!(authors.primary_key, Some(PrimaryKey { name: inline_name, columns: names(&["id"]) }));
        let editions = table(db, "rf_editions");
        assert_eq!(
            editions.primary_key,
            Some(PrimaryKey { name: Some("pk_rf_editions".into()), columns: names(&["book_id", "number"]) })
        );
    });
}

#[test]
fn foreign_keys_come_back_with_their_names_columns_and_actions() {
    each_db("rf_foreign_keys", |db| {
        create(db);
        let books = table(db, "rf_books");
        assert_eq!(
            books.foreign_keys,
            vec![ForeignKey {
                name: Some("fk_rf_books_author_id".into()),
                columns: names(&["author_id"]),
                referred_table: "rf_authors".into(),
                referred_columns: names(&["id"]),
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
            }]
        );
        let editions = table(db, "rf_editions");
        assert_eq!(editions.foreign_keys[0].on_update, ReferentialAction::Restrict, "{}", db.name);
    });
}

#[test]
fn unique_constraints_come_back_with_their_names_and_columns() {
    each_db("rf_uniques", |db| {
        create(db);
        let authors = table(db, "rf_authors");
        assert_eq!(
            authors.unique_constraints,
            vec![
                UniqueConstraint { name: Some("uq_rf_authors_email".into()), columns: names(&["email"]) },
                UniqueConstraint { name: Some("uq_rf_authors_pair".into()), columns: names(&["name", "born"]) },
            ],
            "{}",
            db.name
        );
    });
}

#[test]
fn check_constraints_come_back_with_their_names_and_conditions() {
    each_db("rf_checks", |db| {
        create(db);
        let authors = table(db, "rf_authors");
        // PostgreSQL prints a condition back in its own words (here a cast of the VARCHAR).
        let named = if db.is_pg() { "length(name::text) > 0" } else { "length(name) > 0" };
        assert_eq!(
            authors.check_constraints,
            vec![CheckConstraint { name: Some("ck_rf_authors_named".into()), sql: named.into() }],
            "{}",
            db.name
        );
        let books = table(db, "rf_books");
        assert_eq!(
            books.check_constraints,
            vec![CheckConstraint { name: Some("ck_rf_books_pages".into()), sql: "pages > 0".into() }],
            "{}",
            db.name
        );
    });
}

#[test]
fn indexes_come_back_with_their_names_columns_and_uniqueness_and_without_the_keys_own() {
    each_db("rf_indexes", |db| {
        create(db);
        let books = table(db, "rf_books");
        assert_eq!(
            books.indexes,
            vec![
                Index {
                    name: "ix_rf_books_recent".into(),
                    columns: names(&["author_id", "year"]),
                    unique: false,
                    predicate: None
                },
                Index { name: "ix_rf_books_year".into(), columns: names(&["year"]), unique: false, predicate: None },
            ],
            "{}",
            db.name
        );
        // The unique index is an index, not a constraint; the key's own index is neither.
        let editions = table(db, "rf_editions");
        assert_eq!(
            editions.indexes,
            vec![Index {
                name: "ux_rf_editions_isbn".into(),
                columns: names(&["isbn"]),
                unique: true,
                predicate: None
            }]
        );
        assert!(editions.unique_constraints.is_empty(), "{}", db.name);
    });
}

#[test]
fn partial_and_expression_indexes_come_back_with_their_predicate_and_expression() {
    each_db("rf_partial", |db| {
        text("CREATE TABLE rf_events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, done BOOLEAN NOT NULL)")
            .execute(&db.engine)
            .unwrap();
        text("CREATE INDEX ix_rf_open ON rf_events (kind) WHERE done = false").execute(&db.engine).unwrap();
        text("CREATE INDEX ix_rf_lower ON rf_events (lower(kind))").execute(&db.engine).unwrap();
        let events = table(db, "rf_events");
        let open = events.indexes.iter().find(|i| i.name == "ix_rf_open").expect("partial index");
        assert_eq!(open.columns, names(&["kind"]));
        assert_eq!(open.predicate.as_deref(), Some("done = false"), "{}", db.name);
        let lower = events.indexes.iter().find(|i| i.name == "ix_rf_lower").expect("expression index");
        assert_eq!(lower.columns, names(&["lower(kind)"]), "{}", db.name);
    });
}

#[test]
fn a_table_written_by_hand_with_quoted_names_and_a_composite_foreign_key_comes_back_whole() {
    each_db("rf_by_hand", |db| {
        text(
            "CREATE TABLE \"rf Parent\" (\"a b\" INTEGER NOT NULL, \"c\"\"d\" INTEGER NOT NULL, \
              CONSTRAINT \"pk rf parent\" PRIMARY KEY (\"a b\", \"c\"\"d\"))",
        )
        .execute(&db.engine)
        .unwrap();
        text(
            "CREATE TABLE \"rf Child\" (id INTEGER NOT NULL, pa INTEGER, pc INTEGER, \
              CONSTRAINT \"fk rf child\" FOREIGN KEY (pa, pc) REFERENCES \"rf Parent\" (\"a b\", \"c\"\"d\") \
              ON DELETE SET NULL ON UPDATE CASCADE, \
              CONSTRAINT \"ck rf child\" CHECK (pa <> pc))",
        )
        .execute(&db.engine)
        .unwrap();
        let parent = table(db, "rf Parent");
        assert_eq!(
            parent.primary_key,
            Some(PrimaryKey { name: Some("pk rf parent".into()), columns: names(&["a b", "c\"d"]) })
        );
        let child = table(db, "rf Child");
        assert_eq!(
            child.foreign_keys,
            vec![ForeignKey {
                name: Some("fk rf child".into()),
                columns: names(&["pa", "pc"]),
                referred_table: "rf Parent".into(),
                referred_columns: names(&["a b", "c\"d"]),
                on_delete: ReferentialAction::SetNull,
                on_update: ReferentialAction::Cascade,
            }],
            "{}",
            db.name
        );
        assert_eq!(
            child.check_constraints,
            vec![CheckConstraint { name: Some("ck rf child".into()), sql: "pa <> pc".into() }]
        );
        assert_eq!(child.primary_key, None);
        assert!(child.columns.iter().all(|c| !c.auto_increment), "{}", db.name);
    });
}

#[test]
fn the_whole_schema_lists_tables_by_name_and_a_missing_table_is_none() {
    each_db("rf_schema", |db| {
        create(db);
        let schema = reflect::reflect(&db.engine).unwrap();
        let listed: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(listed, ["rf_authors", "rf_books", "rf_editions"], "{}", db.name);
        let mut conn = db.engine.connection().unwrap();
        assert_eq!(reflect::table_names(&mut conn).unwrap(), names(&listed));
        assert_eq!(reflect::reflect_table(&mut conn, "rf_nowhere").unwrap(), None);
        // The same schema read twice is equal (the order is the documented one, not chance).
        drop(conn);
        assert_eq!(reflect::reflect(&db.engine).unwrap(), schema);
    });
}
