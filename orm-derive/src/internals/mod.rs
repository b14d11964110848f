//! Parse -> internal model -> checks. Code generation (in `expand/`) never finds user errors.

pub(crate) mod ast;
pub(crate) mod attr;
pub(crate) mod check;
mod ctxt;
pub(crate) mod symbol;

pub(crate) use ctxt::Ctxt;
