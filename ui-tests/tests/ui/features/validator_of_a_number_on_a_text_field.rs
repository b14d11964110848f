// A `String` field takes a validator of `&String` or `&str`.
use orm::Model;

fn positive(value: &i64) -> Result<(), String> {
    if *value > 0 { Ok(()) } else { Err("must be positive".into()) }
}

#[derive(Model)]
struct Person {
    #[orm(primary_key)]
    id: i64,
    #[orm(validate = positive)]
    name: String,
}

fn main() {}
