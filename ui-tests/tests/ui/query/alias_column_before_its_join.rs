// An alias's columns become usable once the alias is joined.
use orm::prelude::*;

#[derive(Model)]
struct Employee {
    #[orm(primary_key)]
    id: i64,
    manager_id: Option<i64>,
    name: String,
}

fn main() {
    let boss = orm::alias::<Employee, 1>();
    let _ = select(Employee::name).filter(boss.col(Employee::name).eq("x"));
}
