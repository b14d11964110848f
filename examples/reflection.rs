//! Reflection: create tables from models and by hand, then read back what the database holds
//! — columns with their types as the database names them, keys, foreign keys with their
//! actions, unique and check constraints, and indexes, with their names.
//!
//! Run with `cargo run --example reflection`. Set `DATABASE_URL=postgres://...` to run the
//! same program on PostgreSQL (it reads the connection's current schema; tables it creates are
//! dropped at the end).

use orm::prelude::*;
use orm::reflect;

/// An author.
#[derive(Model, Debug)]
#[orm(table = "ex_authors", check(name = "ck_ex_authors_named", "length(name) > 0"))]
struct Author {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(max_length = 60, unique)]
    name: String,
    #[orm(server_default = "'active'")]
    status: Option<String>,
}

/// A book of an author.
#[derive(Model, Debug)]
#[orm(table = "ex_books", index(name = "ix_ex_books_recent", author_id, year))]
struct Book {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = Author::id, on_delete = cascade)]
    author_id: i64,
    year: i32,
    title: String,
}

fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = Engine::connect(&url)?;
    engine.drop_all(&[Book::table(), Author::table()])?;
    engine.create_all(&[Author::table(), Book::table()])?;
    text("DROP TABLE IF EXISTS ex_events").execute(&engine)?;
    text("CREATE TABLE ex_events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, done BOOLEAN NOT NULL)")
        .execute(&engine)?;
    text("CREATE INDEX ix_ex_open ON ex_events (kind) WHERE done = false").execute(&engine)?;

    let schema = reflect::reflect(&engine)?;
    for table in schema.tables.iter().filter(|t| t.name.starts_with("ex_")) {
        println!("table {}", table.name);
        for c in &table.columns {
            let null = if c.nullable { "NULL" } else { "NOT NULL" };
            let generated = if c.auto_increment { " (generated)" } else { "" };
            let default = c.default.as_deref().map(|d| format!(" DEFAULT {d}")).unwrap_or_default();
            println!("  column {} {} {null}{default}{generated}", c.name, c.data_type);
        }
        if let Some(pk) = &table.primary_key {
            println!("  primary key {:?} {:?}", pk.name, pk.columns);
        }
        for fk in &table.foreign_keys {
            println!(
                "  foreign key {:?} {:?} -> {} {:?} ON DELETE {}",
                fk.name,
                fk.columns,
                fk.referred_table,
                fk.referred_columns,
                fk.on_delete.as_sql()
            );
        }
        for u in &table.unique_constraints {
            println!("  unique {:?} {:?}", u.name, u.columns);
        }
        for ck in &table.check_constraints {
            println!("  check {:?} ({})", ck.name, ck.sql);
        }
        for ix in &table.indexes {
            let kind = if ix.unique { "unique index" } else { "index" };
            let predicate = ix.predicate.as_deref().map(|p| format!(" WHERE {p}")).unwrap_or_default();
            println!("  {kind} {} {:?}{predicate}", ix.name, ix.columns);
        }
    }

    engine.drop_all(&[Book::table(), Author::table()])?;
    text("DROP TABLE ex_events").execute(&engine)?;
    Ok(())
}
