//! Models shared by the tests.

use orm::Model;

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "users", check = "age >= 0")]
pub struct User {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(max_length = 40, unique)]
    pub name: String,
    #[orm(index)]
    pub age: i32,
    pub email: Option<String>,
    #[orm(default = true)]
    pub active: bool,
    pub score: f64,
}

impl User {
    pub fn new(name: &str, age: i32) -> User {
        User { id: 0, name: name.into(), age, email: None, active: true, score: 0.0 }
    }
}

#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "orders")]
pub struct Order {
    #[orm(primary_key, auto_increment)]
    pub id: i32,
    #[orm(foreign_key = User::id, on_delete = cascade)]
    pub user_id: i64,
    #[orm(check = "total >= 0")]
    pub total: f64,
    pub note: Option<String>,
}

/// Composite primary key, every supported field type, server default, renamed column.
#[derive(Model, Debug, Clone, PartialEq)]
#[orm(table = "samples", unique(label, small), index(big, real))]
pub struct Sample {
    #[orm(primary_key)]
    pub region: String,
    #[orm(primary_key)]
    pub seq: i32,
    pub small: i16,
    pub big: i64,
    pub real: f32,
    pub double: f64,
    pub flag: bool,
    #[orm(column = "label_text")]
    pub label: String,
    pub data: Vec<u8>,
    pub maybe: Option<i32>,
    #[orm(server_default = "'fresh'")]
    pub status: Option<String>,
}

use orm::{BelongsTo, HasMany};

/// One side of a one-to-many relationship.
#[derive(Model, Debug)]
#[orm(table = "authors")]
pub struct Author {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[relationship(back_populates = author)]
    pub books: HasMany<Book>,
}

/// The other side: the foreign key is found from `foreign_key = Author::id`.
#[derive(Model, Debug)]
#[orm(table = "books")]
pub struct Book {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = Author::id)]
    pub author_id: i64,
    pub title: String,
    pub pages: i32,
    #[relationship(back_populates = books)]
    pub author: BelongsTo<Author>,
}

/// Self-referential: an employee's manager and reports.
#[derive(Model, Debug)]
#[orm(table = "employees")]
pub struct Employee {
    #[orm(primary_key, auto_increment)]
    pub id: i32,
    pub name: String,
    #[orm(foreign_key = Employee::id)]
    pub manager_id: Option<i32>,
    #[relationship(foreign_key = Employee::manager_id)]
    pub manager: BelongsTo<Employee>,
    #[relationship(foreign_key = Employee::manager_id)]
    pub reports: HasMany<Employee>,
}

/// A parent whose children are deleted when taken out of the collection.
#[derive(Model, Debug)]
#[orm(table = "playlists")]
pub struct Playlist {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[relationship(delete_orphan, cascade_delete, lazy = selectin)]
    pub tracks: HasMany<Track>,
}

/// A child of `Playlist`.
#[derive(Model, Debug)]
#[orm(table = "tracks")]
pub struct Track {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = Playlist::id)]
    pub playlist_id: i64,
    pub title: String,
}

use orm::ManyToMany;

/// Many-to-many: students and courses through `Enrollment`.
#[derive(Model, Debug)]
#[orm(table = "students")]
pub struct Student {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[relationship(secondary = Enrollment)]
    pub courses: ManyToMany<Course>,
}

/// The other side.
#[derive(Model, Debug)]
#[orm(table = "courses")]
pub struct Course {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub title: String,
    #[relationship(secondary = Enrollment)]
    pub students: ManyToMany<Student>,
}

/// The association model.
#[derive(Model, Debug)]
#[orm(table = "enrollments")]
pub struct Enrollment {
    #[orm(primary_key, foreign_key = Student::id)]
    pub student_id: i64,
    #[orm(primary_key, foreign_key = Course::id)]
    pub course_id: i64,
}

use orm::HasOne;

/// One-to-one: a person and their passport (the foreign key is unique).
#[derive(Model, Debug)]
#[orm(table = "people")]
pub struct Person {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    pub name: String,
    #[relationship(delete_orphan, cascade_delete)]
    pub passport: HasOne<Passport>,
}

/// The child of `Person`.
#[derive(Model, Debug)]
#[orm(table = "passports")]
pub struct Passport {
    #[orm(primary_key, auto_increment)]
    pub id: i64,
    #[orm(foreign_key = Person::id, unique)]
    pub person_id: i64,
    pub number: String,
}
