// An `integer` enum stores discriminants: each one must be an integer literal that fits in an i32.
use orm::SqlEnum;

const TWO: i32 = 2;

#[derive(SqlEnum, Clone, PartialEq)]
#[orm(integer)]
#[repr(i64)]
enum Priority {
    Low = 1,
    Medium = TWO as i64,
    High = 1 + 2,
    AfterHigh,
    Huge = 5_000_000_000,
    Last = 2_147_483_647,
    AfterLast,
}

fn main() {}
