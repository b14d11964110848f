//! # orm
//!
//! A declarative ORM for Rust in the spirit of SQLAlchemy: annotate a struct with
//! `#[derive(Model)]`, get table metadata, typed column accessors and row codecs at compile
//! time, and use them through a typed expression language (Core) or a unit-of-work
//! [`Session`] with an identity map and change tracking (ORM). It runs on SQLite (embedded,
//! the default) and PostgreSQL.
//!
//! ```
//! use orm::prelude::*;
//!
//! #[derive(Model, Debug)]
//! #[orm(table = "users")]
//! struct User {
//!     #[orm(primary_key, auto_increment)]
//!     id: i64,
//!     #[orm(max_length = 50, unique)]
//!     name: String,
//!     age: i32,
//! }
//!
//! # fn main() -> orm::Result<()> {
//! let engine = Engine::connect("sqlite::memory:")?;
//! engine.create_all(&[User::table()])?;
//!
//! let mut session = engine.session();
//! let ada = session.add(User { id: 0, name: "Ada".into(), age: 36 })?;
//! session.commit()?;                       // INSERT ... RETURNING "id"
//! assert_eq!(ada.read().id, 1);            // the generated key is filled in
//!
//! ada.write().age += 1;                    // change tracking: no explicit update call
//! session.commit()?;                       // UPDATE "users" SET "age" = ? WHERE "users"."id" = ?
//!
//! let adults = session.query::<User>().filter(User::age.ge(18)).order_by(User::name.asc()).all()?;
//! assert!(adults[0].ptr_eq(&ada));         // identity map: one row, one object
//!
//! // Core: typed tuples, no tracking.
//! let rows: Vec<(String, i32)> = select((User::name, User::age)).filter(User::name.starts_with("A")).all(&engine)?;
//! assert_eq!(rows, vec![("Ada".to_string(), 37)]);
//! # Ok(())
//! # }
//! ```
//!
//! ## `#[derive(Model)]` attributes
//!
//! On the struct, `#[orm(...)]`:
//!
//! | key | meaning |
//! |---|---|
//! | `table = "name"` | table name; default: the struct name in snake_case (`OrderItem` → `order_item`) |
//! | `unique(a, b)` | composite UNIQUE constraint over fields `a`, `b`; `unique(name = "uq_x", a, b)` names it |
//! | `index(a, b)` / `unique_index(a, b)` | composite (unique) index; `index(name = "ix_x", a, b)` names it |
//! | `check = "SQL"` | table CHECK constraint; `check(name = "ck_x", "SQL")` names it |
//! | `validate = path` | whole-object validator `fn(&Self) -> Result<(), E: Display>`, run before each insert and each update |
//! | `validates(a, b) = path` | one field validator for several fields (as `validate` on each) |
//! | `hybrid(name: Type = expr)` | a [hybrid property](#hybrid-properties) |
//! | `polymorphic_on = field` | the discriminator (a text field) of a polymorphic base; see [Inheritance](#inheritance) |
//! | `polymorphic_identity = "value"` | the discriminator value of this model's rows |
//! | `inherits = Base` | a subtype of `Base`: single-table without `table = ...`, joined-table with one |
//!
//! On a field, `#[orm(...)]`:
//!
//! | key | meaning |
//! |---|---|
//! | `primary_key` | part of the primary key (several fields: a composite key) |
//! | `auto_increment` | the database generates the key (single integer key). Before the insert the field holds whatever you put there (conventionally `0`); the flush fills it from `RETURNING` |
//! | `column = "name"` | column name; default: the field name |
//! | `max_length = N` | `VARCHAR(N)`; checked before every write, also on SQLite |
//! | `unique`, `index` | single-column UNIQUE constraint / index; `unique(name = "uq_x")`, `index(name = "ix_x")` name them |
//! | `default = expr` | Rust-side default, given when the object is built: the model implements `Default` from these values (see [Defaults](#defaults)), so `User { name: "Ada".into(), ..Default::default() }` evaluates `expr` for the field (once per object: `default = uuid::Uuid::new_v4()` on a key gives client-generated keys). An insert of an object stores its fields as they are: a value you write (`false`, `0`, `None`) is never replaced. Core's column form (`insert().set(..)`) binds it for a column the statement leaves out |
//! | `update_default = expr` | Rust-side value written by every UPDATE that does not set the column itself (Session flushes, Core `update()`, `bulk_update`): `default` is the INSERT's value, `update_default` the UPDATE's (SQLAlchemy's `onupdate`; the old spelling `onupdate` is a compile error, and `on_update` below is the foreign key's action) |
//! | `validate = path` | field validator `fn(&T) -> Result<(), E: Display>` (`fn(&str)` for a `String`); several allowed |
//! | `numeric(p, s)` | `NUMERIC(p, s)` of a decimal field |
//! | `server_default = "SQL"` | `DEFAULT` in the DDL, computed by the database: an `Option` field left `None` is omitted from the INSERT and read back (`None` there means "the server's default", so NULL cannot be inserted through the object); unlike `default`, the value is known only after the INSERT |
//! | `check = "SQL"` | column CHECK constraint, named `ck_<table>_<column>`; `check(name = "ck_x", "SQL")` names it |
//! | `foreign_key = Model::field` | REFERENCES; the field's type must match the referenced key (`Option` for a nullable key) |
//! | `on_delete = cascade` / `on_update = ...` | `cascade`, `restrict`, `set_null`, `set_default`, `no_action` |
//! | `version` | the row's version counter (an integer field; one per model, not in the key, not an `Option`): every UPDATE and DELETE of the session carries `AND "version" = ?` and every UPDATE bumps it (Core `update()`, `bulk_update` and upserts too); a row changed since it was read is [`Error::StaleData`] (optimistic concurrency, SQLAlchemy's `version_id_col`) |
//!
//! Names given to indexes and constraints win over the [`NamingConvention`] (by default
//! `ix_<table>_<columns>`, `uq_…`, `ck_…`, `fk_…`, `pk_…`) that names the others: see
//! [`Engine::create_all_with`]. They are at most 63 bytes (PostgreSQL's limit) and unique in
//! the model, checked at compile time.
//!
//! Field types: `i16`, `i32`, `i64`, `f32`, `f64`, `bool`, `String`, `Vec<u8>`, and `Option<T>`
//! of these for nullable columns (or any type implementing [`SqlType`]).
//!
//! ## Defaults
//!
//! A model with `default = expr` fields implements `Default`: each of those fields gets its
//! `expr` (converted with `Into`, evaluated again for every object), every other field its
//! type's `Default` (a relationship: a new object's, like `HasMany::new()`). Defaults are
//! given when the object is built, never at insert, so a value you write is stored as written,
//! even when it equals its type's `Default`:
//!
//! ```
//! use orm::prelude::*;
//!
//! #[derive(Model, Debug)]
//! struct Account {
//!     #[orm(primary_key, auto_increment)]
//!     id: i64,
//!     name: String,
//!     #[orm(default = true)]
//!     is_active: bool,
//!     #[orm(default = 100)]
//!     credits: i32,
//!     #[orm(server_default = "'basic'")]
//!     plan: Option<String>,
//! }
//!
//! # fn main() -> orm::Result<()> {
//! let engine = Engine::connect("sqlite::memory:")?;
//! engine.create_all(&[Account::table()])?;
//! let mut session = engine.session();
//! let ada = session.add(Account { name: "Ada".into(), ..Default::default() })?;
//! let bob = session.add(Account { name: "Bob".into(), is_active: false, credits: 0, ..Default::default() })?;
//! session.commit()?;
//! assert_eq!((ada.read().is_active, ada.read().credits), (true, 100)); // the declared defaults
//! assert_eq!((bob.read().is_active, bob.read().credits), (false, 0));  // what Bob's were set to
//! assert_eq!(ada.read().plan.as_deref(), Some("basic"));            // server_default, read back
//!
//! // Core's column form: a column the statement leaves out takes its `default`.
//! insert::<Account>().set(Account::name, "Cy").execute(&engine)?;
//! let cy: (bool, i32) = select((Account::is_active, Account::credits))
//!     .filter(Account::name.eq("Cy"))
//!     .one(&engine)?;
//! assert_eq!(cy, (true, 100));
//! # Ok(())
//! # }
//! ```
//!
//! Such a model must not also derive `Default`: `#[derive(Model, Default)]` is rustc's
//! "conflicting implementations of trait `Default`" on your `Default` (remove it from the
//! list; a derive cannot see the others of its list, but `#[derive(Default)]` in an attribute
//! after `#[derive(Model)]` is refused with that advice). Every field without a `default`
//! needs a type that implements `Default`, or a `default = ...` of its own (the compile error
//! is on the field's type). A model without `default` fields implements no `Default`: derive
//! it if you want one.
//!
//! `server_default = "SQL"` is the database's: the object does not know the value until the
//! INSERT has run and read it back, and only an `Option` field left `None` gets it.
//!
//! ## Validators
//!
//! Validators run before anything is sent: on insert every field validator and the model's own
//! validators run, on update those of the columns that changed (and the model's). A refusal is
//! [`Error::Validation`] naming the model and the field; nothing is written, and a session stays
//! usable (correct the value and flush again). Core writes of values run them too
//! (`insert().values(..)`, `insert().set(..)`, `update().set(col, value)`, `bulk_update`); a SET
//! to an expression computed by the database (`User::age + 1`) cannot be validated.
//! `before_write` listeners run after validation: what they set is trusted.
//!
//! ## Hybrid properties
//!
//! `#[orm(hybrid(full_name: String = first_name + " " + last_name))]` declares one property,
//! read two ways from the one expression: `User::full_name()` is a typed SQL expression over
//! the columns (usable in `filter`, `order_by`, selections), and `user.full_name()` computes it
//! from an object through the generated `UserHybrids` trait (import it where you call it). The
//! expression is made of fields, literals, `+` (numbers add, text concatenates), `- * / %`,
//! comparisons, `&& || !`, `.lower()`, `.upper()`, `.len()`, `.concat(x)` and
//! `coalesce(a, b)`; its type must be the declared one (a compile error otherwise). See
//! [`hybrid`] for where Rust and SQL can still differ.
//!
//! ## Mixins
//!
//! ```
//! # use orm::prelude::*;
//! fn now() -> i64 { 1_700_000_000 }
//!
//! #[orm::mixin]
//! struct Timestamps {
//!     #[orm(default = crate::now())]
//!     created_at: i64,
//!     #[orm(default = crate::now(), update_default = crate::now())]
//!     updated_at: i64,
//! }
//!
//! #[orm::mixins(Timestamps)]
//! #[derive(Model)]
//! struct Post {
//!     #[orm(primary_key, auto_increment)]
//!     id: i64,
//!     title: String,
//! }
//!
//! fn main() {
//!     // The mixin's defaults are part of the model's `Default`.
//!     let post = Post { title: "Hi".into(), ..Default::default() };
//!     assert_eq!(post.created_at, 1_700_000_000);
//!     assert_eq!(Post::table().columns.len(), 4);
//! }
//! ```
//! The mixin's fields are appended to the model's, with their attributes; a model declaring a
//! field of the same name is a compile error. Paths in a mixin's attributes are resolved where
//! the model is: write them from the crate root (`crate::now()`). A mixin is usable in the
//! module that declares it and, when it is `pub`, anywhere in the crate (`use`).
//!
//! ## Inheritance
//!
//! A polymorphic base names its discriminator (`polymorphic_on = kind`, a text field); each
//! subtype names its base and its identity. A *single-table* subtype (`inherits = Employee`,
//! no table of its own) shares the base's table: its own columns are added to that table
//! (nullable: other rows leave them NULL), its queries, gets, updates and deletes keep to rows
//! whose discriminator is its identity, its inserts write the identity, and its columns may be
//! used in the base's queries. A *joined-table* subtype (`inherits = Employee, table =
//! "engineers"`) has a table of its own whose key is the base's key (a foreign key to it);
//! its base row carries its identity: `session.add_joined(employee, engineer)` writes the base
//! row with it, flushes it for its key and adds the subtype's row under that key.
//!
//! `#[derive(Polymorphic)]` on an enum of subtypes loads the base with each row as its own
//! type, in one statement (joined-table subtypes are LEFT OUTER JOINed):
//! `select_model::<Employee>().polymorphic::<Staff>().all(&engine)` for plain values,
//! `session.query::<Employee>().polymorphic::<StaffObj>().all()` for tracked objects (variants
//! holding `Obj<..>`). A variant holds its model (`Manager(Manager)`), or a joined-table
//! subtype with its base row (`Engineer(Employee, Engineer)`); a variant of the base itself
//! reads the base's own identity. A row of an identity no variant names is an
//! [`Error::UnknownPolymorphicIdentity`] (as is one that neither the base nor any subtype
//! declares, read by a query of the base), unless one variant holding the base is marked
//! `#[orm(polymorphic_fallback)]`: it then reads such rows as the base. Each model keeps its
//! own identity map: the `Employee` and the `Manager` of one row are two objects.
//!
//! Every subtype registers itself with its base when the program starts
//! ([`TableDef::subtypes`]), so `engine.create_all(&[Employee::table()])` alone creates the
//! shared table with every single-table subtype's columns and indexes.
//!
//! ## Relationships
//!
//! A field of type [`HasMany<T>`] (one-to-many) or [`BelongsTo<T>`] (many-to-one) is a
//! relationship, not a column; `#[relationship(foreign_key = Child::field)]` names the
//! foreign key when the child has several to the parent (otherwise it is found from the
//! child's `#[orm(foreign_key = Parent::key)]`). The derive generates a descriptor of the same
//! name (`User::orders`) for loading and joining:
//!
//! - objects read from the database start with relationships *not loaded*: `user.read().orders.get()`
//!   is `Err(Error::NotLoaded)`, never silently empty; a new object's `HasMany::new()` is loaded
//!   and empty;
//! - `session.load(&user, User::orders)` loads one object's relationship (one SELECT),
//!   `session.load_all(&users, User::orders)` many at once, and
//!   `query.options(selectinload(User::orders))` loads it for every result (one extra SELECT
//!   per 500 objects); `joinedload` loads it in the same statement (LEFT OUTER JOIN; every
//!   `joinedload` of a query, nested ones too, joins into that one statement, and a limited
//!   query becomes a subquery the relationship joins to, so each object keeps all its related
//!   ones), `subqueryload` with one extra SELECT that repeats the query as a subquery, `noload`
//!   marks it loaded and empty, `raiseload` keeps it unloaded; `.then(...)` nests options
//!   (`selectinload(User::orders).then(selectinload(Order::items))`) and
//!   [`Loaders`] groups them;
//! - `query.join_related(User::orders)` joins along it.
//!
//! With `#[relationship(back_populates = other_side)]` both sides of every loaded pair agree in
//! memory: loading `User::orders` sets each order's `user`, and `Order::user.set(&order,
//! Some(&user))` / `User::orders.append(&user, order)` / `User::orders.remove(&user, &order)`
//! move the order between loaded collections at once.
//!
//! Changing relationships is part of the unit of work: `user.write().orders.push(order)`
//! (on a loaded collection), `orders.remove(&order)`, `order.write().user.assign(Some(user))`.
//! At the next flush new related objects are inserted too (save-update cascade), parents
//! first, and each foreign key is set from its parent's (generated) key; a child taken out of
//! a collection gets a NULL foreign key, or is deleted when the relationship is declared
//! `#[relationship(delete_orphan)]`.
//!
//! ## Column types
//!
//! Built in: `i16`, `i32`, `i64`, `f32`, `f64`, `bool`, `String`, `Vec<u8>`. Cargo features
//! add the types of other crates (each also turns on the `postgres` crate's support for it):
//!
//! | feature | Rust types | PostgreSQL | SQLite |
//! |---|---|---|---|
//! | `chrono` | `NaiveDateTime`, `DateTime<Utc>`, `NaiveDate`, `NaiveTime` | `TIMESTAMP`, `TIMESTAMPTZ`, `DATE`, `TIME` | ISO-8601 `TEXT` |
//! | `time` | `PrimitiveDateTime`, `OffsetDateTime`, `Date`, `Time` | the same | ISO-8601 `TEXT` |
//! | `uuid` | `uuid::Uuid` | `UUID` | 16-byte `BLOB` |
//! | `serde_json` | `serde_json::Value`, [`types::Json<T>`](types) for any serde type | `JSONB` | `TEXT` |
//! | `rust_decimal` | `rust_decimal::Decimal`; `#[orm(numeric(10, 2))]` sets the precision | `NUMERIC(p, s)` | `TEXT` (no digit lost) |
//!
//! Times are kept to the microsecond; see [`types`] for how SQLite compares them.
//! A type of your own is stored through one of these by implementing
//! [`CustomType`] (SQLAlchemy's `TypeDecorator`), and a fieldless enum by
//! `#[derive(SqlEnum)]`: as its variant names (`#[orm(text)]`, the default, with
//! `#[orm(rename_all = "snake_case")]` on the enum or `#[orm(rename = "...")]` on a
//! variant; any of serde's cases) or as its discriminants (`#[orm(integer)]`: `= 1`, or
//! by Rust's rule the previous value plus one). A stored value that does not decode (an
//! unknown name, a check of yours that fails) is an [`Error::Decode`], never a panic.
//!
//! ```
//! use orm::prelude::*;
//! use orm::types::CustomType;
//!
//! /// Checked when read back.
//! #[derive(Debug, Clone, PartialEq)]
//! struct EmailAddress(String);
//!
//! impl CustomType for EmailAddress {
//!     type Stored = String;
//!     fn to_stored(&self) -> String {
//!         self.0.clone()
//!     }
//!     fn from_stored(text: String) -> Result<Self, String> {
//!         if text.contains('@') { Ok(EmailAddress(text)) } else { Err(format!("{text:?}, which has no '@'")) }
//!     }
//!     fn type_name() -> &'static str {
//!         "EmailAddress"
//!     }
//! }
//!
//! #[derive(SqlEnum, Debug, Clone, Copy, PartialEq)]
//! #[orm(rename_all = "snake_case")]
//! enum Plan {
//!     Free,
//!     TeamMonthly,
//! }
//!
//! #[derive(Model, Debug)]
//! struct Account {
//!     #[orm(primary_key, auto_increment)]
//!     id: i64,
//!     email: EmailAddress,
//!     plan: Plan,
//!     previous_plan: Option<Plan>,
//! }
//!
//! # fn main() -> orm::Result<()> {
//! let engine = Engine::connect("sqlite::memory:")?;
//! engine.create_all(&[Account::table()])?;
//! let mut session = engine.session();
//! let email = EmailAddress("ada@example.com".into());
//! session.add(Account { id: 0, email: email.clone(), plan: Plan::TeamMonthly, previous_plan: None })?;
//! session.commit()?;
//!
//! let plan: Plan = select(Account::plan).filter(Account::email.eq(email)).one(&engine)?;
//! assert_eq!(plan, Plan::TeamMonthly);
//! let stored: String = select(Account::plan.cast::<String>()).one(&engine)?;
//! assert_eq!(stored, "team_monthly");
//!
//! update::<Account>().set(Account::email, EmailAddress("nobody".into())).all_rows().execute(&engine)?;
//! let err = select(Account::email).one(&engine).unwrap_err();
//! assert!(matches!(err, orm::Error::Decode { .. }));
//! assert!(err.to_string().ends_with(r#"expected EmailAddress, found "nobody", which has no '@'"#), "{err}");
//! # Ok(())
//! # }
//! ```
//!
//! ## Raw SQL
//!
//! [`text`] runs SQL you write, with named binds: `:name` outside string literals, quoted
//! identifiers, comments and `::type` casts, sent as `?` (SQLite) or `$n` (PostgreSQL), never
//! written into the text. A bind the SQL names but no `.bind(..)` gives, or one given that the
//! SQL does not name, is an [`Error::MissingBind`] / [`Error::UnknownBind`] naming it, before
//! anything is sent; rows that lack a model's columns are [`Error::MissingColumns`].
//! Rows decode by position into a column type or a tuple of them, or onto a model by column
//! name with [`Text::from_statement`]; in a session, `session.from_statement::<M>(text)`
//! returns tracked objects through the identity map, and `session.autoflushed()` runs a
//! statement after flushing pending changes. [`sql!`] checks tables, columns and bind types
//! against the models it names, at compile time.
//!
//! ```
//! # use orm::prelude::*;
//! # #[derive(Model, Debug)]
//! # #[orm(table = "users")]
//! # struct User {
//! #     #[orm(primary_key, auto_increment)]
//! #     id: i64,
//! #     name: String,
//! #     age: i32,
//! # }
//! # fn main() -> orm::Result<()> {
//! let engine = Engine::connect("sqlite::memory:")?;
//! engine.create_all(&[User::table()])?;
//! text("INSERT INTO users (name, age) VALUES (:name, :age)").bind("name", "Ada").bind("age", 36).execute(&engine)?;
//!
//! let q = text("SELECT name, age FROM users WHERE name LIKE :pattern AND age > :age");
//! let rows: Vec<(String, i32)> = q.clone().bind("pattern", "A%").bind("age", 18).all(&engine)?;
//! assert_eq!(rows, [("Ada".to_string(), 36)]);
//!
//! let err = q.bind("pattern", "A%").all::<(String, i32)>(&engine).unwrap_err();
//! assert!(matches!(err, orm::Error::MissingBind { name } if name == "age"));
//!
//! // Columns by name, in any order.
//! let users = text("SELECT age, name, id FROM users").from_statement::<User>().all(&engine)?;
//! assert_eq!(users[0].name, "Ada");
//!
//! let mut session = engine.session();
//! let bob = session.add(User { id: 0, name: "Bob".into(), age: 17 })?;
//! let found = session.from_statement::<User>(sql!(User => "SELECT * FROM users WHERE age < :age", age = 18)).one()?;
//! assert!(found.ptr_eq(&bob)); // flushed first, then the same object
//! # Ok(())
//! # }
//! ```
//!
//! ## Async, web services and tests
//!
//! - `orm::asyncio` (feature `async`): `orm::asyncio::AsyncEngine` and `orm::asyncio::AsyncSession`,
//!   the sync vocabulary with `.await` over the one sync unit of work, each call one hop to
//!   tokio's blocking pool or in place (`orm::asyncio::Runs`); a dropped future never cuts a
//!   call in half (`orm::asyncio::AsyncSession::interrupted`).
//! - `orm::web` (feature `axum`): a session per request for axum services, committed when the
//!   handler succeeds and rolled back when it fails or panics, and `orm::web::ApiError` turning
//!   the ORM's errors into status codes.
//! - [`testing`]: a database of each test's own ([`testing::TestDatabase`], SQLite in memory
//!   or a PostgreSQL schema), a session whose commits a test's end rolls back
//!   ([`testing::rollback_session`]), and SQL snapshots of a program's own statements
//!   ([`testing::sql_snapshot`], [`testing::SqlRecorder`]). The N+1 detector is a session's
//!   ([`Session::detect_n_plus_one`], or a factory's for every session it makes).
//!
//! ## Failures and retries
//!
//! Every failure is a typed [`Error`]; two classifiers say what to do with it.
//! [`Error::is_disconnect`] is true when the connection is gone ([`Error::Disconnected`],
//! [`Error::CommitOutcomeUnknown`]); [`Error::is_retryable`] is true when the failed
//! transaction is known to have been rolled back and running it again may succeed
//! ([`Error::Serialization`] 40001, [`Error::Deadlock`] 40P01, [`Error::Busy`] on SQLite,
//! [`Error::StaleStatement`] 0A000, [`Error::Disconnected`]). Both look through
//! [`Error::PendingRollback`] to the original error.
//!
//! | error | when | the connection |
//! |---|---|---|
//! | `Disconnected` | socket closed, I/O error, SQLSTATE 08xxx, 57P01/02/03/05, 25P03; a connect that misses its deadline | discarded; every idle connection opened before it is dropped too (pool generation) |
//! | `CommitOutcomeUnknown` | the connection was lost while COMMIT was in flight: it may have committed | discarded; never retried |
//! | `PoolTimeout` | no connection within the checkout timeout | — |
//! | `Tls` / `TlsRefused` (from the checkout, at once) | a server certificate that does not verify, or a server that refuses the TLS the URL's `sslmode` requires ([`SslMode`]) | not opened |
//! | `InvalidUrl` / `UnknownDriver` | a URL that does not parse, or names a driver (`+psycopg2`) this build lacks ([`DatabaseUrl`]), when the engine is built | — |
//! | `BackendDisabled` | a URL for a database whose backend feature (`sqlite`, `postgres`) this build leaves out, when the engine is built | — |
//! | `PendingRollback { original }` | any use of a session after a failed flush or commit, a lost connection, or (PostgreSQL) a statement that aborted the transaction | kept until `rollback()` |
//! | `UniqueViolation`, `ForeignKeyViolation`, ... | 23xxx, at flush or at COMMIT | fine once rolled back |
//! | `Serialization` / `Deadlock` | 40001 / 40P01, also at COMMIT | fine; the server ended the transaction |
//! | `StatementTimeout` / `LockTimeout` / `Canceled` | 57014 / 55P03 / 57014 through a cancel request, `SQLITE_INTERRUPT` | fine |
//! | `StaleStatement` | 0A000 after DDL, inside a transaction (outside one the statement, which did not run, is prepared afresh and sent once more) | fine; the statement is evicted from the cache |
//! | `Busy` | SQLite BUSY / LOCKED / BUSY_SNAPSHOT after the busy timeout | fine; a COMMIT that got it is rolled back, never left open |
//! | `DiskFull`, `TooManyParameters`, `ValueTooLarge` | SQLite 13 / PG 53100; more parameters than the database takes (refused before sending); a value over `i32::MAX` bytes | fine |
//! | `Misuse(..)` | a call the API refuses, named by its [`Misuse`] variant (an UPDATE without a filter, a closed savepoint, ...); its message says what to do instead | — |
//! | `Internal { invariant, .. }` | an invariant of the ORM's own does not hold: a bug in orm, please report it | — |
//!
//! A COMMIT that returns an error committed nothing, except `CommitOutcomeUnknown`. A session
//! never commits a PostgreSQL transaction that an earlier statement aborted (the server would
//! answer COMMIT with a silent ROLLBACK): it reports `PendingRollback`.
//!
//! Time limits: [`EngineBuilder::connect_timeout`] (the whole PostgreSQL handshake, not just
//! the TCP connect), `statement_timeout` / `lock_timeout` per engine or per session
//! ([`Session::set_statement_timeout`], [`Session::set_lock_timeout`]) and a client-side
//! deadline that cancels a running statement ([`Session::set_query_deadline`],
//! [`EngineBuilder::query_deadline`]). [`Engine::pool_status`] shows the pool's counts.
//! The deadline cancels through the server; across a network partition the cancel cannot
//! arrive either, and the statement ends when TCP gives up on the peer: set the driver's
//! `keepalives_idle` / `keepalives_interval` / `keepalives_retries` (and `tcp_user_timeout`)
//! in the PostgreSQL URL.
//!
//! DDL through the engine ([`Engine::create_all`] and the like) empties the statement cache of
//! every pooled connection, at its next checkout. A rollback expires every object of the
//! session, so what it read before is read again.
//!
//! Nothing else is retried behind your back. [`Engine::retry_transaction`] runs a whole
//! transaction again, in a fresh session, after a retryable error:
//!
//! ```
//! use orm::prelude::*;
//!
//! #[derive(Model)]
//! struct Account {
//!     #[orm(primary_key)]
//!     id: i64,
//!     balance: i64,
//! }
//!
//! # fn main() -> orm::Result<()> {
//! let engine = Engine::connect("sqlite::memory:")?;
//! engine.create_all(&[Account::table()])?;
//! engine.retry_transaction(3, |s| {
//!     s.add(Account { id: 1, balance: 100 })?;
//!     Ok(())
//! })?;
//! let moved = engine.retry_transaction(3, |s| {
//!     let from = s.get::<Account>(1)?.ok_or(orm::Error::NotFound { table: "account".into() })?;
//!     from.write().balance -= 10;
//!     Ok(10)
//! })?;
//! assert_eq!(moved, 10);
//! # Ok(())
//! # }
//! ```

