//! DDL: create_all / drop_all in foreign-key order, create / drop one table, every column
//! type round-trips, composite keys, server defaults.

use orm::prelude::*;
use orm::Error;

use crate::common::each_db;
use crate::models::{Order, Sample, User};

fn sample(seq: i32) -> Sample {
    Sample {
        region: "eu".into(),
        seq,
        small: -7,
        big: i64::MAX - 1,
        real: 1.5,
        double: -2.25e10,
        flag: true,
        label: format!("label {seq}"),
        data: vec![0, 255, 10, 13],
        maybe: None,
        status: None,
    }
}

#[test]
fn create_all_and_drop_all_follow_foreign_keys() {
    each_db("s_order", |db| {
        // Children listed first: created after their parents anyway.
        db.engine.create_all(&[Order::table(), User::table(), Sample::table()]).unwrap();
        db.engine.create_all(&[Order::table(), User::table()]).unwrap(); // idempotent
        let uid = insert::<User>().values(&User::new("ada", 1)).returning_keys(&db.engine).unwrap()[0];
        insert::<Order>().values(&Order { id: 0, user_id: uid, total: 1.0, note: None }).execute(&db.engine).unwrap();
        // ON DELETE CASCADE.
        delete::<User>().filter(User::id.eq(uid)).execute(&db.engine).unwrap();
        let n: i64 = select(func::count_all()).from::<Order>().one(&db.engine).unwrap();
        assert_eq!(n, 0);
        db.engine.drop_all(&[User::table(), Order::table(), Sample::table()]).unwrap();
        assert!(select(func::count_all()).from::<User>().one(&db.engine).is_err());
        db.engine.create_table(User::table()).unwrap();
        assert!(db.engine.create_table(User::table()).is_err());
        db.engine.drop_table(User::table()).unwrap();
        assert!(db.engine.drop_table(User::table()).is_err());
    });
}

#[test]
fn every_column_type_round_trips_with_a_composite_key() {
    each_db("s_types", |db| {
        db.engine.create_all(&[Sample::table()]).unwrap();
        let mut s = db.engine.session();
        let a = s.add(sample(1)).unwrap();
        let mut other = sample(2);
        other.maybe = Some(-3);
        other.status = Some("set".into());
        s.add(other).unwrap();
        s.commit().unwrap();
        assert_eq!(a.read().status.as_deref(), Some("fresh"), "server default read back at insert");

        let mut s2 = db.engine.session();
        let got = s2.get::<Sample>(("eu".to_string(), 1)).unwrap().unwrap();
        assert_eq!(*got.read(), Sample { status: Some("fresh".into()), ..sample(1) });
        let got2 = s2.get::<Sample>(("eu".to_string(), 2)).unwrap().unwrap();
        assert_eq!(got2.read().maybe, Some(-3));
        assert_eq!(got2.read().status.as_deref(), Some("set"));

        got.write().data = vec![1, 2, 3];
        got.write().label = "renamed column".into();
        s2.commit().unwrap();
        let label: String = select(Sample::label).filter(Sample::seq.eq(1)).one(&db.engine).unwrap();
        assert_eq!(label, "renamed column");

        // Composite UNIQUE (label, small).
        let mut dup = sample(3);
        dup.label = "label 2".into();
        let err = insert::<Sample>().values(&dup).execute(&db.engine).unwrap_err();
        assert!(matches!(err, Error::UniqueViolation { .. }), "{err:?}");
    });
}
