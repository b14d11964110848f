//! Loading conformance (issue 12): every `joinedload` of a query is one statement (in a
//! `Loaders` set, chained, nested), also with LIMIT / OFFSET / `first()` /
//! `one_or_none()`; `back_populates` keeps both sides of a loaded pair consistent in memory.

use orm::prelude::*;
use orm::{Error, Loaders};

use crate::common::{both, each_db, Db};
use crate::models::Employee;

#[derive(Model, Debug)]
#[orm(table = "l_users")]
pub struct LUser {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[relationship(back_populates = user)]
    pub orders: HasMany<LOrder>,
    pub posts: HasMany<LPost>,
    pub profile: HasOne<LProfile>,
}

#[derive(Model, Debug)]
#[orm(table = "l_orders")]
pub struct LOrder {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = LUser::id)]
    pub user_id: Option<i64>,
    pub total: i32,
    #[relationship(back_populates = orders)]
    pub user: BelongsTo<LUser>,
}

#[derive(Model, Debug)]
#[orm(table = "l_profiles")]
pub struct LProfile {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = LUser::id, unique)]
    pub user_id: i64,
    pub bio: String,
}

#[derive(Model, Debug)]
#[orm(table = "l_posts")]
pub struct LPost {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = LUser::id)]
    pub user_id: i64,
    pub title: String,
    pub comments: HasMany<LComment>,
}

#[derive(Model, Debug)]
#[orm(table = "l_comments")]
pub struct LComment {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = LPost::id)]
    pub post_id: i64,
    pub body: String,
}

/// Users "ann" (3 orders, 2 posts with 2 + 1 comments, a profile), "bob" (2 orders, 2 posts
/// with 0 + 3 comments, no profile), "cat" (nothing), "dan" (1 order, 1 post).
fn seed(db: &Db) {
    db.engine
        .create_all(&[LUser::table(), LOrder::table(), LProfile::table(), LPost::table(), LComment::table()])
        .unwrap();
    let users = ["ann", "bob", "cat", "dan"].map(|n| LUser {
        id: 0,
        name: n.into(),
        orders: HasMany::new(),
        posts: HasMany::new(),
        profile: HasOne::new(),
    });
    insert::<LUser>().values_many(&users).execute(&db.engine).unwrap();
    let orders = [(1, 10), (1, 11), (1, 12), (2, 20), (2, 21), (4, 40)].map(|(u, total)| LOrder {
        id: 0,
        user_id: Some(u),
        total,
        user: BelongsTo::not_loaded(),
    });
    insert::<LOrder>().values_many(&orders).execute(&db.engine).unwrap();
    insert::<LProfile>().values(&LProfile { id: 0, user_id: 1, bio: "ann's".into() }).execute(&db.engine).unwrap();
    let posts = [(1, "a1"), (1, "a2"), (2, "b1"), (2, "b2"), (4, "d1")].map(|(u, t)| LPost {
        id: 0,
        user_id: u,
        title: t.into(),
        comments: HasMany::new(),
    });
    insert::<LPost>().values_many(&posts).execute(&db.engine).unwrap();
    let comments = [(1, "a1x"), (1, "a1y"), (2, "a2x"), (4, "b2x"), (4, "b2y"), (4, "b2z")].map(|(p, b)| LComment {
        id: 0,
        post_id: p,
        body: b.into(),
    });
    insert::<LComment>().values_many(&comments).execute(&db.engine).unwrap();
    db.log.clear();
}

/// The totals of a user's loaded orders, sorted.
fn totals(u: &Obj<LUser>) -> Vec<i32> {
    let mut t: Vec<i32> = u.read().orders.get().unwrap().iter().map(|o| o.read().total).collect();
    t.sort_unstable();
    t
}

/// The titles of a user's loaded posts, sorted.
fn titles(u: &Obj<LUser>) -> Vec<String> {
    let mut t: Vec<String> = u.read().posts.get().unwrap().iter().map(|p| p.read().title.clone()).collect();
    t.sort_unstable();
    t
}

/// The bodies of a post's loaded comments, sorted.
fn bodies(p: &Obj<LPost>) -> Vec<String> {
    let mut b: Vec<String> = p.read().comments.get().unwrap().iter().map(|c| c.read().body.clone()).collect();
    b.sort_unstable();
    b
}

