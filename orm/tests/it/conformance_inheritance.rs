//! Issue 12, inheritance and deletes as a SQLAlchemy user expects them: an unknown
//! discriminator is an error (with an opt-in catch-all), `create_all` of a single-table base
//! alone gives the table every subtype's columns, and `delete` re-attaches a detached object.

use orm::prelude::*;
use orm::{Error, Polymorphic};

use crate::common::{both, each_db, Db};

#[derive(Model, Debug, Clone)]
#[orm(table = "people", polymorphic_on = kind, polymorphic_identity = "person")]
struct Person {
    #[orm(primary_key, auto_increment)]
    id: i64,
    kind: String,
    name: String,
}

/// Single-table subtype, never listed in `create_all` below.
#[derive(Model, Debug, Clone)]
#[orm(inherits = Person, polymorphic_identity = "engineer")]
struct Engineer {
    #[orm(primary_key, auto_increment)]
    id: i64,
    kind: String,
    name: String,
    language: Option<String>,
}

/// Another single-table subtype, with an index of its own.
#[derive(Model, Debug, Clone)]
#[orm(inherits = Person, polymorphic_identity = "manager")]
struct Manager {
    #[orm(primary_key, auto_increment)]
    id: i64,
    kind: String,
    name: String,
    #[orm(index)]
    budget: Option<i64>,
}

/// Joined-table subtype: its columns live in its own table, never in `people`.
#[derive(Model, Debug, Clone)]
#[orm(table = "interns", inherits = Person, polymorphic_identity = "intern")]
struct Intern {
    #[orm(primary_key, foreign_key = Person::id)]
    id: i64,
    school: String,
}

/// Every identity of the hierarchy, the base's own included; no catch-all.
#[derive(Polymorphic, Debug)]
#[orm(base = Person)]
enum Staff {
    Person(Person),
    Engineer(Engineer),
    Manager(Manager),
    Intern(Person, Intern),
}

/// The base's own identity, one subtype, and the opt-in catch-all for every other identity.
#[derive(Polymorphic, Debug)]
#[orm(base = Person)]
enum PersonOrOther {
    Person(Person),
    Manager(Manager),
    #[orm(polymorphic_fallback)]
    Other(Person),
}

/// The same two enums, tracked by a session.
#[allow(dead_code)]
#[derive(Polymorphic, Debug)]
#[orm(base = Person)]
enum StaffObj {
    Person(Obj<Person>),
    Engineer(Obj<Engineer>),
    Manager(Obj<Manager>),
    Intern(Obj<Person>, Obj<Intern>),
}

#[derive(Polymorphic, Debug)]
#[orm(base = Person)]
enum PersonOrOtherObj {
    Person(Obj<Person>),
    #[orm(polymorphic_fallback)]
    Other(Obj<Person>),
}

fn person(name: &str) -> Person {
    Person { id: 0, kind: String::new(), name: name.into() }
}

/// Ann (person), Eng (engineer), Max (manager); then Bob, written by raw SQL with an
/// identity no model declares.
fn setup_with_bogus_row(db: &Db) {
    db.engine.create_all(&[Person::table(), Engineer::table(), Manager::table(), Intern::table()]).unwrap();
    let mut s = db.engine.session();
    s.add(person("Ann")).unwrap();
    s.add(Engineer { id: 0, kind: String::new(), name: "Eng".into(), language: Some("Rust".into()) }).unwrap();
    s.add(Manager { id: 0, kind: String::new(), name: "Max".into(), budget: Some(7) }).unwrap();
    s.commit().unwrap();
    db.engine.execute("INSERT INTO people (kind, name) VALUES ('bogus', 'Bob')", &[]).unwrap();
}

fn is_unknown_bogus(err: &Error, target: &str) -> bool {
    matches!(err, Error::UnknownPolymorphicIdentity { table, column, identity, target: t }
        if table == "people" && column == "kind" && identity.as_deref() == Some("bogus") && t == target)
}

#[test]
fn an_unknown_identity_is_an_error_and_the_base_has_its_own_variant() {
    each_db("c12_poly_unknown", |db| {
        setup_with_bogus_row(db);
        // Core polymorphic query, no catch-all: the bogus row is an error, not a `Person`.
        let err =
            select_model::<Person>().order_by(Person::id.asc()).polymorphic::<Staff>().all(&db.engine).unwrap_err();
        assert!(is_unknown_bogus(&err, "Staff"), "{err:?}");
        assert!(err.to_string().contains("\"bogus\""), "{err}");
        // Without that row, each identity has its variant, the base's own included.
        let rows = select_model::<Person>()
            .filter(Person::name.ne("Bob"))
            .order_by(Person::id.asc())
            .polymorphic::<Staff>()
            .all(&db.engine)
            .unwrap();
        assert!(
            matches!(&rows[..], [Staff::Person(a), Staff::Engineer(e), Staff::Manager(m)]
                if a.name == "Ann" && e.language.as_deref() == Some("Rust") && m.budget == Some(7)),
            "{rows:?}"
        );

        // The base query, Core and session: refused too (SQLAlchemy: "No such polymorphic_identity").
        let err = select_model::<Person>().all(&db.engine).unwrap_err();
        assert!(is_unknown_bogus(&err, "Person"), "{err:?}");
        let mut s = db.engine.session();
        let err = s.query::<Person>().all().unwrap_err();
        assert!(is_unknown_bogus(&err, "Person"), "{err:?}");
        let known = s.query::<Person>().filter(Person::name.ne("Bob")).all().unwrap();
        assert_eq!(known.len(), 3, "rows of known identities (subtypes' too) read as the base");
        let err = s.query::<Person>().polymorphic::<StaffObj>().all().unwrap_err();
        assert!(is_unknown_bogus(&err, "StaffObj"), "{err:?}");
    });
}

