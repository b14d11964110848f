// `text` and `integer` exclude each other; `rename` and `rename_all` only apply to text enums;
// `rename_all` takes one of serde's cases.
use orm::SqlEnum;

#[derive(SqlEnum, Clone, PartialEq)]
#[orm(text, integer)]
enum Both {
    A,
}

#[derive(SqlEnum, Clone, PartialEq)]
#[orm(integer, rename_all = "snake_case")]
enum Numbers {
    #[orm(rename = "one")]
    One,
}

#[derive(SqlEnum, Clone, PartialEq)]
#[orm(rename_all = "snake-case")]
enum Cased {
    InProgress,
}

fn main() {}