#[doc(hidden)]
pub use orm_derive::__merge_mixin;
/// `#[derive(FromRow)]`: a struct read from a Core select of labelled expressions, each field
/// by its label ([`query::FromRow`]), through [`Select::into`](query::Select::into).
///
/// | attribute | on | meaning |
/// |---|---|---|
/// | `#[orm(label = "name")]` | field | the label it reads (default: the field's name) |
///
/// A label the select list lacks is a [`Misuse::MissingLabel`] naming it, before anything runs.
///
/// ```
/// use orm::prelude::*;
///
/// #[derive(Model)]
/// struct Member {
///     #[orm(primary_key, auto_increment)]
///     id: i64,
///     team: String,
/// }
///
/// #[derive(FromRow, Debug, PartialEq)]
/// struct TeamSize {
///     team: String,
///     #[orm(label = "n")]
///     members: i64,
/// }
///
/// # fn main() -> orm::Result<()> {
/// let engine = Engine::connect("sqlite::memory:")?;
/// engine.create_all(&[Member::table()])?;
/// insert::<Member>().set(Member::team, "red").execute(&engine)?;
/// let sizes = select((Member::team.label("team"), func::count_all().label("n")))
///     .group_by(Member::team)
///     .into::<TeamSize>()
///     .all(&engine)?;
/// assert_eq!(sizes, [TeamSize { team: "red".into(), members: 1 }]);
/// # Ok(())
/// # }
/// ```
pub use orm_derive::FromRow;
/// `#[derive(Model)]`: see the crate docs for its attributes. A model with `default = expr`
/// fields also gets `impl Default` from them (see [Defaults](crate#defaults)): do not derive
/// `Default` beside it.
pub use orm_derive::Model;
/// `#[derive(SqlEnum)]`: a fieldless enum as a column type, through [`CustomType`] (derive
/// `Clone` and `PartialEq` beside it). See "Column types" in the crate docs.
///
/// | attribute | on | meaning |
/// |---|---|---|
/// | `#[orm(text)]` | enum | stored as `TEXT`: the variant's name (the default) |
/// | `#[orm(rename_all = "snake_case")]` | enum | names in another case: `lowercase`, `UPPERCASE`, `PascalCase`, `camelCase`, `snake_case`, `SCREAMING_SNAKE_CASE`, `kebab-case`, `SCREAMING-KEBAB-CASE` |
/// | `#[orm(rename = "name")]` | variant | this variant's stored name |
/// | `#[orm(integer)]` | enum | stored as `INTEGER`: the discriminant (`= 1`, an integer literal fitting in `i32`; without one, the previous value plus one, from 0) |
///
/// Reading a name or number that is no variant is an [`Error::Decode`] naming the enum and
/// the value found. The keys are those of every derive's `#[orm(...)]`; the old
/// `#[sql_enum(...)]` spelling is a compile error showing the new one.
pub use orm_derive::SqlEnum;
pub use orm_derive::{mixin, mixins, Polymorphic};
/// The version of this library (the `orm` crate's `version` in its `Cargo.toml`), readable at
/// run time, for logs and bug reports:
///
/// ```
/// println!("orm {}", orm::VERSION);
/// assert!(!orm::VERSION.is_empty());
/// ```
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Async engines and sessions (feature `async`): see [`asyncio::AsyncSession`].
#[cfg(feature = "async")]
pub use orm_runtime::asyncio;
/// axum integration (feature `axum`): a session per request, errors as HTTP responses.
#[cfg(feature = "axum")]
pub use orm_runtime::asyncio::web;
pub use orm_runtime::backend::PoolStatus;
pub use orm_runtime::backend::{
    DatabaseUrl, Engine, EngineBuilder, ExecuteEvent, PooledConnection, RawSql, RowRef, SslMode,
};
/// What a field's `default = expr` may be: the field's type or a value that converts into it.
pub use orm_runtime::derive_support::DefaultFor;
pub use orm_runtime::dialect::{self, Dialect, DialectKind};
pub use orm_runtime::error::{Error, Misuse, Result};
pub use orm_runtime::expr::{self, alias, func, Alias, Column, Expr, Expression};
pub use orm_runtime::query::{self, delete, insert, model, select, select_model, update};
pub use orm_runtime::query::{
    Fetch, IsolationLevel, LockStrength, LockWait, OrderLimit, QueryBuilder, RowLock, TransactionOptions,
};
pub use orm_runtime::schema::{self, NamingConvention, TableDef};
pub use orm_runtime::session::{
    joinedload, lazyload, noload, raiseload, selectinload, subqueryload, BelongsTo, BelongsToRel, FetchObjects,
    HasMany, HasManyRel, HasOne, HasOneRel, Loader, Loaders, ManyToMany, ManyToManyRel, Mapper, NPlusOne,
    NPlusOneReport, Obj, ObjMut, ObjRef, ObjectState, PairQuery, PolymorphicQuery, Query, Savepoint, Session,
    SessionCounts, SessionEvent, SessionFactory, SessionListener, WriteEvent,
};
pub use orm_runtime::types::{CustomType, SqlKind, SqlType, Value};
// `orm::model` is the function `model::<M>()` (a model's columns as one selection item); the
// runtime's module of the same name is not re-exported: its public item is [`Model`], at the root.
pub use orm_runtime::{backend, hybrid, testing, types};

