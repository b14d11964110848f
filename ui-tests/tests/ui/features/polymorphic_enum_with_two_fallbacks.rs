// At most one variant of a polymorphic enum reads the unknown identities (`polymorphic_fallback`).
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
    #[orm(polymorphic_fallback)]
    Other(Vehicle),
    #[orm(polymorphic_fallback)]
    Unknown(Vehicle),
}

fn main() {}
