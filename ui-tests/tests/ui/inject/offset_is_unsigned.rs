// OFFSET takes a u64: a negative offset does not compile.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
    email: Option<String>,
}

fn main() {
    let _ = select(User::id).offset(-1);
}
