//! One-to-one: a single object, loaded, joined, replaced and deleted with its parent.

use orm::prelude::*;

use crate::common::each_db;
use crate::models::{Passport, Person};

fn passport(number: &str) -> Passport {
    Passport { id: 0, person_id: 0, number: number.into() }
}

#[test]
fn one_to_one_round_trip() {
    each_db("o_one", |db| {
        db.engine.create_all(&[Person::table(), Passport::table()]).unwrap();
        let mut s = db.engine.session();
        let mut ann = Person { id: 0, name: "ann".into(), passport: HasOne::new() };
        ann.passport.assign(Some(Obj::new(passport("A-1"))));
        let ann = s.add(ann).unwrap();
        s.add(Person { id: 0, name: "bob".into(), passport: HasOne::new() }).unwrap();
        s.commit().unwrap();
        let a = ann.read().passport.get().unwrap().unwrap().clone();
        assert_eq!(a.read().person_id, ann.read().id);

        for strategy in 0..2 {
            let mut s = db.engine.session();
            db.log.clear();
            let people = match strategy {
                0 => s.query::<Person>().options(selectinload(Person::passport)).order_by(Person::id).all().unwrap(),
                _ => s.query::<Person>().options(joinedload(Person::passport)).order_by(Person::id).all().unwrap(),
            };
            assert_eq!(db.log.statements().len(), 2 - strategy);
            assert_eq!(people[0].read().passport.get().unwrap().unwrap().read().number, "A-1");
            assert!(people[1].read().passport.get().unwrap().is_none());
        }

        // Replacing the passport deletes the old one (delete_orphan).
        let mut s = db.engine.session();
        let ann =
            s.query::<Person>().filter(Person::name.eq("ann")).options(selectinload(Person::passport)).one().unwrap();
        ann.write().passport.assign(Some(Obj::new(passport("A-2"))));
        s.commit().unwrap();
        let numbers: Vec<String> = select(Passport::number).all(&db.engine).unwrap();
        assert_eq!(numbers, ["A-2"]);

        // Deleting the person deletes the passport (cascade_delete).
        s.delete(&ann).unwrap();
        s.commit().unwrap();
        let n: i64 = select(func::count_all()).from::<Passport>().one(&db.engine).unwrap();
        assert_eq!(n, 0);
        let rows = s.query::<Person>().join_related(Person::passport).all().unwrap();
        assert!(rows.is_empty());
    });
}
