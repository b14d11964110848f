// back_populates on a `HasOne` names the child's `BelongsTo`, not one of its columns.
use orm::prelude::*;

#[derive(Model)]
struct Person {
    #[orm(primary_key)]
    id: i64,
    #[relationship(back_populates = number)]
    passport: HasOne<Passport>,
}

#[derive(Model)]
struct Passport {
    #[orm(primary_key)]
    id: i64,
    #[orm(foreign_key = Person::id, unique)]
    person_id: i64,
    number: String,
}

fn main() {}
