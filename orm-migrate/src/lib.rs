//! Schema evolution for the `orm` crate. Users reach it as `orm::reflect` (cargo feature
//! `reflect` of `orm`).
//!
//! - [`reflect`]: what a live database holds — tables, columns (type as the database reports
//!   it, nullability, default, generated keys), primary keys, foreign keys with their actions,
//!   unique and check constraints, and indexes, with their names — on SQLite and PostgreSQL.

pub mod reflect;
