// PostgreSQL truncates identifiers over 63 bytes; such names are refused at compile time.
use orm::Model;

#[derive(Model)]
#[orm(table = "a_table_name_that_goes_on_and_on_well_past_what_postgres_will_keep")]
struct Short {
    #[orm(primary_key)]
    id: i64,
    a_field_name_that_goes_on_and_on_well_past_what_postgres_will_keep: i32,
}

fn main() {}
