// A session's bulk UPDATE needs `.filter(...)` or `.all_rows()` too.
use orm::prelude::*;

#[derive(Model)]
#[orm(table = "users")]
struct User {
    #[orm(primary_key, auto_increment)]
    id: i64,
    active: bool,
}

fn main() -> orm::Result<()> {
    let engine = Engine::connect("sqlite::memory:")?;
    let mut session = engine.session();
    session.bulk_update(update::<User>().set(User::active, false))?;
    Ok(())
}
