//! One-to-one conformance (issue 12): `back_populates` pairs a `HasOne<Child>` with the
//! child's `BelongsTo<Parent>`; loading either side (every strategy) sets the other, and
//! changing either side through its descriptor updates the other in memory before any flush,
//! which then writes a consistent result (a replaced child goes first: deleted as an orphan or
//! given a NULL key, so the unique foreign key never sees two owners).

use orm::prelude::*;
use orm::Error;

use crate::common::{each_db, Db};

#[derive(Model, Debug)]
#[orm(table = "oo_people")]
pub struct OPerson {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[relationship(back_populates = person, delete_orphan, cascade_delete)]
    pub passport: HasOne<OPassport>,
    #[relationship(back_populates = holder)]
    pub badge: HasOne<OBadge>,
}

/// A NOT NULL unique key, `delete_orphan` on the parent.
#[derive(Model, Debug)]
#[orm(table = "oo_passports")]
pub struct OPassport {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = OPerson::id, unique)]
    pub person_id: i64,
    pub number: String,
    #[relationship(back_populates = passport)]
    pub person: BelongsTo<OPerson>,
}

/// A nullable unique key, no `delete_orphan`: a replaced badge gets a NULL key.
#[derive(Model, Debug)]
#[orm(table = "oo_badges")]
pub struct OBadge {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = OPerson::id, unique)]
    pub holder_id: Option<i64>,
    pub code: String,
    #[relationship(back_populates = badge)]
    pub holder: BelongsTo<OPerson>,
}

fn passport(number: &str) -> OPassport {
    OPassport { id: 0, person_id: 0, number: number.into(), person: BelongsTo::not_loaded() }
}

/// People ann (1, passport A, badge X), bob (2, passport B, badge Y), cat (3, nothing).
fn seed(db: &Db) {
    db.engine.create_all(&[OPerson::table(), OPassport::table(), OBadge::table()]).unwrap();
    let people =
        ["ann", "bob", "cat"].map(|n| OPerson { id: 0, name: n.into(), passport: HasOne::new(), badge: HasOne::new() });
    insert::<OPerson>().values_many(&people).execute(&db.engine).unwrap();
    let passports = [(1, "A"), (2, "B")].map(|(p, n)| OPassport { person_id: p, ..passport(n) });
    insert::<OPassport>().values_many(&passports).execute(&db.engine).unwrap();
    let badges = [(1, "X"), (2, "Y")].map(|(p, c)| OBadge {
        id: 0,
        holder_id: Some(p),
        code: c.into(),
        holder: BelongsTo::not_loaded(),
    });
    insert::<OBadge>().values_many(&badges).execute(&db.engine).unwrap();
    db.log.clear();
}

/// ann, bob and cat with their passports and badges loaded.
fn load_people(s: &mut Session) -> Vec<Obj<OPerson>> {
    s.query::<OPerson>()
        .options(selectinload(OPerson::passport))
        .options(selectinload(OPerson::badge))
        .order_by(OPerson::id)
        .all()
        .unwrap()
}

fn passport_of(p: &Obj<OPerson>) -> Option<Obj<OPassport>> {
    p.read().passport.get().unwrap().cloned()
}

fn person_of(p: &Obj<OPassport>) -> Option<Obj<OPerson>> {
    p.read().person.get().unwrap().cloned()
}

fn same<M: Model>(a: Option<Obj<M>>, b: &Obj<M>) -> bool {
    a.is_some_and(|a| a.ptr_eq(b))
}

/// (number, owner) of every passport, by number.
fn passports_in_db(db: &Db) -> Vec<(String, i64)> {
    select((OPassport::number, OPassport::person_id)).order_by(OPassport::number).all(&db.engine).unwrap()
}

/// (code, holder) of every badge, by code.
fn badges_in_db(db: &Db) -> Vec<(String, Option<i64>)> {
    select((OBadge::code, OBadge::holder_id)).order_by(OBadge::code).all(&db.engine).unwrap()
}

fn starts(stmts: &[String]) -> Vec<&str> {
    stmts.iter().map(|s| s.split_whitespace().next().unwrap_or_default()).collect()
}

