// An unknown attribute key is an error on the key, suggesting the closest known one.
use orm::Model;

#[derive(Model)]
#[orm(tabel = "users")]
struct User {
    #[orm(primay_key)]
    id: i64,
    #[orm(nullable)]
    name: String,
}

fn main() {}
