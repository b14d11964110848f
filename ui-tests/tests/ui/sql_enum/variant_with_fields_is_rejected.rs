// `SqlEnum` stores fieldless enums only: a variant with fields is an error on its fields.
use orm::SqlEnum;

#[derive(SqlEnum, Clone, PartialEq)]
enum Shape {
    Point,
    Circle(f64),
    Rect { w: f64, h: f64 },
}

fn main() {}
