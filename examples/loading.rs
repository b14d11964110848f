//! Loading strategies side by side: how many statements each one costs for 20 customers
//! with 5 orders each, on the embedded SQLite default.
//!
//! Run with `cargo run --example loading`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use orm::prelude::*;

/// A customer and their orders.
#[derive(Model, Debug)]
#[orm(table = "customers")]
struct Customer {
    #[orm(primary_key, auto_increment)]
    id: i64,
    name: String,
    orders: HasMany<Order>,
}

/// An order of a customer.
#[derive(Model, Debug)]
#[orm(table = "orders")]
struct Order {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(foreign_key = Customer::id)]
    customer_id: i64,
    total: f64,
    customer: BelongsTo<Customer>,
}

fn main() -> orm::Result<()> {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let engine = Engine::builder("sqlite::memory:")
        .before_execute(move |_, _| {
            counter.fetch_add(1, Ordering::Relaxed);
        })
        .build()?;
    engine.create_all(&[Customer::table(), Order::table()])?;
    let mut session = engine.session();
    for c in 0..20 {
        let mut customer = Customer { id: 0, name: format!("customer {c}"), orders: HasMany::new() };
        for o in 0..5 {
            customer.orders.push(Order {
                id: 0,
                customer_id: 0,
                total: f64::from(o * 10 + c),
                customer: BelongsTo::not_loaded(),
            })?;
        }
        session.add(customer)?;
    }
    session.commit()?;

    let run = |label: &str, load: &dyn Fn(&mut Session) -> orm::Result<Vec<Obj<Customer>>>| -> orm::Result<()> {
        let mut session = engine.session();
        count.store(0, Ordering::Relaxed);
        let customers = load(&mut session)?;
        let orders: usize = customers.iter().map(|c| c.read().orders.get().map_or(0, <[_]>::len)).sum();
        println!(
            "{label:<40} {:>3} statements, {} customers, {orders} orders",
            count.load(Ordering::Relaxed),
            customers.len()
        );
        Ok(())
    };
    run("lazy, made explicit (N+1)", &|s| {
        let customers = s.query::<Customer>().all()?;
        for c in &customers {
            s.load(c, Customer::orders)?;
        }
        Ok(customers)
    })?;
    run("joinedload (one LEFT OUTER JOIN)", &|s| s.query::<Customer>().options(joinedload(Customer::orders)).all())?;
    run("selectinload (IN list of keys)", &|s| s.query::<Customer>().options(selectinload(Customer::orders)).all())?;
    run("subqueryload (the query as a subquery)", &|s| {
        s.query::<Customer>().options(subqueryload(Customer::orders)).all()
    })?;
    run("nested: orders, then their customer", &|s| {
        s.query::<Customer>().options(selectinload(Customer::orders).then(selectinload(Order::customer))).all()
    })?;
    run("nested joinedloads (still one statement)", &|s| {
        s.query::<Customer>().options(joinedload(Customer::orders).then(joinedload(Order::customer))).all()
    })?;
    run("joinedload, LIMIT 2 (a subquery, joined)", &|s| {
        s.query::<Customer>().options(joinedload(Customer::orders)).order_by(Customer::id).limit(2).all()
    })?;
    run("noload (loaded as empty, no statement)", &|s| s.query::<Customer>().options(noload(Customer::orders)).all())?;

    println!("dynamic: a filterable query over one customer's orders");
    let mut session = engine.session();
    let first = session
        .query::<Customer>()
        .order_by(Customer::id)
        .first()?
        .ok_or(orm::Error::NotFound { table: "customers".into() })?;
    let big = Customer::orders.query_for(&mut session, &first).filter(Order::total.ge(20.0)).all()?;
    println!("{} has {} orders of 20 or more", first.read().name, big.len());
    Ok(())
}
