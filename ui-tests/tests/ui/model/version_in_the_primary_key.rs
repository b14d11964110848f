// The key identifies the row whatever its version: the version is not part of it.
use orm::Model;

#[derive(Model)]
struct Doc {
    #[orm(primary_key, version)]
    id: i64,
}

fn main() {}
