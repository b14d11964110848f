// A DELETE runs once `.filter(...)` or `.all_rows()` says which rows: without either it
// would empty the table.
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
    delete::<User>().execute(&engine)?;
    Ok(())
}
