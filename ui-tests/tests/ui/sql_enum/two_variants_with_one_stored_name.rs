// Two variants of a text enum cannot be stored as the same text.
use orm::SqlEnum;

#[derive(SqlEnum, Clone, PartialEq)]
#[orm(rename_all = "lowercase")]
enum Mode {
    Fast,
    #[orm(rename = "fast")]
    Quick,
}

fn main() {}
