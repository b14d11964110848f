// back_populates pairs a `HasOne<Child>` with the child's `BelongsTo<Parent>`, either way round,
// beside a `HasMany` pair to the same parent: the derive finds each other side's kind.
use orm::prelude::*;

#[derive(Model)]
struct Person {
    #[orm(primary_key)]
    id: i64,
    #[relationship(back_populates = person)]
    passport: HasOne<Passport>,
    #[relationship(back_populates = owner)]
    cars: HasMany<Car>,
}

#[derive(Model)]
struct Passport {
    #[orm(primary_key)]
    id: i64,
    #[orm(foreign_key = Person::id, unique)]
    person_id: i64,
    #[relationship(back_populates = passport)]
    person: BelongsTo<Person>,
}

#[derive(Model)]
struct Car {
    #[orm(primary_key)]
    id: i64,
    #[orm(foreign_key = Person::id)]
    owner_id: i64,
    #[relationship(back_populates = cars)]
    owner: BelongsTo<Person>,
}

fn main() {
    let _ = (Person::passport, Passport::person, Person::cars, Car::owner);
}
