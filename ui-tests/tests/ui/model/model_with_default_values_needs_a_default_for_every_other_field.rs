// The `Default` of a model with `default = ...` values needs a `Default` (or a `default = ...`) for every other field's type.
use orm::{Model, SqlEnum};

#[derive(SqlEnum, Debug, Clone, Copy, PartialEq)]
enum Plan {
    Free,
    Team,
}

#[derive(Model)]
struct Account {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(default = true)]
    is_active: bool,
    plan: Plan,
}

fn main() {}
