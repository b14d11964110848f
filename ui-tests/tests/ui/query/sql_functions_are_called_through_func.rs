// SQL functions live in `orm::func` (`func::count(User::id)`), not in the prelude.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
}

fn main() {
    let _ = select(count(User::id));
}
