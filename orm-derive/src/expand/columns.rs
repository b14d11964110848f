//! The static `TableDef`, the typed column accessors and the trait-bound assertions.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::ast::{Container, Field};

fn action(a: Option<&crate::internals::attr::Spanned<syn::Ident>>) -> TokenStream {
    let variant = match a.map(|a| a.value.to_string()).as_deref() {
        Some("cascade") => "Cascade",
        Some("restrict") => "Restrict",
        Some("set_null") => "SetNull",
        Some("set_default") => "SetDefault",
        _ => "NoAction",
    };
    let v = format_ident!("{}", variant);
    quote!(__orm::ReferentialAction::#v)
}

fn opt_str(s: Option<&syn::LitStr>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

fn column_def(cont: &Container<'_>, f: &Field<'_>) -> TokenStream {
    let table = cont.table_name_tokens();
    let name = &f.column_name;
    let field = f.ident.to_string();
    let index = f.index;
    let ty = f.ty;
    let primary_key = f.attrs.primary_key.is_some();
    let auto_increment = f.attrs.auto_increment.is_some();
    let version = f.attrs.version.is_some();
    let unique = f.attrs.unique.is_some();
    let indexed = f.attrs.index.is_some();
    let max_length = match &f.attrs.max_length {
        Some(m) => {
            let n = m.value;
            quote!(::core::option::Option::Some(#n))
        }
        None => quote!(::core::option::Option::None),
    };
    let ops = field_ops_ident(f);
    let default = match &f.attrs.default {
        Some(_) => {
            let default_fn = default_fn_ident(f);
            quote! {
                ::core::option::Option::Some({
                    fn __default() -> __orm::Value {
                        (#ops.value)(&#default_fn())
                    }
                    __default
                })
            }
        }
        None => quote!(::core::option::Option::None),
    };
    let onupdate = match &f.attrs.update_default {
        Some(expr) => quote_spanned! {expr.span()=>
            ::core::option::Option::Some({
                fn __onupdate() -> __orm::Value {
                    let value: #ty = __orm::DefaultFor::<#ty>::into_default(#expr);
                    (#ops.value)(&value)
                }
                __onupdate
            })
        },
        None => quote!(::core::option::Option::None),
    };
    let numeric = match &f.attrs.numeric {
        Some(n) => {
            let (p, s) = n.value;
            quote!(::core::option::Option::Some((#p, #s)))
        }
        None => quote!(::core::option::Option::None),
    };
    let validate = if cont.validators_of(f).is_empty() {
        quote!(::core::option::Option::None)
    } else {
        let check = validate_fn_ident(f);
        quote! {
            ::core::option::Option::Some({
                fn __validate_value(value: &__orm::Value) -> __orm::Result<()> {
                    let value: #ty = (#ops.from_value)(value, &__COLUMNS[#index])?;
                    #check(&value)
                }
                __validate_value
            })
        }
    };
    let server_default = opt_str(f.attrs.server_default.as_ref());
    let check = opt_str(f.attrs.check.as_ref());
    let check_name = opt_str(f.attrs.check_name.as_ref());
    let unique_name = opt_str(f.attrs.unique_name.as_ref());
    let foreign_key = match &f.attrs.foreign_key {
        Some(path) => {
            let on_delete = action(f.attrs.on_delete.as_ref());
            let on_update = action(f.attrs.on_update.as_ref());
            let target = quote_spanned! {path.span()=> #path.referenced_by::<#ty>() };
            quote! {
                ::core::option::Option::Some(__orm::ForeignKeyDef {
                    target: {
                        fn __target() -> &'static __orm::ColumnDef {
                            #target.def()
                        }
                        __target
                    },
                    on_delete: #on_delete,
                    on_update: #on_update,
                })
            }
        }
        None => quote!(::core::option::Option::None),
    };
    let kind = quote!(#ops.kind);
    let nullable = quote!(#ops.nullable);
    quote! {
        __orm::ColumnDef {
            table: #table,
            name: #name,
            field: #field,
            index: #index,
            kind: #kind,
            nullable: #nullable,
            primary_key: #primary_key,
            auto_increment: #auto_increment,
            unique: #unique,
            indexed: #indexed,
            max_length: #max_length,
            default: #default,
            onupdate: #onupdate,
            validate: #validate,
            numeric: #numeric,
            server_default: #server_default,
            check: #check,
            unique_name: #unique_name,
            check_name: #check_name,
            foreign_key: #foreign_key,
            version: #version,
        }
    }
}

/// The name of the `FieldOps` constant of a field.
pub(crate) fn field_ops_ident(f: &Field<'_>) -> syn::Ident {
    format_ident!("__FIELD_{}", f.index)
}

/// `TableDef::inheritance`: the discriminator, identity and base of a polymorphic model.
fn inheritance_def(cont: &Container<'_>) -> TokenStream {
    let a = &cont.attrs;
    if a.polymorphic_on.is_none() && a.inherits.is_none() {
        return quote!(::core::option::Option::None);
    }
    let discriminator = match &a.polymorphic_on {
        Some(on) => {
            let name = cont.field(on).map(|f| f.column_name.clone()).unwrap_or_default();
            quote!(::core::option::Option::Some(#name))
        }
        None => quote!(::core::option::Option::None),
    };
    let identity = opt_str(a.polymorphic_identity.as_ref());
    let base = match &a.inherits {
        Some(base) => {
            let check = quote_spanned!(base.span()=> __orm::polymorphic_base::<#base>());
            quote!(::core::option::Option::Some({
                fn __base() -> &'static __orm::TableDef {
                    #check
                }
                __base
            }))
        }
        None => quote!(::core::option::Option::None),
    };
    let joined = a.inherits.is_some() && a.table.is_some();
    quote! {
        ::core::option::Option::Some(__orm::Inheritance {
            discriminator: #discriminator,
            identity: #identity,
            base: #base,
            joined: #joined,
        })
    }
}

/// The name of the validation function of a field with validators.
pub(crate) fn validate_fn_ident(f: &Field<'_>) -> syn::Ident {
    format_ident!("__validate_{}", f.index)
}

/// One function per field with validators: the only place their signatures are checked, so
/// a wrong one is reported once, on the user's path.
fn validate_fns(cont: &Container<'_>) -> TokenStream {
    let model = cont.ident.to_string();
    let fns = cont.fields.iter().filter_map(|f| {
        let validators = cont.validators_of(f);
        if validators.is_empty() {
            return None;
        }
        let name = validate_fn_ident(f);
        let ty = f.ty;
        let field = f.ident.to_string();
        let calls = validators.iter().map(
            |path| quote_spanned!(path.span()=> __orm::run_validator::<#ty, _, _>(#path, value, #model, #field)?;),
        );
        Some(quote! {
            fn #name(value: &#ty) -> __orm::Result<()> {
                #(#calls)*
                ::core::result::Result::Ok(())
            }
        })
    });
    quote!(#(#fns)*)
}

/// The name of the function that computes a field's `default = expr`.
pub(crate) fn default_fn_ident(f: &Field<'_>) -> syn::Ident {
    format_ident!("__default_{}", f.index)
}

/// One function per field with a `default = expr`, returning the field's type: the only place
/// the expression is compiled (the column's default for Core's column form and the model's
/// `Default` both call it), so a wrong one is reported once, on the user's expression.
fn default_fns(cont: &Container<'_>) -> TokenStream {
    let fns = cont.fields.iter().filter_map(|f| {
        let expr = f.attrs.default.as_ref()?;
        let name = default_fn_ident(f);
        let ty = f.ty;
        let body = quote_spanned!(expr.span()=> __orm::DefaultFor::<#ty>::into_default(#expr));
        Some(quote! {
            fn #name() -> #ty {
                #body
            }
        })
    });
    quote!(#(#fns)*)
}

/// One `FieldOps` constant per field: the only place a field type must be a `SqlType`.
fn field_ops(cont: &Container<'_>) -> TokenStream {
    let defs = cont.fields.iter().map(|f| {
        let ty = f.ty;
        let name = field_ops_ident(f);
        let init = quote_spanned!(ty.span()=> __orm::field_ops::<#ty>());
        quote!(const #name: __orm::FieldOps<#ty> = #init;)
    });
    quote!(#(#defs)*)
}

/// `__COLUMNS` and the static `__TABLE`.
pub(crate) fn expand_metadata(cont: &Container<'_>) -> TokenStream {
    let ops = field_ops(cont);
    let validate_fns = validate_fns(cont);
    let default_fns = default_fns(cont);
    let columns = cont.fields.iter().map(|f| column_def(cont, f));
    let table_tokens = cont.table_name_tokens();
    let inheritance = inheritance_def(cont);
    let model = cont.ident.to_string();
    let pk = cont.primary_key().into_iter().map(|f| f.index);
    let column_of = |id: &syn::Ident| cont.field(id).map(|f| f.column_name.clone()).unwrap_or_default();
    let uniques = cont.attrs.uniques.iter().map(|u| {
        let name = opt_str(u.name.as_ref());
        let names = u.fields.iter().map(column_of);
        quote!(__orm::UniqueDef { name: #name, columns: &[#(#names),*] })
    });
    let checks = cont.attrs.checks.iter().map(|(name, sql)| {
        let name = opt_str(name.as_ref());
        quote!(__orm::CheckDef { name: #name, sql: #sql })
    });
    let mut indexes: Vec<TokenStream> = Vec::new();
    for f in cont.fields.iter().filter(|f| f.attrs.index.is_some()) {
        let name = opt_str(f.attrs.index_name.as_ref());
        let col = &f.column_name;
        indexes.push(quote!(__orm::IndexDef { name: #name, columns: &[#col], unique: false }));
    }
    for (args, unique) in &cont.attrs.indexes {
        let name = opt_str(args.name.as_ref());
        let cols: Vec<String> = args.fields.iter().map(column_of).collect();
        indexes.push(quote!(__orm::IndexDef { name: #name, columns: &[#(#cols),*], unique: #unique }));
    }
    quote! {
        #ops
        #validate_fns
        #default_fns
        const __COLUMNS: &[__orm::ColumnDef] = &[#(#columns),*];
        static __TABLE: __orm::TableDef = __orm::TableDef {
            name: #table_tokens,
            inheritance: #inheritance,
            model: #model,
            columns: __COLUMNS,
            primary_key: &[#(#pk),*],
            unique_constraints: &[#(#uniques),*],
            checks: &[#(#checks),*],
            indexes: &[#(#indexes),*],
            statements: __orm::StatementCache::new(),
        };
    }
}

/// `impl User { pub const name: Column<User, String> = ...; }`
pub(crate) fn expand_accessors(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let vis = cont.vis;
    let consts = cont.fields.iter().map(|f| {
        let name = f.ident;
        let ty = f.ty;
        let index = f.index;
        let ty_text =
            quote!(#ty).to_string().replace(" < ", "<").replace("< ", "<").replace(" >", ">").replace(" ,", ",");
        let doc = format!("Column `{}.{}` (`{}`).", cont.table_name, f.column_name, ty_text);
        quote! {
            #[doc = #doc]
            #vis const #name: __orm::Column<#ident, #ty> = __orm::Column::new(&__COLUMNS[#index]);
        }
    });
    let identity = cont.attrs.polymorphic_identity.as_ref().map(|lit| {
        let doc = format!("The discriminator value of `{}` rows.", cont.ident);
        quote! {
            #[doc = #doc]
            #vis const POLYMORPHIC_IDENTITY: &'static str = #lit;
        }
    });
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#consts)*
            #identity
        }
    }
}

/// Trait-bound checks spanned at the user's tokens: field types are column types,
/// `auto_increment` keys are integers, `max_length` fields are text.
pub(crate) fn expand_assertions(cont: &Container<'_>) -> TokenStream {
    let discriminator = cont.attrs.polymorphic_on.as_ref().and_then(|on| cont.field(on)).map(|f| {
        let ty = f.ty;
        quote_spanned!(ty.span()=> __orm::assert_text::<#ty>();)
    });
    let checks = cont.fields.iter().map(|f| {
        let ty = f.ty;
        let mut out = TokenStream::new();
        if f.attrs.auto_increment.is_some() {
            out.extend(quote_spanned!(ty.span()=> __orm::assert_auto_increment::<#ty>();));
        }
        if f.attrs.max_length.is_some() {
            out.extend(quote_spanned!(ty.span()=> __orm::assert_text::<#ty>();));
        }
        if f.attrs.numeric.is_some() {
            out.extend(quote_spanned!(ty.span()=> __orm::assert_decimal::<#ty>();));
        }
        // An `Option` version is refused by the checks already: one error per mistake.
        if f.attrs.version.is_some() && !f.is_option() {
            out.extend(quote_spanned!(ty.span()=> __orm::assert_version::<#ty>();));
        }
        out
    });
    quote! {
        fn __assertions() {
            #discriminator
            #(#checks)*
        }
    }
}
