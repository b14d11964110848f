// A model has one version column.
use orm::Model;

#[derive(Model)]
struct Doc {
    #[orm(primary_key)]
    id: i64,
    #[orm(version)]
    version: i64,
    #[orm(version)]
    revision: i64,
}

fn main() {}
