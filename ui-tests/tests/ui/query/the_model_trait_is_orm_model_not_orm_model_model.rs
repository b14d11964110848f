// `orm::model` is the selection function `model::<M>()`; the `Model` trait is `orm::Model`.
use orm::model::Model;

fn main() {}
