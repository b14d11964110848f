//! `orm::migrate::revision::Migrator`: upgrade, downgrade, branches and merges, data
//! migrations, failures and concurrent runs, on both databases, with migration files written
//! to a folder of each test's own.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use orm::migrate::ops::{ColumnSpec, ColumnType, IndexSpec, Operation, TableSpec};
use orm::migrate::revision::{History, Migrator, Revision};
use orm::migrate::Error as MigrateError;
use orm::prelude::*;
use orm::reflect;
use orm::SqlKind;

use crate::common::{each_db, Db};

static FOLDER: AtomicUsize = AtomicUsize::new(0);

/// A fresh migrations folder, removed on drop.
struct Folder(PathBuf);

impl Folder {
    fn new(test: &str) -> Folder {
        let n = FOLDER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("orm-migrations-{test}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Folder(dir)
    }

    fn add(&self, r: &Revision) {
        r.write(&self.0, &[]).unwrap();
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rev(id: &str, parents: &[&str], upgrade: Vec<Operation>, downgrade: Vec<Operation>) -> Revision {
    let mut r = Revision::new(id, parents.iter().map(|p| (*p).to_owned()).collect(), format!("revision {id}"));
    r.upgrade = upgrade;
    r.downgrade = downgrade;
    r
}

fn create_users() -> Operation {
    Operation::CreateTable(
        TableSpec::new("mg_users")
            .column(ColumnSpec::generated_key("id", SqlKind::BigInt))
            .column(ColumnSpec::new("name", ColumnType::text(40))),
    )
}

fn drop_table(t: &str) -> Operation {
    Operation::DropTable { table: t.into() }
}

fn add_email() -> Operation {
    Operation::AddColumn {
        table: "mg_users".into(),
        column: ColumnSpec::new("email", ColumnType::of(SqlKind::Text)).nullable(),
    }
}

fn drop_email() -> Operation {
    Operation::DropColumn { table: "mg_users".into(), column: "email".into() }
}

fn sql(text: &str) -> Operation {
    Operation::Sql { sql: Some(text.into()), sqlite: None, postgres: None }
}

/// a: create mg_users; b: add mg_users.email.
fn linear(folder: &Folder) {
    folder.add(&rev("a1a1a1a1a1a1", &[], vec![create_users()], vec![drop_table("mg_users")]));
    folder.add(&rev("b2b2b2b2b2b2", &["a1a1a1a1a1a1"], vec![add_email()], vec![drop_email()]));
}

fn migrator(db: &Db, folder: &Folder) -> Migrator {
    Migrator::new(db.engine.clone(), &folder.0)
}

/// The schema without the version table.
fn schema(db: &Db) -> reflect::Schema {
    let mut s = reflect::reflect(&db.engine).unwrap();
    s.tables.retain(|t| t.name != "orm_version");
    s
}

#[test]
fn upgrade_then_downgrade_returns_the_schema_to_what_it_was_exactly() {
    each_db("mg_roundtrip", |db| {
        let folder = Folder::new("roundtrip");
        linear(&folder);
        let m = migrator(db, &folder);
        assert!(m.current().unwrap().is_empty());
        assert_eq!(m.upgrade("+1").unwrap(), ["a1a1a1a1a1a1"]);
        let at_a = schema(db);
        assert_eq!(m.upgrade("head").unwrap(), ["b2b2b2b2b2b2"]);
        assert_eq!(m.current().unwrap(), ["b2b2b2b2b2b2"]);
        assert!(schema(db).table("mg_users").unwrap().column("email").is_some());
        text("INSERT INTO mg_users (name, email) VALUES ('ada', 'a@x')").execute(&db.engine).unwrap();
        assert_eq!(m.downgrade("-1").unwrap(), ["b2b2b2b2b2b2"]);
        assert_eq!(schema(db), at_a, "{}", db.name);
        assert_eq!(m.current().unwrap(), ["a1a1a1a1a1a1"]);
        let names: Vec<String> = text("SELECT name FROM mg_users").all(&db.engine).unwrap();
        assert_eq!(names, ["ada"]);
        assert_eq!(m.downgrade("base").unwrap(), ["a1a1a1a1a1a1"]);
        assert!(schema(db).tables.is_empty(), "{}", db.name);
        assert!(m.current().unwrap().is_empty());
        // Nothing left to do either way.
        assert!(m.downgrade("-1").is_err());
        assert_eq!(m.upgrade("head").unwrap().len(), 2);
        assert!(m.upgrade("head").unwrap().is_empty());
    });
}

#[test]
fn a_data_migration_in_sql_or_in_rust_runs_inside_the_migration() {
    each_db("mg_data", |db| {
        let folder = Folder::new("data");
        linear(&folder);
        folder.add(&rev(
            "c3c3c3c3c3c3",
            &["b2b2b2b2b2b2"],
            vec![sql("INSERT INTO mg_users (name) VALUES ('ada'), ('bob')"), Operation::Rust { name: "emails".into() }],
            vec![sql("DELETE FROM mg_users")],
        ));
        let m = migrator(db, &folder).data_migration("emails", |conn| {
            // The ORM's Core, on the migration's connection and transaction.
            text("UPDATE mg_users SET email = name || '@example.com'").execute(conn)?;
            Ok(())
        });
        m.upgrade("head").unwrap();
        let emails: Vec<String> = text("SELECT email FROM mg_users ORDER BY name").all(&db.engine).unwrap();
        assert_eq!(emails, ["ada@example.com", "bob@example.com"], "{}", db.name);
        m.downgrade("-1").unwrap();
        let n: i64 = text("SELECT COUNT(*) FROM mg_users").scalar(&db.engine).unwrap();
        assert_eq!(n, 0);
        // Without its function registered, the Rust step fails the migration and nothing of it stays.
        let err = migrator(db, &folder).upgrade("head").unwrap_err();
        assert!(err.to_string().contains("no data migration named `emails`"), "{err}");
        let n: i64 = text("SELECT COUNT(*) FROM mg_users").scalar(&db.engine).unwrap();
        assert_eq!(n, 0, "{}", db.name);
    });
}

#[test]
fn two_branches_need_heads_or_a_merge_and_a_merge_joins_them() {
    each_db("mg_branches", |db| {
        let folder = Folder::new("branches");
        folder.add(&rev("a1a1a1a1a1a1", &[], vec![create_users()], vec![drop_table("mg_users")]));
        let orders = Operation::CreateTable(
            TableSpec::new("mg_orders").column(ColumnSpec::generated_key("id", SqlKind::BigInt)),
        );
        let mut billing = rev("b1b1b1b1b1b1", &["a1a1a1a1a1a1"], vec![orders], vec![drop_table("mg_orders")]);
        billing.branch_labels = vec!["billing".into()];
        folder.add(&billing);
        folder.add(&rev("c1c1c1c1c1c1", &["a1a1a1a1a1a1"], vec![add_email()], vec![drop_email()]));
        let m = migrator(db, &folder);
        let err = m.upgrade("head").unwrap_err();
        assert!(matches!(&err, MigrateError::MultipleHeads { heads } if heads.len() == 2), "{err}");
        assert!(err.to_string().contains("b1b1b1b1b1b1") && err.to_string().contains("merge"), "{err}");
        // One branch by its label, then both.
        assert_eq!(m.upgrade("billing").unwrap(), ["a1a1a1a1a1a1", "b1b1b1b1b1b1"]);
        assert_eq!(m.upgrade("heads").unwrap(), ["c1c1c1c1c1c1"]);
        assert_eq!(m.current().unwrap(), ["b1b1b1b1b1b1", "c1c1c1c1c1c1"]);

        folder.add(&rev("d1d1d1d1d1d1", &["b1b1b1b1b1b1", "c1c1c1c1c1c1"], Vec::new(), Vec::new()));
        assert_eq!(m.history().unwrap().heads(), ["d1d1d1d1d1d1"]);
        assert_eq!(m.upgrade("head").unwrap(), ["d1d1d1d1d1d1"]);
        assert_eq!(m.current().unwrap(), ["d1d1d1d1d1d1"]);
        // Undoing the merge makes both branches heads again; undoing one branch keeps the other.
        m.downgrade("-1").unwrap();
        assert_eq!(m.current().unwrap(), ["b1b1b1b1b1b1", "c1c1c1c1c1c1"]);
        let history = m.history().unwrap();
        assert_eq!(m.downgrade_plan(&history, "a1a1").unwrap(), ["c1c1c1c1c1c1", "b1b1b1b1b1b1"]);
        assert!(m.downgrade_plan(&history, "billing").unwrap().is_empty());
        assert_eq!(m.downgrade("-1").unwrap(), ["c1c1c1c1c1c1"]);
        assert_eq!(m.current().unwrap(), ["b1b1b1b1b1b1"], "{}", db.name);
        assert!(schema(db).table("mg_users").unwrap().column("email").is_none());
        assert!(schema(db).table("mg_orders").is_some());
    });
}

#[test]
fn a_failing_migration_applies_nothing_and_names_its_revision_and_statement() {
    each_db("mg_failing", |db| {
        let folder = Folder::new("failing");
        linear(&folder);
        folder.add(&rev(
            "c3c3c3c3c3c3",
            &["b2b2b2b2b2b2"],
            vec![
                Operation::CreateIndex {
                    table: "mg_users".into(),
                    index: IndexSpec {
                        name: "ix_mg_users_name".into(),
                        columns: vec!["name".into()],
                        unique: false,
                        predicate: None,
                    },
                },
                sql("INSERT INTO mg_nowhere VALUES (1)"),
            ],
            Vec::new(),
        ));
        let m = migrator(db, &folder);
        m.upgrade("b2b2").unwrap();
        let before = schema(db);
        let err = m.upgrade("head").unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, MigrateError::Migration { ref revision, .. } if revision == "c3c3c3c3c3c3"), "{message}");
        assert!(message.contains("c3c3c3c3c3c3") && message.contains("INSERT INTO mg_nowhere"), "{message}");
        assert!(message.contains(".toml"), "{message}");
        assert_eq!(schema(db), before, "{}", db.name);
        assert_eq!(m.current().unwrap(), ["b2b2b2b2b2b2"]);
    });
}

#[test]
fn two_runs_upgrading_at_once_apply_each_revision_once() {
    each_db("mg_concurrent", |db| {
        let folder = Folder::new("concurrent");
        linear(&folder);
        // A revision that cannot run twice: it creates a table (and counts itself).
        folder.add(&rev(
            "c3c3c3c3c3c3",
            &["b2b2b2b2b2b2"],
            vec![
                Operation::CreateTable(
                    TableSpec::new("mg_once").column(ColumnSpec::new("n", ColumnType::of(SqlKind::Integer))),
                ),
                sql("INSERT INTO mg_once (n) VALUES (1)"),
            ],
            vec![drop_table("mg_once")],
        ));
        let runs: Vec<std::thread::JoinHandle<Result<Vec<String>, String>>> = (0..4)
            .map(|_| {
                let m = migrator(db, &folder);
                std::thread::spawn(move || m.upgrade("head").map_err(|e| e.to_string()))
            })
            .collect();
        let mut applied: Vec<String> = Vec::new();
        for run in runs {
            applied.extend(run.join().unwrap().unwrap());
        }
        applied.sort();
        assert_eq!(applied, ["a1a1a1a1a1a1", "b2b2b2b2b2b2", "c3c3c3c3c3c3"], "{}", db.name);
        let n: i64 = text("SELECT COUNT(*) FROM mg_once").scalar(&db.engine).unwrap();
        assert_eq!(n, 1);
        assert_eq!(migrator(db, &folder).current().unwrap(), ["c3c3c3c3c3c3"]);
    });
}

#[test]
fn stamp_records_a_revision_without_running_it() {
    each_db("mg_stamp", |db| {
        let folder = Folder::new("stamp");
        linear(&folder);
        let m = migrator(db, &folder);
        // A database made by other means, at revision a.
        text("CREATE TABLE mg_users (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)").execute(&db.engine).unwrap();
        m.stamp("a1a1").unwrap();
        assert_eq!(m.current().unwrap(), ["a1a1a1a1a1a1"]);
        assert_eq!(m.upgrade("head").unwrap(), ["b2b2b2b2b2b2"]);
        m.stamp("base").unwrap();
        assert!(m.current().unwrap().is_empty());
        assert!(schema(db).table("mg_users").unwrap().column("email").is_some(), "{}", db.name);
    });
}

#[test]
fn targets_that_do_not_apply_are_refused_before_anything_runs() {
    each_db("mg_targets", |db| {
        let folder = Folder::new("targets");
        linear(&folder);
        let m = migrator(db, &folder);
        assert!(m.upgrade("+3").unwrap_err().to_string().contains("only 2"));
        assert!(m.upgrade("+x").unwrap_err().to_string().contains("count of revisions"));
        assert!(matches!(m.upgrade("ffff").unwrap_err(), MigrateError::UnknownRevision { .. }));
        assert!(m.downgrade("a1a1").unwrap_err().to_string().contains("not applied"));
        assert!(m.current().unwrap().is_empty(), "{}", db.name);
        assert!(schema(db).tables.is_empty(), "{}", db.name);
        // A malformed file is named.
        std::fs::write(folder.0.join("zz_broken.toml"), "revision = \"zz\"\nmessage = 3\n").unwrap();
        let err = m.upgrade("head").unwrap_err().to_string();
        assert!(err.contains("zz_broken.toml"), "{err}");
        assert!(History::load(&folder.0).is_err());
    });
}

#[test]
fn a_revision_that_depends_on_another_branch_brings_that_branch_first() {
    each_db("mg_depends", |db| {
        let folder = Folder::new("depends");
        folder.add(&rev("a1a1a1a1a1a1", &[], vec![create_users()], vec![drop_table("mg_users")]));
        let orders = Operation::CreateTable(
            TableSpec::new("mg_orders").column(ColumnSpec::generated_key("id", SqlKind::BigInt)),
        );
        folder.add(&rev("b1b1b1b1b1b1", &["a1a1a1a1a1a1"], vec![orders], vec![drop_table("mg_orders")]));
        // On the other branch, but it needs mg_orders.
        let mut needs = rev(
            "c1c1c1c1c1c1",
            &["a1a1a1a1a1a1"],
            vec![sql("CREATE VIEW mg_counts AS SELECT COUNT(*) AS n FROM mg_orders")],
            vec![sql("DROP VIEW mg_counts")],
        );
        needs.depends_on = vec!["b1b1b1b1b1b1".into()];
        folder.add(&needs);
        let m = migrator(db, &folder);
        assert_eq!(m.upgrade("c1c1").unwrap(), ["a1a1a1a1a1a1", "b1b1b1b1b1b1", "c1c1c1c1c1c1"], "{}", db.name);
        // A dependency is not a parent: both branches stay heads.
        assert_eq!(m.current().unwrap(), ["b1b1b1b1b1b1", "c1c1c1c1c1c1"]);
        let n: i64 = text("SELECT n FROM mg_counts").scalar(&db.engine).unwrap();
        assert_eq!(n, 0);
    });
}
