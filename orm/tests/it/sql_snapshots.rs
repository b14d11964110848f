//! Every statement shape, rendered in both dialects side by side (insta snapshots).
//! Rendering never touches a connection.

use orm::dialect::{render_ddl, Dialect, Postgres, Sqlite};
use orm::prelude::*;

use crate::common::{both, show};
use orm::query::{model_statements, Ddl};
use orm::DialectKind;

use crate::models::{Order, Sample, User};

#[test]
fn select_all_columns_with_filters() {
    insta::assert_snapshot!(both(|d| select_model::<User>()
        .filter(User::age.ge(18) & (User::name.eq("ada") | !User::active.eq(true)))
        .render(d)));
}

#[test]
fn select_tuple_order_limit_offset() {
    insta::assert_snapshot!(both(|d| select((User::name, User::age))
        .order_by(User::age.desc())
        .order_by(User::email.asc().nulls_last())
        .limit(10)
        .offset(20)
        .render(d)));
}

#[test]
fn offset_without_limit() {
    insta::assert_snapshot!(both(|d| select(User::id).offset(5).render(d)));
}

#[test]
fn predicates_null_in_between() {
    insta::assert_snapshot!(both(|d| select(User::id)
        .filter(User::email.is_null())
        .filter(User::email.is_not_null())
        .filter(User::age.in_([1, 2, 3]))
        .filter(User::age.not_in([4]))
        .filter(User::age.in_(Vec::<i32>::new()))
        .filter(User::age.between(10, 20))
        .render(d)));
}

#[test]
fn like_family_with_escaping() {
    insta::assert_snapshot!(both(|d| select(User::id)
        .filter(User::name.like("a%"))
        .filter(User::name.not_like("b_"))
        .filter(User::name.ilike("C%"))
        .filter(User::name.contains("50%_off\\"))
        .filter(User::name.starts_with("x"))
        .filter(User::name.ends_with("y"))
        .render(d)));
}

#[test]
fn aggregates_group_by_having_distinct_labels() {
    let n = func::count(Order::id).label("n");
    insta::assert_snapshot!(both(|d| select((
        Order::user_id,
        n.clone(),
        func::sum(Order::total),
        func::avg(Order::total)
    ))
    .group_by(Order::user_id)
    .having(func::count(Order::id).gt(1))
    .order_by(n.desc())
    .distinct()
    .render(d)));
}

#[test]
fn functions_and_arithmetic() {
    insta::assert_snapshot!(both(|d| select((
        func::count_all(),
        func::sum(User::age),
        func::min(User::age),
        func::max(User::score),
        func::length(User::name),
        func::lower(User::name),
        func::upper(User::name),
        func::coalesce(User::email, "none"),
    ))
    .filter((User::age + 1).gt(User::age * 2 - 3))
    .filter(func::call::<i32, _>("abs", (User::age,)).lt(5))
    .filter(User::name.concat("!").eq("ada!"))
    .render(d)));
}

#[test]
fn insert_model_rows_and_column_values() {
    insta::assert_snapshot!(both(|d| Ok(insert::<User>()
        .values_many(&[User::new("a", 1), User::new("b", 2)])
        .render(d)?
        .remove(0))));
    insta::assert_snapshot!(both(|d| Ok(insert::<User>().set(User::name, "c").set(User::age, 3).render(d)?.remove(0))));
}

#[test]
fn update_and_delete() {
    insta::assert_snapshot!(both(|d| update::<User>()
        .set(User::age, User::age + 1)
        .set(User::email, None::<String>)
        .filter(User::id.eq(7))
        .render(d)));
    insta::assert_snapshot!(both(|d| delete::<Order>().filter(Order::total.lt(1.0)).render(d)));
}

#[test]
fn cached_crud_statements_of_each_model() {
    let mut out = String::new();
    for (name, kind) in [("sqlite", DialectKind::Sqlite), ("postgres", DialectKind::Postgres)] {
        for table in [User::table(), Order::table(), Sample::table()] {
            let s = model_statements(table, kind).unwrap();
            out.push_str(&format!("-- {name} {}\n{}\n{}\n{}\n{}\n\n", table.name, s.get, s.insert, s.update, s.delete));
        }
    }
    insta::assert_snapshot!(out);
}

