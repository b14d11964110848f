//! `#[derive(Polymorphic)]`: an enum whose variants are the subtypes of a polymorphic base,
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

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::symbol::{
    unknown_key_message, BASE, ORM, POLYMORPHIC_ENUM_KEYS, POLYMORPHIC_FALLBACK, POLYMORPHIC_VARIANT_KEYS,
};
use crate::internals::Ctxt;

/// One variant: its name, its model types (one, or base and joined subtype), and the
/// `polymorphic_fallback` key if it carries one.
struct Variant<'a> {
    ident: &'a syn::Ident,
    models: Vec<&'a syn::Type>,
    fallback: Option<syn::Path>,
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

/// Skip what follows an unknown key so that parsing continues.
fn skip(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    crate::internals::attr::skip_value(meta)
}

/// `#[orm(base = Model)]` on the enum.
fn base_attr(cx: &Ctxt, input: &syn::DeriveInput) -> Option<syn::Path> {
    let mut base = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident(ORM)) {
        let r = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(BASE) {
                let path = meta.value()?.parse::<syn::Path>()?;
                if base.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate attribute `base`");
                } else {
                    base = Some(path);
                }
            } else {
                let name = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
                cx.error_spanned_by(&meta.path, unknown_key_message(&name, POLYMORPHIC_ENUM_KEYS));
                skip(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    base
}

/// `#[orm(polymorphic_fallback)]` on a variant.
fn variant_attr(cx: &Ctxt, v: &syn::Variant) -> Option<syn::Path> {
    let mut fallback = None;
    for attr in v.attrs.iter().filter(|a| a.path().is_ident(ORM)) {
        let r = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(POLYMORPHIC_FALLBACK) {
                if fallback.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate attribute `polymorphic_fallback`");
                } else {
                    fallback = Some(meta.path.clone());
                }
            } else {
                let name = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
                cx.error_spanned_by(&meta.path, unknown_key_message(&name, POLYMORPHIC_VARIANT_KEYS));
                skip(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    fallback
}

/// At most one variant reads the identities no variant names: which one would be ambiguous.
fn check_one_fallback(cx: &Ctxt, variants: &[Variant<'_>]) {
    let mut marked = variants.iter().filter_map(|v| v.fallback.as_ref().map(|f| (v.ident, f)));
    let Some((first, _)) = marked.next() else { return };
    for (_, key) in marked {
        cx.error_spanned_by(key, format!("only one variant can be `polymorphic_fallback`, and `{first}` already is"));
    }
}

/// The fallback reads rows of unknown identities as the base: it holds the base model alone
/// (a joined-table pair would need a subtype row no unknown identity has). That the one
/// model is the base is checked by the compiler (`assert_fallback_is_base`).
fn check_fallback_holds_one_model(cx: &Ctxt, variants: &[Variant<'_>]) {
    for v in variants {
        if let (Some(key), true) = (&v.fallback, v.models.len() != 1) {
            cx.error_spanned_by(
                key,
                format!("a `polymorphic_fallback` variant holds the base model alone: `{}(Base)`", v.ident),
            );
        }
    }
}

pub(crate) fn expand_derive_polymorphic(input: &syn::DeriveInput) -> TokenStream {
    let syn::Data::Enum(data) = &input.data else {
        return syn::Error::new_spanned(&input.ident, "`#[derive(Polymorphic)]` applies to an enum of subtypes")
            .to_compile_error();
    };
    let cx = Ctxt::new();
    let base = base_attr(&cx, input);
    if base.is_none() {
        cx.error_spanned_by(
            &input.ident,
            "name the polymorphic base the variants inherit from: `#[orm(base = Model)]`",
        );
    }
    let mut variants = Vec::new();
    let mut tracked: Option<bool> = None;
    for v in &data.variants {
        let fallback = variant_attr(&cx, v);
        let fields: Vec<&syn::Type> = match &v.fields {
            syn::Fields::Unnamed(f) if (1..=2).contains(&f.unnamed.len()) => f.unnamed.iter().map(|f| &f.ty).collect(),
            _ => {
                cx.error_spanned_by(
                    v,
                    "a variant holds its model, `Manager(Manager)`, or a joined-table subtype with its base row, `Engineer(Employee, Engineer)`",
                );
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
                Some(t) if t != is_obj => cx.error_spanned_by(
                    ty,
                    "every variant holds plain values (Core) or every one holds `Obj<...>` (Session), not a mix",
                ),
                _ => tracked = Some(is_obj),
            }
            models.push(model);
        }
        variants.push(Variant { ident: &v.ident, models, fallback });
    }
    check_one_fallback(&cx, &variants);
    check_fallback_holds_one_model(&cx, &variants);
    if let Err(e) = cx.check() {
        return e.to_compile_error();
    }
    let Some(base) = base else { return TokenStream::new() };
    expand(input, &base, &variants, tracked == Some(true))
}

fn expand(input: &syn::DeriveInput, base: &syn::Path, variants: &[Variant<'_>], tracked: bool) -> TokenStream {
    let ident = &input.ident;
    let tables = variants.iter().map(|v| {
        let models = &v.models;
        quote!(::std::vec![#(<#models as __orm::Model>::table()),*])
    });
    let arms = variants.iter().enumerate().map(|(i, v)| {
        let name = v.ident;
        let parts = v.models.iter().enumerate().map(|(j, m)| {
            if tracked {
                quote!(objects.adopt::<#m>(row, &positions[#j])?)
            } else {
                quote!(<#m as __orm::Model>::decode_row_at(row, &positions[#j])?)
            }
        });
        quote!(#i => ::core::result::Result::Ok(#ident::#name(#(#parts),*)),)
    });
    let fallback = match variants.iter().position(|v| v.fallback.is_some()) {
        Some(i) => {
            // The fallback's model is the base: checked where the user wrote it.
            let model = variants[i].models[0];
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
