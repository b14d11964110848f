//! [`StatementCache`]: the rendered CRUD statements of one table, kept inside its static
//! [`TableDef`](crate::schema::TableDef). Storage only: `query/` renders the statements and
//! each dialect names its slot ([`Dialect::cache_slot`](crate::dialect::Dialect::cache_slot)).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use crate::error::Result;

/// Dialects with fixed slots; a dialect with a higher slot keeps its texts in the map.
const FIXED_DIALECTS: usize = 2;

/// A statement with one text per dialect: its fixed slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FixedStatement {
    /// `"t"."a", "t"."b", ...`: every column, qualified and quoted.
    ColumnList = 0,
    /// SELECT every column by key.
    Get = 1,
    /// DELETE by key.
    Delete = 2,
}

/// The key of a statement whose text depends on sets of columns: a tag and two column masks.
pub(crate) type ShapeKey = (u8, u128, u128);

type CacheMap = HashMap<(usize, ShapeKey), Arc<str>, foldhash::fast::RandomState>;

/// Rendered CRUD statements of one table (lives inside the generated static `TableDef`).
/// SELECT and DELETE by key have one shape per dialect and sit in fixed slots; INSERT and
/// UPDATE shapes (column masks) in a map.
#[derive(Debug, Default)]
pub struct StatementCache {
    fixed: [[OnceLock<Arc<str>>; 3]; FIXED_DIALECTS],
    map: OnceLock<RwLock<CacheMap>>,
}

impl StatementCache {
    /// An empty cache (usable in statics).
    pub const fn new() -> Self {
        StatementCache {
            fixed: [
                [OnceLock::new(), OnceLock::new(), OnceLock::new()],
                [OnceLock::new(), OnceLock::new(), OnceLock::new()],
            ],
            map: OnceLock::new(),
        }
    }

    /// The text of `statement` in the dialect of `slot`, rendered by `render` the first time.
    pub(crate) fn fixed(
        &self,
        slot: usize,
        statement: FixedStatement,
        render: impl FnOnce() -> Result<String>,
    ) -> Result<Arc<str>> {
        let Some(cell) = self.fixed.get(slot).map(|cells| &cells[statement as usize]) else {
            return self.shaped(slot, (u8::MAX - statement as u8, 0, 0), render);
        };
        if let Some(sql) = cell.get() {
            return Ok(sql.clone());
        }
        let sql: Arc<str> = Arc::from(render()?);
        Ok(cell.get_or_init(|| sql).clone())
    }

    /// The text of the statement `key` in the dialect of `slot`, rendered by `render` the
    /// first time.
    pub(crate) fn shaped(
        &self,
        slot: usize,
        key: ShapeKey,
        render: impl FnOnce() -> Result<String>,
    ) -> Result<Arc<str>> {
        let map = self.map.get_or_init(|| RwLock::new(CacheMap::default()));
        let key = (slot, key);
        if let Some(sql) = map.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key) {
            return Ok(sql.clone());
        }
        let sql: Arc<str> = Arc::from(render()?);
        map.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key, sql.clone());
        Ok(sql)
    }
}
