// back_populates names the relationship on the other side, not one of its columns.
use orm::prelude::*;

#[derive(Model)]
struct Person {
    #[orm(primary_key)]
    id: i64,
    name: String,
    passport: HasOne<Passport>,
}

#[derive(Model)]
struct Passport {
    #[orm(primary_key)]
    id: i64,
    #[orm(foreign_key = Person::id, unique)]
    person_id: i64,
    #[relationship(back_populates = name)]
    person: BelongsTo<Person>,
}

fn main() {}
