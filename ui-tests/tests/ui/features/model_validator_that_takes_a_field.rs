// A validator on the struct takes the whole object.
use orm::Model;

fn positive(value: &i64) -> Result<(), String> {
    if *value > 0 { Ok(()) } else { Err("must be positive".into()) }
}

#[derive(Model)]
#[orm(validate = positive)]
struct Person {
    #[orm(primary_key)]
    id: i64,
}

fn main() {}
