//! `orm::migrate::ops`: each operation on both databases, checked by reflecting the result
//! and counting rows; on SQLite the operations `ALTER TABLE` cannot do rebuild the table.

use orm::migrate::ops::{
    self, CheckSpec, ColumnChange, ColumnSpec, ColumnType, ForeignKeySpec, IndexSpec, Operation, TableSpec, UniqueSpec,
};
use orm::migrate::Error as MigrateError;
use orm::prelude::*;
use orm::reflect;
use orm::schema::ReferentialAction;
use orm::{NamingConvention, SqlKind};

use crate::common::{each_db, Db};

#[derive(Model)]
#[orm(table = "mo_owners", unique(name = "uq_mo_owners_pair", name, city), check = "length(name) > 0")]
struct Owner {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(max_length = 30)]
    name: String,
    #[orm(index)]
    city: String,
    #[orm(server_default = "0")]
    visits: Option<i32>,
}

#[derive(Model)]
#[orm(table = "mo_pets", index(name = "ix_mo_pets_kind_age", kind, age))]
struct Pet {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = Owner::id, on_delete = cascade)]
    owner_id: i64,
    #[orm(check = "age >= 0")]
    age: i32,
    kind: String,
}

fn table(db: &Db, name: &str) -> reflect::Table {
    let mut conn = db.engine.connection().unwrap();
    reflect::reflect_table(&mut conn, name).unwrap().unwrap_or_else(|| panic!("{name} not reflected on {}", db.name))
}

fn count(db: &Db, table: &str) -> i64 {
    text(orm::backend::RawSql::audited(format!("SELECT COUNT(*) FROM {table}"))).scalar(&db.engine).unwrap()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Owners `ada` (2 pets) and `bob` (1 pet).
fn seed(db: &Db) {
    db.engine.create_all(&[Owner::table(), Pet::table()]).unwrap();
    text("INSERT INTO mo_owners (name, city) VALUES ('ada', 'paris'), ('bob', 'rome')").execute(&db.engine).unwrap();
    text("INSERT INTO mo_pets (owner_id, age, kind) VALUES (1, 3, 'cat'), (1, 5, 'dog'), (2, 1, 'cat')")
        .execute(&db.engine)
        .unwrap();
}

#[test]
fn create_table_from_a_model_makes_what_create_all_makes() {
    each_db("mo_create", |db| {
        db.engine.create_all(&[Owner::table(), Pet::table()]).unwrap();
        let by_create_all = reflect::reflect(&db.engine).unwrap();
        db.engine.drop_all(&[Pet::table(), Owner::table()]).unwrap();
        let naming = NamingConvention::default();
        let mut steps = Vec::new();
        for t in [Owner::table(), Pet::table()] {
            steps.push(Operation::CreateTable(TableSpec::of_model(t, &naming).unwrap()));
            for index in IndexSpec::of_model(t, &naming).unwrap() {
                steps.push(Operation::CreateIndex { table: t.name.into(), index });
            }
        }
        ops::run(&db.engine, &steps).unwrap();
        assert_eq!(reflect::reflect(&db.engine).unwrap(), by_create_all, "{}", db.name);
    });
}

#[test]
fn add_column_fills_existing_rows_with_null_or_the_default() {
    each_db("mo_add_column", |db| {
        seed(db);
        ops::run(
            &db.engine,
            &[
                Operation::AddColumn {
                    table: "mo_owners".into(),
                    column: ColumnSpec::new("email", ColumnType::of(SqlKind::Text)).nullable(),
                },
                Operation::AddColumn {
                    table: "mo_owners".into(),
                    column: ColumnSpec::new("tier", ColumnType::text(10)).default("'basic'"),
                },
            ],
        )
        .unwrap();
        let owners = table(db, "mo_owners");
        assert!(owners.column("email").is_some_and(|c| c.nullable));
        assert!(owners.column("tier").is_some_and(|c| !c.nullable && c.default.is_some()));
        let tiers: Vec<(String, Option<String>)> =
            text("SELECT tier, email FROM mo_owners ORDER BY id").all(&db.engine).unwrap();
        assert_eq!(tiers, vec![("basic".into(), None), ("basic".into(), None)], "{}", db.name);
    });
}

#[test]
fn drop_column_keeps_every_row_of_the_table_and_of_the_tables_that_reference_it() {
    each_db("mo_drop_column", |db| {
        seed(db);
        let before = table(db, "mo_owners");
        ops::run(&db.engine, &[Operation::DropColumn { table: "mo_owners".into(), column: "city".into() }]).unwrap();
        let owners = table(db, "mo_owners");
        assert_eq!(owners.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "name", "visits"]);
        // The index and the unique constraint over the column went with it; the rest stayed.
        assert!(owners.indexes.is_empty(), "{}: {:?}", db.name, owners.indexes);
        assert!(owners.unique_constraints.is_empty(), "{}", db.name);
        assert_eq!(owners.check_constraints, before.check_constraints, "{}", db.name);
        assert_eq!(owners.primary_key, before.primary_key, "{}", db.name);
        assert_eq!(count(db, "mo_owners"), 2);
        // Pets of the rebuilt table's rows: all there (no cascade fired), still enforced.
        assert_eq!(count(db, "mo_pets"), 3, "{}", db.name);
        let names: Vec<String> = text("SELECT name FROM mo_owners ORDER BY id").all(&db.engine).unwrap();
        assert_eq!(names, ["ada", "bob"]);
        assert!(text("INSERT INTO mo_pets (owner_id, age, kind) VALUES (99, 1, 'ghost')").execute(&db.engine).is_err());
        delete_owner_cascades(db);
    });
}

