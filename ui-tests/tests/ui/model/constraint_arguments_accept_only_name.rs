// The only key inside `unique(...)` / `index(...)` is `name`; a misspelled one is refused.
use orm::Model;

#[derive(Model)]
#[orm(unique(nmae = "uq_custom", status, code))]
struct Order {
    #[orm(primary_key)]
    id: i64,
    status: String,
    code: String,
}

fn main() {}
