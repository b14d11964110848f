// `#[sql_enum(...)]` is the old spelling of `#[orm(...)]` (one attribute namespace): an error showing the new one.
use orm::SqlEnum;

#[derive(SqlEnum, Clone, PartialEq)]
#[sql_enum(integer)]
enum Priority {
    Low = 1,
    High = 2,
}

#[derive(SqlEnum, Clone, PartialEq)]
#[orm(rename_all = "snake_case")]
enum Status {
    InProgress,
    #[sql_enum(rename = "finished")]
    Done,
}

fn main() {}
