// A model needs a primary key: the session identifies rows by it.
use orm::Model;

#[derive(Model)]
struct Note {
    title: String,
    body: String,
}

fn main() {}
