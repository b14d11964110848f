// `#[orm::mixins(...)]` goes above `#[derive(Model)]`: below it, the derive has already read
// the struct without the mixin's fields.
#[orm::mixin]
struct Timestamps {
    created_at: i64,
    updated_at: i64,
}

#[derive(orm::Model)]
#[orm::mixins(Timestamps)]
struct Post {
    #[orm(primary_key)]
    id: i64,
    title: String,
}

fn main() {}