/// Every way of loading `OPerson::passport` sets each passport's `person`.
#[test]
fn loading_the_child_sets_its_parent() {
    each_db("oo_load_child", |db| {
        seed(db);
        type Load = fn(&mut Session) -> Vec<Obj<OPerson>>;
        let ways: [(&str, usize, Load); 4] = [
            ("lazy", 4, |s| {
                let people = s.query::<OPerson>().order_by(OPerson::id).all().unwrap();
                for p in &people {
                    s.load(p, OPerson::passport).unwrap();
                }
                people
            }),
            ("selectin", 2, |s| {
                s.query::<OPerson>().options(selectinload(OPerson::passport)).order_by(OPerson::id).all().unwrap()
            }),
            ("joined", 1, |s| {
                s.query::<OPerson>().options(joinedload(OPerson::passport)).order_by(OPerson::id).all().unwrap()
            }),
            ("subquery", 2, |s| {
                s.query::<OPerson>().options(subqueryload(OPerson::passport)).order_by(OPerson::id).all().unwrap()
            }),
        ];
        for (name, statements, load) in ways {
            let mut s = db.engine.session();
            db.log.clear();
            let people = load(&mut s);
            assert_eq!(db.log.statements().len(), statements, "{name}");
            let mut seen = 0;
            for p in &people {
                if let Some(pp) = passport_of(p) {
                    assert!(same(person_of(&pp), p), "{name}");
                    seen += 1;
                }
            }
            assert_eq!(seen, 2, "{name}");
            assert!(passport_of(&people[2]).is_none(), "{name}: cat has none");
            assert!(db.log.statements().is_empty(), "{name}: read from memory");
        }
    });
}

/// Every way of loading `OPassport::person` sets each person's `passport` (the key is
/// unique: the passport is the person's one passport).
#[test]
fn loading_the_parent_sets_its_one_child() {
    each_db("oo_load_parent", |db| {
        seed(db);
        type Load = fn(&mut Session) -> Vec<Obj<OPassport>>;
        let ways: [(&str, usize, Load); 4] = [
            ("lazy", 3, |s| {
                let passports = s.query::<OPassport>().order_by(OPassport::id).all().unwrap();
                for p in &passports {
                    s.load(p, OPassport::person).unwrap();
                }
                passports
            }),
            ("selectin", 2, |s| {
                s.query::<OPassport>().options(selectinload(OPassport::person)).order_by(OPassport::id).all().unwrap()
            }),
            ("joined", 1, |s| {
                s.query::<OPassport>().options(joinedload(OPassport::person)).order_by(OPassport::id).all().unwrap()
            }),
            ("subquery", 2, |s| {
                s.query::<OPassport>().options(subqueryload(OPassport::person)).order_by(OPassport::id).all().unwrap()
            }),
        ];
        for (name, statements, load) in ways {
            let mut s = db.engine.session();
            db.log.clear();
            let passports = load(&mut s);
            assert_eq!(db.log.statements().len(), statements, "{name}");
            for pp in &passports {
                let person = person_of(pp).unwrap();
                assert!(same(passport_of(&person), pp), "{name}");
            }
            assert!(db.log.statements().is_empty(), "{name}: read from memory");
            // The badge side was not loaded: it stays so.
            assert!(!person_of(&passports[0]).unwrap().read().badge.is_loaded(), "{name}");
        }
    });
}

/// `OPassport::person.set(&a, Some(&bob))`: bob's passport is `a` at once, ann has none, and
/// bob's former passport has no person; the flush deletes that orphan before it moves `a`.
#[test]
fn setting_the_parent_moves_the_child_and_the_replaced_one_goes_first() {
    each_db("oo_set_parent", |db| {
        seed(db);
        let mut s = db.engine.session();
        let people = load_people(&mut s);
        let (ann, bob) = (&people[0], &people[1]);
        let (a, b) = (passport_of(ann).unwrap(), passport_of(bob).unwrap());
        db.log.clear();
        OPassport::person.set(&a, Some(bob));
        assert!(db.log.statements().is_empty(), "in memory, before any flush");
        assert!(passport_of(ann).is_none());
        assert!(same(passport_of(bob), &a));
        assert!(same(person_of(&a), bob));
        assert!(person_of(&b).is_none());
        s.commit().unwrap();
        let stmts = db.log.statements();
        assert_eq!(starts(&stmts), ["DELETE", "UPDATE"], "{stmts:#?}");
        assert_eq!(passports_in_db(db), [("A".to_owned(), 2)]);
    });
}

