// The happy path: every model attribute, nullable fields, composite keys, foreign keys.
use orm::prelude::*;

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "users", unique(name, email), index(age, name), unique_index(email), check = "age >= 0")]
pub struct User {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(max_length = 50, index)]
    pub name: String,
    #[orm(column = "mail", unique)]
    pub email: Option<String>,
    #[orm(default = 18, check = "age < 200")]
    pub age: i32,
    #[orm(server_default = "CURRENT_TIMESTAMP")]
    pub created: Option<String>,
    pub small: i16,
    pub ratio: f32,
    pub score: f64,
    pub active: bool,
    pub avatar: Vec<u8>,
}

#[derive(Model)]
struct Membership {
    #[orm(primary_key, foreign_key = User::id, on_delete = cascade, on_update = cascade)]
    user_id: i64,
    #[orm(primary_key)]
    group: String,
    #[orm(foreign_key = User::id, on_delete = set_null)]
    invited_by: Option<i64>,
    // `update_default`: written by every UPDATE that does not set the column itself.
    #[orm(update_default = 1)]
    touched: i64,
}

#[derive(Model)]
struct Employee {
    #[orm(primary_key, auto_increment)]
    id: i32,
    #[orm(foreign_key = Employee::id)]
    manager_id: Option<i32>,
}

fn main() {
    let _: &orm::TableDef = User::table();
    // A model with `default = ...` values implements `Default` from them.
    assert_eq!(User { name: "Ada".into(), ..Default::default() }.age, 18);
    let _: orm::Column<User, Option<String>> = User::email;
    let _: <Membership as Model>::Key = (1_i64, String::from("admins"));
    let _ = Employee::table().columns[1].foreign_key.map(|fk| (fk.target)().table);
}
