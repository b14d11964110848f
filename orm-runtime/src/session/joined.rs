//! Adding an object of a joined-table subtype: its base row first, then its own row under
//! the base row's key.

use crate::error::{Misuse, Result};
use crate::session::mapper::Mapper;
use crate::session::{Obj, Session};
use crate::types::Value;

impl Session {
    /// Add an object of joined-table subtype `S` (`#[orm(inherits = B, table = "...")]`) with
    /// its base row `base`: the base row gets `S`'s identity in its discriminator and is
    /// flushed (to learn its key, which may be generated), then `sub` takes that key and is
    /// added. Both are then pending or persistent in this session like any other object.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "staff", polymorphic_on = kind, polymorphic_identity = "employee")]
    /// # struct Employee {
    /// #     #[orm(primary_key, auto_increment)]
    /// #     id: i64,
    /// #     kind: String,
    /// #     name: String,
    /// # }
    /// # #[derive(Model, Debug)]
    /// # #[orm(table = "engineers", inherits = Employee, polymorphic_identity = "engineer")]
    /// # struct Engineer {
    /// #     #[orm(primary_key, foreign_key = Employee::id)]
    /// #     id: i64,
    /// #     language: String,
    /// # }
    /// # fn main() -> orm::Result<()> {
    /// # let engine = Engine::connect("sqlite::memory:")?;
    /// # engine.create_all(&[Employee::table(), Engineer::table()])?;
    /// # let mut session = engine.session();
    /// let (emp, eng) = session.add_joined(
    ///     Employee { id: 0, kind: String::new(), name: "Grace".into() },
    ///     Engineer { id: 0, language: "Rust".into() },
    /// )?;
    /// assert_eq!(emp.read().kind, "engineer");
    /// assert_eq!(eng.read().id, emp.read().id);
    /// # session.commit()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn add_joined<B: Mapper, S: Mapper>(&mut self, mut base: B, mut sub: S) -> Result<(Obj<B>, Obj<S>)> {
        let (b, s) = (B::table(), S::table());
        let inh = s.inheritance.filter(|i| i.joined && i.base.is_some_and(|f| std::ptr::eq(f(), b)));
        if inh.is_none() {
            return Err(Misuse::NotJoinedSubtype { subtype: s.model, base: b.model }.into());
        }
        if let Some((column, identity)) = s.polymorphic_identity() {
            if let Some(col) = b.column(column) {
                base.set_column_value(col.index, &Value::Text(identity.to_owned()))?;
            }
        }
        let base = self.add(base)?;
        self.flush()?;
        let key = B::key_values(&base.read().key());
        if key.len() != s.primary_key.len() {
            return Err(Misuse::SubtypeKeyMismatch { subtype: s.model, base: b.model }.into());
        }
        for (&idx, v) in s.primary_key.iter().zip(&key) {
            sub.set_column_value(idx, v)?;
        }
        let sub = self.add(sub)?;
        Ok((base, sub))
    }
}
