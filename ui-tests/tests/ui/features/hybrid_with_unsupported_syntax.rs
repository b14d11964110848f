// A hybrid expression is made of what both Rust and SQL can compute.
use orm::Model;

#[derive(Model)]
#[orm(hybrid(label: String = format!("{}", name)), hybrid(shout: String = name.to_uppercase()), hybrid(n: i64 = nmae + 1))]
struct Tag {
    #[orm(primary_key)]
    id: i64,
    name: String,
}

fn main() {}
