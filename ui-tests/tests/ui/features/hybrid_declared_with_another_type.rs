// A hybrid's declared type is the type its expression computes.
use orm::Model;

#[derive(Model)]
#[orm(hybrid(total: String = price * quantity))]
struct Line {
    #[orm(primary_key)]
    id: i64,
    price: i64,
    quantity: i64,
}

fn main() {}
