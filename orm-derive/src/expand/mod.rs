//! Code generation for `#[derive(Model)]`: metadata, column accessors and codecs. Never SQL.
//! The other derives generate theirs in `from_row`, `polymorphic` and `sql_enum`.

pub(crate) mod columns;
mod default_impl;
pub(crate) mod from_row;
pub(crate) mod hybrid;
mod model_impl;
pub(crate) mod polymorphic;
pub(crate) mod relations;
pub(crate) mod sql_enum;

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::ast::Container;
use crate::internals::{check, Ctxt};

/// Expand the derive, or return every error found plus a stub that keeps other errors quiet.
pub(crate) fn expand_derive_model(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, input);
    if let Some(cont) = &cont {
        check::check(&cx, cont);
    }
    // Whether the fallback stands in for the generated `Default` too (not when the error is
    // a derived `Default`, which exists already).
    let default = cont.as_ref().is_some_and(|c| c.has_defaults() && c.derived_default.is_none());
    match (cx.check(), cont) {
        (Ok(()), Some(cont)) => expand(&cont),
        (Err(errors), _) => {
            let mut out = errors.to_compile_error();
            out.extend(fallback(&input.ident, default));
            out.extend(fallback_columns(input));
            out
        }
        (Ok(()), None) => {
            let mut out = fallback(&input.ident, default);
            out.extend(fallback_columns(input));
            out
        }
    }
}

fn expand(cont: &Container<'_>) -> TokenStream {
    let metadata = columns::expand_metadata(cont);
    let accessors = columns::expand_accessors(cont);
    let model = model_impl::expand_model_impl(cont);
    let default = default_impl::expand_default_impl(cont);
    let assertions = columns::expand_assertions(cont);
    let foreign_keys = relations::expand_foreign_keys(cont);
    let relation_accessors = relations::expand_relation_accessors(cont);
    let hybrid_trait = hybrid::expand_hybrid_trait(cont);
    let hybrids = hybrid::expand_hybrids(cont);
    quote! {
        #hybrid_trait
        #[allow(non_upper_case_globals, clippy::all, unused_qualifications)]
        const _: () = {
            use ::orm::__private as __orm;
            #metadata
            #accessors
            #model
            #default
            #foreign_keys
            #relation_accessors
            #hybrids
            #assertions
        };
    }
}

/// `Model` and `Mapper` impls that only satisfy the trait checker, emitted beside the errors so that
/// one bad attribute does not also produce "`User` is not a model" everywhere it is used;
/// with `default`, a `Default` impl too (for `..Default::default()` in the user's code).
/// Column accessors over a stub for each plain field of a model whose derive failed, so that
/// code naming them elsewhere reports nothing more (relationship fields get none).
fn fallback_columns(input: &syn::DeriveInput) -> TokenStream {
    let syn::Data::Struct(data) = &input.data else { return TokenStream::new() };
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    let ident = &input.ident;
    let vis = &input.vis;
    let consts = data.fields.iter().filter_map(|f| {
        let name = f.ident.as_ref()?;
        if let syn::Type::Path(p) = &f.ty {
            let last = p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
            if matches!(last.as_str(), "HasMany" | "HasOne" | "BelongsTo" | "ManyToMany") {
                return None;
            }
        }
        let ty = &f.ty;
        Some(quote! {
            #[allow(non_upper_case_globals, dead_code)]
            #vis const #name: ::orm::__private::Column<#ident, #ty> =
                ::orm::__private::Column::new(&::orm::__private::STUB_COLUMN);
        })
    });
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#consts)*
        }
    }
}

fn fallback(ident: &syn::Ident, default: bool) -> TokenStream {
    let default = default.then(|| {
        quote! {
            impl ::core::default::Default for #ident {
                fn default() -> Self { ::core::panic!("invalid model") }
            }
        }
    });
    quote! {
        const _: () = {
            use ::orm::__private as __orm;
            impl __orm::Model for #ident {
                type Key = ();
                const TABLE_NAME: &'static str = "";
                fn table() -> &'static __orm::TableDef { ::core::panic!("invalid model") }
                fn decode_row(_: &__orm::RowRef<'_>, _: usize) -> __orm::Result<Self> { ::core::panic!("invalid model") }
                fn decode_key(_: &__orm::RowRef<'_>, _: usize) -> __orm::Result<()> { ::core::panic!("invalid model") }
                fn decode_column(&mut self, _: usize, _: &__orm::RowRef<'_>, _: usize) -> __orm::Result<()> { ::core::panic!("invalid model") }
                fn column_value(&self, _: usize) -> __orm::Value { ::core::panic!("invalid model") }
                fn column_param(&self, _: usize) -> __orm::Param<'_> { ::core::panic!("invalid model") }
                fn column_is_none(&self, _: usize) -> bool { ::core::panic!("invalid model") }
                fn key(&self) {}
                fn key_values(_: &()) -> ::std::vec::Vec<__orm::Value> { ::core::panic!("invalid model") }
                fn key_from_values(_: &[__orm::Value]) -> __orm::Result<()> { ::core::panic!("invalid model") }
                fn changed_columns(&self, _: &Self) -> __orm::ColumnMask { ::core::panic!("invalid model") }
                fn set_column_value(&mut self, _: usize, _: &__orm::Value) -> __orm::Result<()> { ::core::panic!("invalid model") }
                fn snapshot(&self) -> Self { ::core::panic!("invalid model") }
            }
            impl __orm::Mapper for #ident {}
            #default
        };
    }
}
