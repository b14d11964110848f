// A scalar subquery has the type of the column it selects: comparing it with a column of
// another type is a compile error.
use orm::prelude::*;

#[derive(Model)]
struct Order {
    #[orm(primary_key)]
    id: i64,
    total: f64,
    note: String,
}

fn main() {
    let largest = select(func::max(Order::total)).scalar_subquery();
    let _ = select(Order::id).filter(Order::note.eq(largest));
}
