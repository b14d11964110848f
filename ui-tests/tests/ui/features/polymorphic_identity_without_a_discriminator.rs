// A polymorphic identity is stored in a discriminator column, which the model must name.
use orm::Model;

#[derive(Model)]
#[orm(polymorphic_identity = "car")]
struct Car {
    #[orm(primary_key)]
    id: i64,
    kind: String,
}

fn main() {}
