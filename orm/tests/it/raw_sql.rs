//! Raw SQL: `text()` with named binds (every execution form, on an engine, a pooled
//! connection and a session), `from_statement` onto models by column name, and `sql!`
//! checked against the models it names. Rendered SQL in both dialects as insta snapshots.

use orm::dialect::{Dialect, Postgres, Sqlite};
use orm::prelude::*;
use orm::{Error, Text};

use crate::common::{each_db, Db};
use crate::models::{Order, User};

fn seed(db: &Db) {
    db.engine.create_all(&[User::table(), Order::table()]).unwrap();
    let users = [User::new("ada", 36), User::new("bob", 17), User::new("cy", 52), User::new("al:ex", 25)];
    insert::<User>().values_many(&users).execute(&db.engine).unwrap();
    let orders = [(1, 10.0), (1, 30.0), (3, 7.5)].map(|(user_id, total)| Order { id: 0, user_id, total, note: None });
    insert::<Order>().values_many(&orders).execute(&db.engine).unwrap();
    db.log.clear();
}

#[test]
fn named_binds_repeated_names_and_colons_in_literals() {
    each_db("raw_binds", |db| {
        seed(db);
        let names: Vec<String> = text("SELECT name FROM users WHERE name LIKE :pattern AND age > :age ORDER BY name")
            .bind("pattern", "a%")
            .bind("age", 20)
            .all(&db.engine)
            .unwrap();
        assert_eq!(names, ["ada", "al:ex"]);

        // One name, two places, one value.
        let q = text("SELECT count(*) FROM users WHERE age >= :edge OR age + 1 = :edge").bind("edge", 36);
        assert_eq!(q.scalar::<i64>(&db.engine).unwrap(), 2);
        let sql = db.log.statements().pop().unwrap();
        if db.is_pg() {
            assert_eq!(sql, "SELECT count(*) FROM users WHERE age >= $1 OR age + 1 = $1");
        } else {
            assert_eq!(sql, "SELECT count(*) FROM users WHERE age >= ? OR age + 1 = ?");
        }

        // `:` inside string literals, quoted identifiers and comments is not a bind.
        let found: Vec<(String, String)> = text(
            "SELECT name, 'x:y' AS \"la:bel\" FROM users -- :not_a_bind\n\
             WHERE name = 'al:ex' /* :nor_this */ OR name = :name ORDER BY name",
        )
        .bind("name", "ada")
        .all(&db.engine)
        .unwrap();
        assert_eq!(found, [("ada".to_string(), "x:y".to_string()), ("al:ex".to_string(), "x:y".to_string())]);

        if db.is_pg() {
            // PostgreSQL casts: `::type` is no bind, `:bind::type` is one.
            let (age, text_age): (i64, String) = text("SELECT :age::bigint, age::text FROM users WHERE name = :name")
                .bind("age", 40i64)
                .bind("name", "ada")
                .one(&db.engine)
                .unwrap();
            assert_eq!((age, text_age.as_str()), (40, "36"));
            let body: String = text("SELECT $$ :x $$ || :y").bind("y", "!").scalar(&db.engine).unwrap();
            assert_eq!(body, " :x !");
        }
    });
}

