//! Migrations: init -> autogenerate -> upgrade -> change a model -> autogenerate -> upgrade ->
//! downgrade, printing each migration file and each statement sent to the database.
//!
//! Run with `cargo run --example migrations` (SQLite in memory; a temporary migrations
//! folder). Set `DATABASE_URL=postgres://...` to run it on PostgreSQL (it creates and drops
//! the tables `ex_authors` and `ex_books` there). A project calls the same steps from its own
//! binary through `orm::migrate::cli::Cli` (feature `migrate-cli`): see "Migrations" in the
//! README.

use orm::migrate::autogen::CompareOptions;
use orm::migrate::revision::{Migrator, NewRevision};

mod before {
    use orm::prelude::*;

    /// An author, as first written.
    #[derive(Model)]
    #[orm(table = "ex_authors")]
    pub(crate) struct Author {
        #[orm(primary_key, auto_increment)]
        pub(crate) id: i64,
        pub(crate) fullname: String,
    }
}

mod after {
    use orm::prelude::*;

    /// The author, later: `fullname` renamed to `name`, an e-mail address added.
    #[derive(Model)]
    #[orm(table = "ex_authors")]
    pub(crate) struct Author {
        #[orm(primary_key, auto_increment)]
        pub(crate) id: i64,
        pub(crate) name: String,
        #[orm(index)]
        pub(crate) email: Option<String>,
    }

    /// A new table.
    #[derive(Model)]
    #[orm(table = "ex_books")]
    pub(crate) struct Book {
        #[orm(primary_key, auto_increment)]
        pub(crate) id: i64,
        #[orm(foreign_key = Author::id, on_delete = cascade)]
        pub(crate) author_id: i64,
        pub(crate) title: String,
    }
}

fn show(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    println!("---- {} ----", path.file_name().unwrap_or_default().to_string_lossy());
    println!("{}", std::fs::read_to_string(path)?);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    use orm::prelude::*;

    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    // Every statement, as the CLI's `-v` shows them.
    let engine = Engine::builder(&url).before_execute(|sql, _| println!("  sql> {sql}")).build()?;
    let dir = std::env::temp_dir().join(format!("orm-example-migrations-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?; // `init`
    let m = Migrator::new(engine.clone(), &dir);

    println!("== revision --autogenerate -m \"authors\"");
    let models = [before::Author::table()];
    let (path, _) = m.revision(NewRevision {
        message: "authors".into(),
        autogenerate: Some((&models, CompareOptions::default())),
        ..NewRevision::default()
    })?;
    show(&path)?;
    println!("== upgrade head");
    m.upgrade("head")?;
    text("INSERT INTO ex_authors (fullname) VALUES ('Ursula K. Le Guin')").execute(&engine)?;

    println!("== revision --autogenerate -m \"names, emails, books\" --rename ex_authors.fullname=ex_authors.name");
    let models = [after::Author::table(), after::Book::table()];
    let options = CompareOptions {
        renames: vec![("ex_authors.fullname".into(), "ex_authors.name".into())],
        ..CompareOptions::default()
    };
    let (path, _) = m.revision(NewRevision {
        message: "names, emails, books".into(),
        autogenerate: Some((&models, options)),
        ..NewRevision::default()
    })?;
    show(&path)?;
    println!("== upgrade head");
    m.upgrade("head")?;
    let names: Vec<String> = text("SELECT name FROM ex_authors").all(&engine)?;
    println!("authors after the rename: {names:?}");
    println!("== check");
    println!("changes: {}", m.check(&models, &CompareOptions::default())?.upgrade.len());

    println!("== downgrade -1");
    m.downgrade("-1")?;
    let names: Vec<String> = text("SELECT fullname FROM ex_authors").all(&engine)?;
    println!("authors after the downgrade: {names:?}");
    println!("== downgrade base");
    m.downgrade("base")?;
    println!("current: {:?}", m.current()?);
    text("DROP TABLE orm_version").execute(&engine)?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
