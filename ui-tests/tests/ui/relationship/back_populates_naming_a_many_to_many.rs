// back_populates on a `BelongsTo` names the parent's `HasMany` or `HasOne` over the same key, not a many-to-many.
use orm::prelude::*;

#[derive(Model)]
struct Person {
    #[orm(primary_key)]
    id: i64,
    #[relationship(secondary = Visa)]
    countries: ManyToMany<Country>,
}

#[derive(Model)]
struct Country {
    #[orm(primary_key)]
    id: i64,
}

#[derive(Model)]
struct Visa {
    #[orm(primary_key, foreign_key = Person::id)]
    person_id: i64,
    #[orm(primary_key, foreign_key = Country::id)]
    country_id: i64,
    #[relationship(back_populates = countries)]
    person: BelongsTo<Person>,
}

fn main() {}
