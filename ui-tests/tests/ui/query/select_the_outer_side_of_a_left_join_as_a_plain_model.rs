// The outer side of a LEFT JOIN may be missing from a row: it is selected as `Option<Model>`.
use orm::model;
use orm::prelude::*;

#[derive(Model)]
struct User {
    #[orm(primary_key)]
    id: i64,
}

#[derive(Model)]
struct Post {
    #[orm(primary_key)]
    id: i64,
    #[orm(foreign_key = User::id)]
    user_id: i64,
}

fn main() {
    let engine = Engine::connect("sqlite::memory:").unwrap();
    let _rows = select((model::<User>(), model::<Post>())).outerjoin::<Post>().all(&engine);
}