/// The loaded post of `u` titled `title`.
fn post(u: &Obj<LUser>, title: &str) -> Obj<LPost> {
    let posts = u.read().posts.get().unwrap().to_vec();
    posts.into_iter().find(|p| p.read().title == title).unwrap()
}

/// Each user's orders and posts, as loaded.
fn orders_and_posts(users: &[Obj<LUser>]) -> Vec<(String, Vec<i32>, Vec<String>)> {
    users.iter().map(|u| (u.read().name.clone(), totals(u), titles(u))).collect()
}

/// The one statement the log holds (panics on more).
fn one_statement(db: &Db) -> String {
    let stmts = db.log.statements();
    assert_eq!(stmts.len(), 1, "one statement expected: {stmts:#?}");
    stmts.into_iter().next().unwrap_or_default()
}

fn joins_in(sql: &str) -> usize {
    sql.matches("LEFT OUTER JOIN").count()
}

#[test]
fn joinedloads_in_a_loaders_set_are_one_statement() {
    each_db("cl_set", |db| {
        seed(db);
        let mut s = db.engine.session();
        let set = Loaders::new().with(joinedload(LUser::orders)).with(joinedload(LUser::profile));
        let users = s.query::<LUser>().options(set).order_by(LUser::id).all().unwrap();
        let sql = one_statement(db);
        assert_eq!(joins_in(&sql), 2, "{sql}");
        assert_eq!(users.len(), 4, "parents de-duplicated");
        let got: Vec<(Vec<i32>, Option<String>)> =
            users.iter().map(|u| (totals(u), u.read().profile.get().unwrap().map(|p| p.read().bio.clone()))).collect();
        assert_eq!(
            got,
            [(vec![10, 11, 12], Some("ann's".to_string())), (vec![20, 21], None), (vec![], None), (vec![40], None)]
        );

        // A set holding a single joinedload joins too.
        s = db.engine.session();
        let users = s
            .query::<LUser>()
            .options(Loaders::new().with(joinedload(LUser::orders)))
            .order_by(LUser::id)
            .all()
            .unwrap();
        let sql = one_statement(db);
        assert_eq!(joins_in(&sql), 1, "{sql}");
        assert_eq!(totals(&users[1]), [20, 21]);
    });
}

#[test]
fn chained_joinedloads_are_one_statement_and_two_collections_are_de_duplicated() {
    each_db("cl_chain", |db| {
        seed(db);
        let mut s = db.engine.session();
        // Two collections with several children each: ann's 3 orders x 2 posts are 6 rows.
        let users = s
            .query::<LUser>()
            .options(joinedload(LUser::orders))
            .options(joinedload(LUser::posts))
            .order_by(LUser::id)
            .all()
            .unwrap();
        let sql = one_statement(db);
        assert_eq!(joins_in(&sql), 2, "{sql}");
        let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            orders_and_posts(&users),
            [
                ("ann".into(), vec![10, 11, 12], strs(&["a1", "a2"])),
                ("bob".into(), vec![20, 21], strs(&["b1", "b2"])),
                ("cat".into(), vec![], vec![]),
                ("dan".into(), vec![40], strs(&["d1"])),
            ]
        );
        // Each row is one object: the joined orders are the session's objects.
        let ann_orders = users[0].read().orders.get().unwrap().to_vec();
        let again = s.get::<LOrder>(ann_orders[0].read().id).unwrap().unwrap();
        assert!(again.ptr_eq(&ann_orders[0]));
    });
}

#[test]
fn nested_joinedloads_are_one_statement() {
    each_db("cl_nested", |db| {
        seed(db);
        let mut s = db.engine.session();
        let users = s
            .query::<LUser>()
            .options(joinedload(LUser::posts).then(joinedload(LPost::comments)))
            .order_by(LUser::id)
            .all()
            .unwrap();
        let sql = one_statement(db);
        assert_eq!(joins_in(&sql), 2, "{sql}");
        let posts: Vec<(String, Vec<String>)> = users
            .iter()
            .flat_map(|u| u.read().posts.get().unwrap().to_vec())
            .map(|p| (p.read().title.clone(), bodies(&p)))
            .collect();
        let mut posts = posts;
        posts.sort();
        let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            posts,
            [
                ("a1".to_string(), strs(&["a1x", "a1y"])),
                ("a2".to_string(), strs(&["a2x"])),
                ("b1".to_string(), vec![]),
                ("b2".to_string(), strs(&["b2x", "b2y", "b2z"])),
                ("d1".to_string(), vec![]),
            ]
        );

        // Back to the queried table (under an alias): each order's user is the parent itself.
        s = db.engine.session();
        let users = s
            .query::<LUser>()
            .options(joinedload(LUser::orders).then(joinedload(LOrder::user)))
            .options(Loaders::new().with(joinedload(LUser::posts).then(joinedload(LPost::comments))))
            .order_by(LUser::id)
            .all()
            .unwrap();
        let sql = one_statement(db);
        assert_eq!(joins_in(&sql), 4, "{sql}");
        for u in &users {
            for o in u.read().orders.get().unwrap() {
                assert!(o.read().user.get().unwrap().unwrap().ptr_eq(u));
            }
        }
        assert_eq!(bodies(&post(&users[1], "b2")), ["b2x", "b2y", "b2z"]);
    });
}

