// An index or constraint name over 63 bytes (PostgreSQL would truncate it) is refused.
use orm::Model;

#[derive(Model)]
#[orm(index(name = "ix_a_name_that_goes_on_and_on_well_past_what_postgres_will_keep_too", status))]
struct Order {
    #[orm(primary_key)]
    id: i64,
    status: String,
}

fn main() {}
