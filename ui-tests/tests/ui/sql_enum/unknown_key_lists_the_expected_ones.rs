// An unknown `#[orm(...)]` key is an error on the key, with a suggestion or the expected keys.
use orm::SqlEnum;

#[derive(SqlEnum, Clone, PartialEq)]
#[orm(integr)]
enum Level {
    Low,
    #[orm(name = "HIGH")]
    High,
}

#[derive(SqlEnum, Clone, PartialEq)]
#[orm(text, rename_all = "snake_case", prefix = "x")]
enum Color {
    Red,
}

fn main() {}
