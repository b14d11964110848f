//! Phase 3: code generation for a statement the analysis accepted.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Ident, LitStr};

use super::analyse::{resolve, Analysis, Name};
use super::input::{bind_name, Input};

fn sql_name(name: &Name) -> TokenStream {
    let (text, quoted) = (&name.text, name.quoted);
    quote!(__orm::SqlName { name: #text, quoted: #quoted })
}

fn sql_names(names: &[Name]) -> TokenStream {
    let names = names.iter().map(sql_name);
    quote!(&[#(#names),*])
}

/// A `const` that fails to evaluate, with `check`'s message, when the check fails.
fn const_check(span: Span, check: TokenStream) -> TokenStream {
    quote_spanned! {span=>
        const _: () = {
            let message = #check;
            if !message.is_empty() {
                ::core::panic!("{}", message.as_str())
            }
        };
    }
}

/// The statement with its checks: `const` items whose evaluation fails with the message of a
/// failed check (table of a model, column of that table), calls whose trait bounds require
/// each bind's value to fit its column, and the `orm::Text` with the values bound. Finds
/// no user error (those are `analyse`'s).
pub(super) fn expand(input: &Input, a: &Analysis) -> TokenStream {
    let lit = &input.sql;
    let span = lit.span();
    // Spanned on the model's path: an error about the model points at it.
    let aliases: Vec<Ident> =
        input.models.iter().enumerate().map(|(i, path)| Ident::new(&format!("__OrmModel{i}"), path.span())).collect();
    let type_aliases =
        input.models.iter().zip(&aliases).map(|(path, alias)| quote_spanned!(path.span()=> type #alias = #path;));
    let infos = input.models.iter().zip(&aliases).map(|(path, alias)| {
        let written = LitStr::new(&path.to_token_stream().to_string().replace(' ', ""), path.span());
        quote_spanned!(path.span()=> __orm::sql_model::<#alias>(#written))
    });

    let mut checks = Vec::new();
    if !input.models.is_empty() {
        let mut seen: Vec<&Name> = Vec::new();
        for table in &a.tables {
            if seen.iter().any(|t| t.same(table)) {
                continue;
            }
            seen.push(table);
            let table = sql_name(table);
            checks.push(const_check(span, quote!(__orm::sql_check_table(__ORM_MODELS, #table))));
        }
        let mut seen: Vec<(Vec<Name>, &Name)> = Vec::new();
        for (qualifier, column) in &a.columns {
            let Some(tables) = resolve(a, qualifier.as_ref(), column) else { continue };
            if seen.iter().any(|(t, c)| *t == tables && c.same(column)) {
                continue;
            }
            let names = sql_names(&tables);
            seen.push((tables, column));
            let qualifier = match qualifier {
                Some(q) => {
                    let q = sql_name(q);
                    quote!(::core::option::Option::Some(#q))
                }
                None => quote!(::core::option::Option::None),
            };
            let column = sql_name(column);
            checks.push(const_check(span, quote!(__orm::sql_check_column(__ORM_MODELS, #names, #qualifier, #column))));
        }
    }

    let vars: Vec<Ident> = (0..input.binds.len()).map(|i| quote::format_ident!("__orm_bind_{}", i)).collect();
    let lets = input.binds.iter().zip(&vars).map(|(b, var)| {
        let value = &b.value;
        quote!(let #var = #value;)
    });
    let mut bind_checks = Vec::new();
    let mut seen: Vec<(String, Option<(Vec<Name>, Name)>)> = Vec::new();
    for target in &a.targets {
        let Some((k, bind)) = input.binds.iter().enumerate().find(|(_, b)| bind_name(&b.name) == target.bind) else {
            continue;
        };
        let var = &vars[k];
        let vspan = bind.value.span();
        match &target.column {
            None => {
                if seen.iter().any(|(b, c)| *b == target.bind && c.is_none()) {
                    continue;
                }
                seen.push((target.bind.clone(), None));
                bind_checks.push(quote_spanned!(vspan=> __orm::check_bind::<::std::string::String, _>(&#var);));
            }
            Some((qualifier, column)) => {
                let Some(tables) = resolve(a, qualifier.as_ref(), column) else { continue };
                if seen.iter().any(|(b, c)| {
                    *b == target.bind && c.as_ref().is_some_and(|(t, col)| *t == tables && col.same(column))
                }) {
                    continue;
                }
                seen.push((target.bind.clone(), Some((tables.clone(), column.clone()))));
                let names = sql_names(&tables);
                let col = sql_name(column);
                let text = &column.text;
                for (i, alias) in aliases.iter().enumerate() {
                    bind_checks.push(quote_spanned! {vspan=>
                        __orm::check_bind::<
                            <#alias as __orm::ColumnTypeOf<
                                { __orm::sql_column_of(&__ORM_MODELS[#i], #names, #col) },
                                { __orm::column_hash(#text) },
                            >>::Type,
                            _,
                        >(&#var);
                    });
                }
            }
        }
    }
    let binds = input.binds.iter().zip(&vars).map(|(b, var)| {
        let name = bind_name(&b.name);
        quote!(.bind(#name, #var))
    });
    quote! {
        {
            #[allow(unused_imports)]
            use ::orm::__private as __orm;
            #(#[allow(dead_code)] #type_aliases)*
            #[allow(dead_code)]
            const __ORM_MODELS: &[__orm::SqlModel] = &[#(#infos),*];
            #(#checks)*
            #(#lets)*
            #(#bind_checks)*
            __orm::text(#lit) #(#binds)*
        }
    }
}
