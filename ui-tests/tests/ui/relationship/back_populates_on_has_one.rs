// back_populates is not supported on one-to-one relationships yet: the derive says so.
use orm::prelude::*;

#[derive(Model)]
struct Person {
    #[orm(primary_key)]
    id: i64,
    #[relationship(back_populates = person)]
    passport: HasOne<Passport>,
}

#[derive(Model)]
struct Passport {
    #[orm(primary_key)]
    id: i64,
    #[orm(foreign_key = Person::id, unique)]
    person_id: i64,
    person: BelongsTo<Person>,
}

fn main() {}
