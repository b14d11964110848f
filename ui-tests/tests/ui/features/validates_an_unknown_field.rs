// `validates(...)` names fields of the model.
use orm::Model;

fn email(value: &String) -> Result<(), String> {
    if value.contains('@') { Ok(()) } else { Err("not an e-mail address".into()) }
}

#[derive(Model)]
#[orm(validates(emial) = email)]
struct Person {
    #[orm(primary_key)]
    id: i64,
    email: String,
}

fn main() {}
