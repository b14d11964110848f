//! `#[derive(SqlEnum)]`: a fieldless enum stored as text (the variant's name) or as an
//! integer (its discriminant), through `orm::types::CustomType`.
//!
//! The same phases as the `Model` derive, in one file because the input is small: parse the
//! attributes into [`Enum`] (every error collected in a [`Ctxt`], spanned on the user's
//! token), check it, and only then generate code. On error a stub impl is emitted beside the
//! errors so that uses of the enum as a column type do not add errors of their own.

use proc_macro2::TokenStream;
use quote::quote;

use crate::internals::attr::{path_name as key_name, skip_value};
use crate::internals::symbol::{suggest, unknown_key_message};
use crate::internals::Ctxt;

/// The attribute's name.
const SQL_ENUM: &str = "sql_enum";
/// Container keys.
const TEXT: &str = "text";
const INTEGER: &str = "integer";
const RENAME_ALL: &str = "rename_all";
const CONTAINER_KEYS: &[&str] = &[TEXT, INTEGER, RENAME_ALL];
/// Variant keys.
const RENAME: &str = "rename";
const VARIANT_KEYS: &[&str] = &[RENAME];
/// Values of `rename_all` (serde's).
const CASES: &[&str] = &[
    "lowercase",
    "UPPERCASE",
    "PascalCase",
    "camelCase",
    "snake_case",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "SCREAMING-KEBAB-CASE",
];

/// How the enum is stored.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Storage {
    /// `TEXT`: a name per variant.
    Text,
    /// `INTEGER`: the discriminant.
    Integer,
}

/// The checked input.
struct Enum<'a> {
    ident: &'a syn::Ident,
    storage: Storage,
    variants: Vec<Variant<'a>>,
}

struct Variant<'a> {
    ident: &'a syn::Ident,
    /// The stored text (text enums).
    name: String,
    /// The stored integer (integer enums).
    discriminant: i32,
}

