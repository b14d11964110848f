// `SqlEnum` is for enums; a struct implements `CustomType` instead.
use orm::SqlEnum;

#[derive(SqlEnum, Clone, PartialEq)]
struct Celsius(f64);

fn main() {}
