//! Lists compared with a column: one array parameter on PostgreSQL (`IN (SELECT unnest($1))`),
//! one parameter per value on SQLite; the same rows either way (issue 14).

use orm::prelude::*;

use crate::common::each_db;
use crate::models::User;

fn names(rows: Vec<String>) -> Vec<String> {
    let mut rows = rows;
    rows.sort();
    rows
}

/// Would catch: an array parameter the server cannot take for a column's type (text, a
/// 32-bit integer given 32-bit values, a 64-bit key), `<> ALL` not matching `NOT IN`, or a
/// statement text that changes with the list's length on PostgreSQL.
#[test]
fn lists_of_each_kind_find_the_same_rows_on_both_databases() {
    each_db("kl_kinds", |db| {
        db.engine.create_all(&[User::table()]).unwrap();
        let people: Vec<User> = ["ada", "bob", "cy", "dee"].iter().zip(1..).map(|(n, a)| User::new(n, a)).collect();
        insert::<User>().values_many(&people).execute(&db.engine).unwrap();
        macro_rules! q {
            ($f:expr) => {
                names(select(User::name).filter($f).all(&db.engine).unwrap())
            };
        }
        assert_eq!(q!(User::name.in_(vec!["cy", "ada", "zed"])), ["ada", "cy"]);
        assert_eq!(q!(User::age.in_(vec![2, 4])), ["bob", "dee"]);
        assert_eq!(q!(User::age.not_in(vec![2, 4])), ["ada", "cy"]);
        assert_eq!(q!(User::id.in_(vec![1_i64, 3])), ["ada", "cy"]);
        assert_eq!(q!(User::active.in_(vec![true])), ["ada", "bob", "cy", "dee"]);
        db.log.clear();
        for n in [1_usize, 2, 3] {
            let ids: Vec<i64> = (1..=4).take(n).collect();
            assert_eq!(select(User::id).filter(User::id.in_(ids)).all(&db.engine).unwrap().len(), n);
        }
        let texts = db.log.statements();
        let distinct = texts.iter().collect::<std::collections::BTreeSet<_>>().len();
        assert_eq!(distinct, if db.is_pg() { 1 } else { 3 }, "{}: {texts:?}", db.name);
    });
}