#[test]
fn every_execution_form() {
    each_db("raw_forms", |db| {
        seed(db);
        let changed = text("UPDATE users SET score = :score WHERE age < :age")
            .bind("score", 1.5)
            .bind("age", 30)
            .execute(&db.engine)
            .unwrap();
        assert_eq!(changed, 2);

        let n: i64 = text("SELECT count(*) FROM users").scalar(&db.engine).unwrap();
        assert_eq!(n, 4);
        let err = text("SELECT age FROM users WHERE age > 100").scalar::<i32>(&db.engine).unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");

        let by_name = text("SELECT id, name, age FROM users WHERE name = :name");
        let (id, name, age): (i64, String, i32) = by_name.clone().bind("name", "cy").one(&db.engine).unwrap();
        assert_eq!((id, name.as_str(), age), (3, "cy", 52));
        let none: Option<(i64, String, i32)> = by_name.bind("name", "nobody").one_or_none(&db.engine).unwrap();
        assert_eq!(none, None);
        let some: Option<i32> =
            text("SELECT age FROM users WHERE name = :n").bind("n", "bob").one_or_none(&db.engine).unwrap();
        assert_eq!(some, Some(17));
        let err = text("SELECT age FROM users").one_or_none::<i32>(&db.engine).unwrap_err();
        assert!(matches!(err, Error::MultipleRows { .. }), "{err}");
        let err = text("SELECT age FROM users WHERE age < 0").one::<i32>(&db.engine).unwrap_err();
        assert!(matches!(&err, Error::NotFound { table } if table.starts_with("SELECT age FROM users")), "{err}");

        let ages: Vec<(String, i32, Option<String>, f64)> =
            text("SELECT name, age, email, score FROM users ORDER BY age").all(&db.engine).unwrap();
        assert_eq!(ages[0], ("bob".to_string(), 17, None, 1.5));
        assert_eq!(ages.len(), 4);

        let first_two: Vec<String> = text("SELECT name FROM users ORDER BY age DESC").fetchmany(&db.engine, 2).unwrap();
        assert_eq!(first_two, ["cy", "ada"]);
        assert!(text("SELECT name FROM users").fetchmany::<String>(&db.engine, 0).unwrap().is_empty());

        let mut seen = Vec::new();
        text("SELECT name, age FROM users WHERE age > :age ORDER BY id")
            .bind("age", 20)
            .for_each::<(String, i32)>(&db.engine, |(name, age)| {
                seen.push(format!("{name}={age}"));
                Ok(())
            })
            .unwrap();
        assert_eq!(seen, ["ada=36", "cy=52", "al:ex=25"]);

        // Eight columns, on a pooled connection.
        let mut conn = db.engine.connection().unwrap();
        let row: (i64, String, i32, Option<String>, bool, f64, i32, String) =
            text("SELECT id, name, age, email, active, score, 7, 'x' FROM users WHERE id = :id")
                .bind("id", 1i64)
                .one(&mut conn)
                .unwrap();
        assert_eq!(row, (1, "ada".into(), 36, None, true, 0.0, 7, "x".into()));

        // The existing decode errors, by position.
        let err = text("SELECT name FROM users WHERE id = 1").one::<i64>(&db.engine).unwrap_err();
        assert!(matches!(&err, Error::Decode { column, .. } if column == "#0"), "{err}");
        let err = text("SELECT email FROM users WHERE id = 1").one::<String>(&db.engine).unwrap_err();
        assert!(err.to_string().contains("found NULL"), "{err}");
    });
}

#[test]
fn missing_and_unknown_binds_are_refused_before_anything_is_sent() {
    each_db("raw_bind_errors", |db| {
        seed(db);
        let q = text("SELECT name FROM users WHERE age > :age AND name LIKE :pattern").bind("age", 3);
        let err = q.all::<String>(&db.engine).unwrap_err();
        assert!(matches!(&err, Error::MissingBind { name } if name == "pattern"), "{err}");
        assert_eq!(
            err.to_string(),
            "the SQL has the bind `:pattern` but no value was bound to it (`.bind(\"pattern\", value)`)"
        );

        let err = q.clone().bind("pattern", "a%").bind("agee", 4).all::<String>(&db.engine).unwrap_err();
        assert!(matches!(&err, Error::UnknownBind { name, .. } if name == "agee"), "{err}");
        assert_eq!(
            err.to_string(),
            "a value was bound to `agee`, but the SQL has no bind `:agee` (its binds: `:age`, `:pattern`)"
        );

        let err = text("DELETE FROM users WHERE id = :id").execute(&db.engine).unwrap_err();
        assert!(matches!(&err, Error::MissingBind { name } if name == "id"), "{err}");
        let mut session = db.engine.session();
        let err = text("DELETE FROM users WHERE id = :id").execute(&mut session).unwrap_err();
        assert!(matches!(err, Error::MissingBind { .. }));
        let err = session.from_statement::<User>(text("SELECT * FROM users WHERE id = :id")).all().unwrap_err();
        assert!(matches!(err, Error::MissingBind { .. }));
        assert!(db.log.take().is_empty(), "nothing is sent, not even BEGIN");
        assert_eq!(text("SELECT count(*) FROM users").scalar::<i64>(&db.engine).unwrap(), 4);
    });
}

