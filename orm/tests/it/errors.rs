//! Typed errors from both backends, and what a failed flush leaves behind.

use orm::prelude::*;
use orm::{Error, Misuse, Value};

use crate::common::{each_db, Db};
use crate::models::{Order, User};

fn setup(db: &Db) {
    db.engine.create_all(&[User::table(), Order::table()]).unwrap();
}

#[test]
fn unique_violation_names_table_and_column() {
    each_db("e_unique", |db| {
        setup(db);
        insert::<User>().values(&User::new("ada", 1)).execute(&db.engine).unwrap();
        let err = insert::<User>().values(&User::new("ada", 2)).execute(&db.engine).unwrap_err();
        match &err {
            Error::UniqueViolation { table, columns, .. } => {
                assert_eq!(table, "users");
                assert_eq!(columns, &["name".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        assert!(err.is_integrity());
    });
}

#[test]
fn foreign_key_violation_names_the_table() {
    each_db("e_fk", |db| {
        setup(db);
        let err = insert::<Order>()
            .values(&Order { id: 0, user_id: 42, total: 1.0, note: None })
            .execute(&db.engine)
            .unwrap_err();
        match err {
            Error::ForeignKeyViolation { table, columns, .. } => {
                assert_eq!(table, "orders");
                if db.is_pg() {
                    assert_eq!(columns, ["user_id"]);
                }
            }
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn not_null_and_check_violations() {
    each_db("e_notnull", |db| {
        setup(db);
        let err = db
            .engine
            .execute("INSERT INTO users (name, age, active, score) VALUES (NULL, 1, TRUE, 0)", &[])
            .unwrap_err();
        match err {
            Error::NotNullViolation { table, column } => {
                assert_eq!((table.as_str(), column.as_str()), ("users", "name"))
            }
            other => panic!("{other:?}"),
        }
        let err = insert::<User>().values(&User::new("neg", -1)).execute(&db.engine).unwrap_err();
        match err {
            Error::CheckViolation { table, constraint } => {
                assert_eq!(table, "users");
                assert_eq!(constraint, "ck_users_1");
            }
            other => panic!("{other:?}"),
        }
        let uid = insert::<User>().values(&User::new("ok", 1)).returning_keys(&db.engine).unwrap()[0];
        let err = insert::<Order>()
            .values(&Order { id: 0, user_id: uid, total: -5.0, note: None })
            .execute(&db.engine)
            .unwrap_err();
        match err {
            Error::CheckViolation { table, constraint } => {
                assert_eq!(table, "orders");
                assert_eq!(constraint, "ck_orders_total");
            }
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn max_length_is_checked_before_sending_on_both_backends() {
    each_db("e_length", |db| {
        setup(db);
        let long = "é".repeat(41);
        db.log.clear();
        let err = insert::<User>().values(&User::new(&long, 1)).execute(&db.engine).unwrap_err();
        assert!(
            matches!(err, Error::ValueTooLong { ref table, ref column, max: 40, actual: 41 } if table == "users" && column == "name")
        );
        assert!(db.log.statements().is_empty(), "nothing sent");
        // 40 multi-byte characters fit VARCHAR(40).
        insert::<User>().values(&User::new(&"é".repeat(40), 1)).execute(&db.engine).unwrap();
        let mut s = db.engine.session();
        let u = s.add(User::new(&long, 1)).unwrap();
        assert!(matches!(s.flush(), Err(Error::ValueTooLong { .. })));
        s.rollback().unwrap();
        assert_eq!(u.state(), ObjectState::Transient);
    });
}

#[test]
fn decode_mismatch_names_table_column_and_types() {
    each_db("e_decode", |db| {
        setup(db);
        db.engine
            .execute(
                "INSERT INTO users (name, age, active, score) VALUES ($1, 1, TRUE, 0)".replace_pg(db),
                &[Value::Text("x".into())],
            )
            .unwrap();
        // Read the TEXT column `name` through a model whose field is an integer.
        #[derive(orm::Model, Debug)]
        #[orm(table = "users")]
        struct WrongUser {
            #[orm(primary_key)]
            id: i64,
            name: i64,
        }
        let err = select_model::<WrongUser>().all(&db.engine).unwrap_err();
        match err {
            Error::Decode { table, column, expected, found } => {
                assert_eq!((table.as_str(), column.as_str(), expected.as_str()), ("users", "name", "i64"));
                assert!(found.contains("TEXT") || found == "varchar", "{found}");
            }
            other => panic!("{other:?}"),
        }
    });
}

trait ReplacePg {
    fn replace_pg(self, db: &Db) -> orm::RawSql;
}

impl ReplacePg for &'static str {
    fn replace_pg(self, db: &Db) -> orm::RawSql {
        if db.is_pg() {
            self.into()
        } else {
            orm::RawSql::audited(self.replace("$1", "?"))
        }
    }
}

#[test]
fn failed_flush_rolls_back_and_session_needs_rollback() {
    each_db("e_flush", |db| {
        setup(db);
        let mut s = db.engine.session();
        let ada = s.add(User::new("ada", 36)).unwrap();
        s.commit().unwrap();

        ada.write().age = 40;
        let first = s.add(User::new("new", 1)).unwrap();
        s.add(User::new("ada", 2)).unwrap(); // duplicate name
        let err = s.flush().unwrap_err();
        assert!(matches!(err, Error::UniqueViolation { .. }), "{err:?}");

        // The database is unchanged, even by the statements that succeeded.
        let names: Vec<String> = select(User::name).order_by(User::id).all(&db.engine).unwrap();
        assert_eq!(names, ["ada"]);
        // Every operation but rollback is refused, with the cause attached.
        for _ in 0..3 {
            match s.query::<User>().count() {
                Err(Error::PendingRollback { original }) => assert!(matches!(*original, Error::UniqueViolation { .. })),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(s.commit(), Err(Error::PendingRollback { .. })));
        assert!(matches!(s.add(User::new("x", 1)), Err(Error::PendingRollback { .. })));

        s.rollback().unwrap();
        assert_eq!(first.state(), ObjectState::Transient);
        assert_eq!(first.read().id, 0);
        assert_eq!(ada.read().age, 36, "unflushed change reverted to the committed value");
        // Usable again.
        s.add(User::new("bob", 3)).unwrap();
        s.commit().unwrap();
        assert_eq!(s.query::<User>().count().unwrap(), 2);
    });
}

#[test]
fn stale_rows_are_reported() {
    each_db("e_stale", |db| {
        setup(db);
        let mut s = db.engine.session();
        let u = s.add(User::new("ada", 36)).unwrap();
        s.commit().unwrap();
        delete::<User>().all_rows().execute(&db.engine).unwrap();
        u.write().age = 1;
        assert!(matches!(s.commit(), Err(Error::StaleData { action: "update", matched: 0, .. })));
        s.rollback().unwrap();
    });
}

#[test]
fn oversized_in_list_is_refused_before_anything_is_sent() {
    each_db("e_params", |db| {
        setup(db);
        db.log.clear();
        let ids: Vec<i64> = (0..70_000).collect();
        if db.is_pg() {
            // One array parameter, however long the list.
            assert!(select(User::id).filter(User::id.in_(ids)).all(&db.engine).unwrap().is_empty());
            assert_eq!(db.log.statements().len(), 1);
            // A list compared with an expression is one parameter per value.
            let names: Vec<String> = (0..70_000).map(|i| i.to_string()).collect();
            let err = select(User::id).filter(func::lower(User::name).in_(names)).all(&db.engine).unwrap_err();
            assert!(matches!(err, Error::TooManyParameters { count: 70_000, .. }), "{err:?}");
            assert!(db.log.statements().is_empty());
            return;
        }
        let err = select(User::id).filter(User::id.in_(ids)).all(&db.engine).unwrap_err();
        assert!(matches!(err, Error::TooManyParameters { count: 70_000, .. }), "{err:?}");
        assert!(db.log.statements().is_empty());
        // Just under the limit goes through.
        let ids: Vec<i64> = (0..32_766).collect();
        assert!(select(User::id).filter(User::id.in_(ids)).all(&db.engine).unwrap().is_empty());
    });
}

#[test]
fn misuse_is_typed_names_the_call_and_sends_nothing() {
    each_db("e_misuse", |db| {
        setup(db);
        let ada = User::new("ada", 1);
        db.log.clear();
        let err = insert::<User>().values(&ada).set(User::age, 2).execute(&db.engine).unwrap_err();
        assert!(matches!(err, Error::Misuse(Misuse::InsertRowsAndValues { table: "users" })), "{err:?}");
        let err = insert::<User>().values(&ada).on_conflict(User::name).do_nothing().returning_keys(&db.engine);
        assert!(matches!(err, Err(Error::Misuse(Misuse::ReturningKeysWithOnConflict { table: "users" }))), "{err:?}");
        let err = select((User::age + 1).over(window())).render(&orm::dialect::Sqlite).unwrap_err();
        assert!(matches!(err, Error::Misuse(Misuse::OverNonAggregate)), "{err:?}");
        // Without a filter `execute` does not compile (ui test); rendering says why.
        let err = delete::<User>().render(&orm::dialect::Sqlite).unwrap_err();
        assert_eq!(
            err.to_string(),
            "DELETE of `users` without a filter would change every row: add `.filter(...)`, or `.all_rows()` if every row is meant"
        );
        assert!(db.log.statements().is_empty(), "{:?}", db.log.statements());

        let mut s = db.engine.session();
        let sp = s.begin_nested().unwrap();
        s.release_savepoint(sp).unwrap();
        let err = s.rollback_to_savepoint(sp).unwrap_err();
        assert!(matches!(err, Error::Misuse(Misuse::SavepointClosed)), "{err:?}");
        assert_eq!(s.query::<User>().count().unwrap(), 0, "the session stays usable");
        s.rollback().unwrap();
    });
}