#[test]
fn joinedload_mixed_with_selectinload_is_one_statement_per_selectin_level() {
    each_db("cl_mixed", |db| {
        seed(db);
        let mut s = db.engine.session();
        let set = Loaders::new().with(joinedload(LUser::orders)).with(selectinload(LUser::posts));
        let users = s.query::<LUser>().options(set).order_by(LUser::id).all().unwrap();
        let stmts = db.log.statements();
        assert_eq!(stmts.len(), 2, "{stmts:#?}");
        assert_eq!(joins_in(&stmts[0]), 1, "{}", stmts[0]);
        assert_eq!(joins_in(&stmts[1]), 0, "{}", stmts[1]);
        assert_eq!(orders_and_posts(&users)[1].1, [20, 21]);
        assert_eq!(orders_and_posts(&users)[1].2, ["b1", "b2"]);

        // Joined, then select-in under it.
        s = db.engine.session();
        let users = s
            .query::<LUser>()
            .options(joinedload(LUser::posts).then(selectinload(LPost::comments)))
            .order_by(LUser::id)
            .all()
            .unwrap();
        assert_eq!(db.log.statements().len(), 2);
        assert_eq!(bodies(&post(&users[1], "b2")), ["b2x", "b2y", "b2z"]);

        // Select-in, then joined under it: the join goes into the select-in statement.
        s = db.engine.session();
        let users = s
            .query::<LUser>()
            .options(selectinload(LUser::posts).then(joinedload(LPost::comments)))
            .order_by(LUser::id)
            .all()
            .unwrap();
        let stmts = db.log.statements();
        assert_eq!(stmts.len(), 2, "{stmts:#?}");
        assert_eq!(joins_in(&stmts[1]), 1, "{}", stmts[1]);
        assert_eq!(bodies(&post(&users[0], "a1")), ["a1x", "a1y"]);
        assert_eq!(bodies(&post(&users[1], "b2")), ["b2x", "b2y", "b2z"]);

        // Three levels, select-in / joined / joined: still one statement per select-in level.
        s = db.engine.session();
        let users = s
            .query::<LUser>()
            .options(
                Loaders::new()
                    .with(subqueryload(LUser::orders).then(joinedload(LOrder::user).then(joinedload(LUser::posts)))),
            )
            .order_by(LUser::id)
            .all()
            .unwrap();
        let stmts = db.log.statements();
        assert_eq!(stmts.len(), 2, "{stmts:#?}");
        assert_eq!(joins_in(&stmts[1]), 2, "{}", stmts[1]);
        let o = users[1].read().orders.get().unwrap()[0].clone();
        let bob = o.read().user.get().unwrap().unwrap().clone();
        assert!(bob.ptr_eq(&users[1]));
        assert_eq!(titles(&bob), ["b1", "b2"]);
    });
}

