//! Which multi-row INSERT size is fastest on SQLite, per row width: raw `rusqlite` on an
//! in-memory database, no orm code involved.
//! `cargo run --release -p orm-benches --example sqlite_batch [-- mix [W B [samples]]]`.
//!
//! For each width W (written columns; by default text of 12 characters, integer and float in
//! turn) the same rows are inserted with statements of `r` rows each, `INSERT INTO t_W (c1,
//! ..) VALUES (?, ..), (?, ..)`, prepared through `prepare_cached` (one text per row count:
//! the last, shorter statement is a text of its own), bound from borrowed values, inside one
//! `BEGIN` .. `COMMIT`; the table is emptied afterwards (untimed). `r` comes from a rule
//! ([`Rule`]): a parameter budget B (`max(1, B / W)` rows, as the orm's SQLite dialect does
//! with B = 300), a fixed row count, or a budget that also caps the text values per statement;
//! all are capped by SQLite's 32,766 parameters.
//!
//! Three scenarios, each a warm-up round and then [`REPS`] rounds in which every row count is
//! timed once (in an order rotated from round to round, so that no row count always runs
//! first): 20,000 rows in one transaction; 1,000-row inserts (what a web request inserts; 20
//! transactions per sample) with the statements already prepared; and the same with the
//! statement cache flushed before each insert, so that preparing the statements counts.
//! Printed: the median time per row (ns) per width and budget, and per width the fastest row
//! count and how much slower than it each rule of [`RULES`] is.
//!
//! `mix` picks the column types ([`Mix`]: `mixed`, the default, `text`, `long`, `integer`,
//! `real`). With `W B` after it, only width W at budget B is timed (20,000 rows in one
//! transaction, 20 samples unless told), for a profiler or `valgrind --tool=cachegrind`.
//!
//! What shapes the curve: rusqlite binds text and blobs as `SQLITE_TRANSIENT`, so SQLite
//! copies each bound value into memory of its own, which comes from the connection's
//! lookaside allocator (by default 93 slots of 128 bytes and 30 of 1,200) while there is a
//! free slot, and from `malloc` (and SQLite's memory mutex) after that. Past about 120
//! short text values per statement every further one costs a `malloc` / `free`.

use std::error::Error;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

/// Row widths measured (columns written; the table also has an `INTEGER PRIMARY KEY`).
const WIDTHS: [usize; 5] = [3, 5, 10, 15, 20];
/// Parameter budgets measured: `max(1, B / W)` rows per statement (150, 250, 350 and 400
/// added around today's 300, where the curve turns).
const BUDGETS: [usize; 15] = [50, 100, 150, 200, 250, 300, 350, 400, 500, 1000, 2000, 4000, 8000, 16000, 32000];
/// Fixed row counts measured as well (rules that ignore the width).
const FIXED_ROWS: [usize; 4] = [50, 100, 200, 500];
/// The rules the summary compares with the fastest row count of each width.
const RULES: [Rule; 10] = [
    CURRENT,
    Rule::Budget(150),
    Rule::Budget(200),
    Rule::Budget(250),
    Rule::Budget(400),
    Rule::Budget(1000),
    Rule::Budget(32000),
    Rule::Rows(100),
    Rule::TextCap { budget: 300, texts: 100 },
    Rule::TextCap { budget: 200, texts: 100 },
];
/// The rule the orm's SQLite dialect uses today.
const CURRENT: Rule = Rule::Budget(300);
/// Timed rounds per scenario (after one warm-up round).
const REPS: usize = 7;
/// Rows inserted per sample.
const ROWS_PER_SAMPLE: usize = 20_000;
/// SQLite's bound-parameter limit (`SQLITE_MAX_VARIABLE_NUMBER` of the bundled library).
const MAX_PARAMS: usize = 32_766;
/// Statements the connection caches: enough for every text of every scenario, so that a
/// statement once prepared stays prepared (the orm caches 256 per connection).
const STATEMENT_CACHE: usize = 1024;

/// How many rows one statement carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// `max(1, budget / width)` rows.
    Budget(usize),
    /// This many rows, whatever the width.
    Rows(usize),
    /// `budget / width` rows, but no more than `texts` text values per statement.
    TextCap {
        /// Parameters per statement.
        budget: usize,
        /// Text values per statement.
        texts: usize,
    },
}