/// Reflection: read a live database's tables, columns, keys, constraints and indexes
/// (cargo feature `reflect`, on by default). See [`reflect::reflect`].
#[cfg(feature = "reflect")]
pub use orm_migrate::reflect;

/// Schema evolution (cargo feature `migrate`, on by default): [`migrate::ops`] changes a
/// schema with dialect-neutral operations, keeping every row on SQLite too.
#[cfg(feature = "migrate")]
pub use orm_migrate as migrate;

/// `sql!`: raw SQL checked at compile time against the models it names, with no database and
/// no offline cache. It gives a [`Text`] with the values bound, run like any other.
///
/// ```
/// use orm::prelude::*;
///
/// #[derive(Model)]
/// #[orm(table = "users")]
/// struct User {
///     #[orm(primary_key, auto_increment)]
///     id: i64,
///     name: String,
///     age: i32,
/// }
///
/// #[derive(Model)]
/// #[orm(table = "orders")]
/// struct Order {
///     #[orm(primary_key, auto_increment)]
///     id: i64,
///     #[orm(foreign_key = User::id)]
///     user_id: i64,
///     total: f64,
/// }
///
/// # fn main() -> orm::Result<()> {
/// let engine = Engine::connect("sqlite::memory:")?;
/// engine.create_all(&[User::table(), Order::table()])?;
/// sql!(User => "INSERT INTO users (name, age) VALUES (:name, :age)", name = "Ada", age = 36).execute(&engine)?;
/// sql!(Order => "INSERT INTO orders (user_id, total) VALUES (:user, :total)", user = 1i64, total = 9.5)
///     .execute(&engine)?;
///
/// let min_age = 18;
/// let rows: Vec<(String, f64)> = sql!(User, Order =>
///     "SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.age > :age",
///     age = min_age,
/// )
/// .all(&engine)?;
/// assert_eq!(rows, [("Ada".to_string(), 9.5)]);
/// # Ok(())
/// # }
/// ```
///
/// `sql!(Model, ... => "SQL", name = value, ...)`: the models (paths to types deriving
/// [`Model`]), `=>`, the SQL as a string literal, then one `name = value` for each `:name` bind.
/// With no model (`sql!("SELECT :x + 1", x = 1)`) only the binds are checked, and a table in
/// the SQL is an error.
///
/// # What it checks
///
/// A proc macro cannot see the models' fields, so the macro reads the SQL and emits checks
/// the compiler evaluates: `const` items that fail with a message (spans cannot point inside a
/// string literal, so these point at the literal and quote the name at fault), and trait
/// bounds spanned on the value at fault.
///
/// | check | error |
/// |---|---|
/// | each `:bind` of the SQL has a `name = value`, each `name = value` is a bind of the SQL | ``the SQL names the bind `:age` but no value is given for it: add `, age = value` ``, ``the SQL has no bind `:agee` (its binds: `:age`, `:id`)`` |
/// | the SQL has no unterminated string literal, quoted identifier or `/* comment` | `unterminated string literal in the SQL` |
/// | each model path is a type deriving `Model` | ``cannot find type `Usr` in this scope``, `` `String` is not a model `` |
/// | each table after `FROM`, `JOIN`, `INSERT INTO`, `UPDATE` or `DELETE ... USING` (schema-qualified or not; not a `WITH` name) is a named model's table | ``table `userz` is not the table of any model named here (User: `users`, Order: `orders`)`` |
/// | a column written `table.column` or `alias.column` (aliases of `FROM` / `JOIN`, with or without `AS`) is a column of that table's model | `` `u.nmae`: `users` has no column `nmae` (User: `id`, `name`, `age`) `` |
/// | an unqualified column in a plain position — a select-list item that is only a name, a side of a comparison (`=`, `<>`, `<`, ...), before `LIKE` / `ILIKE` / `IN` / `BETWEEN` / `IS`, an `INSERT` column list, a `SET` target — is a column of one of the statement's tables | `` `users` has no column `agee` (User: `id`, `name`, `age`) `` |
/// | a bind that is a whole side of a comparison with a column, an item of `column IN (...)`, a bound of `column BETWEEN ... AND ...`, a `SET column = :value` or an `INSERT ... VALUES` position has the column's type (`T`; `T` or `Option<T>` for an `Option<T>` column; `&str` for a text column); a `LIKE` pattern is text | ``the value bound has type `&str`, but its column's type is `i32` `` |
///
/// Unquoted names compare ignoring ASCII case, quoted ones (`"Name"`) exactly; `excluded.column`
/// (`ON CONFLICT ... DO UPDATE`) is a column of the `INSERT`'s table.
///
/// # What it cannot check
///
/// - Whether the SQL is valid: it reads names, not grammar. Syntax, functions, operators and
///   the types of anything but binds are the database's to check, when the statement runs.
/// - Whatever it does not understand passes through unchecked: columns of a `WITH` query, of a
///   subquery in `FROM` or of a table function (and, in a statement that has such a source,
///   every unqualified column); select-list labels (`AS n`); a qualifier that is no table,
///   alias or model table of the statement; binds inside expressions (`age + :n`,
///   `lower(:name)`, `:x::int`), or compared with an expression rather than a column.
/// - Scopes: names are resolved over the whole statement (subqueries included), so a column of
///   an outer table used in a subquery passes, and so does an ambiguous unqualified column.
/// - The row type: what rows decode into (`all::<(String, f64)>()`, `from_statement::<M>()`)
///   is checked when they are decoded.
/// - Models must be concrete types (the checks are `const` items, which cannot use generic
///   parameters). A single-table subtype's table is its base's: name the base too when the SQL
///   uses the base's columns.
pub use orm_derive::sql;
pub use orm_runtime::query::{text, FromStatement, Text};
pub use orm_runtime::session::{Autoflushed, TextQuery};

