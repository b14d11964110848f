//! Code generation for `#[derive(Polymorphic)]`: an enum whose variants are the subtypes of a polymorphic base,
//! so that a query of the base returns each row as its own subtype.
//!
//! ```text
//! #[derive(Polymorphic)]
//! #[orm(base = Employee)]
//! enum Staff {
//!     Employee(Employee),           // the base's own identity
//!     Manager(Manager),             // single-table subtype
//!     Engineer(Employee, Engineer), // joined-table subtype, with its base row
//!     #[orm(polymorphic_fallback)]
//!     Other(Employee),              // opt-in: any identity no variant names, as the base
//! }
//! ```
//! Variants hold plain values (read with Core) or all hold `Obj<...>` (read through a session).
//! Without a `polymorphic_fallback` variant a row of an identity no variant names is an error.
//!
//! The enum is parsed in `internals::ast` ([`PolymorphicEnum`]) and checked in
//! `internals::check` (`check_polymorphic`); on error a stub impl is emitted beside the errors.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::ast::PolymorphicEnum;
use crate::internals::{check, Ctxt};

/// Expand the derive, or every error found plus a stub impl.
pub(crate) fn expand_derive_polymorphic(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let parsed = PolymorphicEnum::from_ast(&cx, input);
    if let Some(e) = &parsed {
        check::check_polymorphic(&cx, e);
    }
    match (cx.check(), parsed) {
        (Ok(()), Some(e)) => match &e.attrs.base {
            Some(base) => expand(&e, base),
            None => TokenStream::new(),
        },
        (Err(errors), parsed) => {
            let mut out = errors.to_compile_error();
            out.extend(parsed.as_ref().map(fallback));
            out
        }
        (Ok(()), None) => TokenStream::new(),
    }
}

fn expand(e: &PolymorphicEnum<'_>, base: &syn::Path) -> TokenStream {
    let ident = e.ident;
    let (variants, tracked) = (&e.variants, e.tracked());
    let tables = variants.iter().map(|v| {
        let models = v.models();
        quote!(::std::vec![#(<#models as __orm::Model>::table()),*])
    });
    let arms = variants.iter().enumerate().map(|(i, v)| {
        let name = v.ident;
        let parts = v.models().into_iter().enumerate().map(|(j, m)| {
            if tracked {
                quote!(objects.adopt::<#m>(row, &positions[#j])?)
            } else {
                quote!(<#m as __orm::Model>::decode_row_at(row, &positions[#j])?)
            }
        });
        quote!(#i => ::core::result::Result::Ok(#ident::#name(#(#parts),*)),)
    });
    let fallback = match e.fallback() {
        Some(i) => {
            // The fallback's model is the base: checked where the user wrote it.
            let model = variants[i].fields[0].model;
            let check = quote_spanned!(model.span()=> __orm::assert_fallback_is_base::<#base, #model>(););
            quote! {
                fn fallback() -> ::core::option::Option<usize> {
                    #check
                    ::core::option::Option::Some(#i)
                }
            }
        }
        None => TokenStream::new(),
    };
    let enum_name = ident.to_string();
    let unknown = quote! {
        _ => ::core::result::Result::Err(__orm::Error::Internal {
            invariant: "a polymorphic row's variant index names a variant of the enum",
            detail: ::std::format!("`{}` has no variant {}", #enum_name, variant),
        }),
    };
    let from_row = if tracked {
        quote! {
            impl __orm::PolymorphicObjects for #ident {
                fn from_row(
                    variant: usize,
                    row: &__orm::RowRef<'_>,
                    positions: &[::std::vec::Vec<usize>],
                    objects: &mut __orm::Adopter<'_>,
                ) -> __orm::Result<Self> {
                    match variant {
                        #(#arms)*
                        #unknown
                    }
                }
            }
        }
    } else {
        quote! {
            impl __orm::PolymorphicRows for #ident {
                fn from_row(
                    variant: usize,
                    row: &__orm::RowRef<'_>,
                    positions: &[::std::vec::Vec<usize>],
                ) -> __orm::Result<Self> {
                    match variant {
                        #(#arms)*
                        #unknown
                    }
                }
            }
        }
    };
    let base_check = quote_spanned!(base.span()=> let _ = __orm::polymorphic_base::<#base>;);
    quote! {
        #[allow(clippy::all)]
        const _: () = {
            use ::orm::__private as __orm;
            #[automatically_derived]
            impl __orm::PolymorphicSet for #ident {
                type Base = #base;
                fn variants() -> ::std::vec::Vec<::std::vec::Vec<&'static __orm::TableDef>> {
                    #base_check
                    ::std::vec![#(#tables),*]
                }
                #fallback
            }
            #[automatically_derived]
            #from_row
        };
    }
}

/// Impls that only satisfy the trait checker, emitted beside the errors so that queries of
/// the enum add no errors of their own: both the Core and the Session reading (which one the
/// enum was meant for is unknown when its variants mix them). Nothing without a base, which
/// the impls name.
fn fallback(e: &PolymorphicEnum<'_>) -> TokenStream {
    let Some(base) = &e.attrs.base else { return TokenStream::new() };
    let ident = e.ident;
    quote! {
        const _: () = {
            use ::orm::__private as __orm;
            #[automatically_derived]
            impl __orm::PolymorphicSet for #ident {
                type Base = #base;
                fn variants() -> ::std::vec::Vec<::std::vec::Vec<&'static __orm::TableDef>> {
                    ::core::panic!("invalid Polymorphic")
                }
            }
            #[automatically_derived]
            impl __orm::PolymorphicRows for #ident {
                fn from_row(
                    _: usize,
                    _: &__orm::RowRef<'_>,
                    _: &[::std::vec::Vec<usize>],
                ) -> __orm::Result<Self> {
                    ::core::panic!("invalid Polymorphic")
                }
            }
            #[automatically_derived]
            impl __orm::PolymorphicObjects for #ident {
                fn from_row(
                    _: usize,
                    _: &__orm::RowRef<'_>,
                    _: &[::std::vec::Vec<usize>],
                    _: &mut __orm::Adopter<'_>,
                ) -> __orm::Result<Self> {
                    ::core::panic!("invalid Polymorphic")
                }
            }
        };
    }
}
