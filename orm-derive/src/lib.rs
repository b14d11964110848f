//! Procedural macros of the `orm` crate. Use them through `orm` (`orm::Model`), which
//! documents every attribute.
//!
//! Each derive (`Model`, `SqlEnum`, `Polymorphic`, `FromRow`) is a small compiler front end:
//! attributes are parsed into an internal model (`internals::ast`, `internals::attr`),
//! checked rule by rule (`internals::check`), and only then turned into code (`expand`).
//! Every error is collected and reported at once, spanned on the user's own token. They
//! share one vocabulary (`internals::symbol`) and two attribute namespaces, `#[orm(...)]`
//! and `#[relationship(...)]`.

mod expand;
mod internals;
mod mixin;
mod sql;
#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Derive `orm::Model` for a struct with named fields. See `orm::Model` for the attributes.
///
/// A struct with `#[orm(default = expr)]` fields also gets `impl Default`: those fields take
/// their `expr`, the others their type's `Default`. Deriving `Default` beside it conflicts:
/// rustc reports it on the user's `Default` (a derive does not see the other derives of its
/// list; a `#[derive(Default)]` written after `#[derive(Model)]` is refused here).
#[proc_macro_derive(Model, attributes(orm, relationship))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::expand_derive_model(&input).into()
}

/// Declare a mixin: named fields (with their `#[orm(...)]` attributes) that models embed
/// with `#[orm::mixins(Name)]`. See `orm::mixin`.
#[proc_macro_attribute]
pub fn mixin(attr: TokenStream, item: TokenStream) -> TokenStream {
    mixin::expand_mixin(attr.into(), item.into()).into()
}

/// Embed mixins into a model: `#[orm::mixins(Timestamps)]` above `#[derive(Model)]`.
#[proc_macro_attribute]
pub fn mixins(attr: TokenStream, item: TokenStream) -> TokenStream {
    mixin::expand_mixins(attr.into(), item.into()).into()
}

/// Used by the macros `#[orm::mixin]` generates. Not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __merge_mixin(input: TokenStream) -> TokenStream {
    mixin::expand_merge(input.into()).into()
}

/// Derive `orm::types::CustomType` (and so `orm::SqlType`) for a fieldless enum. See
/// `orm::SqlEnum` for the attributes (`#[orm(...)]`; the old `#[sql_enum(...)]` is declared
/// only to be refused with a hint).
#[proc_macro_derive(SqlEnum, attributes(orm, sql_enum))]
pub fn derive_sql_enum(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::sql_enum::expand_derive_sql_enum(&input).into()
}

/// Derive the polymorphic loading of an enum of subtypes (`#[orm(base = Model)]`). See
/// `orm::Polymorphic`.
///
/// Attributes: on the enum `#[orm(base = Model)]`; on at most one variant, which holds the
/// base model alone, `#[orm(polymorphic_fallback)]`: it reads rows of identities no variant
/// names (otherwise an error).
#[proc_macro_derive(Polymorphic, attributes(orm))]
pub fn derive_polymorphic(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::polymorphic::expand_derive_polymorphic(&input).into()
}

/// Raw SQL checked at compile time against the models it names:
/// `sql!(User, Order => "SELECT ... WHERE users.age > :age", age = min_age)`. See `orm::sql`
/// for what it checks and what it cannot.
#[proc_macro]
pub fn sql(input: TokenStream) -> TokenStream {
    sql::expand_sql(input.into()).into()
}

/// Derive `orm::FromRow` for a struct with named fields: read from a select of labelled
/// expressions by label. See `orm::FromRow`.
#[proc_macro_derive(FromRow, attributes(orm))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::from_row::expand_derive_from_row(&input).into()
}
