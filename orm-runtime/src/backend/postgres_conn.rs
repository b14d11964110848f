//! PostgreSQL connections: a prepared-statement cache keyed by SQL text.

use std::collections::HashMap;

use postgres::types::ToSql;

use crate::backend::error_map::from_pg;
use crate::backend::RowRef;
use crate::error::{Error, Result};

/// Statements cached per connection; the cache is emptied when it grows past this.
const STATEMENT_CACHE: usize = 256;

/// A postgres client with its statement cache.
pub(crate) struct PgConn {
    pub(crate) client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConn").field("cached_statements", &self.statements.len()).finish()
    }
}

impl PgConn {
    pub(crate) fn new(client: postgres::Client) -> Self {
        PgConn { client, statements: HashMap::new() }
    }

    pub(crate) fn prepare(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let stmt = self.client.prepare(sql).map_err(|e| from_pg(e, None))?;
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(sql.to_owned(), stmt.clone());
        Ok(stmt)
    }

    pub(crate) fn execute<P: ToSql + Sync>(&mut self, sql: &str, params: &[P]) -> Result<u64> {
        let stmt = self.prepare(sql)?;
        let refs = param_refs(params);
        let r = self.client.execute(&stmt, &refs).map_err(|e| from_pg(e, None));
        self.evict_if_stale(sql, r)
    }

    /// After 0A000 ("cached plan must not change result type") the cached statement is
    /// useless: forget it, so that the next run prepares it afresh.
    fn evict_if_stale<R>(&mut self, sql: &str, r: Result<R>) -> Result<R> {
        if let Err(Error::StaleStatement { .. }) = &r {
            self.statements.remove(sql);
        }
        r
    }

    pub(crate) fn query<P: ToSql + Sync, F>(&mut self, sql: &str, params: &[P], mut f: F) -> Result<()>
    where
        F: FnMut(&RowRef<'_>) -> Result<bool>,
    {
        let stmt = self.prepare(sql)?;
        let refs = param_refs(params);
        let rows = self.client.query(&stmt, &refs).map_err(|e| from_pg(e, None));
        let rows = self.evict_if_stale(sql, rows)?;
        for row in &rows {
            if !f(&RowRef::Postgres(row))? {
                break;
            }
        }
        Ok(())
    }

    /// Rows are handed to `f` as they arrive, without collecting the result first.
    pub(crate) fn stream<P: ToSql + Sync, F>(&mut self, sql: &str, params: &[P], mut f: F) -> Result<()>
    where
        F: FnMut(&RowRef<'_>) -> Result<bool>,
    {
        use postgres::fallible_iterator::FallibleIterator;
        let stmt = self.prepare(sql)?;
        let it = self.client.query_raw(&stmt, params.iter().map(|v| v as &dyn ToSql)).map_err(|e| from_pg(e, None));
        if let Err(Error::StaleStatement { .. }) = &it {
            self.statements.remove(sql);
        }
        let mut it = it?;
        while let Some(row) = it.next().map_err(|e| from_pg(e, None))? {
            if !f(&RowRef::Postgres(&row))? {
                break;
            }
        }
        Ok(())
    }

    pub(crate) fn batch(&mut self, sql: &str) -> Result<()> {
        // DDL may change result types of cached statements: forget them.
        self.statements.clear();
        self.client.batch_execute(sql).map_err(|e| from_pg(e, None))
    }
}

pub(crate) fn param_refs<P: ToSql + Sync>(params: &[P]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}
