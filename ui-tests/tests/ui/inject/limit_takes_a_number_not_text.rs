// LIMIT takes a u64, never text (CVE-2012-0805).
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
    email: Option<String>,
}

fn main() {
    let _ = select(User::id).limit("5");
}
