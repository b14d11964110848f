// `onupdate` is now `update_default` (the value every UPDATE writes); `on_update` is the foreign key's ON UPDATE action.
use orm::Model;

fn now() -> i64 {
    0
}

#[derive(Model)]
struct Document {
    #[orm(primary_key)]
    id: i64,
    #[orm(default = now(), onupdate = now())]
    updated_at: i64,
}

fn main() {}
