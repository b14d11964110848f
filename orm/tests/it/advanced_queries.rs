//! Advanced querying, run on both databases against hand-computed results: subqueries
//! (IN, scalar, EXISTS, correlated, in FROM / JOIN), compound selects, window functions,
//! common table expressions (a recursive one over an org chart), CASE and other functions,
//! upserts, RETURNING and `FromRow`.

use orm::prelude::*;

use crate::common::{each_db, Db};

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "customers")]
pub struct Customer {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(unique)]
    pub email: String,
    pub name: String,
    pub city: Option<String>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "purchases")]
pub struct Purchase {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = Customer::id)]
    pub customer_id: i64,
    pub total: f64,
    pub day: i32,
}

/// An org chart: each member's manager is another member.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "staff")]
pub struct Staff {
    #[orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[orm(foreign_key = Staff::id)]
    pub manager_id: Option<i32>,
}

fn customer(name: &str, city: Option<&str>) -> Customer {
    Customer { id: 0, email: format!("{name}@example.org"), name: name.into(), city: city.map(Into::into) }
}

/// Customers 1 ada (Paris), 2 bob (no city), 3 cy (Oslo), 4 dee (Paris); purchases
/// (customer, total, day): ada 10/1, 30/2, 5/3; bob 7.5/1, 120/4; cy 50/2; dee none.
/// Totals: ada 45, bob 127.5, cy 50.
fn seed(db: &Db) -> Vec<i64> {
    db.engine.create_all(&[Customer::table(), Purchase::table(), Staff::table()]).unwrap();
    let ids = insert::<Customer>()
        .values_many(&[
            customer("ada", Some("Paris")),
            customer("bob", None),
            customer("cy", Some("Oslo")),
            customer("dee", Some("Paris")),
        ])
        .returning_keys(&db.engine)
        .unwrap();
    assert_eq!(ids, vec![1, 2, 3, 4]);
    let purchases: Vec<Purchase> = [(1, 10.0, 1), (1, 30.0, 2), (1, 5.0, 3), (2, 7.5, 1), (2, 120.0, 4), (3, 50.0, 2)]
        .iter()
        .map(|&(customer_id, total, day)| Purchase { id: 0, customer_id, total, day })
        .collect();
    insert::<Purchase>().values_many(&purchases).execute(&db.engine).unwrap();
    ids
}

#[test]
fn in_and_not_in_a_subquery() {
    each_db("aq_in_subquery", |db| {
        seed(db);
        let big = || select(Purchase::customer_id).filter(Purchase::total.gt(40.0));
        let names: Vec<String> =
            select(Customer::name).filter(Customer::id.in_(big())).order_by(Customer::name).all(&db.engine).unwrap();
        assert_eq!(names, ["bob", "cy"]);
        let names: Vec<String> =
            select(Customer::name).filter(Customer::id.not_in(big())).order_by(Customer::name).all(&db.engine).unwrap();
        assert_eq!(names, ["ada", "dee"]);
    });
}

#[test]
fn scalar_subqueries_in_filters_and_select_lists() {
    each_db("aq_scalar", |db| {
        seed(db);
        let top = select(func::max(Purchase::total)).scalar_subquery();
        let rows: Vec<(i64, f64)> =
            select((Purchase::customer_id, Purchase::total)).filter(Purchase::total.eq(top)).all(&db.engine).unwrap();
        assert_eq!(rows, [(2, 120.0)]);

        // Above the average purchase (222.5 / 6 = 37.08): 120 and 50.
        let average = select(func::avg(Purchase::total)).scalar_subquery();
        let rows: Vec<f64> = select(Purchase::total)
            .filter(Purchase::total.gt(average))
            .order_by(Purchase::total)
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [50.0, 120.0]);

        let count = select(func::count_all()).from::<Purchase>().scalar_subquery();
        let rows: Vec<(String, Option<i64>)> =
            select((Customer::name, count)).filter(Customer::id.eq(1)).all(&db.engine).unwrap();
        assert_eq!(rows, [("ada".to_string(), Some(6))]);
    });
}

