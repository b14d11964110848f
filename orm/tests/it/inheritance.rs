//! Inheritance: single-table (one table, a discriminator column, subtype columns NULL for
//! other types) and joined-table (a table per subtype keyed by the base's key), with
//! polymorphic loading of the base.

use orm::prelude::*;
use orm::{Error, Misuse, Polymorphic};

use crate::common::{each_db, Db};

#[derive(Model, Debug, Clone)]
#[orm(table = "staff", polymorphic_on = kind, polymorphic_identity = "employee")]
struct Employee {
    #[orm(primary_key, auto_increment)]
    id: i64,
    kind: String,
    name: String,
}

/// Single-table subtype: the rows of `staff` whose kind is "manager".
#[derive(Model, Debug, Clone)]
#[orm(inherits = Employee, polymorphic_identity = "manager")]
struct Manager {
    #[orm(primary_key, auto_increment)]
    id: i64,
    kind: String,
    name: String,
    budget: Option<i64>,
}

/// Joined-table subtype: a row of `engineers` next to its `staff` row.
#[derive(Model, Debug, Clone)]
#[orm(table = "engineers", inherits = Employee, polymorphic_identity = "engineer")]
struct Engineer {
    #[orm(primary_key, foreign_key = Employee::id)]
    id: i64,
    language: String,
}

/// Each row as its own type (plain values, Core).
#[derive(Polymorphic, Debug)]
#[orm(base = Employee)]
enum Staff {
    Manager(Manager),
    Engineer(Employee, Engineer),
    Other(Employee),
}

/// The same, tracked by a session.
#[allow(dead_code)]
#[derive(Polymorphic, Debug)]
#[orm(base = Employee)]
enum StaffObj {
    Manager(Obj<Manager>),
    Engineer(Obj<Employee>, Obj<Engineer>),
    Other(Obj<Employee>),
}

/// No variant for the base itself: an unknown identity is an error.
#[allow(dead_code)]
#[derive(Polymorphic, Debug)]
#[orm(base = Employee)]
enum OnlyManagers {
    Manager(Manager),
}

fn employee(name: &str) -> Employee {
    Employee { id: 0, kind: String::new(), name: name.into() }
}

fn setup(db: &Db) {
    db.engine.create_all(&[Employee::table(), Manager::table(), Engineer::table()]).unwrap();
    let mut s = db.engine.session();
    s.add(employee("Eve")).unwrap();
    s.add(Manager { id: 0, kind: String::new(), name: "Mia".into(), budget: Some(100) }).unwrap();
    let base = s.add(Employee { kind: "engineer".into(), ..employee("Eng") }).unwrap();
    s.flush().unwrap();
    let id = base.read().id;
    s.add(Engineer { id, language: "Rust".into() }).unwrap();
    s.commit().unwrap();
}

#[test]
fn single_table_subtypes_share_the_table_and_are_told_apart_by_the_discriminator() {
    each_db("inh_single", |db| {
        setup(db);
        let kinds: Vec<(String, String, Option<i64>)> = select((Employee::name, Employee::kind, Manager::budget))
            .from::<Employee>()
            .order_by(Employee::id.asc())
            .all(&db.engine)
            .unwrap();
        assert_eq!(
            kinds,
            [
                ("Eve".to_string(), "employee".to_string(), None),
                ("Mia".to_string(), "manager".to_string(), Some(100)),
                ("Eng".to_string(), "engineer".to_string(), None),
            ],
            "the discriminator is set on insert; the subtype's column is NULL for others"
        );
        let mut s = db.engine.session();
        let managers = s.query::<Manager>().all().unwrap();
        assert_eq!(managers.len(), 1, "a subtype query reads its own rows only");
        assert_eq!(managers[0].read().name, "Mia");
        assert_eq!(s.query::<Employee>().count().unwrap(), 3, "the base reads them all");
        let rich = s.query::<Employee>().filter(Manager::budget.gt(50)).all().unwrap();
        assert_eq!(rich.len(), 1, "a subtype's column is usable in the base's query");
        let n: i64 = select(func::count_all()).from::<Manager>().one(&db.engine).unwrap();
        assert_eq!(n, 1);
        let eve_id: i64 = select(Employee::id).filter(Employee::name.eq("Eve")).one(&db.engine).unwrap();
        assert!(s.get::<Manager>(eve_id).unwrap().is_none(), "get by key keeps to the subtype too");

        // Core UPDATE / DELETE of a subtype touch its rows only.
        assert_eq!(update::<Manager>().set(Manager::budget, 5).all_rows().execute(&db.engine).unwrap(), 1);
        assert_eq!(delete::<Manager>().all_rows().execute(&db.engine).unwrap(), 1);
        let left: i64 = select(func::count_all()).from::<Employee>().one(&db.engine).unwrap();
        assert_eq!(left, 2);
    });
}

