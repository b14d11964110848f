// A constraint name is not empty, and two indexes or constraints of a model do not share one.
use orm::Model;

#[derive(Model)]
#[orm(index(name = "", status), unique(name = "uq_same", status, code))]
struct Order {
    #[orm(primary_key)]
    id: i64,
    status: String,
    #[orm(unique(name = "uq_same"))]
    code: String,
}

fn main() {}