/// The foreign key still cascades after the rebuild.
fn delete_owner_cascades(db: &Db) {
    text("DELETE FROM mo_owners WHERE id = 1").execute(&db.engine).unwrap();
    assert_eq!(count(db, "mo_pets"), 1, "{}", db.name);
}

#[test]
fn alter_column_changes_type_nullability_and_default_and_keeps_values() {
    each_db("mo_alter", |db| {
        seed(db);
        let change = ColumnChange {
            column_type: Some(ColumnType::of(SqlKind::BigInt)),
            nullable: Some(true),
            default: Some(Some("7".into())),
        };
        ops::run(&db.engine, &[Operation::AlterColumn { table: "mo_pets".into(), column: "age".into(), change }])
            .unwrap();
        let age = table(db, "mo_pets").column("age").cloned().unwrap();
        let expected_type = if db.is_pg() { "bigint" } else { "BIGINT" };
        assert_eq!((age.data_type.as_str(), age.nullable, age.default.as_deref()), (expected_type, true, Some("7")));
        let ages: Vec<i64> = text("SELECT age FROM mo_pets ORDER BY id").all(&db.engine).unwrap();
        assert_eq!(ages, [3, 5, 1], "{}", db.name);
        // The rebuild on SQLite made the table's index again.
        let indexes: Vec<String> = table(db, "mo_pets").indexes.into_iter().map(|i| i.name).collect();
        assert_eq!(indexes, ["ix_mo_pets_kind_age"], "{}", db.name);
    });
}

#[test]
fn a_failing_operation_leaves_the_schema_and_the_rows_as_they_were() {
    each_db("mo_failing", |db| {
        seed(db);
        text("UPDATE mo_owners SET visits = NULL").execute(&db.engine).unwrap();
        let before = reflect::reflect(&db.engine).unwrap();
        let made_not_null = ColumnChange { nullable: Some(false), ..ColumnChange::default() };
        let err = ops::run(
            &db.engine,
            &[
                Operation::AddColumn {
                    table: "mo_owners".into(),
                    column: ColumnSpec::new("note", ColumnType::of(SqlKind::Text)).nullable(),
                },
                Operation::AlterColumn { table: "mo_owners".into(), column: "visits".into(), change: made_not_null },
            ],
        )
        .unwrap_err();
        // The error names the statement that failed.
        assert!(matches!(err, MigrateError::Statement { .. }), "{}: {err:?}", db.name);
        // The first operation was undone with the second.
        assert_eq!(reflect::reflect(&db.engine).unwrap(), before, "{}", db.name);
        assert_eq!((count(db, "mo_owners"), count(db, "mo_pets")), (2, 3));
    });
}

