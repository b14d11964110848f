//! `#[derive(Polymorphic)]`: an enum whose variants are the subtypes of a polymorphic base,
//! so that a query of the base returns each row as its own subtype.
//!
//! ```text
//! #[derive(Polymorphic)]
//! #[orm(base = Employee)]
//! enum Staff {
//!     Manager(Manager),             // single-table subtype
//!     Engineer(Employee, Engineer), // joined-table subtype, with its base row
//!     Other(Employee),              // the base itself: any identity no variant names
//! }
//! ```
//! Variants hold plain values (read with Core) or all hold `Obj<...>` (read through a session).

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::symbol::ORM;

/// One variant: its name and its model types (one, or base and joined subtype).
struct Variant<'a> {
    ident: &'a syn::Ident,
    models: Vec<&'a syn::Type>,
}

/// `T` of `Obj<T>`.
fn obj_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Obj" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

fn base_attr(input: &syn::DeriveInput, errors: &mut Vec<syn::Error>) -> Option<syn::Path> {
    let mut base = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident(ORM)) {
        let r = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("base") {
                base = Some(meta.value()?.parse::<syn::Path>()?);
                Ok(())
            } else {
                Err(meta.error("unknown attribute; a polymorphic enum takes `#[orm(base = Model)]`"))
            }
        });
        if let Err(e) = r {
            errors.push(e);
        }
    }
    base
}

pub(crate) fn expand_derive_polymorphic(input: &syn::DeriveInput) -> TokenStream {
    let mut errors = Vec::new();
    let syn::Data::Enum(data) = &input.data else {
        return syn::Error::new_spanned(&input.ident, "`#[derive(Polymorphic)]` applies to an enum of subtypes")
            .to_compile_error();
    };
    let base = base_attr(input, &mut errors);
    if base.is_none() && errors.is_empty() {
        errors.push(syn::Error::new_spanned(
            &input.ident,
            "name the polymorphic base the variants inherit from: `#[orm(base = Model)]`",
        ));
    }
    let mut variants = Vec::new();
    let mut tracked: Option<bool> = None;
    for v in &data.variants {
        let fields: Vec<&syn::Type> = match &v.fields {
            syn::Fields::Unnamed(f) if (1..=2).contains(&f.unnamed.len()) => f.unnamed.iter().map(|f| &f.ty).collect(),
            _ => {
                errors.push(syn::Error::new_spanned(
                    v,
                    "a variant holds its model, `Manager(Manager)`, or a joined-table subtype with its base row, `Engineer(Employee, Engineer)`",
                ));
                continue;
            }
        };
        let mut models = Vec::new();
        for ty in fields {
            let (model, is_obj) = match obj_inner(ty) {
                Some(inner) => (inner, true),
                None => (ty, false),
            };
            match tracked {
                Some(t) if t != is_obj => errors.push(syn::Error::new_spanned(
                    ty,
                    "every variant holds plain values (Core) or every one holds `Obj<...>` (Session), not a mix",
                )),
                _ => tracked = Some(is_obj),
            }
            models.push(model);
        }
        variants.push(Variant { ident: &v.ident, models });
    }
    if let Some(mut first) = errors.pop() {
        for e in errors {
            first.combine(e);
        }
        return first.to_compile_error();
    }
    let Some(base) = base else { return TokenStream::new() };
    let ident = &input.ident;
    let tables = variants.iter().map(|v| {
        let models = &v.models;
        quote!(::std::vec![#(<#models as __orm::Model>::table()),*])
    });
    let arms = variants.iter().enumerate().map(|(i, v)| {
        let name = v.ident;
        let parts = v.models.iter().enumerate().map(|(j, m)| {
            if tracked == Some(true) {
                quote!(objects.adopt::<#m>(row, &positions[#j])?)
            } else {
                quote!(<#m as __orm::Model>::decode_row_at(row, &positions[#j])?)
            }
        });
        quote!(#i => ::core::result::Result::Ok(#ident::#name(#(#parts),*)),)
    });
    let enum_name = ident.to_string();
    let unknown = quote! {
        _ => ::core::result::Result::Err(__orm::Error::InvalidState(::std::format!("`{}` has no variant {}", #enum_name, variant))),
    };
    let from_row = if tracked == Some(true) {
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
    let base_check = quote_spanned_base(&base);
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
            }
            #[automatically_derived]
            #from_row
        };
    }
}

/// `base` must be a polymorphic base (checked where the user wrote it).
fn quote_spanned_base(base: &syn::Path) -> TokenStream {
    use syn::spanned::Spanned;
    quote::quote_spanned!(base.span()=> let _ = __orm::polymorphic_base::<#base>;)
}