impl Rule {
    /// Rows per statement for rows of `width` columns, `text` of them text, under SQLite's
    /// parameter limit.
    fn rows(self, width: usize, text: usize) -> usize {
        let rows = match self {
            Rule::Budget(b) => b / width,
            Rule::Rows(r) => r,
            Rule::TextCap { budget, texts } => (budget / width).min(texts.checked_div(text).unwrap_or(usize::MAX)),
        };
        rows.min(MAX_PARAMS / width).max(1)
    }

    /// The rule's name in the report.
    fn label(self) -> String {
        match self {
            Rule::Budget(b) => format!("B={b}"),
            Rule::Rows(r) => format!("R={r}"),
            Rule::TextCap { budget, texts } => format!("{budget}/T{texts}"),
        }
    }
}

/// One way of running the inserts.
#[derive(Debug, Clone, Copy)]
struct Scenario {
    /// Heading of its tables.
    name: &'static str,
    /// Rows per transaction (a sample is [`ROWS_PER_SAMPLE`] rows, in as many transactions).
    rows_per_insert: usize,
    /// Whether the statement cache is flushed before each transaction.
    cold: bool,
}

/// The scenarios, in the order they run.
const SCENARIOS: [Scenario; 3] = [
    Scenario { name: "20,000 rows in one transaction, statements cached", rows_per_insert: 20_000, cold: false },
    Scenario { name: "1,000-row inserts (20 per sample), statements cached", rows_per_insert: 1_000, cold: false },
    Scenario {
        name: "1,000-row inserts (20 per sample), cache flushed before each (preparation counted)",
        rows_per_insert: 1_000,
        cold: true,
    },
];

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `TEXT`.
    Text,
    /// `INTEGER`.
    Integer,
    /// `REAL`.
    Real,
}

/// The column types of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mix {
    /// Text (12 characters), integer and float columns in turn (`c1` text, `c2` integer, ..).
    Mixed,
    /// Text columns only (12 characters).
    Text,
    /// Text columns only (200 characters: too long for SQLite's small lookaside slots).
    Long,
    /// Integer columns only.
    Integer,
    /// Float columns only.
    Real,
}

impl Mix {
    /// The mix a command-line word names.
    fn parse(word: &str) -> Result<Mix, String> {
        Ok(match word {
            "mixed" => Mix::Mixed,
            "text" => Mix::Text,
            "long" => Mix::Long,
            "integer" => Mix::Integer,
            "real" => Mix::Real,
            other => return Err(format!("unknown column mix {other:?} (mixed, text, long, integer, real)")),
        })
    }

    /// The type of column `c` (from 1).
    fn kind(self, c: usize) -> Kind {
        match self {
            Mix::Mixed => [Kind::Text, Kind::Integer, Kind::Real][(c - 1) % 3],
            Mix::Text | Mix::Long => Kind::Text,
            Mix::Integer => Kind::Integer,
            Mix::Real => Kind::Real,
        }
    }
}

/// A table of one width and its rows.
#[derive(Debug)]
struct Table {
    /// Columns written.
    width: usize,
    /// How many of them are text.
    text: usize,
    /// [`ROWS_PER_SAMPLE`] rows of `width` values, one after the other.
    values: Vec<Value>,
    /// `DELETE FROM t_W`.
    delete: String,
}

impl Table {
    /// Rows per statement under `rule`.
    fn rows(&self, rule: Rule) -> usize {
        rule.rows(self.width, self.text)
    }
}

/// Create `t_W` with columns of `mix` and the values of its rows.
fn table(conn: &Connection, width: usize, mix: Mix) -> rusqlite::Result<Table> {
    let mut ddl = format!("CREATE TABLE t_{width} (id INTEGER PRIMARY KEY");
    for c in 1..=width {
        let ty = match mix.kind(c) {
            Kind::Text => "TEXT",
            Kind::Integer => "INTEGER",
            Kind::Real => "REAL",
        };
        let _ = write!(ddl, ", c{c} {ty}");
    }
    ddl.push(')');
    conn.execute_batch(&ddl)?;
    let pad = if mix == Mix::Long { "x".repeat(188) } else { String::new() };
    let mut values = Vec::with_capacity(ROWS_PER_SAMPLE * width);
    for i in 0..ROWS_PER_SAMPLE {
        let n = i64::try_from(i).unwrap_or(i64::MAX);
        for c in 1..=width {
            values.push(match mix.kind(c) {
                Kind::Text => Value::Text(format!("v{c:02}-{i:08}{pad}")),
                Kind::Integer => Value::Integer(n * 7919 % 1_000_003 + i64::try_from(c).unwrap_or(0)),
                Kind::Real => Value::Real(n as f64 * 0.37 + c as f64),
            });
        }
    }
    let text = (1..=width).filter(|&c| mix.kind(c) == Kind::Text).count();
    Ok(Table { width, text, values, delete: format!("DELETE FROM t_{width}") })
}

