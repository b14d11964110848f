// `numeric(p, s)` sets the precision of a decimal column.
use orm::Model;

#[derive(Model)]
struct Price {
    #[orm(primary_key)]
    id: i64,
    #[orm(numeric(10, 2))]
    amount: f64,
}

fn main() {}
