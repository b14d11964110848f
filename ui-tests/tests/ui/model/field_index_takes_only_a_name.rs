// On a field, `index(...)` and `unique(...)` take only `name = "..."`: the column is the field.
use orm::Model;

#[derive(Model)]
struct Order {
    #[orm(primary_key)]
    id: i64,
    #[orm(index(name = "ix_status", code))]
    status: String,
    code: String,
}

fn main() {}