#[test]
fn from_statement_maps_columns_by_name() {
    each_db("raw_from_statement", |db| {
        seed(db);
        // Columns in another order, plus one the model does not have.
        let users: Vec<User> = text(
            "SELECT score, email, age, 'extra' AS extra, name, active, id FROM users WHERE age > :age ORDER BY age",
        )
        .bind("age", 20)
        .from_statement::<User>()
        .all(&db.engine)
        .unwrap();
        assert_eq!(users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["al:ex", "ada", "cy"]);
        assert_eq!(users[1], User { id: 1, ..User::new("ada", 36) });

        let q = text("SELECT * FROM users WHERE name = :name").from_statement::<User>();
        assert_eq!(q.clone().into_text().bind("name", "bob").from_statement::<User>().one(&db.engine).unwrap().age, 17);
        let none = text("SELECT * FROM users WHERE id < 0").from_statement::<User>().one_or_none(&db.engine).unwrap();
        assert!(none.is_none());
        let first = text("SELECT * FROM users ORDER BY id").from_statement::<User>().first(&db.engine).unwrap();
        assert_eq!(first.map(|u| u.name), Some("ada".into()));
        let mut n = 0;
        text("SELECT * FROM orders")
            .from_statement::<Order>()
            .for_each(&db.engine, |_| {
                n += 1;
                Ok(())
            })
            .unwrap();
        assert_eq!(n, 3);

        // A missing column names the model and every column missing.
        let err = text("SELECT id, name FROM users").from_statement::<User>().all(&db.engine).unwrap_err();
        match &err {
            Error::MissingColumns { model, columns, found } => {
                assert_eq!(model, "User");
                assert_eq!(columns, &["age", "email", "active", "score"]);
                assert_eq!(found, &["id", "name"]);
            }
            other => panic!("expected missing columns, got {other}"),
        }
        assert_eq!(
            err.to_string(),
            "the rows lack column(s) `age`, `email`, `active`, `score` of `User` (they have `id`, `name`)"
        );
        let err = text("SELECT id, name AS nom, age, email, active, score FROM users")
            .from_statement::<User>()
            .one_or_none(&db.engine)
            .unwrap_err();
        assert!(matches!(&err, Error::MissingColumns { columns, .. } if columns == &["name"]), "{err}");
    });
}

#[test]
fn session_runs_raw_sql_in_its_transaction_after_an_autoflush() {
    each_db("raw_session", |db| {
        seed(db);
        let mut session = db.engine.session();
        let dan = session.add(User::new("dan", 41)).unwrap();
        let count = text("SELECT count(*) FROM users");

        // `&mut Session` runs the statement in the transaction as Core statements do (no
        // flush); `autoflushed()` flushes first.
        assert_eq!(count.scalar::<i64>(&mut session).unwrap(), 4);
        assert_eq!(count.scalar::<i64>(session.autoflushed()).unwrap(), 5);
        assert_eq!(dan.state(), ObjectState::Persistent);

        // Objects through the identity map: the row already held gives that object, with its
        // unflushed change kept.
        let ada = session.get::<User>(1).unwrap().unwrap();
        ada.write().age = 99;
        session.set_autoflush(false);
        let found = session
            .from_statement::<User>(text("SELECT * FROM users WHERE age > :age ORDER BY id").bind("age", 30))
            .all()
            .unwrap();
        assert_eq!(found.len(), 3);
        assert!(found[0].ptr_eq(&ada));
        assert_eq!(found[0].read().age, 99);
        assert!(found[2].ptr_eq(&dan));
        session.set_autoflush(true);
        // With autoflush, the change is written before the statement reads.
        let old = session.from_statement::<User>(text("SELECT * FROM users WHERE age = 99")).one().unwrap();
        assert!(old.ptr_eq(&ada));
        let none = session.from_statement::<User>(text("SELECT * FROM users WHERE age = 36")).one_or_none().unwrap();
        assert!(none.is_none());
        let first = session.from_statement::<User>(text("SELECT * FROM users ORDER BY id DESC")).first().unwrap();
        assert!(first.unwrap().ptr_eq(&dan));

        // Writes run in the transaction: a rollback undoes them.
        let deleted = text("DELETE FROM orders WHERE total > :t").bind("t", 5.0).execute(&mut session).unwrap();
        assert_eq!(deleted, 3);
        assert_eq!(text("SELECT count(*) FROM orders").scalar::<i64>(session.autoflushed()).unwrap(), 0);
        session.rollback().unwrap();
        assert_eq!(text("SELECT count(*) FROM orders").scalar::<i64>(&db.engine).unwrap(), 3);
        assert_eq!(text("SELECT count(*) FROM users").scalar::<i64>(&db.engine).unwrap(), 4);
        assert_eq!(dan.state(), ObjectState::Transient);
    });
}

