//! Code generation for `#[derive(FromRow)]`: a struct with named fields read from a select of
//! labelled expressions, each field by its label (the field's name, or
//! `#[orm(label = "...")]`).
//!
//! The struct is parsed in `internals::ast` ([`RowStruct`]) and checked in `internals::check`
//! (`check_from_row`); on error a stub impl is emitted beside the errors.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::ast::RowStruct;
use crate::internals::{check, Ctxt};

/// Expand the derive, or every error found plus a stub impl.
pub(crate) fn expand_derive_from_row(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let parsed = RowStruct::from_ast(&cx, input);
    if let Some(row) = &parsed {
        check::check_from_row(&cx, row);
    }
    match (cx.check(), parsed) {
        (Ok(()), Some(row)) => expand(&row),
        (Err(errors), _) => {
            let mut out = errors.to_compile_error();
            out.extend(fallback(input));
            out
        }
        (Ok(()), None) => fallback(input),
    }
}

fn expand(row: &RowStruct<'_>) -> TokenStream {
    let ident = row.ident;
    let name = ident.to_string();
    let labels = row.fields.iter().map(|f| &f.label);
    let decode = row.fields.iter().enumerate().map(|(i, f)| {
        let (field, ty, label) = (f.ident, f.ty, &f.label);
        quote_spanned! {ty.span()=>
            #field: ::orm::__private::decode_labeled::<#ty>(row, positions, #i, #label)?
        }
    });
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::orm::__private::FromRow for #ident {
                const NAME: &'static str = #name;
                const LABELS: &'static [&'static str] = &[#(#labels),*];
                fn from_row(
                    row: &::orm::__private::RowRef<'_>,
                    positions: &[usize],
                ) -> ::orm::__private::Result<Self> {
                    ::orm::__private::Result::Ok(#ident { #(#decode,)* })
                }
            }
        };
    }
}

/// A `FromRow` impl that only satisfies the trait checker, emitted beside the errors.
fn fallback(input: &syn::DeriveInput) -> TokenStream {
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::orm::__private::FromRow for #ident {
                const NAME: &'static str = "";
                const LABELS: &'static [&'static str] = &[];
                fn from_row(
                    _: &::orm::__private::RowRef<'_>,
                    _: &[usize],
                ) -> ::orm::__private::Result<Self> {
                    ::core::panic!("invalid FromRow")
                }
            }
        };
    }
}