#[test]
fn ddl_create_and_drop() {
    let mut out = String::new();
    for d in [&Sqlite as &dyn Dialect, &Postgres] {
        out.push_str(&format!("-- {}\n", d.name()));
        for table in [User::table(), Order::table(), Sample::table()] {
            for ddl in [
                Ddl::CreateTable { table, if_not_exists: false, subtypes: Vec::new() },
                Ddl::CreateIndexes { table, if_not_exists: true },
                Ddl::DropTable { table, if_exists: true },
            ] {
                for sql in render_ddl(d, &ddl).unwrap() {
                    out.push_str(&sql);
                    out.push_str(";\n");
                }
            }
        }
    }
    insta::assert_snapshot!(out);
}

#[test]
fn bad_identifiers_and_function_names_are_refused() {
    insta::assert_snapshot!(both(
        |d| select(func::call::<i32, _>("abs); DROP TABLE users; --", (User::age,))).render(d)
    ));
}

#[test]
#[cfg(feature = "sqlite")]
fn orm_query_count_and_exists() {
    let engine = Engine::connect("sqlite::memory:").unwrap();
    let mut s = engine.session();
    let mut out = String::new();
    for d in [&Sqlite as &dyn Dialect, &Postgres] {
        let q = s.query::<User>().filter(User::age.gt(3)).order_by(User::name.asc());
        out.push_str(&show(&format!("{} query", d.name()), q.render(d)));
        let count = q.count_statement();
        out.push_str(&show(
            &format!("{} count", d.name()),
            orm::dialect::render(d, orm::query::Statement::Select(&count)),
        ));
        let exists = q.exists_statement();
        out.push_str(&show(
            &format!("{} exists", d.name()),
            orm::dialect::render(d, orm::query::Statement::Select(&exists)),
        ));
        let paged = s.query::<User>().filter(User::age.gt(3)).paginate(2, 10).count_statement();
        out.push_str(&show(
            &format!("{} count of a page", d.name()),
            orm::dialect::render(d, orm::query::Statement::Select(&paged)),
        ));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn statements_over_the_parameter_limit_are_refused_before_sending() {
    // A list compared with an expression (not a column) is one parameter per value on both
    // databases; compared with a column, PostgreSQL sends it as one array parameter
    // (`key_lists_compared_with_a_column_are_one_array_parameter_on_postgres`).
    let many: Vec<String> = (0..70_000).map(|i| i.to_string()).collect();
    insta::assert_snapshot!(both(|d| select(User::id).filter(func::lower(User::name).in_(many.clone())).render(d)));
}

#[test]
fn key_lists_compared_with_a_column_are_one_array_parameter_on_postgres() {
    insta::assert_snapshot!(both(|d| select(User::id)
        .filter(User::id.in_(vec![3_i64, 1, 2]) & User::name.not_in(vec!["a", "b"]) & User::age.in_(vec![7]))
        .render(d)));
}

#[test]
fn joins_inner_and_outer() {
    insta::assert_snapshot!(both(|d| select((User::name, Order::total))
        .join::<Order>()
        .on(Order::user_id.eq(User::id))
        .outerjoin::<Sample>()
        .on(Sample::seq.eq(Order::id))
        .filter(Order::total.gt(1.0) & Sample::flag.eq(true))
        .render(d)));
}

#[test]
fn self_join_with_an_alias() {
    let manager = orm::alias::<crate::models::Employee, 1>();
    insta::assert_snapshot!(both(|d| select((
        crate::models::Employee::name,
        manager.col(crate::models::Employee::name)
    ))
    .join_as::<crate::models::Employee, 1>()
    .on(manager.col(crate::models::Employee::id).eq(crate::models::Employee::manager_id))
    .render(d)));
}
