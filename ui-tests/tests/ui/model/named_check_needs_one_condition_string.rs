// `check(name = "...", "SQL")` takes exactly one condition, written as a string.
use orm::Model;

#[derive(Model)]
#[orm(check(name = "ck_positive"))]
struct Order {
    #[orm(primary_key)]
    id: i64,
    #[orm(check(name = "ck_total", total > 0))]
    total: f64,
}

fn main() {}
