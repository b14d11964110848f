// Comparing with None is not IS NULL: `= NULL` matches nothing, so it does not compile; use is_null().
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
    email: Option<String>,
}

fn main() {
    let _ = select(User::id).filter(User::email.eq(None));
}