#[test]
fn the_base_query_returns_each_row_as_its_own_subtype() {
    each_db("inh_poly", |db| {
        setup(db);
        db.log.clear();
        let rows =
            select_model::<Employee>().order_by(Employee::id.asc()).polymorphic::<Staff>().all(&db.engine).unwrap();
        assert_eq!(db.log.statements().len(), 1, "one statement");
        match &rows[..] {
            [Staff::Other(eve), Staff::Manager(mia), Staff::Engineer(eng, engineer)] => {
                assert_eq!((eve.name.as_str(), eve.kind.as_str()), ("Eve", "employee"));
                assert_eq!((mia.name.as_str(), mia.budget), ("Mia", Some(100)));
                assert_eq!((eng.name.as_str(), engineer.language.as_str()), ("Eng", "Rust"));
                assert_eq!(eng.id, engineer.id);
            }
            other => panic!("unexpected rows: {other:?}"),
        }
        let filtered =
            select_model::<Employee>().filter(Employee::name.ne("Eve")).polymorphic::<Staff>().all(&db.engine).unwrap();
        assert_eq!(filtered.len(), 2);

        let err = select_model::<Employee>().polymorphic::<OnlyManagers>().all(&db.engine).unwrap_err();
        assert!(
            matches!(&err, Error::UnknownPolymorphicIdentity { column, identity, target, .. }
                if column == "kind" && identity.as_deref() == Some("employee") && target == "OnlyManagers"),
            "{err:?}"
        );
    });
}

#[test]
fn a_session_loads_the_subtypes_into_its_identity_map() {
    each_db("inh_session", |db| {
        setup(db);
        let mut s = db.engine.session();
        let mia = s.query::<Manager>().one().unwrap();
        let rows = s.query::<Employee>().order_by(Employee::id.asc()).polymorphic::<StaffObj>().all().unwrap();
        assert_eq!(rows.len(), 3);
        let StaffObj::Manager(m) = &rows[1] else { panic!("{rows:?}") };
        assert!(m.ptr_eq(&mia), "the session's object for that row");
        let StaffObj::Engineer(_, engineer) = &rows[2] else { panic!("{rows:?}") };
        engineer.write().language = "Haskell".into();
        s.commit().unwrap();
        let lang: String = select(Engineer::language).one(&db.engine).unwrap();
        assert_eq!(lang, "Haskell", "the objects are tracked");
    });
}

#[derive(Model, Debug)]
#[orm(table = "vehicles", polymorphic_on = kind)]
struct Vehicle {
    #[orm(primary_key, auto_increment)]
    id: i64,
    kind: String,
}

#[derive(Model, Debug)]
#[orm(inherits = Vehicle, polymorphic_identity = "truck")]
struct Truck {
    #[orm(primary_key, auto_increment)]
    id: i64,
    kind: String,
    payload: i64,
}

#[test]
fn a_single_table_subtype_column_must_be_nullable() {
    each_db("inh_ddl", |db| {
        let err = db.engine.create_all(&[Vehicle::table(), Truck::table()]).unwrap_err();
        assert!(err.to_string().contains("`Truck.payload` is a column of subtype `Truck` only"), "{err}");
    });
}