#[test]
fn sql_macro_checked_statements_run() {
    each_db("raw_sql_macro", |db| {
        seed(db);
        let min_age = 20;
        let rows: Vec<(String, f64)> = sql!(User, Order =>
            "SELECT users.name, orders.total FROM users JOIN orders ON orders.user_id = users.id \
             WHERE users.age > :age ORDER BY orders.total",
            age = min_age)
        .all(&db.engine)
        .unwrap();
        assert_eq!(rows, [("cy".to_string(), 7.5), ("ada".to_string(), 10.0), ("ada".to_string(), 30.0)]);

        // Aliases, a LIKE pattern, IN and BETWEEN lists, a nullable column.
        let names: Vec<String> = sql!(User =>
            "SELECT u.name FROM users AS u WHERE u.name LIKE :p AND u.id IN (:a, :b) AND age BETWEEN :lo AND :hi \
             AND (email = :email OR email IS NULL) ORDER BY u.name",
            p = "a%", a = 1i64, b = 4i64, lo = 0, hi = 100, email = Some("x@y".to_string()))
        .all(&db.engine)
        .unwrap();
        assert_eq!(names, ["ada", "al:ex"]);

        // Writes: INSERT with a column list, UPDATE ... SET, DELETE, in a session.
        let mut session = db.engine.session();
        let name = "eve".to_string();
        let inserted = sql!(User =>
            "INSERT INTO users (name, age, active, score) VALUES (:name, :age, :active, 0)",
            name = name, age = 30, active = true)
        .execute(&mut session)
        .unwrap();
        assert_eq!(inserted, 1);
        let updated = sql!(User => "UPDATE users SET age = age + :years, email = :email WHERE name = :name",
            years = 1, email = "eve@example.com", name = "eve")
        .execute(&mut session)
        .unwrap();
        assert_eq!(updated, 1);
        let eve = session
            .from_statement::<User>(sql!(User => "SELECT * FROM users WHERE name = :name", name = "eve"))
            .one()
            .unwrap();
        assert_eq!((eve.read().age, eve.read().email.as_deref()), (31, Some("eve@example.com")));
        let gone = sql!(Order => "DELETE FROM orders WHERE total < :t", t = 8.0).execute(&mut session).unwrap();
        assert_eq!(gone, 1);
        session.commit().unwrap();

        // A CTE and an aggregate: what it cannot check passes through.
        let per_user: Vec<(String, f64)> = sql!(User, Order =>
            "WITH spent AS (SELECT user_id, sum(total) AS s FROM orders GROUP BY user_id) \
             SELECT u.name, spent.s FROM users u JOIN spent ON spent.user_id = u.id WHERE spent.s > :min",
            min = 1.0)
        .all(&db.engine)
        .unwrap();
        assert_eq!(per_user, [("ada".to_string(), 40.0)]);

        // The macro and `text()` agree on what is a bind.
        let tricky =
            sql!("SELECT :a, ':b', \"c:d\", 1::int, $$ :e $$, E'\\':f' -- :g\n, :h /* :i */ WHERE 1>:a", a = 1, h = 2);
        assert_eq!(tricky.bind_names().collect::<Vec<_>>(), ["a", "h"]);
        assert!(tricky.render(&Sqlite).is_ok());

        // No model, no table: only the binds are checked.
        let two: i32 = sql!("SELECT :x + 1", x = 1).scalar(&db.engine).unwrap();
        assert_eq!(two, 2);
    });
}

fn both(t: &Text) -> String {
    let show = |d: &dyn Dialect| match t.render(d) {
        Ok(r) => format!("-- {}\n{}\n-- params: {:?}\n", d.name(), r.sql, r.params),
        Err(e) => format!("-- {}\nERROR: {e}\n", d.name()),
    };
    format!("{}\n{}", show(&Sqlite), show(&Postgres))
}

#[test]
fn text_with_binds_in_both_dialects() {
    insta::assert_snapshot!(both(
        &text(
            "SELECT name, ':lit' AS \"quoted:name\" FROM users -- :comment\n\
             WHERE name LIKE :pattern AND (age > :age OR age < -:age) AND id::text <> :id::text"
        )
        .bind("pattern", "a%")
        .bind("age", 18)
        .bind("id", "7")
    ));
}

#[test]
fn sql_macro_insert_in_both_dialects() {
    insta::assert_snapshot!(both(
        &sql!(User => "INSERT INTO users (name, age, active, score) VALUES (:name, :age, true, :score) RETURNING id",
            name = "ada", age = 36, score = 1.5)
    ));
}

#[test]
fn a_missing_bind_is_an_error_in_both_dialects() {
    insta::assert_snapshot!(both(&text("SELECT :a, :b").bind("a", 1).bind("c", 2)));
}
