//! Side-by-side timings of the `orm` crate against the raw drivers it is built on
//! (rusqlite and postgres), for the same operations on the same data, in one run.
//!
//! `cargo run --release -p orm-benches [-- --quick | --rows N --iters K --pg-url URL | --cases | --markdown]`
//!
//! For each backend (SQLite in memory; PostgreSQL if reachable, in a private schema
//! `bench_<pid>` that is dropped at the end) every operation runs once as a warm-up and then
//! `K` times, raw and orm variants interleaved round by round; the table shows the medians
//! and the ratio orm/raw. Resets and result checks (row counts, content fingerprints that
//! must agree between raw and orm) happen outside the timed regions.
//!
//! The Core bulk insert is compared twice: with a raw row-by-row prepared INSERT loop and,
//! as `bulk insert ... (batched)`, with raw multi-row INSERT statements carrying as many rows
//! each as the orm's statements do (both in one transaction).
//!
//! After each backend's table comes a relationship-loading table: 100 authors × 10 books
//! loaded lazily (N+1), with `joinedload`, `selectinload` and `subqueryload`, each against
//! a hand-written raw equivalent, with the number of statements each orm strategy ran.
//!
//! Then, per backend, Diesel's own benchmark cases (`diesel_cases.rs`): trivial select,
//! medium complex join, insert, and users → posts → comments, each timed raw, through the
//! Core API and through a session; the table shows the raw time per operation and the two
//! orm/raw ratios. `--cases` runs only these; `--markdown` prints their tables as Markdown.
//!
//! `--async` runs only the cost of the async session over the sync one (`async_overhead.rs`).
//!
//! The PostgreSQL runs keep the bench and a local server on one CPU (see `cpu_pin.rs`): a
//! round trip to the other vCPU of a small VM pays a wake-up that swamps a keyed lookup.

mod args;
mod async_overhead;
mod bench;
mod cpu_pin;
mod diesel_cases;
mod diesel_check;
mod diesel_group;
mod diesel_model;
mod diesel_orm;
mod diesel_pg;
mod diesel_raw;
mod diesel_report;
mod diesel_sqlite;
mod model;
mod orm_side;
mod pg_raw;
mod raw;
mod relations;
mod relations_model;
mod relations_orm;
mod relations_pg;
mod relations_raw;
mod relations_sqlite;
mod report;
mod sampling;
mod sqlite_raw;

use std::error::Error;

use orm::DialectKind;

use crate::args::Options;
use crate::bench::Settings;
use crate::diesel_cases::CaseLine;
use crate::orm_side::OrmSide;
use crate::pg_raw::PgRaw;
use crate::relations::RelationLine;
use crate::report::Line;
use crate::sqlite_raw::SqliteRaw;

