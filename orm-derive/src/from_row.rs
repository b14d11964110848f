//! `#[derive(FromRow)]`: a struct with named fields read from a select of labelled
//! expressions, each field by its label (the field's name, or `#[orm(label = "...")]`).
//!
//! The same phases as the other derives, in one file because the input is small: parse into
//! [`Row`] (every error collected in a [`Ctxt`], spanned on the user's token), then generate
//! code; on error a stub impl is emitted beside the errors.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::symbol::unknown_key_message;
use crate::internals::Ctxt;

/// The attribute's name.
const ORM: &str = "orm";
/// Field keys.
const LABEL: &str = "label";
const FIELD_KEYS: &[&str] = &[LABEL];

/// The checked input.
struct Row<'a> {
    ident: &'a syn::Ident,
    fields: Vec<Field<'a>>,
}

struct Field<'a> {
    ident: &'a syn::Ident,
    ty: &'a syn::Type,
    label: String,
}

/// Expand the derive, or every error found plus a stub impl.
pub(crate) fn expand_derive_from_row(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let parsed = Row::from_ast(&cx, input);
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

impl<'a> Row<'a> {
    fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Row<'a>> {
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(&input.generics, "#[derive(FromRow)] does not support generic structs");
        }
        let syn::Data::Struct(data) = &input.data else {
            cx.error_spanned_by(&input.ident, "#[derive(FromRow)] needs a struct with named fields");
            return None;
        };
        let syn::Fields::Named(named) = &data.fields else {
            cx.error_spanned_by(&input.ident, "#[derive(FromRow)] needs a struct with named fields");
            return None;
        };
        let mut fields = Vec::new();
        for f in &named.named {
            let ident = f.ident.as_ref()?;
            let label = field_label(cx, f).unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
            if let Some(prev) = fields.iter().find(|p: &&Field<'_>| p.label == label) {
                cx.error_spanned_by(
                    ident,
                    format!("the label `{label}` is already read by the field `{}`", prev.ident),
                );
            }
            fields.push(Field { ident, ty: &f.ty, label });
        }
        Some(Row { ident: &input.ident, fields })
    }
}

/// `#[orm(label = "...")]` of a field; a second one or an unknown key is an error.
fn field_label(cx: &Ctxt, f: &syn::Field) -> Option<String> {
    let mut label: Option<String> = None;
    for attr in f.attrs.iter().filter(|a| a.path().is_ident(ORM)) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(LABEL) {
                let lit: syn::LitStr = meta.value()?.parse()?;
                if label.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate attribute `label`");
                } else if lit.value().is_empty() {
                    cx.error_spanned_by(&lit, "a label cannot be empty");
                } else {
                    label = Some(lit.value());
                }
                Ok(())
            } else {
                let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
                cx.error_spanned_by(&meta.path, unknown_key_message(&key, FIELD_KEYS));
                // Skip a value, if any.
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            }
        });
        if let Err(e) = parsed {
            cx.syn_error(e);
        }
    }
    label
}

fn expand(row: &Row<'_>) -> TokenStream {
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
