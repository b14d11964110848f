//! Property test: random expression trees (with CASE and IN-subquery leaves), built through the typed API, render to SQL that
//! both databases accept, never carry a bound value in the SQL text, and select exactly the
//! rows a Rust evaluation of the same tree selects.
//!
//! `PROPTEST_CASES` sets the number of trees per database (default 64).

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use orm::dialect::{Postgres, Sqlite};
use orm::prelude::*;
use orm::Expr;

use crate::common::each_db;

#[derive(Model, Debug, Clone)]
#[orm(table = "prop_rows")]
struct PropRow {
    #[orm(primary_key)]
    id: i64,
    a: i64,
    b: i64,
    s: String,
    t: Option<String>,
    flag: bool,
}

/// Text that marks a bound literal: it must never show in SQL text.
const MARK: &str = "QZX";

/// Hostile pieces of text: quotes, LIKE wildcards, escapes, comments, statement ends, non-ASCII.
fn hostile() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("'"),
            Just("\""),
            Just("%"),
            Just("_"),
            Just("\\"),
            Just("--"),
            Just(";"),
            Just("/*"),
            Just(" "),
            Just("é"),
            Just("中"),
            Just("$1"),
            Just("?"),
            Just(":x"),
            Just("a"),
            Just("B"),
        ],
        0..5,
    )
    .prop_map(|parts| parts.concat())
}

/// A bound text literal.
fn text_literal() -> impl Strategy<Value = String> {
    hostile().prop_map(|h| format!("{MARK}{h}"))
}

/// Integer expressions over the row; literals are right operands, as users write them.
#[derive(Debug, Clone)]
enum I {
    A,
    B,
    Id,
    Add(Box<I>, Box<I>),
    Sub(Box<I>, Box<I>),
    Mul(Box<I>, Box<I>),
    AddLit(Box<I>, i64),
    MulLit(Box<I>, i64),
}

/// Text expressions over the row.
#[derive(Debug, Clone)]
enum S {
    Col,
    Concat(Box<S>, Box<S>),
    ConcatLit(Box<S>, String),
    /// `coalesce(t, literal)`
    TOr(String),
    /// `CASE WHEN cond THEN literal ELSE literal END`
    Case(Box<B>, String, String),
}

#[derive(Debug, Clone, Copy)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
enum B {
    Cmp(Cmp, I, I),
    CmpLit(Cmp, I, i64),
    TextEq(S, S),
    TextNe(S, S),
    TextEqLit(S, String),
    Contains(S, String),
    StartsWith(String),
    EndsWith(String),
    In(I, Vec<i64>),
    /// `e IN (SELECT a FROM prop_rows WHERE b > v)`
    InSub(I, i64),
    Between(I, i64, i64),
    TIsNull,
    Flag,
    And(Box<B>, Box<B>),
    Or(Box<B>, Box<B>),
    Not(Box<B>),
}

fn int_tree() -> impl Strategy<Value = I> {
    let leaf = prop_oneof![Just(I::A), Just(I::B), Just(I::Id)];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| I::Add(Box::new(l), Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| I::Sub(Box::new(l), Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| I::Mul(Box::new(l), Box::new(r))),
            (inner.clone(), -50i64..50).prop_map(|(l, v)| I::AddLit(Box::new(l), v)),
            (inner, -5i64..5).prop_map(|(l, v)| I::MulLit(Box::new(l), v)),
        ]
    })
}

fn text_tree() -> impl Strategy<Value = S> {
    let case = (cmp(), int_tree(), -60i64..60, text_literal(), text_literal())
        .prop_map(|(c, e, v, a, b)| S::Case(Box::new(B::CmpLit(c, e, v)), a, b));
    let leaf = prop_oneof![Just(S::Col), text_literal().prop_map(S::TOr), case];
    leaf.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| S::Concat(Box::new(l), Box::new(r))),
            (inner, text_literal()).prop_map(|(l, v)| S::ConcatLit(Box::new(l), v)),
        ]
    })
}

fn cmp() -> impl Strategy<Value = Cmp> {
    prop_oneof![Just(Cmp::Eq), Just(Cmp::Ne), Just(Cmp::Lt), Just(Cmp::Le), Just(Cmp::Gt), Just(Cmp::Ge)]
}

