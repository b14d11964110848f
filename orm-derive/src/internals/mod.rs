//! Parse -> internal model -> checks, for every derive (`Model`, `SqlEnum`, `Polymorphic`,
//! `FromRow`). Code generation (in `expand/`) never finds user errors.
//!
//! - `symbol`: every attribute key, and the retired spellings (errors with a hint);
//! - `attr`: `#[orm(...)]` / `#[relationship(...)]` parsed into typed slots (unknown and
//!   duplicate keys reported here, on the key);
//! - `ast`: the input as the derive sees it (`Container` for a model, `SqlEnum`,
//!   `PolymorphicEnum`, `RowStruct`), keeping the user's tokens for spans;
//! - `check`: the rules across keys and fields, one function each;
//! - `ctxt`: the collector that reports every error at once.

pub(crate) mod ast;
pub(crate) mod attr;
pub(crate) mod check;
mod ctxt;
pub(crate) mod symbol;

pub(crate) use ctxt::Ctxt;
