// An unknown `#[orm(...)]` key on a `FromRow` field is an error on the key, with a suggestion or the expected keys.
use orm::FromRow;

#[derive(FromRow)]
struct Totals {
    #[orm(lable = "n")]
    count: i64,
    #[orm(column = "total")]
    sum: i64,
}

fn main() {}
