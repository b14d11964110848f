// A version column counts a row's updates: it is an integer.
use orm::Model;

#[derive(Model)]
struct Doc {
    #[orm(primary_key)]
    id: i64,
    #[orm(version)]
    version: String,
}

fn main() {}
