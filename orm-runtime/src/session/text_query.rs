//! Raw SQL in a session: [`Session::autoflushed`] (an executor that flushes first) and
//! [`Session::from_statement`] (rows of a raw statement as tracked objects).

use crate::backend::Connection;
use crate::error::Result;
use crate::query::{Executor, FromStatement, Text};
use crate::session::fetch::sealed::LoadObjects;
use crate::session::fetch::FetchObjects;
use crate::session::mapper::Mapper;
use crate::session::{Obj, Session};

impl Session {
    /// This session as an [`Executor`] that first flushes pending changes (when autoflush is
    /// on, as before the session's own queries), then runs the statement in the session's
    /// transaction: `text("SELECT count(*) FROM users").scalar::<i64>(session.autoflushed())`
    /// counts the users added and not yet flushed. (`&mut Session` itself runs a statement
    /// in the transaction without flushing.)
    pub fn autoflushed(&mut self) -> Autoflushed<'_> {
        Autoflushed { session: self }
    }

    /// The rows of a raw statement as objects of model `M`, mapped by column name (see
    /// [`Text::from_statement`]) and tracked: a row whose key the session already holds gives
    /// that object (its unflushed changes kept). Runs after an autoflush, in the session's
    /// transaction.
    pub fn from_statement<M: Mapper>(&mut self, text: Text) -> TextQuery<'_, M> {
        TextQuery { session: self, statement: text.from_statement() }
    }
}

/// A session lent as an [`Executor`] that flushes first; see [`Session::autoflushed`].
#[derive(Debug)]
pub struct Autoflushed<'s> {
    session: &'s mut Session,
}

impl Executor for Autoflushed<'_> {
    fn with_connection<R>(self, write: bool, f: impl FnOnce(&mut Connection) -> Result<R>) -> Result<R> {
        self.session.check_usable()?;
        self.session.autoflush()?;
        f(self.session.connection(write)?)
    }
}

/// Tracked objects of model `M` from a raw statement; see [`Session::from_statement`].
#[derive(Debug)]
#[must_use = "a query does nothing until it is run: call .all(), .one(), .one_or_none() or .first()"]
pub struct TextQuery<'s, M> {
    session: &'s mut Session,
    statement: FromStatement<M>,
}

impl<M: Mapper> TextQuery<'_, M> {
    fn run(self, mut each: impl FnMut(Obj<M>) -> Result<bool>) -> Result<()> {
        let TextQuery { session, statement, .. } = self;
        statement.text().check_binds()?;
        session.check_usable()?;
        session.autoflush()?;
        let id = session.id();
        let (conn, identity) = session.connection_and_identity(statement.text().may_write())?;
        let mut objects = identity.model::<M>();
        statement.run_on(conn, |value| each(objects.adopt(value, id)))
    }
}

impl<M: Mapper> FetchObjects for TextQuery<'_, M> {
    type Row = Obj<M>;
}

impl<M: Mapper> LoadObjects<()> for TextQuery<'_, M> {
    fn session_mut(&mut self) -> &mut Session {
        self.session
    }

    fn load_while(self, each: &mut dyn FnMut(Obj<M>) -> Result<bool>) -> Result<()> {
        self.run(each)
    }

    fn error_table(&self) -> String {
        M::TABLE_NAME.to_owned()
    }
}