#[test]
fn correlated_subqueries_and_exists() {
    each_db("aq_correlated", |db| {
        seed(db);
        let largest = select(func::max(Purchase::total))
            .correlate::<Customer>()
            .filter(Purchase::customer_id.eq(Customer::id))
            .scalar_subquery();
        let rows: Vec<(String, Option<f64>)> =
            select((Customer::name, largest)).order_by(Customer::name).all(&db.engine).unwrap();
        assert_eq!(
            rows,
            [("ada".into(), Some(30.0)), ("bob".into(), Some(120.0)), ("cy".into(), Some(50.0)), ("dee".into(), None)]
        );

        let purchases_of_customer =
            || select(Purchase::id).correlate::<Customer>().filter(Purchase::customer_id.eq(Customer::id));
        let buyers: Vec<String> = select(Customer::name)
            .filter(exists(purchases_of_customer()))
            .order_by(Customer::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(buyers, ["ada", "bob", "cy"]);
        let others: Vec<String> =
            select(Customer::name).filter(not_exists(purchases_of_customer())).all(&db.engine).unwrap();
        assert_eq!(others, ["dee"]);

        // Correlated and filtered: customers with a purchase on day 2 (ada 30, cy 50).
        let on_day_two = exists(
            select(Purchase::id)
                .correlate::<Customer>()
                .filter(Purchase::customer_id.eq(Customer::id) & Purchase::day.eq(2)),
        );
        let names: Vec<String> =
            select(Customer::name).filter(on_day_two).order_by(Customer::name).all(&db.engine).unwrap();
        assert_eq!(names, ["ada", "cy"]);
    });
}

#[test]
fn subqueries_in_from_and_join() {
    each_db("aq_derived", |db| {
        seed(db);
        let totals = select((Purchase::customer_id, func::sum(Purchase::total).label("spent")))
            .group_by(Purchase::customer_id)
            .subquery::<1>();
        assert_eq!(totals.column_names(), ["customer_id", "spent"]);
        let rows: Vec<(String, Option<f64>)> = select((Customer::name, totals.col::<1>()))
            .join_subquery(&totals)
            .on(totals.col::<0>().eq(Customer::id))
            .filter(totals.col::<1>().gt(46.0))
            .order_by(Customer::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [("bob".into(), Some(127.5)), ("cy".into(), Some(50.0))]);

        let rows: Vec<(i64, Option<f64>)> = select((totals.col::<0>(), totals.col::<1>()))
            .select_from(&totals)
            .filter(totals.col::<1>().lt(100.0))
            .order_by(totals.col::<0>())
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [(1, Some(45.0)), (3, Some(50.0))]);

        // Every customer, spent or not (a LEFT OUTER JOIN on the subquery).
        let rows: Vec<(String, Option<f64>)> = select((Customer::name, totals.col::<1>()))
            .outerjoin_subquery(&totals)
            .on(totals.col::<0>().eq(Customer::id))
            .order_by(Customer::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows[3], ("dee".into(), None));
    });
}