#[test]
fn joinedload_with_limit_offset_first_and_one_or_none_loads_whole_collections() {
    each_db("cl_limit", |db| {
        seed(db);
        // LIMIT 2, ordered by name descending: dan and cat, each with all its orders.
        let mut s = db.engine.session();
        let users =
            s.query::<LUser>().options(joinedload(LUser::orders)).order_by(LUser::name.desc()).limit(2).all().unwrap();
        let sql = one_statement(db);
        assert_eq!(joins_in(&sql), 1, "{sql}");
        let got: Vec<(String, Vec<i32>)> = users.iter().map(|u| (u.read().name.clone(), totals(u))).collect();
        assert_eq!(got, [("dan".to_string(), vec![40]), ("cat".to_string(), vec![])]);

        // LIMIT 2 ascending: ann and bob with all 3 + 2 orders (5 joined rows), two collections.
        s = db.engine.session();
        let users = s
            .query::<LUser>()
            .options(joinedload(LUser::orders))
            .options(joinedload(LUser::posts).then(joinedload(LPost::comments)))
            .order_by(LUser::id)
            .limit(2)
            .all()
            .unwrap();
        one_statement(db);
        let names: Vec<(String, Vec<i32>)> = users.iter().map(|u| (u.read().name.clone(), totals(u))).collect();
        assert_eq!(names, [("ann".to_string(), vec![10, 11, 12]), ("bob".to_string(), vec![20, 21])]);
        assert_eq!(titles(&users[0]), ["a1", "a2"]);

        // OFFSET: the page after the first.
        s = db.engine.session();
        let page =
            s.query::<LUser>().options(joinedload(LUser::orders)).order_by(LUser::id).paginate(2, 1).all().unwrap();
        one_statement(db);
        assert_eq!((page.len(), page[0].read().name.clone(), totals(&page[0])), (1, "bob".to_string(), vec![20, 21]));

        // first(): the first parent with ALL its children.
        s = db.engine.session();
        let ann = s.query::<LUser>().options(joinedload(LUser::orders)).order_by(LUser::id).first().unwrap().unwrap();
        one_statement(db);
        assert_eq!((ann.read().name.clone(), totals(&ann)), ("ann".to_string(), vec![10, 11, 12]));

        // one_or_none(): one parent, all its children; more parents are still an error.
        s = db.engine.session();
        let bob = s
            .query::<LUser>()
            .options(joinedload(LUser::orders))
            .filter(LUser::name.eq("bob"))
            .one_or_none()
            .unwrap()
            .unwrap();
        assert_eq!(totals(&bob), [20, 21]);
        let many = s.query::<LUser>().options(joinedload(LUser::orders)).one_or_none();
        assert!(matches!(many, Err(Error::MultipleRows { .. })), "{many:?}");

        // Locking the limited parents (FOR UPDATE OF the subquery on PostgreSQL).
        s = db.engine.session();
        db.log.clear();
        let ann = s
            .transaction(|s| {
                s.query::<LUser>().options(joinedload(LUser::orders)).order_by(LUser::id).with_for_update().first()
            })
            .unwrap()
            .unwrap();
        let sql = one_statement(db);
        assert_eq!(sql.contains("FOR UPDATE"), db.is_pg(), "{sql}");
        assert_eq!(totals(&ann), [10, 11, 12]);

        // Ordered by a column of a joined model: the order survives the subquery.
        s = db.engine.session();
        db.log.clear();
        let by_total = s
            .query::<LUser>()
            .join_related(LUser::orders)
            .options(joinedload(LUser::posts))
            .filter(LOrder::total.ge(20))
            .order_by(LOrder::total.desc())
            .limit(2)
            .all()
            .unwrap();
        one_statement(db);
        let got: Vec<(String, Vec<String>)> = by_total.iter().map(|u| (u.read().name.clone(), titles(u))).collect();
        assert_eq!(
            got,
            [("dan".to_string(), vec!["d1".to_string()]), ("bob".to_string(), vec!["b1".into(), "b2".into()])]
        );
    });
}

/// A relationship back to the queried table joins it again under an alias per level (also
/// around a limited subquery named like the table).
#[test]
fn self_referential_joinedloads_alias_each_level() {
    each_db("cl_self", |db| {
        db.engine.create_all(&[Employee::table()]).unwrap();
        let rows =
            [("boss", None), ("ann", Some(1)), ("ben", Some(1)), ("cid", Some(2)), ("dee", Some(2))].map(|(n, m)| {
                Employee {
                    id: 0,
                    name: n.into(),
                    manager_id: m,
                    manager: BelongsTo::not_loaded(),
                    reports: HasMany::new(),
                }
            });
        insert::<Employee>().values_many(&rows).execute(&db.engine).unwrap();
        db.log.clear();
        let names = |e: &Obj<Employee>| {
            let mut n: Vec<String> = e.read().reports.get().unwrap().iter().map(|r| r.read().name.clone()).collect();
            n.sort();
            n
        };
        let mut s = db.engine.session();
        let top = s
            .query::<Employee>()
            .options(joinedload(Employee::reports).then(joinedload(Employee::reports)))
            .options(joinedload(Employee::manager))
            .order_by(Employee::id)
            .limit(2)
            .all()
            .unwrap();
        let sql = one_statement(db);
        assert_eq!(joins_in(&sql), 3, "{sql}");
        assert_eq!(top.len(), 2);
        let (boss, ann) = (&top[0], &top[1]);
        assert_eq!(names(boss), ["ann", "ben"]);
        assert_eq!(names(ann), ["cid", "dee"]);
        assert!(boss.read().manager.get().unwrap().is_none());
        assert!(ann.read().manager.get().unwrap().unwrap().ptr_eq(boss));
        let ben = boss.read().reports.get().unwrap().iter().find(|r| r.read().name == "ben").unwrap().clone();
        assert!(names(&ben).is_empty(), "loaded at the second level, with no reports");
    });
}

