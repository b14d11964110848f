// Labels are &'static str: a name built at run time (user input) cannot become an alias.
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
    email: Option<String>,
}

fn main() {
    let from_user: String = std::env::args().next().unwrap_or_default();
    let _ = select(User::id.label(&from_user));
}
