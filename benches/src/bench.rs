//! The runner: each operation on the raw side and the orm side, interleaved round by round,
//! with an untimed warm-up round first and untimed result checks after every run.

use std::time::{Duration, Instant};

use crate::model::{sample_rows, BenchUser, Fingerprint};
use crate::orm_side::{OrmSide, GETS_PER_SESSION};
use crate::raw::{BenchResult, RawBackend, RawUser};
use crate::report::{median, Line};

/// How much work one run does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// Rows inserted and loaded.
    pub(crate) rows: usize,
    /// Timed rounds (after one warm-up round); the table shows their median.
    pub(crate) iters: usize,
}

impl Settings {
    /// Keyed lookups per run: a tenth of the rows, at least one.
    pub(crate) fn lookups(&self) -> usize {
        (self.rows / 10).max(1)
    }
}

/// Run `f` and measure it.
pub(crate) fn time<T>(f: impl FnOnce() -> BenchResult<T>) -> BenchResult<(T, Duration)> {
    let start = Instant::now();
    let out = f()?;
    Ok((out, start.elapsed()))
}

/// The samples of the raw side and two orm variants of one operation.
#[derive(Debug, Default)]
struct Samples {
    raw: Vec<Duration>,
    orm_a: Vec<Duration>,
    orm_b: Vec<Duration>,
}

impl Samples {
    /// Keep one round's times, unless it is the warm-up round (round 0).
    fn record(&mut self, round: usize, raw: Duration, orm_a: Duration, orm_b: Duration) {
        if round > 0 {
            self.raw.push(raw);
            self.orm_a.push(orm_a);
            self.orm_b.push(orm_b);
        }
    }

    /// The two table lines (both orm variants against the same raw baseline).
    fn lines(&self, operation: &str, variants: [&str; 2]) -> [Line; 2] {
        let raw = median(&self.raw);
        let line = |variant: &str, orm: &[Duration]| Line {
            operation: operation.to_owned(),
            variant: variant.to_owned(),
            raw,
            orm: median(orm),
        };
        [line(variants[0], &self.orm_a), line(variants[1], &self.orm_b)]
    }
}

/// Fail unless `got == want`.
pub(crate) fn check<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> BenchResult<()> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, expected {want:?}").into())
    }
}

/// Every operation on one backend; returns the table lines.
pub(crate) fn run(raw: &mut dyn RawBackend, orm: &OrmSide, settings: Settings) -> BenchResult<Vec<Line>> {
    let data = sample_rows(settings.rows);
    let mut lines = Vec::new();
    lines.extend(insert(raw, orm, &data, settings.iters)?);
    populate(raw, orm, &data)?;
    lines.extend(load(raw, orm, settings)?);
    lines.extend(get_by_key(raw, orm, settings)?);
    Ok(lines)
}

/// The inserts, on an empty table each, interleaved round by round:
///
/// * `insert N rows (raw: row by row)`: a raw prepared single-row INSERT executed per row
///   (one transaction), against the session (tracked, row by row) and Core bulk insert;
/// * `bulk insert N rows (batched)`: Core bulk insert against raw multi-row INSERT statements
///   of the same number of rows per statement as the orm's (one transaction).
///
/// One Core bulk insert sample per round serves both comparisons.
fn insert(raw: &mut dyn RawBackend, orm: &OrmSide, data: &[BenchUser], iters: usize) -> BenchResult<[Line; 3]> {
    let n = i64::try_from(data.len())?;
    let batch = orm.rows_per_statement();
    let mut samples = Samples::default();
    let mut raw_batched = Vec::with_capacity(iters);
    for round in 0..=iters {
        raw.reset()?;
        let ((), t_raw) = time(|| raw.insert(data))?;
        check("raw insert: row count", raw.count()?, n)?;

        orm.reset()?;
        let ((), t_session) = time(|| orm.insert_session(data))?;
        check("orm session insert: row count", orm.count()?, n)?;

        // The two batched inserts back to back.
        raw.reset()?;
        let ((), t_raw_batched) = time(|| raw.insert_batched(data, batch))?;
        check("raw batched insert: row count", raw.count()?, n)?;

        orm.reset()?;
        let ((), t_bulk) = time(|| orm.insert_bulk(data))?;
        check("orm bulk insert: row count", orm.count()?, n)?;

        samples.record(round, t_raw, t_session, t_bulk);
        if round > 0 {
            raw_batched.push(t_raw_batched);
        }
    }
    let [session, core] = samples.lines(
        &format!("insert {} rows (raw: row by row)", data.len()),
        ["Session: add() each + commit()", "Core: insert().values_many()"],
    );
    let batched = Line {
        operation: format!("bulk insert {} rows (batched)", short_count(data.len())),
        variant: format!("Core: insert().values_many() ({batch} rows/statement)"),
        raw: median(&raw_batched),
        orm: core.orm,
    };
    Ok([session, core, batched])
}

