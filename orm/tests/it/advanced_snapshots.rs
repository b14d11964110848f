//! The statement shapes of advanced querying, rendered in both dialects side by side (insta
//! snapshots): subqueries, compound selects, window functions, common table expressions,
//! CASE and dialect-specific functions, upserts and RETURNING.

use orm::prelude::*;

use crate::common::both;

use crate::advanced_queries::{Customer, Purchase, Staff};

#[test]
fn in_and_not_in_subquery() {
    insta::assert_snapshot!(both(|d| select(Customer::name)
        .filter(Customer::id.in_(select(Purchase::customer_id).filter(Purchase::total.gt(40.0))))
        .filter(Customer::id.not_in(select(Purchase::customer_id).filter(Purchase::day.eq(3))))
        .render(d)));
}

#[test]
fn scalar_subquery_in_a_filter_and_a_select_list() {
    insta::assert_snapshot!(both(|d| select((
        Purchase::id,
        select(func::count_all()).from::<Customer>().scalar_subquery()
    ))
    .filter(Purchase::total.eq(select(func::max(Purchase::total)).filter(Purchase::day.lt(5)).scalar_subquery()))
    .render(d)));
}

#[test]
fn correlated_scalar_subquery_and_exists() {
    insta::assert_snapshot!(both(|d| select((
        Customer::name,
        select(func::max(Purchase::total))
            .correlate::<Customer>()
            .filter(Purchase::customer_id.eq(Customer::id))
            .scalar_subquery()
            .label("largest"),
    ))
    .filter(exists(select(Purchase::id).correlate::<Customer>().filter(Purchase::customer_id.eq(Customer::id))))
    .filter(not_exists(
        select(Purchase::id)
            .correlate::<Customer>()
            .filter(Purchase::customer_id.eq(Customer::id) & Purchase::day.eq(9))
    ))
    .render(d)));
}

#[test]
fn subquery_in_from_and_join() {
    let totals = select((Purchase::customer_id, func::sum(Purchase::total).label("spent")))
        .group_by(Purchase::customer_id)
        .subquery::<1>();
    insta::assert_snapshot!(both(|d| select((Customer::name, totals.col::<1>()))
        .join_subquery(&totals)
        .on(totals.col::<0>().eq(Customer::id))
        .filter(totals.col::<1>().gt(46.0))
        .render(d)));
    insta::assert_snapshot!(both(|d| select((totals.col::<0>(), totals.col::<1>()))
        .select_from(&totals)
        .order_by(totals.col::<1>().desc())
        .render(d)));
}

#[test]
fn compound_selects_with_order_and_limit() {
    let name = Customer::name.label("name");
    insta::assert_snapshot!(both(|d| select(name.clone())
        .filter(Customer::city.eq("Paris"))
        .union(select(Customer::name).filter(Customer::id.gt(2)))
        .union_all(select(Customer::email))
        .order_by(name.desc())
        .limit(3)
        .offset(1)
        .render(d)));
}

#[test]
fn compound_members_that_need_parentheses() {
    let t = Purchase::total.label("t");
    // A member with its own ORDER BY / LIMIT, and a compound on the right.
    insta::assert_snapshot!(both(|d| select(t.clone())
        .order_by(Purchase::total.desc())
        .limit(1)
        .intersect(
            select(Purchase::total)
                .except(select(Purchase::total).filter(Purchase::day.eq(1)))
                .union(select(Purchase::total).filter(Purchase::day.eq(2)))
        )
        .except(select(Purchase::total).filter(Purchase::total.lt(0.0)))
        .order_by(t.asc())
        .render(d)));
}

#[test]
fn window_functions_and_frames() {
    let by_customer = || window().partition_by(Purchase::customer_id).order_by(Purchase::total.desc());
    insta::assert_snapshot!(both(|d| select((
        Purchase::id,
        func::row_number().over(window()),
        func::rank().over(by_customer()).label("rnk"),
        func::dense_rank().over(window().order_by(Purchase::day.asc().nulls_last())),
        func::lag(Purchase::total, 1).over(by_customer()),
        func::lead(Purchase::total, 2).over(by_customer()),
        func::sum(Purchase::total)
            .over(by_customer().rows_between(FrameBound::UnboundedPreceding, FrameBound::CurrentRow)),
        func::avg(Purchase::total)
            .over(window().order_by(Purchase::day).range_between(FrameBound::Preceding(3), FrameBound::Following(1))),
    ))
    .order_by(func::rank().over(by_customer()).desc())
    .render(d)));
    insta::assert_snapshot!(both(|d| select(
        func::count_all().over(window().rows_between(FrameBound::CurrentRow, FrameBound::UnboundedFollowing))
    )
    .from::<Purchase>()
    .render(d)));
}