/// The same with a nullable key and no `delete_orphan`: the replaced badge gets a NULL key
/// before the moved one takes its owner.
#[test]
fn setting_the_parent_nulls_the_replaced_child_first() {
    each_db("oo_set_null", |db| {
        seed(db);
        let mut s = db.engine.session();
        let people = load_people(&mut s);
        let (ann, bob) = (&people[0], &people[1]);
        let x = ann.read().badge.get().unwrap().unwrap().clone();
        let y = bob.read().badge.get().unwrap().unwrap().clone();
        db.log.clear();
        OBadge::holder.set(&x, Some(bob));
        assert!(db.log.statements().is_empty());
        assert!(ann.read().badge.get().unwrap().is_none());
        assert!(bob.read().badge.get().unwrap().unwrap().ptr_eq(&x));
        assert!(y.read().holder.get().unwrap().is_none());
        s.commit().unwrap();
        let stmts = db.log.statements();
        assert_eq!(starts(&stmts), ["UPDATE", "UPDATE"], "{stmts:#?}");
        assert_eq!(badges_in_db(db), [("X".to_owned(), Some(2)), ("Y".to_owned(), None)]);

        // To no holder: the badge keeps its row, with a NULL key.
        let mut s = db.engine.session();
        let people = load_people(&mut s);
        let x = people[1].read().badge.get().unwrap().unwrap().clone();
        OBadge::holder.set(&x, None);
        assert!(people[1].read().badge.get().unwrap().is_none());
        s.commit().unwrap();
        assert_eq!(badges_in_db(db), [("X".to_owned(), None), ("Y".to_owned(), None)]);
    });
}

/// `OPassport::person.set(&a, None)`: ann has no passport at once; the flush deletes `a`
/// (`delete_orphan`).
#[test]
fn setting_no_parent_makes_an_orphan() {
    each_db("oo_set_none", |db| {
        seed(db);
        let mut s = db.engine.session();
        let people = load_people(&mut s);
        let a = passport_of(&people[0]).unwrap();
        OPassport::person.set(&a, None);
        assert!(passport_of(&people[0]).is_none());
        db.log.clear();
        s.commit().unwrap();
        assert_eq!(starts(&db.log.statements()), ["DELETE"]);
        assert_eq!(passports_in_db(db), [("B".to_owned(), 2)]);
    });
}

/// `OPerson::passport.set(&parent, ..)` sets the child's `person`, clears the replaced
/// child's and takes the child from its former owner, before any flush.
#[test]
fn setting_the_child_on_the_parent_sets_the_other_side() {
    each_db("oo_set_child", |db| {
        seed(db);
        let mut s = db.engine.session();
        let people = load_people(&mut s);
        let (ann, bob, cat) = (&people[0], &people[1], &people[2]);
        let (a, b) = (passport_of(ann).unwrap(), passport_of(bob).unwrap());

        // An existing passport moves from ann to cat: one UPDATE.
        db.log.clear();
        OPerson::passport.set(cat, Some(&a)).unwrap();
        assert!(db.log.statements().is_empty());
        assert!(same(person_of(&a), cat));
        assert!(passport_of(ann).is_none());
        s.commit().unwrap();
        assert_eq!(starts(&db.log.statements()), ["UPDATE"]);
        assert_eq!(passports_in_db(db), [("A".to_owned(), 3), ("B".to_owned(), 2)]);

        // A new passport replaces it: the old one is deleted before the new one is inserted.
        let c = Obj::new(passport("C"));
        OPerson::passport.set(cat, Some(&c)).unwrap();
        assert!(same(person_of(&c), cat));
        assert!(person_of(&a).is_none());
        db.log.clear();
        s.commit().unwrap();
        assert_eq!(starts(&db.log.statements()), ["DELETE", "INSERT"]);
        assert_eq!(passports_in_db(db), [("B".to_owned(), 2), ("C".to_owned(), 3)]);

        // None: bob's passport has no person, and is deleted.
        OPerson::passport.set(bob, None).unwrap();
        assert!(person_of(&b).is_none());
        db.log.clear();
        s.commit().unwrap();
        assert_eq!(starts(&db.log.statements()), ["DELETE"]);
        assert_eq!(passports_in_db(db), [("C".to_owned(), 3)]);
    });
}

