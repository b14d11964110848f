// A `#[derive(Default)]` written after `#[derive(Model)]` on a model with `default = ...` values is refused on its `Default`: the Model derive implements it.
use orm::Model;

#[derive(Model, Debug)]
#[derive(Clone, Default)]
struct Account {
    #[orm(primary_key, auto_increment)]
    id: i64,
    #[orm(default = true)]
    is_active: bool,
}

fn main() {
    let _ = Account { id: 1, ..Default::default() };
}
