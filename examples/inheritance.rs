//! Inheritance: subtypes of one base model. Single-table (a `Manager` is a row of the base's
//! table, told apart by a discriminator column) and joined-table (an `Engineer` row in a table
//! of its own, keyed by its base row's key), and the base query that returns each row as its
//! own type, through Core and through the Session.
//!
//! Run with `cargo run --example inheritance` (`DATABASE_URL=postgres://...` to run it on
//! PostgreSQL). Every statement is printed as it runs.

use orm::prelude::*;
use orm::Polymorphic;

/// The base: every employee is a row of `inh_staff`, whose `kind` column (the discriminator)
/// tells its type. A row written as a plain `Employee` gets the identity "employee".
#[derive(Model, Debug, Clone)]
#[orm(table = "inh_staff", polymorphic_on = kind, polymorphic_identity = "employee")]
struct Employee {
    #[orm(primary_key, auto_increment)]
    id: i64,
    kind: String,
    name: String,
}

/// Single-table subtype: the rows of `inh_staff` whose kind is "manager". It repeats the
/// base's fields and adds its own, which are columns of `inh_staff` (nullable: other kinds
/// of rows leave them NULL).
#[derive(Model, Debug, Clone)]
#[orm(inherits = Employee, polymorphic_identity = "manager")]
struct Manager {
    #[orm(primary_key, auto_increment)]
    id: i64,
    kind: String,
    name: String,
    budget: Option<i64>,
}

/// Joined-table subtype: a row of `inh_engineers` beside its `inh_staff` row, same key.
#[derive(Model, Debug, Clone)]
#[orm(table = "inh_engineers", inherits = Employee, polymorphic_identity = "engineer")]
struct Engineer {
    #[orm(primary_key, foreign_key = Employee::id)]
    id: i64,
    language: String,
}

/// Each row of the base as its own type (plain values, for Core). A joined-table variant
/// holds the base row and the subtype's row; `Other` holds the base's own rows ("employee"),
/// and, marked `polymorphic_fallback`, also any identity no variant names.
#[derive(Polymorphic, Debug)]
#[orm(base = Employee)]
enum Staff {
    Manager(Manager),
    Engineer(Employee, Engineer),
    #[orm(polymorphic_fallback)]
    Other(Employee),
}

/// The same, as objects tracked by a session.
#[derive(Polymorphic, Debug)]
#[orm(base = Employee)]
enum StaffObj {
    Manager(Obj<Manager>),
    Engineer(Obj<Employee>, Obj<Engineer>),
    Other(Obj<Employee>),
}

fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".into());
    let engine = Engine::builder(&url).echo(true).build()?;
    let tables = [Employee::table(), Manager::table(), Engineer::table()];
    engine.drop_all(&tables)?;
    println!("-- DDL: one table for Employee and Manager (with `budget`), one for Engineer");
    engine.create_all(&tables)?;

    println!("-- insert: the discriminator is set from the model's identity");
    let mut s = engine.session();
    s.add(Employee { id: 0, kind: String::new(), name: "Eve".into() })?;
    let mia = s.add(Manager { id: 0, kind: String::new(), name: "Mia".into(), budget: Some(100) })?;
    // A joined-table subtype is two rows. `add_joined` writes the base row with the subtype's
    // identity in its discriminator, flushes it to learn the generated key, and gives that key
    // to the subtype's row.
    let (grace, grace_eng) = s.add_joined(
        Employee { id: 0, kind: String::new(), name: "Grace".into() },
        Engineer { id: 0, language: "Rust".into() },
    )?;
    assert_eq!(grace.read().kind, Engineer::POLYMORPHIC_IDENTITY);
    assert_eq!(grace_eng.read().id, grace.read().id);
    s.commit()?;
    let grace_id = grace.read().id;
    let kinds: Vec<(String, String)> = select((Employee::name, Employee::kind)).order_by(Employee::id).all(&engine)?;
    println!("{kinds:?}");
    assert_eq!(
        kinds,
        [("Eve", "employee"), ("Mia", "manager"), ("Grace", "engineer")].map(|(n, k)| (n.into(), k.into()))
    );

    println!("-- a single-table subtype's queries keep to its rows: note the `kind` filter");
    let managers = s.query::<Manager>().all()?;
    assert_eq!(managers.len(), 1);
    assert!(managers[0].ptr_eq(&mia), "the session's object for that row");
    let rich: Vec<String> = select(Manager::name).filter(Manager::budget.ge(50)).all(&engine)?;
    assert_eq!(rich, ["Mia"]);

    println!("-- a joined-table subtype's own columns are in its table: join the base for the rest");
    let engineers: Vec<(String, String)> = select((Employee::name, Engineer::language))
        .join::<Engineer>()
        .on(Engineer::id.eq(Employee::id))
        .all(&engine)?;
    assert_eq!(engineers, [("Grace".to_owned(), "Rust".to_owned())]);

    println!("-- Core: the base query, each row as its own type, in one statement");
    let staff = select_model::<Employee>().order_by(Employee::id).polymorphic::<Staff>().all(&engine)?;
    for member in &staff {
        match member {
            Staff::Manager(m) => println!("manager {} with a budget of {:?}", m.name, m.budget),
            Staff::Engineer(e, eng) => println!("engineer {} writing {}", e.name, eng.language),
            Staff::Other(e) => println!("{} {}", e.kind, e.name),
        }
    }
    assert!(matches!(&staff[..], [Staff::Other(_), Staff::Manager(_), Staff::Engineer(e, eng)] if e.id == eng.id));

    println!("-- Session: the same query, as tracked objects (the identity map's own)");
    let staff = s.query::<Employee>().order_by(Employee::id).polymorphic::<StaffObj>().all()?;
    let [StaffObj::Other(eve), StaffObj::Manager(m), StaffObj::Engineer(base, eng)] = &staff[..] else {
        panic!("unexpected rows: {staff:?}");
    };
    assert!(m.ptr_eq(&mia) && base.ptr_eq(&grace));
    assert_eq!(eve.read().name, "Eve");
    println!("-- a change to a subtype's field writes its own table only");
    eng.write().language = "Haskell".into();
    s.commit()?;
    let language: String = select(Engineer::language).filter(Engineer::id.eq(grace_id)).one(&engine)?;
    assert_eq!(language, "Haskell");
    Ok(())
}
