//! Mixins: fields declared once (`#[orm::mixin] struct Timestamps { ... }`) and embedded in
//! many models (`#[orm::mixins(Timestamps)]` above `#[derive(Model)]`).
//!
//! A derive cannot see the fields of another type, so the mixin travels as tokens: the
//! `mixin` attribute turns the struct into a `macro_rules!` macro of the same name that hands
//! its fields to `__merge_mixin`, and `mixins(...)` calls those macros one after the other on
//! the model's struct. `__merge_mixin` appends the fields (reporting a clash with a field the
//! model declares itself) and passes the struct on to the next mixin, then to the derive.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;

/// `#[orm::mixin]` on a struct with named fields.
pub(crate) fn expand_mixin(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(Span::call_site(), "`#[orm::mixin]` takes no arguments").to_compile_error();
    }
    let item: syn::ItemStruct = match syn::parse2(item) {
        Ok(i) => i,
        Err(e) => {
            return syn::Error::new(e.span(), "`#[orm::mixin]` applies to a struct with named fields")
                .to_compile_error()
        }
    };
    let syn::Fields::Named(fields) = &item.fields else {
        return syn::Error::new_spanned(&item.fields, "a mixin is a struct with named fields").to_compile_error();
    };
    if !item.generics.params.is_empty() {
        return syn::Error::new_spanned(&item.generics, "a mixin cannot be generic").to_compile_error();
    }
    let name = &item.ident;
    let inner = format_ident!("__orm_mixin_{}", name);
    let field_tokens = fields.named.iter();
    let vis = match &item.vis {
        syn::Visibility::Inherited => quote!(),
        _ => quote!(pub(crate)),
    };
    let doc = format!("Mixin `{name}`: use it as `#[orm::mixins({name})]` above `#[derive(Model)]`.");
    quote! {
        #[doc(hidden)]
        macro_rules! #inner {
            ($($rest:tt)*) => {
                ::orm::__merge_mixin! { #name { #(#field_tokens),* } $($rest)* }
            };
        }
        #[doc = #doc]
        #[allow(unused_imports)]
        #vis use #inner as #name;
    }
}

/// `#[orm::mixins(A, B)]` on a model struct.
pub(crate) fn expand_mixins(attr: TokenStream, item: TokenStream) -> TokenStream {
    let paths = match syn::parse::Parser::parse2(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated, attr) {
        Ok(p) => p.into_iter().collect::<Vec<_>>(),
        Err(e) => return e.to_compile_error(),
    };
    if paths.is_empty() {
        return syn::Error::new(Span::call_site(), "name the mixins: `#[orm::mixins(Timestamps)]`").to_compile_error();
    }
    if let Ok(mut model) = syn::parse2::<syn::ItemStruct>(item.clone()) {
        if !derives_model(&model.attrs) {
            // Below `#[derive(Model)]` (which has run already, without the mixins' fields), or
            // on a struct that is no model: say so once, and hand the struct back as it was,
            // without the derive's helper attributes that nothing reads any more.
            let error = syn::Error::new(
                Span::call_site(),
                "`#[orm::mixins(...)]` goes above `#[derive(Model)]`: the derive reads the struct first, and here it has already run without the mixins' fields",
            )
            .to_compile_error();
            strip_helpers(&mut model);
            return quote!(#error #model);
        }
    }
    next_step(&paths, item)
}

/// Whether `attrs` derive `Model` (written `Model`, `orm::Model`, ...).
fn derives_model(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().filter(|a| a.path().is_ident("derive")).any(|a| {
        a.parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            .is_ok_and(|paths| paths.iter().any(|p| p.segments.last().is_some_and(|s| s.ident == "Model")))
    })
}

/// Remove `#[orm(...)]` and `#[relationship(...)]` from the struct and its fields.
fn strip_helpers(item: &mut syn::ItemStruct) {
    let helper = |a: &syn::Attribute| a.path().is_ident("orm") || a.path().is_ident("relationship");
    item.attrs.retain(|a| !helper(a));
    for field in item.fields.iter_mut() {
        field.attrs.retain(|a| !helper(a));
    }
}

/// Call the first mixin's macro on `item`, carrying the others; or emit `item` when none is left.
fn next_step(paths: &[syn::Path], item: TokenStream) -> TokenStream {
    match paths.split_first() {
        None => item,
        Some((first, rest)) => quote!(#first! { [#(#rest),*] #item }),
    }
}

/// The input of `__merge_mixin!`: `Name { fields } [remaining mixins] struct ...`.
struct MergeInput {
    mixin: syn::Ident,
    fields: Punctuated<syn::Field, syn::Token![,]>,
    rest: Vec<syn::Path>,
    item: syn::ItemStruct,
}

impl Parse for MergeInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mixin: syn::Ident = input.parse()?;
        let content;
        syn::braced!(content in input);
        let fields = content.parse_terminated(syn::Field::parse_named, syn::Token![,])?;
        let list;
        syn::bracketed!(list in input);
        let rest = Punctuated::<syn::Path, syn::Token![,]>::parse_terminated(&list)?.into_iter().collect();
        let item: syn::ItemStruct = input.parse()?;
        Ok(MergeInput { mixin, fields, rest, item })
    }
}

/// `tokens`, each resolved at `site` (but still located where it was written).
fn respan(tokens: TokenStream, site: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|tt| match tt {
            proc_macro2::TokenTree::Group(g) => {
                let mut out = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), site));
                out.set_span(g.span().resolved_at(site));
                proc_macro2::TokenTree::Group(out)
            }
            mut other => {
                other.set_span(other.span().resolved_at(site));
                other
            }
        })
        .collect()
}

/// `__merge_mixin!`: append a mixin's fields to the struct, then go on with the next mixin.
pub(crate) fn expand_merge(input: TokenStream) -> TokenStream {
    let MergeInput { mixin, fields, rest, mut item } = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    // The fields went through a `macro_rules!` macro, whose hygiene would hide the names the
    // derive generates around them (`self`): they resolve where the model is, keeping their
    // location in the mixin for error messages.
    let site = item.ident.span();
    let fields = match syn::parse::Parser::parse2(
        |input: ParseStream<'_>| {
            Punctuated::<syn::Field, syn::Token![,]>::parse_terminated_with(input, syn::Field::parse_named)
        },
        respan(quote!(#fields), site),
    ) {
        Ok(f) => f,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = TokenStream::new();
    match &mut item.fields {
        syn::Fields::Named(named) => {
            for field in fields {
                let clash = named.named.iter().find(|f| f.ident.is_some() && f.ident == field.ident);
                match (clash, &field.ident) {
                    (Some(own), Some(name)) => {
                        let msg =
                            format!("field `{name}` is also declared by mixin `{mixin}`; rename or remove one of them");
                        errors.extend(syn::Error::new_spanned(own.ident.as_ref(), msg).to_compile_error());
                    }
                    _ => named.named.push(field),
                }
            }
        }
        other => {
            let msg = format!("mixin `{mixin}` applies to a struct with named fields");
            return syn::Error::new_spanned(other, msg).to_compile_error();
        }
    }
    let item = quote!(#item);
    let mut out = next_step(&rest, item);
    out.extend(errors);
    out
}
