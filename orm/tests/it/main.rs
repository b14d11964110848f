//! Runtime tests of `orm`, each run on SQLite and on PostgreSQL (see `common.rs`).
#![allow(unreachable_pub, missing_docs)]

mod cascades;
mod column_types;
mod common;
mod core_statements;
mod engine_events;
mod errors;
mod hybrids;
mod inheritance;
mod joins;
mod many_to_many;
mod mapper_events;
mod mixins;
mod models;
mod one_to_one;
mod pool;
mod queries;
mod relationships;
mod schema;
mod session;
mod session_bulk;
mod session_events;
mod session_expiry;
mod session_features;
mod sql_snapshots;
mod validators_defaults;