#[test]
fn compound_selects() {
    each_db("aq_compound", |db| {
        seed(db);
        let name = Customer::name.label("name");
        let rows: Vec<String> = select(name.clone())
            .filter(Customer::city.eq("Paris"))
            .union(
                select(Customer::name)
                    .join::<Purchase>()
                    .on(Purchase::customer_id.eq(Customer::id))
                    .filter(Purchase::total.gt(100.0)),
            )
            .order_by(name.asc())
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, ["ada", "bob", "dee"]);

        let cid = Purchase::customer_id.label("cid");
        let rows: Vec<i64> = select(cid.clone())
            .filter(Purchase::total.gt(20.0))
            .union_all(select(Purchase::customer_id).filter(Purchase::day.eq(2)))
            .order_by(cid.asc())
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [1, 1, 2, 3, 3]);

        let rows: Vec<i64> = select(cid.clone())
            .filter(Purchase::total.gt(20.0))
            .intersect(select(Purchase::customer_id).filter(Purchase::day.eq(1)))
            .order_by(cid.asc())
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [1, 2]);

        let rows: Vec<i64> = select(Customer::id).except(select(Purchase::customer_id)).all(&db.engine).unwrap();
        assert_eq!(rows, [4]);

        // Left to right on both: ({4} UNION {1, 2, 3}) INTERSECT {1} is {1} (PostgreSQL's own
        // precedence would have made it {4} UNION ({1, 2, 3} INTERSECT {1})).
        let rows: Vec<i64> = select(Customer::id)
            .filter(Customer::id.eq(4))
            .union(select(Purchase::customer_id))
            .intersect(select(Customer::id).filter(Customer::name.eq("ada")))
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [1]);

        // Members with their own ORDER BY / LIMIT, and a LIMIT over the whole.
        let t = Purchase::total.label("t");
        let rows: Vec<f64> = select(t.clone())
            .order_by(Purchase::total.desc())
            .limit(1)
            .union_all(select(Purchase::total).order_by(Purchase::total.asc()).limit(2))
            .order_by(t.desc())
            .limit(2)
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [120.0, 7.5]);

        // A compound as an IN subquery.
        let names: Vec<String> = select(Customer::name)
            .filter(
                Customer::id.in_(
                    select(Purchase::customer_id)
                        .filter(Purchase::day.eq(4))
                        .union(select(Customer::id).filter(Customer::city.is_not_null())),
                ),
            )
            .order_by(Customer::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(names, ["ada", "bob", "cy", "dee"]);
    });
}

#[test]
fn window_functions_ranked_in_an_outer_query() {
    each_db("aq_window_rank", |db| {
        seed(db);
        // The largest purchase of each customer: rank within the customer, keep rank 1.
        let by_customer = window().partition_by(Purchase::customer_id).order_by(Purchase::total.desc());
        let ranked = select((Purchase::customer_id, Purchase::total, func::rank().over(by_customer).label("rnk")))
            .subquery::<1>();
        let rows: Vec<(i64, f64)> = select((ranked.col::<0>(), ranked.col::<1>()))
            .select_from(&ranked)
            .filter(ranked.col::<2>().eq(1))
            .order_by(ranked.col::<0>())
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [(1, 30.0), (2, 120.0), (3, 50.0)]);

        // Days by purchase id: 1, 2, 3, 1, 4, 2.
        let by_day = || window().order_by(Purchase::day);
        let rows: Vec<(i64, i64, i64, i64)> = select((
            Purchase::id,
            func::row_number().over(window().order_by(Purchase::total)),
            func::rank().over(by_day()),
            func::dense_rank().over(by_day()),
        ))
        .order_by(Purchase::id)
        .all(&db.engine)
        .unwrap();
        // Totals by id: 10, 30, 5, 7.5, 120, 50, so row numbers by total 3, 4, 1, 2, 6, 5.
        let expected = [(1, 3, 1, 1), (2, 4, 3, 2), (3, 1, 5, 3), (4, 2, 1, 1), (5, 6, 6, 4), (6, 5, 3, 2)];
        assert_eq!(rows, expected);
    });
}