fn bool_tree() -> impl Strategy<Value = B> {
    let leaf = prop_oneof![
        (cmp(), int_tree(), int_tree()).prop_map(|(c, l, r)| B::Cmp(c, l, r)),
        (cmp(), int_tree(), -60i64..60).prop_map(|(c, l, v)| B::CmpLit(c, l, v)),
        (text_tree(), text_literal()).prop_map(|(l, v)| B::TextEqLit(l, v)),
        (text_tree(), text_tree()).prop_map(|(l, r)| B::TextEq(l, r)),
        (text_tree(), text_tree()).prop_map(|(l, r)| B::TextNe(l, r)),
        (text_tree(), hostile()).prop_map(|(l, n)| B::Contains(l, n)),
        hostile().prop_map(B::StartsWith),
        hostile().prop_map(B::EndsWith),
        (int_tree(), proptest::collection::vec(-60i64..60, 0..4)).prop_map(|(e, v)| B::In(e, v)),
        (int_tree(), -10i64..10).prop_map(|(e, v)| B::InSub(e, v)),
        (int_tree(), -60i64..60, -60i64..60).prop_map(|(e, lo, hi)| B::Between(e, lo, hi)),
        Just(B::TIsNull),
        Just(B::Flag),
    ];
    leaf.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| B::And(Box::new(l), Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| B::Or(Box::new(l), Box::new(r))),
            inner.prop_map(|e| B::Not(Box::new(e))),
        ]
    })
}

// -- the tree through the typed API ------------------------------------------------------

/// Forget how an expression was built: its sources are all `PropRow`.
fn int_expr<E: Expression<Value = i64>>(e: E) -> Expr<i64, PropRow> {
    Expr::from_node(e.into_node())
}

fn text_expr<E: Expression<Value = String>>(e: E) -> Expr<String, PropRow> {
    Expr::from_node(e.into_node())
}

fn bool_expr<E: Expression<Value = bool>>(e: E) -> Expr<bool, PropRow> {
    Expr::from_node(e.into_node())
}

fn build_int(e: &I) -> Expr<i64, PropRow> {
    match e {
        I::A => int_expr(PropRow::a),
        I::B => int_expr(PropRow::b),
        I::Id => int_expr(PropRow::id),
        I::Add(l, r) => int_expr(build_int(l) + build_int(r)),
        I::Sub(l, r) => int_expr(build_int(l) - build_int(r)),
        I::Mul(l, r) => int_expr(build_int(l) * build_int(r)),
        I::AddLit(l, v) => int_expr(build_int(l) + *v),
        I::MulLit(l, v) => int_expr(build_int(l) * *v),
    }
}

fn build_text(e: &S) -> Expr<String, PropRow> {
    match e {
        S::Col => text_expr(PropRow::s),
        S::Concat(l, r) => text_expr(build_text(l).concat(build_text(r))),
        S::ConcatLit(l, v) => text_expr(build_text(l).concat(v.as_str())),
        S::TOr(v) => text_expr(func::coalesce(PropRow::t, v.as_str())),
        S::Case(c, a, b) => text_expr(case().when(build_bool(c), a.as_str()).otherwise(b.as_str())),
    }
}

fn build_bool(e: &B) -> Expr<bool, PropRow> {
    match e {
        B::Cmp(c, l, r) => {
            let (l, r) = (build_int(l), build_int(r));
            bool_expr(match c {
                Cmp::Eq => l.eq(r),
                Cmp::Ne => l.ne(r),
                Cmp::Lt => l.lt(r),
                Cmp::Le => l.le(r),
                Cmp::Gt => l.gt(r),
                Cmp::Ge => l.ge(r),
            })
        }
        B::CmpLit(c, l, v) => {
            let l = build_int(l);
            bool_expr(match c {
                Cmp::Eq => l.eq(*v),
                Cmp::Ne => l.ne(*v),
                Cmp::Lt => l.lt(*v),
                Cmp::Le => l.le(*v),
                Cmp::Gt => l.gt(*v),
                Cmp::Ge => l.ge(*v),
            })
        }
        B::TextEq(l, r) => bool_expr(build_text(l).eq(build_text(r))),
        B::TextEqLit(l, v) => bool_expr(build_text(l).eq(v.as_str())),
        B::TextNe(l, r) => bool_expr(build_text(l).ne(build_text(r))),
        B::Contains(l, n) => bool_expr(build_text(l).contains(n)),
        B::StartsWith(p) => bool_expr(PropRow::s.starts_with(p)),
        B::EndsWith(p) => bool_expr(PropRow::s.ends_with(p)),
        B::In(e, v) => bool_expr(build_int(e).in_(v.clone())),
        B::InSub(e, v) => bool_expr(build_int(e).in_(select(PropRow::a).filter(PropRow::b.gt(*v)))),
        B::Between(e, lo, hi) => bool_expr(build_int(e).between(*lo, *hi)),
        B::TIsNull => bool_expr(PropRow::t.is_null()),
        B::Flag => bool_expr(PropRow::flag.eq(true)),
        B::And(l, r) => bool_expr(build_bool(l) & build_bool(r)),
        B::Or(l, r) => bool_expr(build_bool(l) | build_bool(r)),
        B::Not(e) => bool_expr(!build_bool(e)),
    }
}

// -- the same tree evaluated in Rust ------------------------------------------------------

