//! The relationship section: [`AUTHORS`] authors × [`BOOKS_PER_AUTHOR`] books loaded with
//! each [`Strategy`], orm against a hand-written raw equivalent, interleaved round by round
//! after an untimed warm-up round, every result checked (untimed) against the raw one.

use std::time::Duration;

use postgres::Client;

use crate::bench::{check, time};
use crate::raw::BenchResult;
use crate::relations_model::{TreeCheck, AUTHORS, BOOKS_PER_AUTHOR};
use crate::relations_orm::{OrmRelations, StatementCount};
use crate::relations_pg::PgRelations;
use crate::relations_raw::{RawRelations, Strategy};
use crate::relations_sqlite::SqliteRelations;
use crate::report::{format_duration, median, print_grid};

/// The result of one strategy.
#[derive(Debug, Clone)]
pub(crate) struct RelationLine {
    /// What was loaded how.
    pub(crate) strategy: Strategy,
    /// Median of the raw runs.
    pub(crate) raw: Duration,
    /// Median of the orm runs.
    pub(crate) orm: Duration,
    /// Statements one orm load ran.
    pub(crate) statements: StatementCount,
}

/// SQLite: a private rusqlite in-memory database against the orm's in-memory engines,
/// each with the same tables and data.
pub(crate) fn run_sqlite(iters: usize) -> BenchResult<Vec<RelationLine>> {
    let orm = OrmRelations::sqlite()?;
    let mut raw = SqliteRelations::open()?;
    run(&mut raw, &orm, iters)
}

/// PostgreSQL: the orm creates and fills the tables in `schema` (the benchmark client's
/// `search_path`, dropped at the end with everything in it); the raw side reads the same
/// tables through `client`.
pub(crate) fn run_postgres(
    client: &mut Client,
    url: &str,
    schema: &str,
    iters: usize,
) -> BenchResult<Vec<RelationLine>> {
    let orm = OrmRelations::postgres(url, schema)?;
    let mut raw = PgRelations::prepare(client)?;
    run(&mut raw, &orm, iters)
}

/// Every strategy on one backend.
fn run(raw: &mut dyn RawRelations, orm: &OrmRelations, iters: usize) -> BenchResult<Vec<RelationLine>> {
    Strategy::ALL.into_iter().map(|s| run_strategy(raw, orm, s, iters)).collect()
}

/// One strategy: `iters` timed rounds after a warm-up round, plus one untimed load on the
/// counting engine.
fn run_strategy(
    raw: &mut dyn RawRelations,
    orm: &OrmRelations,
    strategy: Strategy,
    iters: usize,
) -> BenchResult<RelationLine> {
    let label = strategy.label();
    let (mut t_raw, mut t_orm) = (Vec::with_capacity(iters), Vec::with_capacity(iters));
    let mut want = TreeCheck::default();
    for round in 0..=iters {
        let (tree, raw_time) = time(|| raw.load(strategy))?;
        want = TreeCheck::of_raw(&tree)?;
        check(&format!("raw {label}: authors"), want.authors, AUTHORS)?;
        check(&format!("raw {label}: books"), want.books, AUTHORS * BOOKS_PER_AUTHOR)?;
        drop(tree);

        let (objs, orm_time) = time(|| orm.load(strategy))?;
        check(&format!("orm {label} vs raw"), TreeCheck::of_objects(&objs)?, want)?;
        drop(objs);

        if round > 0 {
            t_raw.push(raw_time);
            t_orm.push(orm_time);
        }
    }
    let (objs, statements) = orm.load_counted(strategy)?;
    check(&format!("orm {label} (counting engine) vs raw"), TreeCheck::of_objects(&objs)?, want)?;
    Ok(RelationLine { strategy, raw: median(&t_raw), orm: median(&t_orm), statements })
}

/// `orm / raw` statement counts, e.g. `101 / 101` or `2 (+2 tx) / 2`.
fn statements_cell(line: &RelationLine) -> String {
    let s = line.statements;
    let tx = if s.transaction > 0 { format!(" (+{} tx)", s.transaction) } else { String::new() };
    format!("{}{tx} / {}", s.queries, line.strategy.statements())
}

/// Print one backend's relationship table, with notes on the statement counts below it.
pub(crate) fn print_table(backend: &str, lines: &[RelationLine]) {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            let ratio = if l.raw.is_zero() { f64::NAN } else { l.orm.as_secs_f64() / l.raw.as_secs_f64() };
            vec![
                l.strategy.label().to_owned(),
                l.strategy.orm_call().to_owned(),
                statements_cell(l),
                format_duration(l.raw),
                format_duration(l.orm),
                format!("{ratio:.2}x"),
            ]
        })
        .collect();
    print_grid(
        &format!("{backend}: relationship loading, {AUTHORS} authors × {BOOKS_PER_AUTHOR} books"),
        &[
            "strategy",
            "orm call (fresh session each)",
            "statements orm / raw",
            "raw (median)",
            "orm (median)",
            "orm/raw",
        ],
        &rows,
        2,
    );
    let mut notes: Vec<String> = lines
        .iter()
        .filter(|l| l.statements.queries != l.strategy.statements())
        .map(|l| {
            format!(
                "note: orm {} ran {} statements, the raw side {}.",
                l.strategy.label(),
                l.statements.queries,
                l.strategy.statements()
            )
        })
        .collect();
    if lines.iter().any(|l| l.statements.transaction > 0) {
        notes.insert(0, "tx: BEGIN / ROLLBACK of the session's read transaction (not counted as statements).".into());
    }
    if !notes.is_empty() {
        println!();
        for n in notes {
            println!("{n}");
        }
    }
}
