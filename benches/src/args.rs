//! Command-line options.

use crate::sampling::Plan;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    /// Rows inserted and loaded (`--rows`, default 10000).
    pub(crate) rows: usize,
    /// Timed iterations per operation (`--iters`, default 5).
    pub(crate) iters: usize,
    /// PostgreSQL server (`--pg-url`, default `$ORM_TEST_PG_URL` or a local server).
    pub(crate) pg_url: String,
    /// Only Diesel's cases, not the tables before them (`--cases`).
    pub(crate) cases_only: bool,
    /// Print the Diesel case tables as Markdown (`--markdown`).
    pub(crate) markdown: bool,
    /// How Diesel's cases are sampled ([`Plan::QUICK`] with `--quick`).
    pub(crate) plan: Plan,
    /// Only the async-against-sync table (`--async`).
    pub(crate) async_only: bool,
}

/// The text printed for `--help`.
pub(crate) const USAGE: &str = "\
usage: orm-benches [--quick] [--rows N] [--iters K] [--pg-url URL] [--cases] [--markdown] [--async]

Times each operation with the orm and with the raw driver (rusqlite / postgres) and prints
the medians side by side, for SQLite in memory and, if reachable, PostgreSQL: first insert,
load and get-by-key and relationship loading, then Diesel's own benchmark cases (trivial
select, medium complex join, insert, users -> posts -> comments) through Core and Session.

  --rows N       rows to insert and load (default 10000); lookups are N/10
  --iters K      timed iterations per operation, after one warm-up (default 5)
  --quick        smoke test: --rows 1000 --iters 2, Diesel's cases 3 samples of ~2 ms
                 (default 9 samples of ~20 ms); explicit --rows / --iters still win
  --pg-url URL   PostgreSQL server (default $ORM_TEST_PG_URL, else
                 postgres://postgres@127.0.0.1:5432/test)
  --cases        only Diesel's cases (skip the tables before them)
  --markdown     print the Diesel case tables as Markdown (for the README)
  --async        only the cost of the async session against the sync one (get by key,
                 load 100 rows, insert 100 objects), per call, on both databases

Set ORM_REQUIRE_PG=1 to fail instead of skipping when PostgreSQL is unreachable.";

/// The PostgreSQL URL used without `--pg-url`.
pub(crate) fn default_pg_url() -> String {
    std::env::var("ORM_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Parse the arguments (without the program name). `Ok(None)`: `--help` was asked for.
pub(crate) fn parse(args: impl IntoIterator<Item = String>, default_url: String) -> Result<Option<Options>, String> {
    let mut quick = false;
    let mut rows = None;
    let mut iters = None;
    let mut pg_url = None;
    let mut cases_only = false;
    let mut markdown = false;
    let mut async_only = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg, None),
        };
        let mut value = |name: &str| inline.clone().or_else(|| args.next()).ok_or(format!("{name} needs a value"));
        // A switch given a value (`--cases=no`) is an error rather than silently on.
        let switch = |name: &str| match &inline {
            Some(v) => Err(format!("{name} takes no value, not {v:?}")),
            None => Ok(true),
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(None),
            "--quick" => quick = switch("--quick")?,
            "--rows" => rows = Some(positive("--rows", &value("--rows")?)?),
            "--iters" => iters = Some(positive("--iters", &value("--iters")?)?),
            "--pg-url" => pg_url = Some(value("--pg-url")?),
            "--cases" => cases_only = switch("--cases")?,
            "--markdown" => markdown = switch("--markdown")?,
            "--async" => async_only = switch("--async")?,
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    let (default_rows, default_iters) = if quick { (1000, 2) } else { (10_000, 5) };
    Ok(Some(Options {
        rows: rows.unwrap_or(default_rows),
        iters: iters.unwrap_or(default_iters),
        pg_url: pg_url.unwrap_or(default_url),
        cases_only,
        markdown,
        plan: if quick { Plan::QUICK } else { Plan::NORMAL },
        async_only,
    }))
}

/// A number of at least 1.
fn positive(name: &str, text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{name} takes a positive integer, not {text:?}")),
    }
}

/// The URL with any password replaced by `***`, for messages.
pub(crate) fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return url.to_owned() };
    let rest = &url[scheme_end..];
    let Some(at) = rest.rfind('@') else { return url.to_owned() };
    match rest[..at].split_once(':') {
        Some((user, _password)) => format!("{}{user}:***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(args: &[&str]) -> Options {
        parse(args.iter().map(|s| (*s).to_owned()), "pg://default".into()).unwrap().unwrap()
    }

    /// The options of a plain run with `rows`, `iters` and `pg_url`.
    fn plain(rows: usize, iters: usize, pg_url: &str) -> Options {
        Options {
            rows,
            iters,
            pg_url: pg_url.into(),
            cases_only: false,
            markdown: false,
            plan: Plan::NORMAL,
            async_only: false,
        }
    }

    #[test]
    fn defaults_quick_and_overrides() {
        assert_eq!(parse_ok(&[]), plain(10_000, 5, "pg://default"));
        assert_eq!(parse_ok(&["--quick"]), Options { plan: Plan::QUICK, ..plain(1000, 2, "pg://default") });
        let o = parse_ok(&["--iters", "3", "--quick", "--rows=50", "--pg-url", "postgres://x"]);
        assert_eq!(o, Options { plan: Plan::QUICK, ..plain(50, 3, "postgres://x") });
    }

    #[test]
    fn cases_and_markdown_flags() {
        let o = parse_ok(&["--cases", "--markdown"]);
        assert_eq!(o, Options { cases_only: true, markdown: true, ..plain(10_000, 5, "pg://default") });
        let o = parse_ok(&["--markdown", "--quick"]);
        assert_eq!((o.cases_only, o.markdown, o.plan), (false, true, Plan::QUICK));
        assert!(USAGE.contains("--cases") && USAGE.contains("--markdown"));
    }

    #[test]
    fn bad_arguments_are_errors() {
        let p = |a: &[&str]| parse(a.iter().map(|s| (*s).to_owned()), String::new());
        assert!(p(&["--rows", "0"]).is_err());
        assert!(p(&["--rows"]).is_err());
        assert!(p(&["--iters", "x"]).is_err());
        assert!(p(&["--nope"]).is_err());
        assert!(p(&["--cases=yes"]).is_err(), "flags take no value");
        assert_eq!(p(&["--help"]), Ok(None));
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
        assert_eq!(redact_url("host=x"), "host=x");
    }
}
