// A version column is NOT NULL: NULL would never match the version check.
use orm::Model;

#[derive(Model)]
struct Doc {
    #[orm(primary_key)]
    id: i64,
    #[orm(version)]
    version: Option<i64>,
}

fn main() {}
