// A field's type must be a column type; the error names the trait to implement.
use orm::Model;

struct Money(i64);

#[derive(Model)]
struct Account {
    #[orm(primary_key)]
    id: i64,
    balance: Money,
}

fn main() {}
