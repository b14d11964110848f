// An unknown `#[sql_enum(...)]` key is an error on the key, with a suggestion or the expected keys.
use orm::SqlEnum;

#[derive(SqlEnum, Clone, PartialEq)]
#[sql_enum(integr)]
enum Level {
    Low,
    #[sql_enum(name = "HIGH")]
    High,
}

#[derive(SqlEnum, Clone, PartialEq)]
#[sql_enum(text, rename_all = "snake_case", prefix = "x")]
enum Color {
    Red,
}

fn main() {}