#[test]
fn core_inserts_write_the_identity_of_the_model() {
    each_db("inh_core", |db| {
        db.engine.create_all(&[Employee::table(), Manager::table()]).unwrap();
        let m = Manager { id: 0, kind: "whatever".into(), name: "Max".into(), budget: None };
        insert::<Manager>().values(&m).execute(&db.engine).unwrap();
        insert::<Manager>().set(Manager::name, "Moe").execute(&db.engine).unwrap();
        insert::<Employee>().set(Employee::name, "Ed").execute(&db.engine).unwrap();
        insert::<Employee>().values(&employee("Eli")).execute(&db.engine).unwrap();
        let kinds: Vec<(String, String)> =
            select((Employee::name, Employee::kind)).order_by(Employee::name.asc()).all(&db.engine).unwrap();
        let kinds: Vec<(&str, &str)> = kinds.iter().map(|(n, k)| (n.as_str(), k.as_str())).collect();
        assert_eq!(kinds, [("Ed", "employee"), ("Eli", "employee"), ("Max", "manager"), ("Moe", "manager")]);
        assert_eq!(Manager::POLYMORPHIC_IDENTITY, "manager");
    });
}

#[test]
fn inheritance_statements_in_both_dialects() {
    use orm::dialect::{render_ddl, Dialect, Postgres, Rendered, Sqlite};
    use orm::query::Ddl;
    fn both(f: impl Fn(&dyn Dialect) -> orm::Result<Rendered>) -> String {
        let show = |name: &str, r: orm::Result<Rendered>| match r {
            Ok(r) => format!("-- {name}\n{}\n-- params: {:?}\n", r.sql, r.params),
            Err(e) => format!("-- {name}\nERROR: {e}\n"),
        };
        format!("{}\n{}", show("sqlite", f(&Sqlite)), show("postgres", f(&Postgres)))
    }
    let ddl = |d: &dyn Dialect| {
        let create =
            Ddl::CreateTable { table: Employee::table(), if_not_exists: false, subtypes: vec![Manager::table()] };
        render_ddl(d, &create).map(|sql| Rendered { sql: sql.join(";\n"), params: Vec::new() })
    };
    insta::assert_snapshot!("single_table_ddl", both(ddl));
    insta::assert_snapshot!(
        "subtype_select",
        both(|d| select_model::<Manager>().filter(Manager::budget.gt(10)).render(d))
    );
    insta::assert_snapshot!(
        "subtype_update_and_delete",
        both(|d| {
            let u = update::<Manager>().set(Manager::budget, 1).filter(Manager::name.eq("x")).render(d)?;
            let del = delete::<Manager>().all_rows().render(d)?;
            Ok(Rendered { sql: format!("{}\n{}", u.sql, del.sql), params: [u.params, del.params].concat() })
        })
    );
    insta::assert_snapshot!(
        "polymorphic_select",
        both(|d| select_model::<Employee>().filter(Employee::name.ne("x")).polymorphic::<Staff>().render(d))
    );
}

#[test]
fn add_joined_writes_the_base_row_with_the_subtype_identity_then_the_subtype_row() {
    each_db("inh_joined", |db| {
        db.engine.create_all(&[Employee::table(), Manager::table(), Engineer::table()]).unwrap();
        let mut s = db.engine.session();
        let (base, eng) = s.add_joined(employee("Grace"), Engineer { id: 0, language: "Rust".into() }).unwrap();
        s.commit().unwrap();
        assert_eq!(base.read().kind, "engineer");
        assert_eq!(eng.read().id, base.read().id, "the subtype row has its base row's key");
        let rows = select_model::<Employee>().polymorphic::<Staff>().all(&db.engine).unwrap();
        assert!(matches!(&rows[..], [Staff::Engineer(e, g)] if e.name == "Grace" && g.language == "Rust"), "{rows:?}");
        let err = s.add_joined(employee("Mia"), Manager { id: 0, kind: String::new(), name: "x".into(), budget: None });
        assert!(
            matches!(err, Err(Error::Misuse(Misuse::NotJoinedSubtype { subtype: "Manager", base: "Employee" }))),
            "{err:?}"
        );
    });
}
