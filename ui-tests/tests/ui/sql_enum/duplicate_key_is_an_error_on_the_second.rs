// Each key of `#[derive(SqlEnum)]` may appear once: a duplicate is an error on the second one.
use orm::SqlEnum;

#[derive(SqlEnum, Clone, PartialEq)]
#[orm(rename_all = "snake_case")]
#[orm(text, text, rename_all = "kebab-case")]
enum Status {
    InProgress,
    #[orm(rename = "finished", rename = "done")]
    Done,
}

fn main() {}
