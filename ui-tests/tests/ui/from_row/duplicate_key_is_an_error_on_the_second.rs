// Each key of a `FromRow` field may appear once: a duplicate is an error on the second one.
use orm::FromRow;

#[derive(FromRow)]
struct Totals {
    #[orm(label = "n")]
    #[orm(label = "count")]
    count: i64,
}

fn main() {}
