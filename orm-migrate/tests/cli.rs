//! The migration CLI as a project's binary runs it, on SQLite (a file database, since each
//! command opens its own engine) and on the real PostgreSQL server (a schema of each test's
//! own): the whole workflow, offline SQL, branches, and bad input answered with a message and
//! a non-zero exit status.
#![allow(missing_docs)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use orm::migrate::cli::Cli;
use orm::prelude::*;
use orm::TableDef;

mod v1 {
    use orm::prelude::*;

    #[derive(Model)]
    #[orm(table = "cli_users")]
    pub(crate) struct User {
        #[orm(primary_key, auto_increment)]
        pub id: i64,
        pub fullname: String,
    }
}

mod v2 {
    use orm::prelude::*;

    #[derive(Model)]
    #[orm(table = "cli_users")]
    pub(crate) struct User {
        #[orm(primary_key, auto_increment)]
        pub id: i64,
        pub name: String,
        #[orm(index)]
        pub email: Option<String>,
    }
}

static N: AtomicUsize = AtomicUsize::new(0);

/// A database and a migrations folder of one test.
struct Place {
    url: String,
    dir: PathBuf,
    root: PathBuf,
    schema: Option<String>,
    name: &'static str,
}

fn pg_url() -> String {
    std::env::var("ORM_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl Place {
    fn root(test: &str) -> PathBuf {
        let n = N.fetch_add(1, Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("orm-cli-{test}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        root
    }

    fn sqlite(test: &str) -> Place {
        let root = Place::root(test);
        let url = format!("sqlite:///{}", root.join("db.sqlite").display());
        Place { url, dir: root.join("migrations"), root, schema: None, name: "sqlite" }
    }

    /// A private schema; unreachable servers fail the test when `ORM_REQUIRE_PG=1`.
    fn postgres(test: &str) -> Option<Place> {
        let root = Place::root(test);
        let schema = format!("cli_{test}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let mut client = match postgres::Client::connect(&pg_url(), postgres::NoTls) {
            Ok(c) => c,
            Err(e) => {
                assert!(std::env::var("ORM_REQUIRE_PG").as_deref() != Ok("1"), "PostgreSQL is required: {e}");
                eprintln!("SKIPPED PostgreSQL run of `{test}`: {e}");
                return None;
            }
        };
        client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
        let sep = if pg_url().contains('?') { '&' } else { '?' };
        let url = format!("{}{sep}options=-csearch_path%3D{schema}", pg_url());
        Some(Place { url, dir: root.join("migrations"), root, schema: Some(schema), name: "postgres" })
    }

    fn each(test: &str, f: impl Fn(&Place)) {
        f(&Place::sqlite(test));
        if let Some(p) = Place::postgres(test) {
            f(&p);
        }
    }

    /// Run the CLI of `models`: exit status, stdout, stderr.
    fn run(&self, models: &[&'static TableDef], args: &[&str]) -> (ExitCode, String, String) {
        let mut argv = vec![
            "migrate".to_owned(),
            "--url".into(),
            self.url.clone(),
            "--dir".into(),
            self.dir.display().to_string(),
        ];
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = Cli::new(models).run_with(argv, &mut out, &mut err);
        (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
    }

    fn ok(&self, models: &[&'static TableDef], args: &[&str]) -> String {
        let (code, out, err) = self.run(models, args);
        assert_eq!(code, ExitCode::SUCCESS, "{} {args:?}: {out}{err}", self.name);
        out
    }

    fn fails(&self, models: &[&'static TableDef], args: &[&str]) -> String {
        let (code, out, err) = self.run(models, args);
        assert_eq!(code, ExitCode::FAILURE, "{} {args:?} should fail: {out}{err}", self.name);
        assert!(!err.contains("panicked"), "{err}");
        err
    }

    fn engine(&self) -> Engine {
        Engine::connect(&self.url).unwrap()
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
        if let Some(schema) = &self.schema {
            if let Ok(mut c) = postgres::Client::connect(&pg_url(), postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

const V1: &[&TableDef] = &[];

fn v1() -> Vec<&'static TableDef> {
    vec![v1::User::table()]
}

fn v2() -> Vec<&'static TableDef> {
    vec![v2::User::table()]
}

#[test]
fn init_autogenerate_upgrade_change_rename_downgrade_and_check() {
    Place::each("workflow", |p| {
        assert!(p.ok(V1, &["init"]).contains("Created the migrations folder"));
        let out = p.ok(&v1(), &["revision", "--autogenerate", "-m", "users"]);
        assert!(out.contains("create_table cli_users"), "{out}");
        let out = p.ok(&v1(), &["upgrade", "head"]);
        assert!(out.contains("Done: 1 revision(s) applied"), "{out}");
        assert!(p.ok(&v1(), &["check"]).contains("No changes"));
        // The models change: without confirming the rename, the drop is refused and the
        // rename suggested.
        let err = p.fails(&v2(), &["revision", "--autogenerate", "-m", "rename and email"]);
        assert!(err.contains("drops column `cli_users.fullname`") && err.contains("--allow-data-loss"), "{err}");
        let (code, out, _) = p.run(&v2(), &["check"]);
        assert_eq!(code, ExitCode::FAILURE);
        assert!(out.contains("change(s) between the models and the database"), "{out}");
        let out = p.ok(
            &v2(),
            &["revision", "--autogenerate", "-m", "rename and email", "--rename", "cli_users.fullname=cli_users.name"],
        );
        assert!(out.contains("rename_column cli_users.fullname -> cli_users.name"), "{out}");
        text("INSERT INTO cli_users (fullname) VALUES ('Ada')").execute(&p.engine()).unwrap();
        p.ok(&v2(), &["upgrade"]);
        assert!(p.ok(&v2(), &["check"]).contains("No changes"), "{}", p.name);
        let names: Vec<String> = text("SELECT name FROM cli_users").all(&p.engine()).unwrap();
        assert_eq!(names, ["Ada"]);
        let current = p.ok(&v2(), &["current"]);
        assert!(current.contains("(head)"), "{current}");
        let history = p.ok(&v2(), &["history", "--verbose"]);
        assert!(history.contains("<base> -> ") && history.contains("upgrade: add_column cli_users.email"), "{history}");
        let out = p.ok(&v2(), &["downgrade", "-1", "-v"]);
        assert!(out.contains("downgrade ") && out.contains("ALTER TABLE"), "{out}");
        // Below the head, `check` says to upgrade first (it compares what the migrations make).
        assert!(p.fails(&v1(), &["check"]).contains("upgrade first"), "{}", p.name);
        let names: Vec<String> = text("SELECT fullname FROM cli_users").all(&p.engine()).unwrap();
        assert_eq!(names, ["Ada"]);
    });
}

#[test]
fn offline_sql_prints_the_statements_and_touches_nothing() {
    Place::each("offline", |p| {
        p.ok(V1, &["init"]);
        // An empty revision, filled by hand, then another.
        let out = p.ok(V1, &["revision", "-m", "by hand"]);
        let path = out.trim().strip_prefix("Wrote ").and_then(|s| s.split(" (").next()).unwrap().to_owned();
        let text_of_file = std::fs::read_to_string(&path).unwrap();
        assert!(text_of_file.contains("# [[upgrade]]"), "an empty revision shows how to fill it: {text_of_file}");
        std::fs::write(
            &path,
            format!(
                "{text_of_file}\n[[upgrade]]\nop = \"sql\"\nsql = \"CREATE TABLE cli_notes (id INTEGER PRIMARY KEY)\"\n\n\
                 [[downgrade]]\nop = \"drop_table\"\ntable = \"cli_notes\"\n"
            ),
        )
        .unwrap();
        let sql = p.ok(V1, &["upgrade", "head", "--sql"]);
        assert!(sql.contains("BEGIN;\nCREATE TABLE IF NOT EXISTS orm_version"), "{sql}");
        assert!(sql.contains("CREATE TABLE cli_notes (id INTEGER PRIMARY KEY);"), "{sql}");
        assert!(sql.contains("INSERT INTO orm_version (revision) VALUES ('"), "{sql}");
        // Nothing ran.
        let tables = orm::reflect::reflect(&p.engine()).unwrap();
        assert!(tables.tables.is_empty(), "{}: {tables:?}", p.name);
        let err = p.fails(V1, &["downgrade", "base", "--sql"]);
        assert!(err.contains("needs --from"), "{err}");
    });
}

#[test]
fn branches_are_listed_and_merged() {
    Place::each("branches", |p| {
        p.ok(V1, &["init"]);
        let first = p.ok(V1, &["revision", "-m", "root"]);
        let root = first.trim().strip_prefix("Wrote ").unwrap().rsplit('/').next().unwrap()[..12].to_owned();
        p.ok(V1, &["revision", "-m", "left", "--head", &root, "--branch-label", "left"]);
        p.ok(V1, &["revision", "-m", "right", "--head", &root]);
        let heads = p.ok(V1, &["heads"]);
        assert_eq!(heads.lines().count(), 2, "{heads}");
        let err = p.fails(V1, &["upgrade", "head"]);
        assert!(err.contains("several heads") && err.contains("merge"), "{err}");
        let branches = p.ok(V1, &["branches"]);
        assert!(branches.starts_with(&format!("{root} -> ")), "{branches}");
        let ids: Vec<String> = heads.lines().map(|l| l[..12].to_owned()).collect();
        p.ok(V1, &["merge", "-m", "join", &ids[0], &ids[1]]);
        assert_eq!(p.ok(V1, &["heads"]).lines().count(), 1);
        assert!(p.ok(V1, &["upgrade", "head"]).contains("Done: 4 revision(s) applied"));
        assert!(p.ok(V1, &["history"]).contains("(head, merge)"));
    });
}

#[test]
fn bad_input_gets_a_message_and_a_non_zero_exit_never_a_panic() {
    Place::each("bad_input", |p| {
        p.ok(V1, &["init"]);
        p.ok(V1, &["revision", "-m", "one"]);
        assert!(p.fails(V1, &["upgrade", "ffffffff"]).contains("unknown revision `ffffffff`"));
        // Two revisions whose ids share a prefix.
        std::fs::write(p.dir.join("ab01_x.toml"), "revision = \"ab01\"\nmessage = \"x\"\n").unwrap();
        std::fs::write(p.dir.join("ab02_y.toml"), "revision = \"ab02\"\nparents = [\"ab01\"]\nmessage = \"y\"\n")
            .unwrap();
        let err = p.fails(V1, &["stamp", "ab"]);
        assert!(err.contains("matches several revisions: ab01, ab02"), "{err}");
        std::fs::write(
            p.dir.join("zz_bad.toml"),
            "revision = \"zz\"\nmessage = \"z\"\n[[upgrade]]\nop = \"drop_tabel\"\n",
        )
        .unwrap();
        let err = p.fails(V1, &["history"]);
        assert!(err.contains("zz_bad.toml") && err.contains("drop_tabel"), "{err}");
        std::fs::remove_file(p.dir.join("zz_bad.toml")).unwrap();
        std::fs::write(p.dir.join("cc_dup.toml"), "revision = \"ab01\"\nmessage = \"dup\"\n").unwrap();
        assert!(p.fails(V1, &["heads"]).contains("revision ab01 is in two files"));
        std::fs::remove_file(p.dir.join("cc_dup.toml")).unwrap();
        let (code, _, err) = p.run(V1, &["upgrade", "+0"]);
        assert_eq!(code, ExitCode::FAILURE, "{err}");
        assert!(p.fails(V1, &["init"]).contains("already holds migrations"));
        // Bad usage is clap's message and status 2.
        let (code, _, err) = p.run(V1, &["frobnicate"]);
        assert_eq!(code, ExitCode::from(2));
        assert!(err.contains("unrecognized subcommand"), "{err}");
    });
    // An unreachable server, and no URL at all.
    let p = Place::sqlite("unreachable");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let argv = ["migrate", "--url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2", "--dir", "x", "current"];
    let code = Cli::new(V1).run_with(argv, &mut out, &mut err);
    let err = String::from_utf8(err).unwrap();
    assert_eq!(code, ExitCode::FAILURE);
    assert!(err.starts_with("error: ") && !err.contains("panicked"), "{err}");
    drop(p);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    std::env::remove_var("DATABASE_URL");
    let code = Cli::new(V1).run_with(["migrate", "--dir", "x", "current"], &mut out, &mut err);
    assert_eq!(code, ExitCode::FAILURE);
    assert!(String::from_utf8(err).unwrap().contains("no database URL"));
}
