// A field validator takes the field's own type by reference.
use orm::Model;

fn not_blank(value: &String) -> Result<(), String> {
    if value.is_empty() { Err("blank".into()) } else { Ok(()) }
}

#[derive(Model)]
struct Person {
    #[orm(primary_key)]
    id: i64,
    #[orm(validate = not_blank)]
    age: i32,
}

fn main() {}
