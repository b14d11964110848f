// A model cannot declare a field its mixin already brings.
#[orm::mixin]
struct Timestamps {
    created_at: i64,
    updated_at: i64,
}

#[orm::mixins(Timestamps)]
#[derive(orm::Model)]
struct Post {
    #[orm(primary_key)]
    id: i64,
    created_at: String,
}

fn main() {}
