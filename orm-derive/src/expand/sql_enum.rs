//! Code generation for `#[derive(SqlEnum)]`: a fieldless enum stored as text (the variant's
//! name) or as an integer (its discriminant), through `orm::types::CustomType`.
//!
//! The attributes are parsed in `internals::attr` (`sql_enum_attrs`), the enum in
//! `internals::ast` ([`SqlEnum`]), the rules in `internals::check` (`check_sql_enum`); on
//! error a stub impl is emitted beside the errors so that uses of the enum as a column type
//! do not add errors of their own.

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::ast::SqlEnum;
use crate::internals::attr::Storage;
use crate::internals::{check, Ctxt};

/// Expand the derive, or every error found plus a stub impl.
pub(crate) fn expand_derive_sql_enum(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let parsed = SqlEnum::from_ast(&cx, input);
    if let Some(e) = &parsed {
        check::check_sql_enum(&cx, e);
    }
    match (cx.check(), parsed) {
        (Ok(()), Some(e)) => expand(&e),
        (Err(errors), _) => {
            let mut out = errors.to_compile_error();
            out.extend(fallback(input));
            out
        }
        (Ok(()), None) => fallback(input),
    }
}

fn expand(e: &SqlEnum<'_>) -> TokenStream {
    let ident = e.ident;
    let type_name = ident.to_string();
    let idents: Vec<&syn::Ident> = e.variants.iter().map(|v| v.ident).collect();
    let (stored, to_stored, from_stored) = match e.attrs.storage() {
        Storage::Text => {
            let names: Vec<&str> = e.variants.iter().map(|v| v.name.as_str()).collect();
            let expected = names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ");
            let unknown = format!("TEXT {{:?}}, which is not one of {expected}");
            (
                quote!(::std::string::String),
                quote! {
                    ::std::string::String::from(match *self {
                        #( #ident::#idents => #names, )*
                    })
                },
                quote! {
                    match stored.as_str() {
                        #( #names => ::core::result::Result::Ok(#ident::#idents), )*
                        other => ::core::result::Result::Err(::std::format!(#unknown, other)),
                    }
                },
            )
        }
        Storage::Integer => {
            let values: Vec<i32> = e.variants.iter().map(|v| v.discriminant).collect();
            let expected = values.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            let unknown = format!("INTEGER {{}}, which is not one of {expected}");
            (
                quote!(i32),
                quote! {
                    match *self {
                        #( #ident::#idents => #values, )*
                    }
                },
                quote! {
                    match stored {
                        #( #values => ::core::result::Result::Ok(#ident::#idents), )*
                        other => ::core::result::Result::Err(::std::format!(#unknown, other)),
                    }
                },
            )
        }
    };
    quote! {
        #[allow(unused_qualifications, clippy::all)]
        const _: () = {
            use ::orm::__private as __orm;
            #[automatically_derived]
            impl __orm::CustomType for #ident {
                type Stored = #stored;
                fn to_stored(&self) -> #stored {
                    #to_stored
                }
                fn from_stored(stored: #stored) -> ::core::result::Result<Self, ::std::string::String> {
                    #from_stored
                }
                fn type_name() -> &'static str {
                    #type_name
                }
            }
        };
    }
}

/// A `CustomType` impl that only satisfies the trait checker, emitted beside the errors.
fn fallback(input: &syn::DeriveInput) -> TokenStream {
    let ident = &input.ident;
    if !matches!(input.data, syn::Data::Enum(_)) || !input.generics.params.is_empty() {
        return TokenStream::new();
    }
    quote! {
        const _: () = {
            #[automatically_derived]
            impl ::orm::__private::CustomType for #ident {
                type Stored = i32;
                fn to_stored(&self) -> i32 { ::core::panic!("invalid SqlEnum") }
                fn from_stored(_: i32) -> ::core::result::Result<Self, ::std::string::String> {
                    ::core::panic!("invalid SqlEnum")
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use crate::internals::ast::apply_case;

    #[test]
    fn cases() {
        assert_eq!(apply_case("snake_case", "InProgress"), "in_progress");
        assert_eq!(apply_case("SCREAMING_SNAKE_CASE", "InProgress"), "IN_PROGRESS");
        assert_eq!(apply_case("kebab-case", "InProgress"), "in-progress");
        assert_eq!(apply_case("camelCase", "InProgress"), "inProgress");
        assert_eq!(apply_case("lowercase", "InProgress"), "inprogress");
        assert_eq!(apply_case("snake_case", "Done"), "done");
    }
}
