// auto_increment applies to the (single) primary key.
use orm::Model;

#[derive(Model)]
struct Pair {
    #[orm(primary_key)]
    a: i64,
    #[orm(auto_increment)]
    b: i64,
}

#[derive(Model)]
struct Composite {
    #[orm(primary_key, auto_increment)]
    a: i64,
    #[orm(primary_key)]
    b: i64,
}

fn main() {}
