// Key columns are NOT NULL, so a primary key cannot be an Option.
use orm::Model;

#[derive(Model)]
struct Tag {
    #[orm(primary_key)]
    id: Option<i64>,
}

fn main() {}
