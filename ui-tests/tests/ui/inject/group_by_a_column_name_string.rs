// GROUP BY takes a column or expression; a string naming a column is refused (CVE-2019-7548).
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
    name: String,
    email: Option<String>,
}

fn main() {
    let _ = select(func::count_all()).from::<User>().group_by("name");
}