#[test]
fn rename_table_and_column_keep_rows_and_references() {
    each_db("mo_rename", |db| {
        seed(db);
        ops::run(
            &db.engine,
            &[
                Operation::RenameColumn { table: "mo_owners".into(), from: "city".into(), to: "town".into() },
                Operation::RenameTable { from: "mo_pets".into(), to: "mo_animals".into() },
            ],
        )
        .unwrap();
        assert!(table(db, "mo_owners").column("town").is_some());
        let animals = table(db, "mo_animals");
        assert_eq!(animals.foreign_keys[0].referred_table, "mo_owners", "{}", db.name);
        assert_eq!(count(db, "mo_animals"), 3);
        let towns: Vec<String> = text("SELECT town FROM mo_owners ORDER BY id").all(&db.engine).unwrap();
        assert_eq!(towns, ["paris", "rome"]);
    });
}

#[test]
fn create_and_drop_indexes_unique_and_partial() {
    each_db("mo_indexes", |db| {
        seed(db);
        let unique = IndexSpec {
            name: "ux_mo_pets_kind_owner".into(),
            columns: names(&["owner_id", "kind"]),
            unique: true,
            predicate: None,
        };
        let partial = IndexSpec {
            name: "ix_mo_pets_young".into(),
            columns: names(&["age"]),
            unique: false,
            predicate: Some("age < 2".into()),
        };
        ops::run(
            &db.engine,
            &[
                Operation::CreateIndex { table: "mo_pets".into(), index: unique.clone() },
                Operation::CreateIndex { table: "mo_pets".into(), index: partial.clone() },
                Operation::DropIndex { table: "mo_pets".into(), name: "ix_mo_pets_kind_age".into() },
            ],
        )
        .unwrap();
        let indexes = table(db, "mo_pets").indexes;
        let listed: Vec<(&str, bool, Option<&str>)> =
            indexes.iter().map(|i| (i.name.as_str(), i.unique, i.predicate.as_deref())).collect();
        assert_eq!(
            listed,
            [("ix_mo_pets_young", false, Some("age < 2")), ("ux_mo_pets_kind_owner", true, None)],
            "{}",
            db.name
        );
        // The unique index is in force.
        assert!(text("INSERT INTO mo_pets (owner_id, age, kind) VALUES (1, 9, 'cat')").execute(&db.engine).is_err());
    });
}

/// `fk_mo_pets_vet`: `mo_pets.vet_id` -> `mo_vets.id`.
fn add_vet_key(on_delete: ReferentialAction) -> Operation {
    Operation::AddForeignKey {
        table: "mo_pets".into(),
        foreign_key: ForeignKeySpec {
            name: Some("fk_mo_pets_vet".into()),
            columns: names(&["vet_id"]),
            referred_table: "mo_vets".into(),
            referred_columns: names(&["id"]),
            on_delete,
            on_update: ReferentialAction::NoAction,
        },
    }
}

#[test]
fn add_and_drop_unique_check_and_foreign_key_constraints_by_name() {
    each_db("mo_constraints", |db| {
        seed(db);
        text("CREATE TABLE mo_vets (id INTEGER PRIMARY KEY, name TEXT NOT NULL)").execute(&db.engine).unwrap();
        text("INSERT INTO mo_vets (id, name) VALUES (1, 'vera')").execute(&db.engine).unwrap();
        ops::run(
            &db.engine,
            &[
                Operation::AddColumn {
                    table: "mo_pets".into(),
                    column: ColumnSpec::new("vet_id", ColumnType::of(SqlKind::BigInt)).nullable(),
                },
                Operation::AddUnique {
                    table: "mo_pets".into(),
                    unique: UniqueSpec {
                        name: Some("uq_mo_pets_owner_kind_age".into()),
                        columns: names(&["owner_id", "kind", "age"]),
                    },
                },
                Operation::AddCheck {
                    table: "mo_pets".into(),
                    check: CheckSpec { name: Some("ck_mo_pets_kind".into()), sql: "kind <> ''".into() },
                },
                add_vet_key(ReferentialAction::SetNull),
            ],
        )
        .unwrap();
        let pets = table(db, "mo_pets");
        assert!(pets.unique_constraints.iter().any(|u| u.name.as_deref() == Some("uq_mo_pets_owner_kind_age")));
        assert!(pets.check_constraints.iter().any(|c| c.name.as_deref() == Some("ck_mo_pets_kind")));
        let vet = pets.foreign_keys.iter().find(|f| f.name.as_deref() == Some("fk_mo_pets_vet")).expect("added");
        assert_eq!(vet.on_delete, ReferentialAction::SetNull, "{}", db.name);
        assert!(text("UPDATE mo_pets SET kind = '' WHERE id = 1").execute(&db.engine).is_err(), "{}", db.name);
        assert!(text("UPDATE mo_pets SET vet_id = 5 WHERE id = 1").execute(&db.engine).is_err(), "{}", db.name);

        let drops: Vec<Operation> = ["uq_mo_pets_owner_kind_age", "ck_mo_pets_kind", "fk_mo_pets_vet"]
            .iter()
            .map(|n| Operation::DropConstraint { table: "mo_pets".into(), name: (*n).into() })
            .collect();
        ops::run(&db.engine, &drops).unwrap();
        let pets = table(db, "mo_pets");
        assert!(pets.unique_constraints.is_empty() && pets.foreign_keys.len() == 1, "{}: {pets:?}", db.name);
        assert_eq!(pets.check_constraints.len(), 1, "{}", db.name);
        text("UPDATE mo_pets SET vet_id = 5, kind = '' WHERE id = 1").execute(&db.engine).unwrap();
        assert_eq!(count(db, "mo_pets"), 3);
    });
}

