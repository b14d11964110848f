// Models are structs with named fields.
use orm::Model;

#[derive(Model)]
struct Pair(i64, String);

#[derive(Model)]
enum Kind {
    A,
}

fn main() {}
