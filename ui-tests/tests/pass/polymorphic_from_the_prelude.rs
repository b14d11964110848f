// `derive(Polymorphic)` comes with the prelude, as `derive(Model)` does.
use orm::prelude::*;

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
    load: Option<i64>,
}

#[derive(Polymorphic)]
#[orm(base = Vehicle)]
enum AnyVehicle {
    Vehicle(Vehicle),
    Truck(Truck),
}

fn main() -> orm::Result<()> {
    let engine = Engine::connect("sqlite::memory:")?;
    engine.create_all(&[Vehicle::table()])?;
    let rows = select_model::<Vehicle>().polymorphic::<AnyVehicle>().all(&engine)?;
    assert!(rows.is_empty());
    Ok(())
}
