// A subtype registers itself with its base (link-time registry) even in a crate that forbids
// unsafe code, and a polymorphic enum may have one `polymorphic_fallback` variant.
#![forbid(unsafe_code)]

use orm::{Model, Obj, Polymorphic};

#[derive(Model)]
#[orm(polymorphic_on = kind, polymorphic_identity = "vehicle")]
struct Vehicle {
    #[orm(primary_key)]
    id: i64,
    kind: String,
}

#[derive(Model)]
#[orm(inherits = Vehicle, polymorphic_identity = "truck")]
struct Truck {
    #[orm(primary_key)]
    id: i64,
    kind: String,
    payload: Option<i64>,
}

#[derive(Polymorphic)]
#[orm(base = Vehicle)]
enum AnyVehicle {
    Vehicle(Obj<Vehicle>),
    Truck(Obj<Truck>),
    #[orm(polymorphic_fallback)]
    Other(Obj<Vehicle>),
}

fn main() {
    let subtypes: Vec<&str> = Vehicle::table().subtypes().iter().map(|t| t.model).collect();
    assert_eq!(subtypes, ["Truck"]);
}
