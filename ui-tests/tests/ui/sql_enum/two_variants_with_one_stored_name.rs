// Two variants of a text enum cannot be stored as the same text.
use orm::SqlEnum;

#[derive(SqlEnum, Clone, PartialEq)]
#[sql_enum(rename_all = "lowercase")]
enum Mode {
    Fast,
    #[sql_enum(rename = "fast")]
    Quick,
}

fn main() {}