#[test]
fn window_lag_lead_and_frames() {
    each_db("aq_window_frames", |db| {
        seed(db);
        let ada_by_day = || window().partition_by(Purchase::customer_id).order_by(Purchase::day);
        let rows: Vec<(i32, Option<f64>, Option<f64>, Option<f64>, Option<f64>)> = select((
            Purchase::day,
            func::lag(Purchase::total, 1).over(ada_by_day()),
            func::lead(Purchase::total, 1).over(ada_by_day()),
            func::sum(Purchase::total)
                .over(ada_by_day().rows_between(FrameBound::UnboundedPreceding, FrameBound::CurrentRow)),
            func::avg(Purchase::total)
                .over(ada_by_day().rows_between(FrameBound::Preceding(1), FrameBound::Following(1))),
        ))
        .filter(Purchase::customer_id.eq(1))
        .order_by(Purchase::day)
        .all(&db.engine)
        .unwrap();
        // ada: day 1 10, day 2 30, day 3 5.
        assert_eq!(
            rows,
            [
                (1, None, Some(30.0), Some(10.0), Some(20.0)),
                (2, Some(10.0), Some(5.0), Some(40.0), Some(15.0)),
                (3, Some(30.0), None, Some(45.0), Some(17.5)),
            ]
        );

        // RANGE over day values: per day 1 17.5, 2 80, 3 5, 4 120; the frame is the day and
        // the one before.
        let rows: Vec<Option<f64>> = select(
            func::sum(Purchase::total)
                .over(window().order_by(Purchase::day).range_between(FrameBound::Preceding(1), FrameBound::CurrentRow)),
        )
        .order_by(Purchase::id)
        .all(&db.engine)
        .unwrap();
        let expected: Vec<Option<f64>> = [17.5, 97.5, 85.0, 17.5, 125.0, 97.5].into_iter().map(Some).collect();
        assert_eq!(rows, expected);

        // Whole partition: UNBOUNDED PRECEDING to UNBOUNDED FOLLOWING, and a window ordering
        // the query itself.
        let rows: Vec<(i64, Option<f64>)> = select((
            Purchase::id,
            func::max(Purchase::total)
                .over(ada_by_day().rows_between(FrameBound::UnboundedPreceding, FrameBound::UnboundedFollowing)),
        ))
        .order_by(func::row_number().over(window().order_by(Purchase::id)).desc())
        .limit(2)
        .all(&db.engine)
        .unwrap();
        assert_eq!(rows, [(6, Some(50.0)), (5, Some(120.0))]);
    });
}

/// Ann (1) manages Ben (2) and Cat (3); Ben manages Dan (4), who manages Eve (5); Fay (6)
/// reports to nobody.
fn seed_staff(db: &Db) {
    db.engine.create_all(&[Customer::table(), Purchase::table(), Staff::table()]).unwrap();
    let staff: Vec<Staff> = [
        (1, "Ann", None),
        (2, "Ben", Some(1)),
        (3, "Cat", Some(1)),
        (4, "Dan", Some(2)),
        (5, "Eve", Some(4)),
        (6, "Fay", None),
    ]
    .iter()
    .map(|&(id, name, manager_id)| Staff { id, name: name.into(), manager_id })
    .collect();
    insert::<Staff>().values_many(&staff).execute(&db.engine).unwrap();
}

#[test]
fn recursive_cte_walks_an_org_chart() {
    each_db("aq_recursive_cte", |db| {
        seed_staff(db);
        let tree = select((Staff::id, Staff::name, orm::expr::value(0i32).label("depth")))
            .filter(Staff::id.eq(1))
            .cte::<1>("tree")
            .recursive_union_all(|tree| {
                select((Staff::id, Staff::name, tree.col::<2>() + 1))
                    .join_subquery(tree)
                    .on(Staff::manager_id.eq(tree.col::<0>()))
            });
        assert_eq!(tree.column_names(), ["id", "name", "depth"]);
        let rows: Vec<(String, i32)> = select((tree.col::<1>(), tree.col::<2>()))
            .select_from(&tree)
            .order_by(tree.col::<2>())
            .order_by(tree.col::<1>())
            .all(&db.engine)
            .unwrap();
        let expected = [("Ann", 0), ("Ben", 1), ("Cat", 1), ("Dan", 2), ("Eve", 3)];
        assert_eq!(rows, expected.map(|(n, d)| (n.to_string(), d)));

        // The CTE joined to the table it walks: who is at depth 2 or more, with their manager.
        let rows: Vec<(String, Option<i32>)> = select((Staff::name, Staff::manager_id))
            .join_subquery(&tree)
            .on(tree.col::<0>().eq(Staff::id))
            .filter(tree.col::<2>().ge(2))
            .order_by(Staff::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [("Dan".to_string(), Some(2)), ("Eve".to_string(), Some(4))]);
    });
}