#[test]
fn window_label_filtered_in_an_outer_query() {
    let ranked = select((
        Purchase::customer_id,
        Purchase::total,
        func::rank().over(window().partition_by(Purchase::customer_id).order_by(Purchase::total.desc())).label("rnk"),
    ))
    .subquery::<1>();
    insta::assert_snapshot!(both(|d| select((ranked.col::<0>(), ranked.col::<1>()))
        .select_from(&ranked)
        .filter(ranked.col::<2>().eq(1))
        .render(d)));
}

#[test]
fn recursive_cte() {
    let tree = select((Staff::id, Staff::name, orm::expr::value(0i32).label("depth")))
        .filter(Staff::manager_id.is_null())
        .cte::<1>("tree")
        .recursive_union_all(|tree| {
            select((Staff::id, Staff::name, tree.col::<2>() + 1))
                .join_subquery(tree)
                .on(Staff::manager_id.eq(tree.col::<0>()))
        });
    insta::assert_snapshot!(both(|d| select((tree.col::<1>(), tree.col::<2>()))
        .select_from(&tree)
        .filter(tree.col::<2>().lt(5))
        .order_by(tree.col::<2>())
        .render(d)));
}

#[test]
fn plain_cte_in_with_and_in_a_join() {
    let paris = select(Customer::id).filter(Customer::city.eq("Paris")).cte::<2>("paris");
    insta::assert_snapshot!(both(|d| select(Purchase::total)
        .join_subquery(&paris)
        .on(paris.col::<0>().eq(Purchase::customer_id))
        .render(d)));
    insta::assert_snapshot!(both(|d| select(Customer::name)
        .with(&paris)
        .filter(Customer::id.in_(select(paris.col::<0>()).select_from(&paris)))
        .render(d)));
}

#[test]
fn case_nullif_and_dialect_functions() {
    insta::assert_snapshot!(both(|d| select((
        case().when(Purchase::total.ge(50.0), "big").when(Purchase::total.ge(10.0), "medium").otherwise("small"),
        case().when(Purchase::total.gt(100.0), Purchase::day).end(),
        func::nullif(Purchase::day, 0),
        orm::expr::value(7i64),
    ))
    .render(d)));
    insta::assert_snapshot!(both(|d| select((
        func::trim(Customer::name),
        func::ltrim(Customer::name),
        func::rtrim(Customer::name),
        func::replace(Customer::email, "@", " at "),
        func::substr(Customer::email, 2, 5),
        func::position(Customer::email, "@"),
        func::string_agg(Customer::name, ", "),
    ))
    .render(d)));
    insta::assert_snapshot!(both(|d| select((
        func::current_timestamp::<chrono::NaiveDateTime>(),
        func::current_timestamp::<chrono::DateTime<chrono::Utc>>(),
        func::current_timestamp::<chrono::NaiveDate>(),
    ))
    .render(d)));
}

#[test]
fn upserts() {
    let ada = Customer { id: 0, email: "ada@example.org".into(), name: "ada".into(), city: None };
    insta::assert_snapshot!(both(|d| Ok(insert::<Customer>()
        .values(&ada)
        .on_conflict(Customer::email)
        .do_nothing()
        .render(d)?
        .remove(0))));
    insta::assert_snapshot!(both(|d| Ok(insert::<Customer>()
        .values(&ada)
        .on_conflict((Customer::email, Customer::name))
        .do_update(|set| {
            set.set(Customer::city, excluded(Customer::city))
                .set(Customer::name, Customer::name.concat("!"))
                .filter(Customer::city.is_null())
        })
        .returning((Customer::id, Customer::name))
        .render(d)?
        .remove(0))));
}

#[test]
fn update_and_delete_returning_expressions() {
    insta::assert_snapshot!(both(|d| Ok(update::<Purchase>()
        .set(Purchase::total, Purchase::total * 2.0)
        .filter(Purchase::customer_id.eq(3))
        .returning((Purchase::id, (Purchase::total + 1.0).label("plus_one")))
        .render(d)?
        .remove(0))));
    insta::assert_snapshot!(both(|d| Ok(delete::<Purchase>()
        .filter(Purchase::day.eq(1))
        .returning(Purchase::id)
        .render(d)?
        .remove(0))));
}
