// A window function is computed after WHERE: its label is usable only from an outer query
// over `.subquery::<N>()`, not in the query that computes it.
use orm::prelude::*;

#[derive(Model)]
struct Order {
    #[orm(primary_key)]
    id: i64,
    user_id: i64,
    total: f64,
}

fn main() {
    let rnk = func::rank().over(window().partition_by(Order::user_id).order_by(Order::total.desc())).label("rnk");
    let _ = select((Order::id, rnk.clone())).filter(rnk.eq(1));
}