#[test]
fn a_polymorphic_fallback_variant_reads_unknown_identities_as_the_base() {
    each_db("c12_poly_fallback", |db| {
        setup_with_bogus_row(db);
        let rows =
            select_model::<Person>().order_by(Person::id.asc()).polymorphic::<PersonOrOther>().all(&db.engine).unwrap();
        match &rows[..] {
            [PersonOrOther::Person(ann), PersonOrOther::Other(eng), PersonOrOther::Manager(max), PersonOrOther::Other(bob)] =>
            {
                assert_eq!(ann.name, "Ann", "the base's own identity goes to its variant, not the fallback");
                assert_eq!((eng.name.as_str(), eng.kind.as_str()), ("Eng", "engineer"), "no variant names it");
                assert_eq!(max.budget, Some(7));
                assert_eq!((bob.name.as_str(), bob.kind.as_str()), ("Bob", "bogus"));
            }
            other => panic!("unexpected rows: {other:?}"),
        }
        let mut s = db.engine.session();
        let rows = s.query::<Person>().order_by(Person::id.asc()).polymorphic::<PersonOrOtherObj>().all().unwrap();
        let kinds: Vec<(bool, String)> = rows
            .iter()
            .map(|r| match r {
                PersonOrOtherObj::Person(p) => (false, p.read().kind.clone()),
                PersonOrOtherObj::Other(p) => (true, p.read().kind.clone()),
            })
            .collect();
        let kinds: Vec<(bool, &str)> = kinds.iter().map(|(f, k)| (*f, k.as_str())).collect();
        assert_eq!(kinds, [(false, "person"), (true, "engineer"), (true, "manager"), (true, "bogus")]);
    });
}

#[test]
fn create_all_of_the_single_table_base_alone_carries_every_subtype_column() {
    each_db("c12_base_alone", |db| {
        db.engine.create_all(&[Person::table()]).unwrap();
        let mut s = db.engine.session();
        s.add(Engineer { id: 0, kind: String::new(), name: "Eng".into(), language: Some("Rust".into()) }).unwrap();
        s.add(Manager { id: 0, kind: String::new(), name: "Max".into(), budget: Some(7) }).unwrap();
        s.add(person("Ann")).unwrap();
        s.commit().unwrap();
        let lang: Option<String> = select(Engineer::language).one(&db.engine).unwrap();
        assert_eq!(lang.as_deref(), Some("Rust"));
        let budget: Option<i64> = select(Manager::budget).one(&db.engine).unwrap();
        assert_eq!(budget, Some(7));
        // The subtype's index is there too (creating it again collides).
        let index =
            orm::NamingConvention::default().index_name(Manager::table(), &Manager::table().indexes[0]).unwrap();
        let dup: &'static str = Box::leak(format!("CREATE INDEX \"{index}\" ON people (budget)").into_boxed_str());
        assert!(db.engine.execute(dup, &[]).is_err(), "the subtype's index was created with the table");
        // A joined-table subtype keeps its own table: not created, not in `people`.
        assert!(db.engine.execute("SELECT school FROM people", &[]).is_err());

        // `create_table` of the base alone too.
        db.engine.drop_all(&[Person::table()]).unwrap();
        db.engine.create_table(Person::table()).unwrap();
        let mut s = db.engine.session();
        s.add(Manager { id: 0, kind: String::new(), name: "Mia".into(), budget: None }).unwrap();
        s.commit().unwrap();
        assert_eq!(s.query::<Manager>().count().unwrap(), 1);
    });
}

#[test]
fn create_all_listing_base_and_subtypes_creates_each_column_once() {
    each_db("c12_listed", |db| {
        let tables = [Person::table(), Engineer::table(), Manager::table(), Intern::table()];
        db.engine.create_all(&tables).unwrap();
        db.engine.create_all(&tables).unwrap();
        let mut s = db.engine.session();
        let (base, _) = s.add_joined(person("Ivy"), Intern { id: 0, school: "MIT".into() }).unwrap();
        s.add(Engineer { id: 0, kind: String::new(), name: "Eng".into(), language: None }).unwrap();
        s.commit().unwrap();
        assert_eq!(base.read().kind, "intern");
        let rows = select_model::<Person>().order_by(Person::id.asc()).polymorphic::<Staff>().all(&db.engine).unwrap();
        assert!(matches!(&rows[..], [Staff::Intern(p, i), Staff::Engineer(_)] if p.name == "Ivy" && i.school == "MIT"));
    });
}

