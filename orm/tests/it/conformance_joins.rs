//! Issue 12, queries: the outer side of a LEFT JOIN read as `Option<Model>`, joins whose ON
//! clause follows the one foreign key, outer joins to an alias, and boolean columns used as
//! predicates (`filter(User::is_active)`, `filter(!User::is_active)`).

use orm::prelude::*;
use orm::{alias, model, BelongsTo, HasMany};

use crate::common::{both, each_db, Db};
use crate::models::Employee;

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "users")]
pub struct User {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    pub is_active: bool,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "posts")]
pub struct Post {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = User::id)]
    pub user_id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "comments")]
pub struct Comment {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = Post::id)]
    pub post_id: i64,
    pub body: String,
}

/// Linked to nothing.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "tags")]
pub struct Tag {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub label: String,
}

/// Two foreign keys to `User`: a join to it needs its condition spelled out.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "messages")]
pub struct Message {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = User::id)]
    pub sender_id: i64,
    #[orm(foreign_key = User::id)]
    pub recipient_id: i64,
}

fn user(name: &str, is_active: bool) -> User {
    User { id: 0, name: name.into(), is_active }
}

/// ada (active, 2 posts, 1 comment), bob (inactive, 1 post), cy (active, no post).
fn seed(db: &Db) {
    db.engine.create_all(&[User::table(), Post::table(), Comment::table(), Tag::table(), Message::table()]).unwrap();
    let keys = insert::<User>()
        .values_many(&[user("ada", true), user("bob", false), user("cy", true)])
        .returning_keys(&db.engine)
        .unwrap();
    let posts: Vec<Post> = [(0, "a1"), (0, "a2"), (1, "b1")]
        .iter()
        .map(|&(u, title)| Post { id: 0, user_id: keys[u], title: title.into() })
        .collect();
    let post_keys = insert::<Post>().values_many(&posts).returning_keys(&db.engine).unwrap();
    insert::<Comment>()
        .values(&Comment { id: 0, post_id: post_keys[0], body: "first!".into() })
        .execute(&db.engine)
        .unwrap();
}

#[test]
fn outer_joined_model_reads_as_none_where_nothing_matched() {
    each_db("cj_outer_model", |db| {
        seed(db);
        let rows: Vec<(User, Option<Post>)> = select((model::<User>(), model::<Option<Post>>()))
            .outerjoin::<Post>()
            .on(Post::user_id.eq(User::id))
            .order_by(User::name)
            .order_by(Post::title)
            .all(&db.engine)
            .unwrap();
        let shape: Vec<(String, Option<String>)> =
            rows.into_iter().map(|(u, p)| (u.name, p.map(|p| p.title))).collect();
        assert_eq!(
            shape,
            vec![
                ("ada".into(), Some("a1".into())),
                ("ada".into(), Some("a2".into())),
                ("bob".into(), Some("b1".into())),
                ("cy".into(), None),
            ]
        );
        // A plain column of the outer side, read through `.nullable()`.
        let titles: Vec<(String, Option<String>)> = select((User::name, Post::title.nullable()))
            .outerjoin::<Post>()
            .filter(User::name.eq("cy"))
            .all(&db.engine)
            .unwrap();
        assert_eq!(titles, vec![("cy".into(), None)]);
        // An inner join still reads plain models.
        let inner: Vec<(User, Post)> =
            select((model::<User>(), model::<Post>())).join::<Post>().order_by(Post::title).all(&db.engine).unwrap();
        assert_eq!(inner.len(), 3);
        assert_eq!(inner[2].0.name, "bob");
    });
}