/// The statement texts of one insert: of `rows` rows, and of the shorter last statement.
#[derive(Debug)]
struct Texts {
    /// Rows per statement.
    rows: usize,
    /// The text of a statement of `rows` rows.
    full: String,
    /// The text of the last statement (empty when `rows` divides the insert).
    rest: String,
}

/// `INSERT INTO t_W (c1, .., cW) VALUES (?, ..), ..` of `rows` rows.
fn insert_sql(width: usize, rows: usize) -> String {
    let mut sql = format!("INSERT INTO t_{width} (");
    for c in 1..=width {
        let _ = write!(sql, "{}c{c}", if c == 1 { "" } else { ", " });
    }
    sql.push_str(") VALUES ");
    let row = format!("({})", vec!["?"; width].join(", "));
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&row);
    }
    sql
}

/// The texts inserting `total` rows of `width` columns, `rows` per statement.
fn texts(width: usize, rows: usize, total: usize) -> Texts {
    let rows = rows.min(total);
    let rest = total % rows;
    Texts { rows, full: insert_sql(width, rows), rest: if rest == 0 { String::new() } else { insert_sql(width, rest) } }
}

/// Insert `values` (whole rows of `width` values) in one transaction, `texts.rows` rows per
/// statement; returns the time from `BEGIN` to the end of `COMMIT`.
fn insert(conn: &Connection, width: usize, values: &[Value], texts: &Texts) -> rusqlite::Result<Duration> {
    let start = Instant::now();
    conn.execute_batch("BEGIN")?;
    for chunk in values.chunks(texts.rows * width) {
        let sql = if chunk.len() == texts.rows * width { &texts.full } else { &texts.rest };
        let mut stmt = conn.prepare_cached(sql)?;
        stmt.execute(params_from_iter(chunk))?;
    }
    conn.execute_batch("COMMIT")?;
    Ok(start.elapsed())
}

/// One sample: [`ROWS_PER_SAMPLE`] rows of `table`, in transactions of the scenario's size
/// (each followed by an untimed `DELETE`); returns nanoseconds per row.
fn sample(conn: &Connection, table: &Table, scenario: Scenario, texts: &Texts) -> rusqlite::Result<f64> {
    let mut total = Duration::ZERO;
    for part in table.values.chunks(scenario.rows_per_insert * table.width) {
        if scenario.cold {
            conn.flush_prepared_statement_cache();
        }
        total += insert(conn, table.width, part, texts)?;
        conn.execute(&table.delete, [])?;
    }
    Ok(total.as_secs_f64() * 1e9 / ROWS_PER_SAMPLE as f64)
}

/// The median of `xs` (not empty).
fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The distinct row counts measured for `table` in inserts of `total` rows: those of the
/// budgets, the fixed counts and the rules (no more than `total`).
fn row_counts(table: &Table, total: usize) -> Vec<usize> {
    let mut rows: Vec<usize> = BUDGETS
        .iter()
        .map(|&b| Rule::Budget(b))
        .chain(FIXED_ROWS.iter().map(|&r| Rule::Rows(r)))
        .chain(RULES)
        .map(|rule| table.rows(rule).min(total))
        .collect();
    rows.sort_unstable();
    rows.dedup();
    rows
}

/// The medians of one scenario: per table, (rows per statement, median ns per row) for each
/// row count measured.
type Medians = Vec<Vec<(usize, f64)>>;

/// Run one scenario: a warm-up round, then [`REPS`] rounds.
fn run(conn: &Connection, tables: &[Table], scenario: Scenario) -> rusqlite::Result<(Medians, f64)> {
    let plans: Vec<Vec<Texts>> = tables
        .iter()
        .map(|t| {
            row_counts(t, scenario.rows_per_insert)
                .into_iter()
                .map(|r| texts(t.width, r, scenario.rows_per_insert))
                .collect()
        })
        .collect();
    let mut samples: Vec<Vec<Vec<f64>>> = plans.iter().map(|p| vec![Vec::with_capacity(REPS); p.len()]).collect();
    for round in 0..=REPS {
        for (t, table) in tables.iter().enumerate() {
            let n = plans[t].len();
            for k in 0..n {
                let i = (k + round) % n;
                let ns = sample(conn, table, scenario, &plans[t][i])?;
                if round > 0 {
                    samples[t][i].push(ns);
                }
            }
        }
    }
    // Within-run noise: the median over cells of (max - min) / median.
    let mut spreads = Vec::new();
    let medians = samples
        .iter()
        .zip(&plans)
        .map(|(cells, plan)| {
            cells
                .iter()
                .zip(plan)
                .map(|(xs, texts)| {
                    let m = median(xs);
                    let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
                    spreads.push((hi - lo) / m);
                    (texts.rows, m)
                })
                .collect()
        })
        .collect();
    Ok((medians, median(&spreads)))
}

