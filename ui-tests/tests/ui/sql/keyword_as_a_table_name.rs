// A table named by an SQL keyword is written quoted: unquoted, `FROM user` reads the current
// user's name on PostgreSQL (and `FROM order` does not parse), so its columns go unchecked.
use orm::prelude::*;

#[derive(Model)]
#[orm(table = "user")]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
}

fn main() {
    let _ = sql!(User => "SELECT nme FROM user");
}