/// Expand the derive, or every error found plus a stub impl.
pub(crate) fn expand_derive_sql_enum(input: &syn::DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let parsed = Enum::from_ast(&cx, input);
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

fn sql_enum_attrs(attrs: &[syn::Attribute]) -> impl Iterator<Item = &syn::Attribute> {
    attrs.iter().filter(|a| a.path().is_ident(SQL_ENUM))
}

/// `#[sql_enum(...)]` on the enum, as parsed.
#[derive(Default)]
struct ContainerAttrs {
    /// `text` or `integer`, with the key (for errors).
    storage: Option<(Storage, syn::Path)>,
    rename_all: Option<(syn::Path, syn::LitStr)>,
}

fn container_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in sql_enum_attrs(attrs) {
        let r = attr.parse_nested_meta(|meta| {
            let name = key_name(&meta.path);
            match name.as_str() {
                TEXT | INTEGER => {
                    let storage = if name == TEXT { Storage::Text } else { Storage::Integer };
                    match &out.storage {
                        Some((_, first)) if key_name(first) == name => {
                            cx.error_spanned_by(&meta.path, format!("duplicate attribute `{name}`"))
                        }
                        Some((_, first)) => cx.error_spanned_by(
                            &meta.path,
                            format!(
                                "`{name}` conflicts with `{}`: an enum is stored as text or as an integer",
                                key_name(first)
                            ),
                        ),
                        None => out.storage = Some((storage, meta.path.clone())),
                    }
                }
                RENAME_ALL => {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    let case = value.value();
                    if !CASES.contains(&case.as_str()) {
                        let msg = match suggest(&case, CASES) {
                            Some(s) => format!("unknown case \"{case}\"; did you mean \"{s}\"?"),
                            None => format!(
                                "unknown case \"{case}\", expected one of {}",
                                CASES.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
                            ),
                        };
                        cx.error_spanned_by(&value, msg);
                    }
                    if out.rename_all.is_some() {
                        cx.error_spanned_by(&meta.path, "duplicate attribute `rename_all`");
                    } else {
                        out.rename_all = Some((meta.path.clone(), value));
                    }
                }
                _ => {
                    cx.error_spanned_by(&meta.path, unknown_key_message(&name, CONTAINER_KEYS));
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    out
}

/// `#[sql_enum(rename = "...")]` on a variant.
fn variant_rename(cx: &Ctxt, attrs: &[syn::Attribute]) -> Option<(syn::Path, syn::LitStr)> {
    let mut rename = None;
    for attr in sql_enum_attrs(attrs) {
        let r = attr.parse_nested_meta(|meta| {
            let name = key_name(&meta.path);
            if name == RENAME {
                let value: syn::LitStr = meta.value()?.parse()?;
                if value.value().is_empty() {
                    cx.error_spanned_by(&value, "the stored name cannot be empty");
                }
                if rename.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate attribute `rename`");
                } else {
                    rename = Some((meta.path.clone(), value));
                }
            } else {
                cx.error_spanned_by(&meta.path, unknown_key_message(&name, VARIANT_KEYS));
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    rename
}

/// The value of an integer discriminant: `3` or `-3`, within `i32` (an `INTEGER` column).
fn integer_discriminant(cx: &Ctxt, expr: &syn::Expr) -> Option<i32> {
    let (negative, lit) = match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(lit), .. }) => (false, lit),
        syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr: inner, .. }) => match &**inner {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(lit), .. }) => (true, lit),
            _ => return not_an_integer(cx, expr),
        },
        _ => return not_an_integer(cx, expr),
    };
    let value = lit.base10_parse::<i64>().ok().map(|v| if negative { -v } else { v });
    match value.and_then(|v| i32::try_from(v).ok()) {
        Some(v) => Some(v),
        None => {
            cx.error_spanned_by(
                expr,
                "the discriminant of an `integer` enum is stored in an INTEGER column and must fit in an `i32`",
            );
            None
        }
    }
}

fn not_an_integer(cx: &Ctxt, expr: &syn::Expr) -> Option<i32> {
    cx.error_spanned_by(
        expr,
        "an `integer` enum stores each variant's discriminant, which must be an integer literal (`Active = 1`)",
    );
    None
}

/// `rename_all` applied to a variant name (written in PascalCase), as serde does it.
fn apply_case(case: &str, variant: &str) -> String {
    // Words of a PascalCase identifier: a new word starts at each uppercase letter.
    let mut words: Vec<String> = Vec::new();
    for c in variant.chars() {
        if c == '_' {
            words.push(String::new());
            continue;
        }
        if c.is_uppercase() || words.is_empty() {
            words.push(String::new());
        }
        if let Some(w) = words.last_mut() {
            w.push(c);
        }
    }
    let lower: Vec<String> = words.iter().filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect();
    match case {
        "lowercase" => variant.to_lowercase(),
        "UPPERCASE" => variant.to_uppercase(),
        "camelCase" => {
            let mut cs = variant.chars();
            cs.next().map(|f| f.to_lowercase().chain(cs).collect()).unwrap_or_default()
        }
        "snake_case" => lower.join("_"),
        "SCREAMING_SNAKE_CASE" => lower.join("_").to_uppercase(),
        "kebab-case" => lower.join("-"),
        "SCREAMING-KEBAB-CASE" => lower.join("-").to_uppercase(),
        // "PascalCase": variant names already are.
        _ => variant.to_owned(),
    }
}

impl<'a> Enum<'a> {
    fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Enum<'a>> {
        let attrs = container_attrs(cx, &input.attrs);
        let data = match &input.data {
            syn::Data::Enum(data) => data,
            syn::Data::Struct(s) => {
                cx.error_spanned_by(
                    s.struct_token,
                    "`SqlEnum` is derived for enums; a struct column type implements `orm::types::CustomType`",
                );
                return None;
            }
            syn::Data::Union(u) => {
                cx.error_spanned_by(u.union_token, "`SqlEnum` is derived for enums");
                return None;
            }
        };
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(&input.generics, "`SqlEnum` is derived for enums without generic parameters");
        }
        let storage = attrs.storage.as_ref().map_or(Storage::Text, |(s, _)| *s);
        if storage == Storage::Integer {
            if let Some((key, _)) = &attrs.rename_all {
                cx.error_spanned_by(key, "`rename_all` names the stored text; an `integer` enum stores discriminants");
            }
        }
        let case = attrs.rename_all.as_ref().map(|(_, lit)| lit.value());
        let mut variants = Vec::new();
        // Rust's rule: a variant without `= n` is the previous one's value plus one.
        // Rust's rule: a variant without `= n` is the previous one's value plus one. `None`
        // after an invalid discriminant (already reported): the values that follow are unknown.
        let mut next: Option<i64> = Some(0);
        for v in &data.variants {
            if !matches!(v.fields, syn::Fields::Unit) {
                cx.error_spanned_by(
                    &v.fields,
                    format!("variant `{}` has fields; `SqlEnum` stores enums whose variants have none", v.ident),
                );
            }
            let rename = variant_rename(cx, &v.attrs);
            if storage == Storage::Integer {
                if let Some((key, _)) = &rename {
                    cx.error_spanned_by(key, "`rename` names the stored text; an `integer` enum stores discriminants");
                }
            }
            let discriminant = match (&v.discriminant, storage) {
                (Some((_, expr)), Storage::Integer) => integer_discriminant(cx, expr),
                (_, Storage::Integer) => match next.map(i32::try_from) {
                    Some(Ok(d)) => Some(d),
                    Some(Err(_)) => {
                        cx.error_spanned_by(
                            &v.ident,
                            "this variant's discriminant (the previous one plus one) does not fit in an `i32`",
                        );
                        None
                    }
                    None => None,
                },
                (_, Storage::Text) => None,
            };
            next = discriminant.map(|d| i64::from(d) + 1);
            let name = match (&rename, &case) {
                (Some((_, lit)), _) => lit.value(),
                (None, Some(case)) => apply_case(case, &v.ident.to_string()),
                (None, None) => v.ident.to_string(),
            };
            if storage == Storage::Text {
                if let Some(first) = variants.iter().find(|o: &&Variant<'_>| o.name == name) {
                    let at: &dyn quote::ToTokens = match &rename {
                        Some((_, lit)) => lit,
                        None => &v.ident,
                    };
                    cx.error_spanned_by(at, format!("`{}` and `{}` are both stored as {name:?}", first.ident, v.ident));
                }
            }
            variants.push(Variant { ident: &v.ident, name, discriminant: discriminant.unwrap_or(0) });
        }
        Some(Enum { ident: &input.ident, storage, variants })
    }
}

fn expand(e: &Enum<'_>) -> TokenStream {
    let ident = e.ident;
    let type_name = ident.to_string();
    let idents: Vec<&syn::Ident> = e.variants.iter().map(|v| v.ident).collect();
    let (stored, to_stored, from_stored) = match e.storage {
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
    use super::apply_case;

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