#[test]
#[cfg(feature = "sqlite")]
fn joinedload_sql_snapshots() {
    let engine = Engine::connect("sqlite::memory:").unwrap();
    let mut s = engine.session();
    let mut out = String::new();
    let set = || Loaders::new().with(joinedload(LUser::orders)).with(joinedload(LUser::profile));
    let q = s.query::<LUser>().options(set()).order_by(LUser::id);
    out.push_str(&format!("== a Loaders set of two joinedloads\n{}\n", both(|d| q.render(d))));
    let q = s.query::<LUser>().options(joinedload(LUser::orders)).options(joinedload(LUser::posts));
    out.push_str(&format!("== chained joinedloads\n{}\n", both(|d| q.render(d))));
    let q = s
        .query::<LUser>()
        .options(joinedload(LUser::posts).then(joinedload(LPost::comments)))
        .options(joinedload(LUser::orders).then(joinedload(LOrder::user)));
    out.push_str(&format!("== nested joinedloads, back to the queried table\n{}\n", both(|d| q.render(d))));
    let q = s
        .query::<LUser>()
        .options(joinedload(LUser::orders))
        .filter(LUser::name.ne("cat"))
        .order_by(LUser::name.desc())
        .limit(2)
        .offset(1);
    out.push_str(&format!("== limited: a subquery the collection is joined to\n{}\n", both(|d| q.render(d))));
    let q = s
        .query::<LUser>()
        .join_related(LUser::orders)
        .options(joinedload(LUser::posts))
        .order_by(LOrder::total.desc())
        .order_by(LUser::id)
        .limit(2);
    out.push_str(&format!("== limited, ordered by a joined model's column\n{}\n", both(|d| q.render(d))));
    let q = s
        .query::<Employee>()
        .options(joinedload(Employee::reports).then(joinedload(Employee::reports)))
        .order_by(Employee::id)
        .limit(1)
        .with_for_update();
    out.push_str(&format!("== self-referential, limited, locked\n{}", both(|d| q.render(d))));
    insta::assert_snapshot!(out);
}

/// Every way of loading `LUser::orders` sets each order's `user`.
#[test]
fn loading_a_collection_sets_the_back_populated_side() {
    each_db("cl_back", |db| {
        seed(db);
        type Load = fn(&mut Session) -> Vec<Obj<LUser>>;
        let ways: [(&str, Load); 4] = [
            ("lazy", |s| {
                let users = s.query::<LUser>().order_by(LUser::id).all().unwrap();
                for u in &users {
                    s.load(u, LUser::orders).unwrap();
                }
                users
            }),
            ("selectin", |s| {
                s.query::<LUser>().options(selectinload(LUser::orders)).order_by(LUser::id).all().unwrap()
            }),
            ("joined", |s| s.query::<LUser>().options(joinedload(LUser::orders)).order_by(LUser::id).all().unwrap()),
            ("subquery", |s| {
                s.query::<LUser>().options(subqueryload(LUser::orders)).order_by(LUser::id).all().unwrap()
            }),
        ];
        for (name, load) in ways {
            let mut s = db.engine.session();
            let users = load(&mut s);
            db.log.clear();
            let mut seen = 0;
            for u in &users {
                for o in u.read().orders.get().unwrap() {
                    let back = o.read().user.get().map(|p| p.cloned());
                    assert!(matches!(&back, Ok(Some(p)) if p.ptr_eq(u)), "{name}: {back:?}");
                    seen += 1;
                }
            }
            assert_eq!(seen, 6, "{name}");
            assert!(db.log.statements().is_empty(), "{name}: read from memory");
        }
    });
}

