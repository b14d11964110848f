// An UPDATE runs once `.filter(...)` or `.all_rows()` says which rows: without either it
// would change every row of the table.
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
    update::<User>().set(User::active, false).execute(&engine)?;
    Ok(())
}