#[test]
fn a_new_foreign_key_that_rows_break_is_refused_and_nothing_changes() {
    each_db("mo_fk_check", |db| {
        seed(db);
        text("CREATE TABLE mo_vets (id INTEGER PRIMARY KEY, name TEXT NOT NULL)").execute(&db.engine).unwrap();
        text("ALTER TABLE mo_pets ADD COLUMN vet_id BIGINT").execute(&db.engine).unwrap();
        text("UPDATE mo_pets SET vet_id = 42").execute(&db.engine).unwrap();
        let before = reflect::reflect(&db.engine).unwrap();
        let err = ops::run(&db.engine, &[add_vet_key(ReferentialAction::NoAction)]).unwrap_err();
        if db.is_pg() {
            assert!(matches!(&err, MigrateError::Statement { sql, .. } if sql.contains("fk_mo_pets_vet")), "{err:?}");
        } else {
            assert!(
                matches!(&err, MigrateError::ForeignKeyCheck { table, referred_table, .. } if table == "mo_pets" && referred_table == "mo_vets"),
                "{err:?}"
            );
        }
        assert_eq!(reflect::reflect(&db.engine).unwrap(), before, "{}", db.name);
        assert_eq!(count(db, "mo_pets"), 3);
    });
}

#[test]
fn hand_written_sql_runs_the_text_for_the_database() {
    each_db("mo_sql", |db| {
        seed(db);
        ops::run(
            &db.engine,
            &[Operation::Sql {
                sql: None,
                sqlite: Some("UPDATE mo_owners SET city = 'sqlite'".into()),
                postgres: Some("UPDATE mo_owners SET city = 'postgres'".into()),
            }],
        )
        .unwrap();
        let cities: Vec<String> = text("SELECT DISTINCT city FROM mo_owners").all(&db.engine).unwrap();
        assert_eq!(cities, [db.name]);
        let missing = ops::run(&db.engine, &[Operation::Sql { sql: None, sqlite: None, postgres: None }]).unwrap_err();
        assert!(missing.to_string().contains("no SQL given"), "{missing}");
    });
}

#[test]
fn apply_inside_a_transaction_of_the_caller_refuses_a_sqlite_rebuild_with_foreign_keys_on() {
    each_db("mo_apply", |db| {
        seed(db);
        let mut conn = db.engine.connection().unwrap();
        let drop_city = [Operation::DropColumn { table: "mo_owners".into(), column: "city".into() }];
        let result = ops::apply(&mut conn, &drop_city);
        if db.is_pg() {
            // Any operation runs in the caller's transaction, uncommitted until it commits.
            result.unwrap();
            conn.rollback().unwrap();
        } else {
            let err = result.unwrap_err();
            assert!(err.to_string().contains("foreign keys off"), "{err}");
        }
        drop(conn);
        assert!(table(db, "mo_owners").column("city").is_some(), "{}", db.name);
        assert_eq!(count(db, "mo_pets"), 3);
    });
}
