// `#[derive(Model)]` implements `Default` from the `default = ...` values, so a model with them cannot also derive `Default`.
use orm::Model;

#[derive(Model, Default)]
struct Account {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(default = true)]
    is_active: bool,
}

fn main() {
    let _ = Account { id: 1, ..Default::default() };
}