/// The parent's side must be loaded to be set through the descriptor (the child it replaces
/// must be known); the refusal changes nothing.
#[test]
fn setting_an_unloaded_child_is_refused() {
    each_db("oo_not_loaded", |db| {
        seed(db);
        let mut s = db.engine.session();
        let cat = s.query::<OPerson>().filter(OPerson::name.eq("cat")).one().unwrap();
        let c = Obj::new(passport("C"));
        let err = OPerson::passport.set(&cat, Some(&c)).unwrap_err();
        assert!(matches!(err, Error::NotLoaded { .. }), "{err:?}");
        assert!(!s.is_modified(&cat));
        assert!(!c.read().person.is_loaded());
    });
}

/// Reloading the child of its former parent without a flush (autoflush off) keeps the
/// child's unflushed parent; the flush writes the move.
#[test]
fn reloading_keeps_an_unflushed_move() {
    each_db("oo_reload", |db| {
        seed(db);
        let mut s = db.engine.session();
        s.set_autoflush(false);
        let people = load_people(&mut s);
        let (ann, bob) = (&people[0], &people[1]);
        let a = passport_of(ann).unwrap();
        OPassport::person.set(&a, Some(bob));
        s.load(ann, OPerson::passport).unwrap();
        assert!(same(passport_of(ann), &a), "the database's view, nothing flushed");
        assert!(same(person_of(&a), bob), "the move is kept");
        assert!(same(passport_of(bob), &a));
        s.commit().unwrap();
        assert_eq!(passports_in_db(db), [("A".to_owned(), 2)]);
    });
}

/// The same rule for a collection: `LOrder::user.set(&o, None)` after loading the collection
/// takes `o` out of it as a change of its former user, so the flush writes the NULL key (it
/// left the key as it was before: the order still belonged to the user in the database).
#[test]
fn setting_no_parent_of_a_collection_child_writes_a_null_key() {
    use crate::conformance_loading::{LOrder, LUser};
    each_db("oo_many_none", |db| {
        db.engine.create_all(&[LUser::table(), LOrder::table()]).unwrap();
        let mut s = db.engine.session();
        let user =
            LUser { id: 0, name: "u".into(), orders: HasMany::new(), posts: HasMany::new(), profile: HasOne::new() };
        let u = s.add(user).unwrap();
        for total in [1, 2] {
            LUser::orders.append(&u, LOrder { id: 0, user_id: None, total, user: BelongsTo::not_loaded() }).unwrap();
        }
        s.commit().unwrap();
        let mut s = db.engine.session();
        let users = s.query::<LUser>().options(selectinload(LUser::orders)).all().unwrap();
        let o = users[0].read().orders.get().unwrap()[0].clone();
        LOrder::user.set(&o, None);
        assert_eq!(users[0].read().orders.get().unwrap().len(), 1);
        db.log.clear();
        s.commit().unwrap();
        assert_eq!(starts(&db.log.statements()), ["UPDATE"]);
        let owners: Vec<Option<i64>> = select(LOrder::user_id).order_by(LOrder::total).all(&db.engine).unwrap();
        assert_eq!(owners, [None, Some(1)]);
    });
}

/// Two children of one load naming the same parent (an unflushed key change, autoflush off)
/// leave that parent's side as it was: which one is its child is not known.
#[test]
fn two_children_naming_one_parent_leave_its_side_alone() {
    each_db("oo_two_children", |db| {
        seed(db);
        let mut s = db.engine.session();
        s.set_autoflush(false);
        let passports = s.query::<OPassport>().order_by(OPassport::id).all().unwrap();
        let (a, b) = (&passports[0], &passports[1]);
        b.write().person_id = 1;
        s.load_all(&passports, OPassport::person).unwrap();
        let ann = person_of(a).unwrap();
        assert!(same(person_of(b), &ann));
        assert!(!ann.read().passport.is_loaded());

        // One child per parent: the side is set.
        let mut s = db.engine.session();
        let passports = s.query::<OPassport>().order_by(OPassport::id).all().unwrap();
        s.load_all(&passports, OPassport::person).unwrap();
        assert!(same(passport_of(&person_of(&passports[0]).unwrap()), &passports[0]));
    });
}