fn main() -> Result<(), Box<dyn Error>> {
    let opts = match args::parse(std::env::args().skip(1), args::default_pg_url()) {
        Ok(Some(opts)) => opts,
        Ok(None) => {
            println!("{}", args::USAGE);
            return Ok(());
        }
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    if opts.async_only {
        return async_overhead::run(&opts.pg_url, opts.iters.max(5));
    }
    let settings = Settings { rows: opts.rows, iters: opts.iters };
    if !opts.cases_only {
        print_header(settings);
    }
    diesel_report::print_header(opts.plan);

    if !opts.cases_only {
        let (lines, relation_lines) = bench_sqlite(settings)?;
        report::print_table("SQLite (in-memory)", &lines);
        relations::print_table("SQLite (in-memory)", &relation_lines);
    }
    diesel_report::print_table("SQLite (in-memory)", &diesel_cases::run_sqlite(opts.plan)?, opts.markdown);

    // The raw side connects with `NoTls`; the orm's default (`sslmode=prefer`) would use TLS
    // against a server that offers it, so both sides run plaintext unless the URL says.
    let pg_url = if opts.pg_url.contains("sslmode=") {
        opts.pg_url.clone()
    } else {
        format!("{}{}sslmode=disable", opts.pg_url, if opts.pg_url.contains('?') { '&' } else { '?' })
    };
    if let Some(results) = bench_postgres(&pg_url, &opts)? {
        let backend = format!("PostgreSQL ({})", args::redact_url(&pg_url));
        if let Some((lines, relation_lines)) = results.tables {
            report::print_table(&backend, &lines);
            relations::print_table(&backend, &relation_lines);
        }
        diesel_report::print_table(&backend, &results.cases, opts.markdown);
    }
    Ok(())
}

/// One backend's results: the main table and the relationship table.
type BackendLines = (Vec<Line>, Vec<RelationLine>);

/// The PostgreSQL results: the tables above Diesel's cases (unless `--cases`), and those.
struct PgResults {
    /// The main and relationship tables (`None` with `--cases`).
    tables: Option<BackendLines>,
    /// Diesel's cases.
    cases: Vec<CaseLine>,
}

/// What was measured and how.
fn print_header(settings: Settings) {
    println!(
        "orm-benches: {} rows, {} lookups; median of {} timed iterations after 1 warm-up",
        settings.rows,
        settings.lookups(),
        settings.iters
    );
    println!("raw baselines (same table definition, same data; on PostgreSQL the same server and table):");
    println!("  insert:       one transaction, one prepared single-row INSERT executed per row");
    println!(
        "  bulk insert:  one transaction, multi-row INSERT ... VALUES (..), (..) statements of the orm's own \
         batch size (SQLite {} rows, PostgreSQL {} rows), prepared once per row count",
        orm_side::rows_per_statement(DialectKind::Sqlite),
        orm_side::rows_per_statement(DialectKind::Postgres)
    );
    println!("  load:         prepared SELECT of all rows into a Vec of plain structs");
    println!("  get:          prepared SELECT ... WHERE id = ? per key (distinct keys, scattered order)");
    println!("relationship loading (every author with its books, grouped into Vec<(author, Vec<book>)>):");
    println!("  lazy:         SELECT authors, then a prepared SELECT ... WHERE author_id = ? per author");
    println!("  joinedload:   one SELECT ... FROM authors LEFT OUTER JOIN books");
    println!("  selectinload: SELECT authors, then SELECT ... WHERE author_id IN (one placeholder per author)");
    println!("  subqueryload: SELECT authors, then SELECT ... WHERE author_id IN (SELECT id FROM authors)");
    println!("  orm statements are counted (untimed) on a second engine with a before_execute hook");
}

/// SQLite: a plain `rusqlite` connection to an in-memory memdb database against
/// `Engine::connect("sqlite::memory:")` (which is a pool over such a database, each checkout probed with `SELECT 1`:
/// that is part of what the orm column measures).
fn bench_sqlite(settings: Settings) -> Result<BackendLines, Box<dyn Error>> {
    let mut raw = SqliteRaw::open()?;
    let orm = OrmSide::sqlite()?;
    let lines = bench::run(&mut raw, &orm, settings)?;
    Ok((lines, relations::run_sqlite(settings.iters)?))
}

/// PostgreSQL, or `None` (after a `SKIPPED` message) when the server does not answer.
fn bench_postgres(url: &str, opts: &Options) -> Result<Option<PgResults>, Box<dyn Error>> {
    let client = match pg_raw::connect(url) {
        Ok(c) => c,
        Err(e) => {
            let message = format!("server unreachable at {} ({})", args::redact_url(url), error_chain(&e));
            if std::env::var("ORM_REQUIRE_PG").is_ok_and(|v| v == "1") {
                return Err(format!("postgres is required (ORM_REQUIRE_PG=1): {message}").into());
            }
            println!();
            println!("SKIPPED postgres: {message}");
            return Ok(None);
        }
    };
    let schema = pg_raw::schema_name();
    let mut raw = PgRaw::setup(client, &schema)?;
    // Before the orm's connections exist: their backends inherit the postmaster's CPU.
    let pinned = cpu_pin::pin_with_server(raw.client());
    println!();
    println!("PostgreSQL: {}", pinned.note);
    let result = run_postgres(&mut raw, url, &schema, opts);
    raw.finish()?;
    drop(pinned);
    result.map(Some)
}

/// Everything measured on PostgreSQL, in `schema`. The orm engines (and their pooled
/// connections) are gone when this returns, before the schema is dropped.
fn run_postgres(raw: &mut PgRaw, url: &str, schema: &str, opts: &Options) -> Result<PgResults, Box<dyn Error>> {
    let tables = if opts.cases_only {
        None
    } else {
        let settings = Settings { rows: opts.rows, iters: opts.iters };
        let lines = bench::run(raw, &OrmSide::postgres(url, schema)?, settings)?;
        Some((lines, relations::run_postgres(raw.client(), url, schema, settings.iters)?))
    };
    let cases = diesel_cases::run_postgres(raw.client(), url, schema, opts.plan)?;
    Ok(PgResults { tables, cases })
}

/// An error and its sources, `: `-separated (postgres' own message is terse).
fn error_chain(e: &dyn Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
