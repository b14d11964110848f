// A polymorphic enum's variant accepts only `polymorphic_fallback`; a typo is named.
use orm::{Model, Polymorphic};

#[derive(Model)]
#[orm(polymorphic_on = kind, polymorphic_identity = "vehicle")]
struct Vehicle {
    #[orm(primary_key)]
    id: i64,
    kind: String,
}

#[derive(Polymorphic)]
#[orm(base = Vehicle)]
enum AnyVehicle {
    #[orm(polymorphic_fallbak)]
    Other(Vehicle),
}

fn main() {}