#[test]
fn plain_cte_used_in_a_subquery() {
    each_db("aq_cte", |db| {
        seed(db);
        let paris = select(Customer::id).filter(Customer::city.eq("Paris")).cte::<2>("paris");
        let names: Vec<String> = select(Customer::name)
            .with(&paris)
            .filter(Customer::id.in_(select(paris.col::<0>()).select_from(&paris)))
            .order_by(Customer::name)
            .all(&db.engine)
            .unwrap();
        assert_eq!(names, ["ada", "dee"]);
        let spent: Vec<(i64, Option<f64>)> = select((paris.col::<0>(), func::sum(Purchase::total)))
            .select_from(&paris)
            .outerjoin::<Purchase>()
            .on(Purchase::customer_id.eq(paris.col::<0>()))
            .group_by(paris.col::<0>())
            .order_by(paris.col::<0>())
            .all(&db.engine)
            .unwrap();
        assert_eq!(spent, [(1, Some(45.0)), (4, None)]);
    });
}

#[test]
fn case_nullif_and_string_functions() {
    each_db("aq_functions", |db| {
        seed(db);
        let size =
            case().when(Purchase::total.ge(50.0), "big").when(Purchase::total.ge(10.0), "medium").otherwise("small");
        let huge = case().when(Purchase::total.gt(100.0), Purchase::day).end();
        let rows: Vec<(String, Option<i32>)> = select((size, huge)).order_by(Purchase::id).all(&db.engine).unwrap();
        let expected =
            [("medium", None), ("medium", None), ("small", None), ("small", None), ("big", Some(4)), ("big", None)];
        assert_eq!(rows, expected.map(|(s, d)| (s.to_string(), d)));

        let cities: Vec<Option<String>> =
            select(func::nullif(Customer::city, "Paris")).order_by(Customer::id).all(&db.engine).unwrap();
        assert_eq!(cities, [None, None, Some("Oslo".to_string()), None]);

        let row: (i32, String, String, String, String, String) = select((
            func::position(Customer::email, "@"),
            func::substr(Customer::email, 1, 3),
            func::replace(Customer::email, "example.org", "x.io"),
            func::trim(orm::expr::value("  hi  ".to_string())),
            func::ltrim(orm::expr::value("  hi".to_string())),
            func::rtrim(orm::expr::value("hi  ".to_string())),
        ))
        .filter(Customer::id.eq(1))
        .one(&db.engine)
        .unwrap();
        assert_eq!(row, (4, "ada".into(), "ada@x.io".into(), "hi".into(), "hi".into(), "hi".into()));

        let joined: Option<String> =
            select(func::string_agg(Customer::name, ",")).filter(Customer::city.eq("Paris")).one(&db.engine).unwrap();
        let mut names: Vec<String> = joined.unwrap().split(',').map(str::to_owned).collect();
        names.sort();
        assert_eq!(names, ["ada", "dee"]);
    });
}

#[test]
fn current_timestamp_in_both_databases() {
    each_db("aq_now", |db| {
        seed(db);
        let before = chrono::Utc::now() - chrono::Duration::seconds(60);
        let after = chrono::Utc::now() + chrono::Duration::seconds(60);
        let (naive, zoned, today): (chrono::NaiveDateTime, chrono::DateTime<chrono::Utc>, chrono::NaiveDate) =
            select((
                func::current_timestamp::<chrono::NaiveDateTime>(),
                func::current_timestamp::<chrono::DateTime<chrono::Utc>>(),
                func::current_timestamp::<chrono::NaiveDate>(),
            ))
            .one(&db.engine)
            .unwrap();
        assert!(naive > before.naive_utc() && naive < after.naive_utc(), "{naive}");
        assert!(zoned > before && zoned < after, "{zoned}");
        assert!(today >= before.date_naive() && today <= after.date_naive(), "{today}");
    });
}

