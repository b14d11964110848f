//! Hybrid properties: the same expression computed in Rust from an object and in SQL by the
//! database, in filters, ordering and selections.

use orm::prelude::*;

use crate::common::each_db;

#[derive(Model, Debug)]
#[orm(
    table = "people",
    hybrid(full_name: String = first_name + " " + last_name),
    hybrid(is_adult: bool = age >= 18 && !(first_name == "Peter")),
    hybrid(total_pay: i64 = salary + bonus * 2 - 1),
    hybrid(display_name: String = coalesce(nickname, first_name).upper()),
    hybrid(name_length: i32 = first_name.concat(last_name).len()),
    hybrid(pay_bracket: i64 = salary / 1000 % 10)
)]
struct Person {
    #[orm(primary_key, auto_increment)]
    id: i64,
    first_name: String,
    last_name: String,
    nickname: Option<String>,
    age: i32,
    salary: i64,
    bonus: i64,
}

fn person(first: &str, last: &str, nick: Option<&str>, age: i32, salary: i64, bonus: i64) -> Person {
    Person {
        id: 0,
        first_name: first.into(),
        last_name: last.into(),
        nickname: nick.map(Into::into),
        age,
        salary,
        bonus,
    }
}

#[test]
fn a_hybrid_gives_the_same_value_in_rust_and_in_sql() {
    each_db("hybrids", |db| {
        db.engine.create_all(&[Person::table()]).unwrap();
        let mut s = db.engine.session();
        let people = s
            .add_all([
                person("Ada", "Lovelace", None, 36, 5_200, 300),
                person("Peter", "Pan", Some("pp"), 40, 1_000, 0),
                person("Bob", "Builder", Some("bobby"), 12, 17_900, 50),
            ])
            .unwrap();
        s.commit().unwrap();

        let rows: Vec<(i64, String, bool, i64, String, i32, i64)> = select((
            Person::id,
            Person::full_name(),
            Person::is_adult(),
            Person::total_pay(),
            Person::display_name(),
            Person::name_length(),
            Person::pay_bracket(),
        ))
        .order_by(Person::id.asc())
        .all(&db.engine)
        .unwrap();
        for (row, obj) in rows.iter().zip(&people) {
            let p = obj.read();
            let rust =
                (p.id, p.full_name(), p.is_adult(), p.total_pay(), p.display_name(), p.name_length(), p.pay_bracket());
            assert_eq!(row, &rust, "SQL and Rust agree on {}", p.first_name);
        }
        assert_eq!(people[0].read().full_name(), "Ada Lovelace");
        assert_eq!(people[1].read().display_name(), "PP");
        assert_eq!(people[2].read().total_pay(), 17_999);
        assert_eq!(people[2].read().pay_bracket(), 7);

        // In filters and ordering, through the Session and through Core.
        let found = s.query::<Person>().filter(Person::full_name().eq("Ada Lovelace")).one().unwrap();
        assert!(found.ptr_eq(&people[0]));
        let adults = s.query::<Person>().filter(Person::is_adult()).all().unwrap();
        assert_eq!(adults.len(), 1);
        let by_pay: Vec<String> =
            select(Person::first_name).order_by(Person::total_pay().desc()).all(&db.engine).unwrap();
        assert_eq!(by_pay, ["Bob", "Ada", "Peter"]);
        db.log.clear();
        select(Person::id).filter(Person::full_name().eq("x")).all(&db.engine).unwrap();
        let sql = db.log.statements().join("\n");
        assert!(sql.contains("\"people\".\"first_name\" || "), "{sql}");
        assert!(!sql.contains("' '"), "literals are bound, never inlined: {sql}");
    });
}

#[test]
fn hybrid_sql_in_both_dialects() {
    use orm::dialect::{Dialect, Postgres, Sqlite};
    let both = |f: &dyn Fn(&dyn Dialect) -> orm::Result<orm::dialect::Rendered>| {
        [("sqlite", &Sqlite as &dyn Dialect), ("postgres", &Postgres)]
            .iter()
            .map(|(name, d)| match f(*d) {
                Ok(r) => format!("-- {name}\n{}\n-- params: {:?}\n", r.sql, r.params),
                Err(e) => format!("-- {name}\nERROR: {e}\n"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    insta::assert_snapshot!(both(&|d| select((Person::full_name(), Person::display_name(), Person::name_length()))
        .filter(Person::is_adult())
        .order_by(Person::total_pay().desc())
        .render(d)));
}