fn eval_int(e: &I, r: &PropRow) -> i64 {
    match e {
        I::A => r.a,
        I::B => r.b,
        I::Id => r.id,
        I::AddLit(l, v) => eval_int(l, r) + v,
        I::MulLit(l, v) => eval_int(l, r) * v,
        I::Add(l, x) => eval_int(l, r) + eval_int(x, r),
        I::Sub(l, x) => eval_int(l, r) - eval_int(x, r),
        I::Mul(l, x) => eval_int(l, r) * eval_int(x, r),
    }
}

fn eval_text(e: &S, r: &PropRow, all: &[PropRow]) -> String {
    match e {
        S::Col => r.s.clone(),
        S::ConcatLit(l, v) => eval_text(l, r, all) + v,
        S::Concat(l, x) => eval_text(l, r, all) + &eval_text(x, r, all),
        S::TOr(v) => r.t.clone().unwrap_or_else(|| v.clone()),
        S::Case(c, a, b) => {
            if eval_bool(c, r, all) {
                a.clone()
            } else {
                b.clone()
            }
        }
    }
}

fn compare(c: Cmp, l: i64, x: i64) -> bool {
    match c {
        Cmp::Eq => l == x,
        Cmp::Ne => l != x,
        Cmp::Lt => l < x,
        Cmp::Le => l <= x,
        Cmp::Gt => l > x,
        Cmp::Ge => l >= x,
    }
}

fn eval_bool(e: &B, r: &PropRow, all: &[PropRow]) -> bool {
    match e {
        B::CmpLit(c, l, v) => compare(*c, eval_int(l, r), *v),
        B::TextEqLit(l, v) => eval_text(l, r, all) == *v,
        B::Cmp(c, l, x) => compare(*c, eval_int(l, r), eval_int(x, r)),
        B::TextEq(l, x) => eval_text(l, r, all) == eval_text(x, r, all),
        B::TextNe(l, x) => eval_text(l, r, all) != eval_text(x, r, all),
        B::Contains(l, n) => eval_text(l, r, all).contains(n.as_str()),
        B::StartsWith(p) => r.s.starts_with(p.as_str()),
        B::EndsWith(p) => r.s.ends_with(p.as_str()),
        B::In(e, v) => v.contains(&eval_int(e, r)),
        B::InSub(e, v) => {
            let x = eval_int(e, r);
            all.iter().any(|o| o.b > *v && o.a == x)
        }
        B::Between(e, lo, hi) => {
            let x = eval_int(e, r);
            *lo <= x && x <= *hi
        }
        B::TIsNull => r.t.is_none(),
        B::Flag => r.flag,
        B::And(l, x) => eval_bool(l, r, all) && eval_bool(x, r, all),
        B::Or(l, x) => eval_bool(l, r, all) || eval_bool(x, r, all),
        B::Not(e) => !eval_bool(e, r, all),
    }
}

/// Rows with small numbers and hostile text (including the wildcard and quote characters the
/// predicates look for).
fn rows() -> Vec<PropRow> {
    let texts = ["", "a", "B", "a%b", "_", "it's", "\\", "x--y", "中é", "QZ", "%", "a_b", "\"q\"", "; drop"];
    (0..28)
        .map(|i: i64| {
            let idx = usize::try_from(i).unwrap_or(0);
            PropRow {
                id: i,
                a: (i * 7) % 23 - 11,
                b: (i * 5) % 17 - 8,
                s: texts[idx % texts.len()].to_owned(),
                t: (i % 3 != 0).then(|| texts[(idx * 5) % texts.len()].to_owned()),
                flag: i % 2 == 0,
            }
        })
        .collect()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

#[test]
fn random_expressions_bind_every_value_and_select_what_rust_selects() {
    each_db("prop_expr", |db| {
        db.engine.create_all(&[PropRow::table()]).unwrap();
        let data = rows();
        insert::<PropRow>().values_many(&data).execute(&db.engine).unwrap();
        let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
        let result = runner.run(&bool_tree(), |tree| {
            let cond = build_bool(&tree);
            let query = select(PropRow::id).filter(cond).order_by(PropRow::id.asc());
            for sql in [query.render(&Sqlite), query.render(&Postgres)] {
                let sql = sql.map_err(|e| TestCaseError::fail(format!("render: {e}")))?.sql;
                prop_assert!(!sql.contains(MARK), "a bound value is in the SQL text: {}", sql);
            }
            let got: Vec<i64> =
                query.all(&db.engine).map_err(|e| TestCaseError::fail(format!("{} rejected it: {e}", db.name)))?;
            let expected: Vec<i64> = data.iter().filter(|r| eval_bool(&tree, r, &data)).map(|r| r.id).collect();
            prop_assert_eq!(got, expected);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{}: {e}", db.name);
        }
    });
}