/// The `Model` trait; `#[derive(Model)]` implements it (the derive shares its name).
pub use orm_runtime::model::Model;

/// Everything a typical program needs: `use orm::prelude::*;`.
///
/// It holds types, traits and builders only: the statement builders (`select`, `insert`,
/// `update`, `delete`, `case`, `window`, `exists`), the query vocabulary ([`QueryBuilder`],
/// [`OrderLimit`], [`Fetch`], [`FetchObjects`]), the session and its loaders, and the module
/// [`func`] of SQL functions (`func::count(User::id)`). A literal bound as an expression is
/// [`expr::value`].
pub mod prelude {
    pub use crate::FromRow;
    pub use crate::Polymorphic;
    pub use crate::SqlEnum;
    pub use crate::{
        delete, insert, joinedload, lazyload, noload, raiseload, select, select_model, selectinload, subqueryload,
        update, BelongsTo, Engine, HasMany, HasOne, IsolationLevel, Loader as _, ManyToMany, Model, Obj, ObjectState,
        RowLock, Session, SessionEvent, SessionFactory, TransactionOptions, WriteEvent,
    };
    /// SQL functions: `func::count(User::id)`, `func::call::<T, _>("name", (args,))`.
    pub use orm_runtime::expr::func;
    /// `json_text` / `json_get` on JSON columns (feature `serde_json`).
    #[cfg(feature = "serde_json")]
    pub use orm_runtime::expr::JsonExpression;
    pub use orm_runtime::expr::{case, window, Expression, FrameBound};
    /// The query vocabulary: builders (`filter`, `order_by`, ...) and terminals (`all`, `one`, ...).
    pub use orm_runtime::query::{excluded, exists, not_exists, Fetch, OrderLimit, QueryBuilder};
    pub use orm_runtime::session::FetchObjects;

