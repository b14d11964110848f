//! ORM queries: filter / filter_by / order_by / limit / offset / all / first / one /
//! one_or_none / count / exists / pagination, and every predicate on both backends.

use orm::prelude::*;
use orm::Error;

use crate::common::{each_db, Db};
use crate::models::User;

fn seed(db: &Db) {
    db.engine.create_all(&[User::table()]).unwrap();
    let mut s = db.engine.session();
    for (name, age, email) in [
        ("ada", 36, Some("ada@x.org")),
        ("bob", 17, None),
        ("cy_d", 52, Some("c@x.org")),
        ("Dora", 25, None),
        ("e%e", 40, Some("e@x.org")),
    ] {
        let mut u = User::new(name, age);
        u.email = email.map(str::to_owned);
        u.score = f64::from(age) / 2.0;
        s.add(u).unwrap();
    }
    s.commit().unwrap();
}

fn names(db: &Db, q: impl FnOnce(orm::Query<'_, User>) -> orm::Query<'_, User>) -> Vec<String> {
    let mut s = db.engine.session();
    q(s.query::<User>().order_by(User::id.asc())).all().unwrap().iter().map(|u| u.read().name.clone()).collect()
}

#[test]
fn comparison_and_boolean_operators() {
    each_db("q_cmp", |db| {
        seed(db);
        assert_eq!(names(db, |q| q.filter(User::age.gt(36))), ["cy_d", "e%e"]);
        assert_eq!(names(db, |q| q.filter(User::age.ge(36))), ["ada", "cy_d", "e%e"]);
        assert_eq!(names(db, |q| q.filter(User::age.lt(25))), ["bob"]);
        assert_eq!(names(db, |q| q.filter(User::age.le(25))), ["bob", "Dora"]);
        assert_eq!(names(db, |q| q.filter(User::age.ne(17)).filter(User::age.ne(52))), ["ada", "Dora", "e%e"]);
        assert_eq!(names(db, |q| q.filter_by(User::name, "bob")), ["bob"]);
        assert_eq!(names(db, |q| q.filter(User::age.gt(30) & User::email.is_null())), Vec::<String>::new());
        assert_eq!(names(db, |q| q.filter(User::age.lt(20) | User::age.gt(50))), ["bob", "cy_d"]);
        assert_eq!(names(db, |q| q.filter(!User::age.lt(40))), ["cy_d", "e%e"]);
        assert_eq!(names(db, |q| q.filter(User::age.gt(20).and(User::age.lt(30)))), ["Dora"]);
        // Column against column, arithmetic.
        assert_eq!(names(db, |q| q.filter(User::score.lt(User::score + 1.0))).len(), 5);
        assert_eq!(names(db, |q| q.filter((User::age * 2).gt(100))), ["cy_d"]);
        assert_eq!(names(db, |q| q.filter((User::age - 17).eq(0))), ["bob"]);
    });
}

#[test]
fn null_in_between_predicates() {
    each_db("q_pred", |db| {
        seed(db);
        assert_eq!(names(db, |q| q.filter(User::email.is_null())), ["bob", "Dora"]);
        assert_eq!(names(db, |q| q.filter(User::email.is_not_null())), ["ada", "cy_d", "e%e"]);
        assert_eq!(names(db, |q| q.filter(User::email.eq("c@x.org"))), ["cy_d"]);
        assert_eq!(names(db, |q| q.filter(User::age.in_([17, 25, 99]))), ["bob", "Dora"]);
        assert_eq!(names(db, |q| q.filter(User::age.not_in([17, 25]))), ["ada", "cy_d", "e%e"]);
        assert_eq!(names(db, |q| q.filter(User::age.in_(Vec::<i32>::new()))), Vec::<String>::new());
        assert_eq!(names(db, |q| q.filter(User::age.not_in(Vec::<i32>::new()))).len(), 5);
        assert_eq!(names(db, |q| q.filter(User::age.between(25, 40))), ["ada", "Dora", "e%e"]);
    });
}

#[test]
fn like_family_escapes_wildcards_in_user_values() {
    each_db("q_like", |db| {
        seed(db);
        assert_eq!(names(db, |q| q.filter(User::name.like("_o%"))), ["bob", "Dora"]);
        assert_eq!(
            names(db, |q| q.filter(User::name.like("d%"))),
            Vec::<String>::new(),
            "LIKE is case-sensitive on both"
        );
        assert_eq!(names(db, |q| q.filter(User::name.ilike("d%"))), ["Dora"]);
        assert_eq!(names(db, |q| q.filter(User::name.not_like("%a%"))), ["bob", "cy_d", "e%e"]);
        // `_` and `%` in the needle match literally.
        assert_eq!(names(db, |q| q.filter(User::name.contains("_"))), ["cy_d"]);
        assert_eq!(names(db, |q| q.filter(User::name.contains("%"))), ["e%e"]);
        assert_eq!(names(db, |q| q.filter(User::name.starts_with("cy_"))), ["cy_d"]);
        assert_eq!(names(db, |q| q.filter(User::name.starts_with("c_"))), Vec::<String>::new());
        assert_eq!(names(db, |q| q.filter(User::name.ends_with("ra"))), ["Dora"]);
        assert_eq!(names(db, |q| q.filter(User::email.ends_with("@x.org"))), ["ada", "cy_d", "e%e"]);
    });
}

#[test]
fn ordering_limit_offset_pagination() {
    each_db("q_order", |db| {
        seed(db);
        let mut s = db.engine.session();
        let by_age: Vec<i32> =
            s.query::<User>().order_by(User::age.desc()).all().unwrap().iter().map(|u| u.read().age).collect();
        assert_eq!(by_age, [52, 40, 36, 25, 17]);
        let page: Vec<i32> = s
            .query::<User>()
            .order_by(User::age)
            .limit(2)
            .offset(1)
            .all()
            .unwrap()
            .iter()
            .map(|u| u.read().age)
            .collect();
        assert_eq!(page, [25, 36]);
        let page3: Vec<i32> =
            s.query::<User>().order_by(User::age).paginate(3, 2).all().unwrap().iter().map(|u| u.read().age).collect();
        assert_eq!(page3, [52]);
        let offset_only: Vec<i32> =
            s.query::<User>().order_by(User::age).offset(3).all().unwrap().iter().map(|u| u.read().age).collect();
        assert_eq!(offset_only, [40, 52]);
        // NULLs last / first, on both backends.
        let emails: Vec<Option<String>> = s
            .query::<User>()
            .order_by(User::email.asc().nulls_first())
            .order_by(User::id)
            .all()
            .unwrap()
            .iter()
            .map(|u| u.read().email.clone())
            .collect();
        assert_eq!(emails[0], None);
        assert_eq!(emails[1], None);
        let emails: Vec<Option<String>> = s
            .query::<User>()
            .order_by(User::email.desc().nulls_last())
            .all()
            .unwrap()
            .iter()
            .map(|u| u.read().email.clone())
            .collect();
        assert_eq!(emails[0].as_deref(), Some("e@x.org"));
        assert_eq!(emails[4], None);
    });
}

#[test]
fn terminal_methods() {
    each_db("q_terminal", |db| {
        seed(db);
        let mut s = db.engine.session();
        assert_eq!(s.query::<User>().count().unwrap(), 5);
        assert_eq!(s.query::<User>().filter(User::age.gt(30)).count().unwrap(), 3);
        assert_eq!(s.query::<User>().order_by(User::id).limit(2).count().unwrap(), 2);
        assert!(s.query::<User>().filter(User::name.eq("ada")).exists().unwrap());
        assert!(!s.query::<User>().filter(User::name.eq("zed")).exists().unwrap());
        let first = s.query::<User>().order_by(User::age).first().unwrap().unwrap();
        assert_eq!(first.read().name, "bob");
        assert!(s.query::<User>().filter(User::age.gt(100)).first().unwrap().is_none());
        assert_eq!(s.query::<User>().filter(User::age.eq(52)).one().unwrap().read().name, "cy_d");
        assert!(matches!(s.query::<User>().filter(User::age.gt(100)).one(), Err(Error::NotFound { .. })));
        assert!(matches!(s.query::<User>().one(), Err(Error::MultipleRows { .. })));
        assert!(s.query::<User>().filter(User::age.gt(100)).one_or_none().unwrap().is_none());
        assert!(matches!(s.query::<User>().one_or_none(), Err(Error::MultipleRows { .. })));
    });
}

#[test]
fn query_keeps_unflushed_changes_of_objects_already_loaded() {
    each_db("q_identity", |db| {
        seed(db);
        let mut s = db.engine.session();
        let ada = s.query::<User>().filter_by(User::name, "ada").one().unwrap();
        ada.write().age = 99;
        let again = s.query::<User>().filter_by(User::name, "ada").one().unwrap();
        assert!(again.ptr_eq(&ada));
        assert_eq!(again.read().age, 99);
    });
}