/// `10000` as `10k` (a multiple of 1000), other counts as they are.
fn short_count(n: usize) -> String {
    if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

/// Fill the table(s) with `data` for the read benchmarks. On PostgreSQL both sides share
/// one table, so the orm's reset empties what the raw side wrote; either way the table
/// holds exactly `data`, with ids 1..=N.
fn populate(raw: &mut dyn RawBackend, orm: &OrmSide, data: &[BenchUser]) -> BenchResult<()> {
    raw.reset()?;
    raw.insert(data)?;
    orm.reset()?;
    orm.insert_bulk(data)?;
    let n = i64::try_from(data.len())?;
    check("populate: raw row count", raw.count()?, n)?;
    check("populate: orm row count", orm.count()?, n)
}

/// `load N rows`: raw prepared SELECT into plain structs, against Core `select_model` and a
/// session query. Results are fingerprinted (untimed) and must agree.
fn load(raw: &mut dyn RawBackend, orm: &OrmSide, settings: Settings) -> BenchResult<[Line; 2]> {
    let mut samples = Samples::default();
    for round in 0..=settings.iters {
        let (rows, t_raw) = time(|| raw.load())?;
        let want = RawUser::fingerprint(&rows);
        check("raw load: rows", want.rows, settings.rows)?;
        drop(rows);

        let (models, t_core) = time(|| orm.load_core())?;
        check("orm core load vs raw", Fingerprint::of_models(&models), want)?;
        drop(models);

        let (objs, t_session) = time(|| orm.load_session())?;
        check("orm session load vs raw", Fingerprint::of_objects(&objs), want)?;
        drop(objs);

        samples.record(round, t_raw, t_core, t_session);
    }
    Ok(samples.lines(&format!("load {} rows", settings.rows), ["Core: select_model().all()", "Session: query().all()"]))
}

/// `count` distinct existing keys in a scattered order: `ids[(j * p) % len]` for a prime
/// stride `p` that does not divide `len` (so the walk visits distinct ids).
fn pick_keys(ids: &[i64], count: usize) -> Vec<i64> {
    let len = ids.len();
    if len == 0 {
        return Vec::new();
    }
    let stride = [7919, 7907, 7901].into_iter().find(|p| !len.is_multiple_of(*p)).unwrap_or(1);
    (0..count.min(len)).map(|j| ids[(j * stride) % len]).collect()
}

/// `get by key`: a prepared keyed SELECT per key, against Core `select_model` on one
/// checked-out connection and `Session::get` (fresh session per [`GETS_PER_SESSION`]).
fn get_by_key(raw: &mut dyn RawBackend, orm: &OrmSide, settings: Settings) -> BenchResult<[Line; 2]> {
    let mut ids: Vec<i64> = raw.load()?.iter().map(|u| u.id).collect();
    ids.sort_unstable();
    check("ids seen by raw and orm", &ids, &orm.ids()?)?;
    let keys = pick_keys(&ids, settings.lookups());

    let mut samples = Samples::default();
    for round in 0..=settings.iters {
        let (rows, t_raw) = time(|| raw.get_each(&keys))?;
        let want = RawUser::fingerprint(&rows);
        check("raw get: rows", want.rows, keys.len())?;

        let (models, t_core) = time(|| orm.get_each_core(&keys))?;
        check("orm core get vs raw", Fingerprint::of_models(&models), want)?;

        let (objs, t_session) = time(|| orm.get_each_session(&keys))?;
        check("orm session get vs raw", Fingerprint::of_objects(&objs), want)?;

        samples.record(round, t_raw, t_core, t_session);
    }
    Ok(samples.lines(
        &format!("get by key ({} lookups)", keys.len()),
        [
            "Core: select_model().filter(id.eq(k)).first(&mut conn)",
            &format!("Session: get(k), new session per {GETS_PER_SESSION} gets"),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::{pick_keys, short_count};

    #[test]
    fn counts_in_thousands_are_shortened() {
        assert_eq!(short_count(10_000), "10k");
        assert_eq!(short_count(1000), "1k");
        assert_eq!(short_count(1500), "1500");
        assert_eq!(short_count(500), "500");
    }

    #[test]
    fn picked_keys_are_distinct_and_existing() {
        for len in [1_usize, 10, 7919, 10_000, 12_345] {
            let ids: Vec<i64> = (1..=i64::try_from(len).unwrap()).collect();
            let mut keys = pick_keys(&ids, (len / 10).max(1));
            assert_eq!(keys.len(), (len / 10).max(1));
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), (len / 10).max(1), "len {len}");
            assert!(keys.iter().all(|k| ids.contains(k)));
        }
    }
}
