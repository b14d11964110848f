// Two fields of a `FromRow` struct cannot read the same label: the error is on the second one's label.
use orm::FromRow;

#[derive(FromRow)]
struct Totals {
    n: i64,
    #[orm(label = "n")]
    count: i64,
}

fn main() {}