#[test]
fn upserts_and_returning() {
    each_db("aq_upsert", |db| {
        seed(db);
        // ada's e-mail is taken: her row is skipped, eve's inserted.
        let n = insert::<Customer>()
            .values_many(&[customer("ada", Some("Rome")), customer("eve", None)])
            .on_conflict(Customer::email)
            .do_nothing()
            .execute(&db.engine)
            .unwrap();
        assert_eq!(n, 1);
        let city: Option<String> = select(Customer::city).filter(Customer::id.eq(1)).one(&db.engine).unwrap();
        assert_eq!(city.as_deref(), Some("Paris"));

        let rows: Vec<(i64, String, Option<String>)> = insert::<Customer>()
            .values(&customer("ada", Some("Rome")))
            .on_conflict(Customer::email)
            .do_update(|set| {
                set.set(Customer::city, excluded(Customer::city)).set(Customer::name, Customer::name.concat("!"))
            })
            .returning((Customer::id, Customer::name, Customer::city))
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [(1, "ada!".to_string(), Some("Rome".to_string()))]);

        // A DO UPDATE whose WHERE does not match leaves the row and returns nothing.
        let rows: Vec<i64> = insert::<Customer>()
            .values(&customer("bob", Some("Rome")))
            .on_conflict(Customer::email)
            .do_update(|set| set.set(Customer::city, excluded(Customer::city)).filter(Customer::city.is_not_null()))
            .returning(Customer::id)
            .all(&db.engine)
            .unwrap();
        assert!(rows.is_empty());
        // A new row through the same upsert is inserted and returned.
        let id: i64 = insert::<Customer>()
            .values(&customer("fay", None))
            .on_conflict(Customer::email)
            .do_update(|set| set.set(Customer::city, excluded(Customer::city)))
            .returning(Customer::id)
            .one(&db.engine)
            .unwrap();
        // (PostgreSQL draws a key for every row tried, SQLite only for rows written.)
        let fay: i64 = select(Customer::id).filter(Customer::name.eq("fay")).one(&db.engine).unwrap();
        assert_eq!(id, fay);

        let rows: Vec<(i64, f64)> = update::<Purchase>()
            .set(Purchase::total, Purchase::total * 2.0)
            .filter(Purchase::customer_id.eq(3))
            .returning((Purchase::id, Purchase::total))
            .all(&db.engine)
            .unwrap();
        assert_eq!(rows, [(6, 100.0)]);

        let mut deleted: Vec<(i64, String)> = delete::<Purchase>()
            .filter(Purchase::day.eq(1))
            .returning((Purchase::id, Purchase::total.cast::<String>().label("total_text")))
            .all(&db.engine)
            .unwrap();
        deleted.sort_by_key(|r| r.0);
        assert_eq!(deleted.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 4]);
        let left: i64 = select(func::count_all()).from::<Purchase>().one(&db.engine).unwrap();
        assert_eq!(left, 4);
    });
}

#[derive(FromRow, Debug, PartialEq)]
struct Spending {
    name: String,
    #[orm(label = "n")]
    purchases: i64,
    spent: Option<f64>,
}

#[test]
fn rows_into_a_struct_by_label() {
    each_db("aq_from_row", |db| {
        seed(db);
        let query = || {
            // Another order than the struct's fields: they are found by label.
            select((
                Customer::name.label("name"),
                func::sum(Purchase::total).label("spent"),
                func::count(Purchase::id).label("n"),
            ))
            .outerjoin::<Purchase>()
            .on(Purchase::customer_id.eq(Customer::id))
            .group_by(Customer::name)
            .order_by(Customer::name)
        };
        let rows = query().into::<Spending>().all(&db.engine).unwrap();
        assert_eq!(
            rows,
            [
                Spending { name: "ada".into(), purchases: 3, spent: Some(45.0) },
                Spending { name: "bob".into(), purchases: 2, spent: Some(127.5) },
                Spending { name: "cy".into(), purchases: 1, spent: Some(50.0) },
                Spending { name: "dee".into(), purchases: 0, spent: None },
            ]
        );
        let first = query().into::<Spending>().first(&db.engine).unwrap();
        assert_eq!(first.map(|s| s.name), Some("ada".to_string()));

        // A label the struct reads but the select lacks: an error before anything runs.
        db.log.clear();
        let err = select((Customer::name.label("name"), func::count_all().label("orders")))
            .group_by(Customer::name)
            .into::<Spending>()
            .all(&db.engine)
            .unwrap_err();
        assert!(err.to_string().contains("`Spending` reads the label `n`, which the select list lacks"), "{err}");
        assert!(db.log.statements().is_empty());
    });
}
