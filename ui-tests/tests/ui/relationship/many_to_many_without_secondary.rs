// A many-to-many relationship names its association model, and only it takes `secondary`.
use orm::prelude::*;

#[derive(Model)]
struct Tag {
    #[orm(primary_key)]
    id: i64,
    posts: ManyToMany<Post>,
}

#[derive(Model)]
struct Post {
    #[orm(primary_key)]
    id: i64,
    #[orm(foreign_key = Tag::id)]
    tag_id: i64,
    #[relationship(secondary = Tag)]
    tag: BelongsTo<Tag>,
}

fn main() {}