/// `Order::user.set(..)` after loading the collections moves the order between them at once.
#[test]
fn setting_the_parent_moves_the_child_between_loaded_collections() {
    each_db("cl_move", |db| {
        seed(db);
        let mut s = db.engine.session();
        let users = s.query::<LUser>().options(selectinload(LUser::orders)).order_by(LUser::id).all().unwrap();
        let (ann, dan) = (&users[0], &users[3]);
        let o2 = ann.read().orders.get().unwrap()[1].clone();
        db.log.clear();
        LOrder::user.set(&o2, Some(dan));
        assert!(db.log.statements().is_empty(), "in memory, before any flush");
        assert_eq!(totals(ann), [10, 12]);
        assert_eq!(totals(dan), [11, 40]);
        assert!(o2.read().user.get().unwrap().unwrap().ptr_eq(dan));
        // The flush writes the move.
        s.commit().unwrap();
        s = db.engine.session();
        let dan = s.query::<LUser>().options(joinedload(LUser::orders)).filter(LUser::name.eq("dan")).one().unwrap();
        assert_eq!(totals(&dan), [11, 40]);

        // To no parent: it leaves the collection.
        let o = dan.read().orders.get().unwrap()[0].clone();
        LOrder::user.set(&o, None);
        assert_eq!(dan.read().orders.get().unwrap().len(), 1);
    });
}

/// Reloading a collection without a flush in between keeps the child's unflushed parent.
#[test]
fn reloading_a_collection_keeps_an_unflushed_move() {
    each_db("cl_reload", |db| {
        seed(db);
        let mut s = db.engine.session();
        s.set_autoflush(false);
        let users = s.query::<LUser>().options(selectinload(LUser::orders)).order_by(LUser::id).all().unwrap();
        let (ann, dan) = (&users[0], &users[3]);
        let o2 = ann.read().orders.get().unwrap()[1].clone();
        LOrder::user.set(&o2, Some(dan));
        s.load(ann, LUser::orders).unwrap();
        assert_eq!(totals(ann), [10, 11, 12], "the database's view, nothing flushed");
        assert!(o2.read().user.get().unwrap().unwrap().ptr_eq(dan), "the move is kept");
        s.commit().unwrap();
        let owner: Option<i64> = select(LOrder::user_id).filter(LOrder::total.eq(11)).one(&db.engine).unwrap();
        assert_eq!(owner, Some(4));
    });
}

/// `User::orders.append(..)` after loading the collections takes the order out of its former
/// user's collection at once, and points it at the new one.
#[test]
fn appending_to_a_collection_moves_the_child_out_of_the_former_one() {
    each_db("cl_append", |db| {
        seed(db);
        let mut s = db.engine.session();
        let ann = s.query::<LUser>().options(joinedload(LUser::orders)).filter(LUser::name.eq("ann")).one().unwrap();
        let bob = s.query::<LUser>().filter(LUser::name.eq("bob")).one().unwrap();
        s.load(&bob, LUser::orders).unwrap();
        let o2 = ann.read().orders.get().unwrap()[1].clone();
        db.log.clear();
        LUser::orders.append(&bob, o2.clone()).unwrap();
        assert!(db.log.statements().is_empty(), "in memory, before any flush");
        assert_eq!(totals(&ann), [10, 12]);
        assert_eq!(totals(&bob), [11, 20, 21]);
        assert!(o2.read().user.get().unwrap().unwrap().ptr_eq(&bob));
        s.commit().unwrap();
        let owner: Option<i64> = select(LOrder::user_id).filter(LOrder::total.eq(11)).one(&db.engine).unwrap();
        assert_eq!(owner, Some(2));

        // Loading the parents of many orders leaves the collections as they are (not loaded,
        // never partly filled), and the loaded pairs agree.
        s = db.engine.session();
        let orders = s.query::<LOrder>().options(joinedload(LOrder::user)).order_by(LOrder::id).all().unwrap();
        let ann = orders[0].read().user.get().unwrap().unwrap().clone();
        assert!(!ann.read().orders.is_loaded());
        s.load(&ann, LUser::orders).unwrap();
        for o in ann.read().orders.get().unwrap() {
            assert!(o.read().user.get().unwrap().unwrap().ptr_eq(&ann));
        }
    });
}