#[test]
fn single_table_base_ddl_with_its_registered_subtypes() {
    use orm::dialect::{render_ddl, Rendered};
    use orm::query::Ddl;
    let subtypes: Vec<_> = Person::table().subtypes().iter().map(|t| t.model).collect();
    assert_eq!(subtypes, ["Engineer", "Intern", "Manager"], "every subtype registered itself");
    insta::assert_snapshot!(
        "c12_single_table_base_alone_ddl",
        both(|d| {
            let create = Ddl::CreateTable {
                table: Person::table(),
                if_not_exists: true,
                subtypes: Person::table().single_table_subtypes().collect(),
            };
            render_ddl(d, &create).map(|sql| Rendered { sql: sql.join(";\n"), params: Vec::new() })
        })
    );
}

#[derive(Model, Debug, Clone)]
#[orm(table = "badges")]
struct Badge {
    #[orm(primary_key, auto_increment)]
    id: i64,
    label: String,
}

fn badges(db: &Db) -> Vec<String> {
    select(Badge::label).order_by(Badge::id.asc()).all(&db.engine).unwrap()
}

#[test]
fn delete_of_a_detached_object_attaches_it_and_deletes_its_row() {
    each_db("c12_delete_detached", |db| {
        db.engine.create_all(&[Badge::table()]).unwrap();
        let mut s1 = db.engine.session();
        let a = s1.add(Badge { id: 0, label: "a".into() }).unwrap();
        let b = s1.add(Badge { id: 0, label: "b".into() }).unwrap();
        s1.commit().unwrap();
        s1.close().unwrap();
        assert_eq!(a.state(), ObjectState::Detached);

        // From a closed session.
        let mut s2 = db.engine.session();
        s2.delete(&a).unwrap();
        assert_eq!(a.state(), ObjectState::Persistent, "attached to s2, deleted at its flush");
        s2.commit().unwrap();
        assert_eq!(badges(db), ["b"]);

        // Expunged from the session that loaded it.
        let mut s3 = db.engine.session();
        let b3 = s3.get::<Badge>(b.read().id).unwrap().unwrap();
        s3.expunge(&b3);
        assert_eq!(b3.state(), ObjectState::Detached);
        s3.delete(&b3).unwrap();
        s3.commit().unwrap();
        assert!(badges(db).is_empty());

        // Marked for deletion, then expunged before any flush: deleting it again deletes it.
        let c = s3.add(Badge { id: 0, label: "c".into() }).unwrap();
        s3.commit().unwrap();
        s3.delete(&c).unwrap();
        s3.expunge(&c);
        s3.commit().unwrap();
        assert_eq!(badges(db), ["c"], "the expunged object's deletion went with it");
        s3.delete(&c).unwrap();
        s3.commit().unwrap();
        assert!(badges(db).is_empty(), "deleted at the flush after it was attached again");
    });
}

#[test]
fn delete_of_a_detached_object_whose_key_the_session_holds_is_an_error() {
    each_db("c12_delete_conflict", |db| {
        db.engine.create_all(&[Badge::table()]).unwrap();
        let mut s1 = db.engine.session();
        let old = s1.add(Badge { id: 0, label: "a".into() }).unwrap();
        s1.commit().unwrap();
        s1.close().unwrap();
        let id = old.read().id;

        let mut s2 = db.engine.session();
        let current = s2.get::<Badge>(id).unwrap().unwrap();
        let err = s2.delete(&old).unwrap_err();
        assert!(
            matches!(&err, Error::IdentityConflict { model, table, key }
                if model == "Badge" && table == "badges" && *key == id.to_string()),
            "{err:?}"
        );
        assert!(err.to_string().contains("different instance"), "{err}");
        assert_eq!(old.state(), ObjectState::Detached, "left as it was");
        assert_eq!(current.state(), ObjectState::Persistent);
        s2.commit().unwrap();
        assert_eq!(badges(db), ["a"], "nothing deleted");
    });
}

#[test]
fn delete_of_an_object_never_persisted_is_an_error() {
    each_db("c12_delete_transient", |db| {
        db.engine.create_all(&[Badge::table()]).unwrap();
        let mut s = db.engine.session();
        let transient = Obj::new(Badge { id: 0, label: "t".into() });
        let err = s.delete(&transient).unwrap_err();
        assert!(
            matches!(&err, Error::NotPersisted { model, table, state: "transient", action: "deleted" }
                if model == "Badge" && table == "badges"),
            "{err:?}"
        );
        let pending = s.add(Badge { id: 0, label: "p".into() }).unwrap();
        let err = s.delete(&pending).unwrap_err();
        assert!(matches!(&err, Error::NotPersisted { state: "pending", .. }), "{err:?}");
        assert_eq!(transient.state(), ObjectState::Transient);
        assert_eq!(pending.state(), ObjectState::Pending);
        s.commit().unwrap();
        assert_eq!(badges(db), ["p"], "the pending object is still inserted");
    });
}
