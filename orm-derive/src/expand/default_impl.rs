//! `impl Default` for a model with `default = expr` fields: where the defaults are applied.
//!
//! A default is given when the object is built (`User { name: "Ada".into(),
//! ..Default::default() }`), never at insert: an insert binds the fields as they are, so a
//! value the user wrote (`is_active: false`) is stored even when it equals its type's
//! `Default`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::expand::columns::default_fn_ident;
use crate::internals::ast::Container;

/// `impl Default`: each `default = expr` field gets its expression, every other field (and
/// relationship) its type's `Default`, checked at the field's type so that a type without one
/// is reported on the user's field. Nothing for a model without defaults (it may derive
/// `Default` itself).
pub(crate) fn expand_default_impl(cont: &Container<'_>) -> TokenStream {
    if !cont.has_defaults() {
        return TokenStream::new();
    }
    let ident = cont.ident;
    let fields = cont
        .fields
        .iter()
        .map(|f| {
            let name = f.ident;
            let ty = f.ty;
            match &f.attrs.default {
                Some(_) => {
                    let default_fn = default_fn_ident(f);
                    quote!(#name: #default_fn())
                }
                None => quote_spanned!(ty.span()=> #name: <#ty as ::core::default::Default>::default()),
            }
        })
        .chain(cont.relations.iter().map(|r| {
            let name = r.ident;
            let ty = r.ty;
            quote_spanned!(ty.span()=> #name: <#ty as ::core::default::Default>::default())
        }));
    quote! {
        #[automatically_derived]
        impl ::core::default::Default for #ident {
            fn default() -> Self {
                Self { #(#fields),* }
            }
        }
    }
}
