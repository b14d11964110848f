//! Typed lookups into JSON documents (feature `serde_json`): [`JsonExpression::json_text`] and
//! [`JsonExpression::json_get`] on a column or expression of a JSON type.
//!
//! The key is always a bound parameter, never SQL text: PostgreSQL gets `doc ->> $1` with the
//! key itself; SQLite gets `doc ->> ?` with a JSON path the ORM builds, `$."key"`, whose quotes,
//! backslashes and control characters are written as `\uXXXX` escapes. A key such as
//! `a'); DROP TABLE t; --`, `x.y`, `$` or `[0]` therefore names one object member, literally.
//!
//! ```
//! # use orm::prelude::*;
//! # use orm::expr::JsonExpression;
//! # #[derive(Model, Debug)]
//! # #[orm(table = "docs")]
//! # struct Doc {
//! #     #[orm(primary_key)]
//! #     id: i64,
//! #     body: serde_json::Value,
//! # }
//! # fn main() -> orm::Result<()> {
//! # let engine = Engine::connect("sqlite::memory:")?;
//! # engine.create_all(&[Doc::table()])?;
//! # let body = serde_json::json!({ "it's \"x\".y": "Title", "it's": "no", "tags": ["a", "b"] });
//! # insert::<Doc>().values(&Doc { id: 1, body }).execute(&engine)?;
//! // PostgreSQL: CAST("docs"."body" ->> $1 AS TEXT), with $1 = `it's "x".y`
//! // SQLite:     CAST("docs"."body" ->> ? AS TEXT), with ?  = `$."it's \u0022x\u0022.y"`
//! let titles: Vec<Option<String>> = select(Doc::body.json_text("it's \"x\".y")).all(&engine)?;
//! let tags: Option<serde_json::Value> = select(Doc::body.json_get::<serde_json::Value>("tags")).one(&engine)?;
//! assert_eq!(titles, [Some("Title".to_string())]);
//! assert_eq!(tags, Some(serde_json::json!(["a", "b"])));
//! # Ok(())
//! # }
//! ```

use crate::expr::{Expr, Expression, Node};
use crate::types::{Json, SqlType};

mod sealed {
    pub trait Sealed {}
    impl Sealed for serde_json::Value {}
    impl<T> Sealed for crate::types::Json<T> {}
    impl<T: Sealed> Sealed for Option<T> {}
}

/// A JSON column type: `serde_json::Value`, [`Json<T>`], or an `Option` of one. Sealed.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a JSON type",
    label = "JSON lookups apply to `serde_json::Value` and `Json<T>` columns",
    note = "declare the column as `serde_json::Value` or `orm::types::Json<T>`"
)]
pub trait JsonDocument: sealed::Sealed {}

impl JsonDocument for serde_json::Value {}
impl<T> JsonDocument for Json<T> {}
impl<T: JsonDocument> JsonDocument for Option<T> {}

/// Key lookups on JSON expressions. A missing key, a document that is no object, and a NULL
/// document all give `None`.
pub trait JsonExpression: Expression
where
    Self::Value: JsonDocument,
{
    /// The member `key` as text: `CAST(doc ->> key AS TEXT)`. For a JSON string, the string;
    /// for a JSON `null`, `None`. Other members are given as the database writes them, which
    /// differs: an object or array is its JSON text (PostgreSQL's `jsonb` puts a space after
    /// `:` and `,`, SQLite does not), `true` is `"true"` on PostgreSQL and `"1"` on SQLite.
    fn json_text(self, key: &str) -> Expr<Option<String>, Self::Sources> {
        Expr::from_node(Node::JsonGet { doc: Box::new(self.into_node()), key: key.to_owned(), as_text: true })
    }

    /// The member `key` as a JSON document decoded into `T` (`serde_json::Value` or
    /// `Json<U>`): `doc -> key`. A JSON `null` member is `Some(Value::Null)` for
    /// `serde_json::Value`; a missing one is `None`.
    fn json_get<T>(self, key: &str) -> Expr<Option<T>, Self::Sources>
    where
        T: SqlType<Base = T> + JsonDocument,
    {
        Expr::from_node(Node::JsonGet { doc: Box::new(self.into_node()), key: key.to_owned(), as_text: false })
    }
}

impl<E: Expression> JsonExpression for E where E::Value: JsonDocument {}