#[test]
fn join_without_on_follows_the_one_foreign_key() {
    each_db("cj_infer", |db| {
        seed(db);
        // Child joined to its parent, and parent joined to its child.
        let from_users: Vec<(String, String)> =
            select((User::name, Post::title)).join::<Post>().order_by(Post::title).all(&db.engine).unwrap();
        assert_eq!(
            from_users,
            vec![("ada".into(), "a1".into()), ("ada".into(), "a2".into()), ("bob".into(), "b1".into())]
        );
        let from_posts: Vec<(String, String)> =
            select((Post::title, User::name)).join::<User>().order_by(Post::title).all(&db.engine).unwrap();
        assert_eq!(from_posts.len(), 3);
        // A third model joined to the second one.
        let comments: Vec<(String, String)> =
            select((User::name, Comment::body)).join::<Post>().join::<Comment>().all(&db.engine).unwrap();
        assert_eq!(comments, vec![("ada".into(), "first!".into())]);
        // Outer join, inferred.
        let counts: Vec<(String, i64)> = select((User::name, func::count(Post::id)))
            .outerjoin::<Post>()
            .group_by(User::name)
            .order_by(User::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(counts, vec![("ada".into(), 2), ("bob".into(), 1), ("cy".into(), 0)]);
        // `.on(...)` overrides the inferred condition.
        let none: Vec<String> = select(User::name).join::<Post>().on(Post::user_id.eq(-1)).all(&db.engine).unwrap();
        assert!(none.is_empty());
    });
}

#[test]
fn join_without_a_single_foreign_key_path_is_a_typed_error() {
    each_db("cj_no_path", |db| {
        seed(db);
        db.log.clear();
        let err = select(User::name).join::<Tag>().all(&db.engine).unwrap_err();
        assert!(
            matches!(&err, orm::Error::JoinPath { target, from, paths: 0 } if target == "tags" && from == &["users"]),
            "{err:?}"
        );
        assert!(err.to_string().contains(".on(...)"), "{err}");
        let err = select(Message::id).join::<User>().all(&db.engine).unwrap_err();
        assert!(matches!(&err, orm::Error::JoinPath { paths: 2, .. }), "{err:?}");
        // An error in an earlier join is not hidden by `.on(...)` on a later one.
        let err = select(User::name).join::<Tag>().join::<Post>().on(Post::user_id.eq(User::id)).all(&db.engine);
        assert!(matches!(err, Err(orm::Error::JoinPath { paths: 0, .. })), "{err:?}");
        // Nothing was sent for the refused statements.
        assert!(db.log.take().iter().all(|s| !s.contains("\"tags\"") && !s.contains("JOIN \"users\"")));
        // With the condition given, the same joins run.
        let sent: Vec<i64> =
            select(Message::id).join::<User>().on(Message::sender_id.eq(User::id)).all(&db.engine).unwrap();
        assert!(sent.is_empty());
        let tagged: Vec<String> =
            select(User::name).join::<Tag>().on(Tag::label.eq(User::name)).all(&db.engine).unwrap();
        assert!(tagged.is_empty());
    });
}

fn seed_employees(db: &Db) {
    db.engine.create_all(&[Employee::table()]).unwrap();
    let staff = |name: &str, manager_id: Option<i32>| Employee {
        id: 0,
        name: name.into(),
        manager_id,
        manager: BelongsTo::not_loaded(),
        reports: HasMany::new(),
    };
    let boss = insert::<Employee>().values(&staff("boss", None)).returning_keys(&db.engine).unwrap()[0];
    insert::<Employee>()
        .values_many(&[staff("ann", Some(boss)), staff("ben", Some(boss))])
        .execute(&db.engine)
        .unwrap();
}

#[test]
fn outer_join_to_an_alias_keeps_rows_without_a_match() {
    each_db("cj_outer_alias", |db| {
        seed_employees(db);
        let manager = alias::<Employee, 1>();
        let rows: Vec<(String, Option<String>)> = select((Employee::name, manager.col(Employee::name).nullable()))
            .outerjoin_as::<Employee, 1>()
            .on(manager.col(Employee::id).eq(Employee::manager_id))
            .order_by(Employee::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(
            rows,
            vec![("ann".into(), Some("boss".into())), ("ben".into(), Some("boss".into())), ("boss".into(), None)]
        );
        let mut s = db.engine.session();
        let top = s
            .query::<Employee>()
            .outerjoin_as::<Employee, 1>()
            .on(manager.col(Employee::id).eq(Employee::manager_id))
            .filter(manager.col(Employee::id).is_null())
            .all()
            .unwrap();
        assert_eq!(top.len(), 1);
        assert_eq!(top[0].read().name, "boss");
    });
}

#[test]
fn boolean_column_is_a_predicate() {
    each_db("cj_bool", |db| {
        seed(db);
        let active: Vec<String> =
            select(User::name).filter(User::is_active).order_by(User::name).all(&db.engine).unwrap();
        assert_eq!(active, vec!["ada".to_string(), "cy".into()]);
        let inactive: Vec<String> = select(User::name).filter(!User::is_active).all(&db.engine).unwrap();
        assert_eq!(inactive, vec!["bob".to_string()]);
        let either: Vec<String> = select(User::name)
            .filter(User::is_active.and(User::name.eq("ada")).or(!User::is_active))
            .order_by(User::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(either, vec!["ada".to_string(), "bob".into()]);
        let with_ops: Vec<String> =
            select(User::name).filter(User::is_active & User::name.ne("ada")).all(&db.engine).unwrap();
        assert_eq!(with_ops, vec!["cy".to_string()]);
        let or_ops: i64 = select(func::count_all())
            .from::<User>()
            .filter(!User::is_active | User::name.eq("cy"))
            .one(&db.engine)
            .unwrap();
        assert_eq!(or_ops, 2);

        let mut s = db.engine.session();
        assert_eq!(s.query::<User>().filter(User::is_active).count().unwrap(), 2);
        assert_eq!(s.query::<User>().filter(!User::is_active).count().unwrap(), 1);
        drop(s);

        let changed = update::<User>().set(User::name, "eve").filter(!User::is_active).execute(&db.engine).unwrap();
        assert_eq!(changed, 1);
        let deleted = delete::<User>().filter(User::is_active.and(User::name.ne("ada"))).execute(&db.engine).unwrap();
        assert_eq!(deleted, 1);
        let left: Vec<String> = select(User::name).order_by(User::name).all(&db.engine).unwrap();
        assert_eq!(left, vec!["ada".to_string(), "eve".into()]);
    });
}

#[test]
fn snapshots_of_inferred_joins_outer_aliases_and_boolean_predicates() {
    insta::assert_snapshot!(
        "cj_outer_model",
        both(|d| select((model::<User>(), model::<Option<Post>>())).outerjoin::<Post>().render(d))
    );
    insta::assert_snapshot!(
        "cj_inferred_chain",
        both(|d| select((User::name, Comment::body)).join::<Post>().join::<Comment>().render(d))
    );
    insta::assert_snapshot!("cj_inferred_parent", both(|d| select(Post::title).join::<User>().render(d)));
    insta::assert_snapshot!("cj_no_path", both(|d| select(User::name).join::<Tag>().render(d)));
    insta::assert_snapshot!(
        "cj_outer_alias",
        both(|d| {
            let manager = alias::<Employee, 1>();
            select((Employee::name, manager.col(Employee::name).nullable()))
                .outerjoin_as::<Employee, 1>()
                .on(manager.col(Employee::id).eq(Employee::manager_id))
                .render(d)
        })
    );
    insta::assert_snapshot!(
        "cj_bool_filters",
        both(|d| select(User::id).filter(User::is_active).filter(!User::is_active | User::name.eq("x")).render(d))
    );
    insta::assert_snapshot!(
        "cj_bool_update_delete",
        both(|d| {
            let u = update::<User>().set(User::name, "x").filter(!User::is_active).render(d)?;
            let del = delete::<User>().filter(User::is_active).render(d)?;
            Ok(orm::dialect::Rendered {
                sql: format!("{}; {}", u.sql, del.sql),
                params: [u.params, del.params].concat(),
            })
        })
    );
}