/// The median of `rows` rows per statement of table `t`.
fn at(medians: &Medians, t: usize, rows: usize) -> f64 {
    medians[t].iter().find(|(r, _)| *r == rows).map_or(f64::NAN, |(_, m)| *m)
}

/// Print a scenario's tables.
fn report(scenario: Scenario, tables: &[Table], medians: &Medians, spread: f64) {
    println!("\n== {} ==", scenario.name);
    println!(
        "median ns per row over {REPS} samples; within-run spread (max-min)/median, median over cells: {:.1}%",
        spread * 100.0
    );
    let rows = |table: &Table, rule: Rule| table.rows(rule).min(scenario.rows_per_insert);
    print!("{:>4}", "W");
    for b in BUDGETS {
        print!("{:>8}", format!("B={b}"));
    }
    println!();
    for (t, table) in tables.iter().enumerate() {
        print!("{:>4}", table.width);
        for b in BUDGETS {
            print!("{:>8.0}", at(medians, t, rows(table, Rule::Budget(b))));
        }
        println!();
    }
    println!("fastest row count per width (rows/parameters), and how much slower (%) each rule is:");
    print!("{:>4} {:>18}", "W", "fastest");
    for rule in RULES {
        print!("{:>9}", rule.label());
    }
    println!();
    for (t, table) in tables.iter().enumerate() {
        let (best_rows, best) = medians[t].iter().copied().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or((0, f64::NAN));
        print!("{:>4} {:>18}", table.width, format!("{best_rows}r/{}p {best:.0}ns", best_rows * table.width));
        for rule in RULES {
            let m = at(medians, t, rows(table, rule));
            print!("{:>9}", format!("{:+.1}", (m / best - 1.0) * 100.0));
        }
        println!();
    }
}

/// Time width `width` at budget `budget` only: `samples` samples of the first scenario.
fn one(conn: &Connection, mix: Mix, width: usize, budget: usize, samples: usize) -> rusqlite::Result<()> {
    let table = table(conn, width, mix)?;
    let texts = texts(width, table.rows(Rule::Budget(budget)), ROWS_PER_SAMPLE);
    let ns: Vec<f64> =
        (0..samples).map(|_| sample(conn, &table, SCENARIOS[0], &texts)).collect::<rusqlite::Result<_>>()?;
    println!("W={width} B={budget} {mix:?} ({} rows per statement): median {:.0} ns per row", texts.rows, median(&ns));
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let conn = Connection::open_in_memory()?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mix = args.first().map(|m| Mix::parse(m)).transpose()?.unwrap_or(Mix::Mixed);
    if let [_, width, budget, rest @ ..] = &args[..] {
        let samples = rest.first().map(|s| s.parse()).transpose()?.unwrap_or(20);
        return Ok(one(&conn, mix, width.parse()?, budget.parse()?, samples)?);
    }
    let tables = WIDTHS.iter().map(|&w| table(&conn, w, mix)).collect::<rusqlite::Result<Vec<_>>>()?;
    println!(
        "SQLite {}, columns {mix:?}, {ROWS_PER_SAMPLE} rows per sample, {REPS} samples after a warm-up round",
        rusqlite::version()
    );
    println!("rows per statement (W x B), and rows / text values per statement under the rules:");
    for table in &tables {
        let rows: String = BUDGETS.iter().map(|&b| format!("{:>6}", table.rows(Rule::Budget(b)))).collect();
        let rules: Vec<String> = RULES
            .iter()
            .filter(|rule| !matches!(rule, Rule::Budget(_)))
            .chain([&CURRENT])
            .map(|&rule| format!("{} {}r/{}t", rule.label(), table.rows(rule), table.rows(rule) * table.text))
            .collect();
        println!("  W={:<3}{rows}   {}", table.width, rules.join(", "));
    }
    for scenario in SCENARIOS {
        let start = Instant::now();
        let (medians, spread) = run(&conn, &tables, scenario)?;
        report(scenario, &tables, &medians, spread);
        println!("({:.1} s)", start.elapsed().as_secs_f64());
    }
    Ok(())
}