    pub use crate::{sql, text};
}

/// Items used by generated code. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use orm_runtime::derive_support::*;
    pub use orm_runtime::error::Error;
    pub use orm_runtime::error::Result;
    pub use orm_runtime::expr::Column;
    pub use orm_runtime::expr::Expr;
    pub use orm_runtime::expr::{AppearsIn, InBase};
    pub use orm_runtime::hybrid;
    pub use orm_runtime::model::{ColumnMask, Model};
    pub use orm_runtime::query::{decode_labeled, FromRow};
    pub use orm_runtime::query::{PolymorphicRows, PolymorphicSet};
    pub use orm_runtime::schema::__inventory as inventory;
    pub use orm_runtime::schema::StatementCache;
    pub use orm_runtime::schema::SubtypeRegistration;
    pub use orm_runtime::schema::{CheckDef, UniqueDef};
    pub use orm_runtime::schema::{ColumnDef, ForeignKeyDef, IndexDef, Inheritance, ReferentialAction, TableDef};
    pub use orm_runtime::session::{
        back_accessor, belongs_to_links, cascade_delete_children, clear_associations, has_many_links, joinedload,
        many_to_many_links, noload, selectinload, subqueryload, BelongsTo, BelongsToRel, ForeignKeyTo, HasMany,
        HasManyRel, LoaderOption, ManyToMany, ManyToManyRel, RelationField, RelationLink,
    };
    pub use orm_runtime::session::{cascade_delete_child, has_one_links, HasOne, HasOneRel, ParentSide};
    pub use orm_runtime::session::{Adopter, PolymorphicObjects};
    pub use orm_runtime::session::{Mapper, Obj, Session};
    pub use orm_runtime::types::CustomType;
    pub use orm_runtime::types::RowRef;
    pub use orm_runtime::types::{Param, SqlType, Value};
}
