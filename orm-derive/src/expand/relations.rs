//! Relationship descriptors (`User::orders`, `Order::user`) and the `ForeignKeyTo` impls
//! that let the other side of a relationship find its foreign key.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::internals::ast::{Container, RelationKind};

/// The model part of a column path: `User::id` -> `User`.
fn model_of(path: &syn::Path) -> syn::Path {
    let mut p = path.clone();
    p.segments.pop();
    p.segments.pop_punct();
    p
}

/// `pub const groups: ManyToManyRel<User, Group, UserGroup> = ...;`: the association model's
/// foreign keys to both sides are found through its `ForeignKeyTo` impls.
fn many_to_many_accessor(cont: &Container<'_>, r: &crate::internals::ast::Relation<'_>) -> TokenStream {
    let ident = cont.ident;
    let vis = cont.vis;
    let name = r.ident;
    let name_str = name.to_string();
    let target = r.target;
    let Some(assoc) = &r.attrs.secondary else { return TokenStream::new() };
    let to_owner = quote_spanned!(assoc.span()=> <#assoc as __orm::ForeignKeyTo<#ident>>::foreign_key);
    let to_target = quote_spanned!(assoc.span()=> <#assoc as __orm::ForeignKeyTo<#target>>::foreign_key);
    let doc =
        format!("Relationship `{name_str}`: the `{}` objects related through `{}`.", quote!(#target), quote!(#assoc));
    quote! {
        #[doc = #doc]
        #vis const #name: __orm::ManyToManyRel<#ident, #target, #assoc> =
            __orm::ManyToManyRel::new(#name_str, #to_owner, #to_target, |m: &mut #ident| &mut m.#name);
    }
}

/// `impl ForeignKeyTo<Target> for Self` for every target that exactly one foreign key
/// column references (with two, the relationship must name its column).
pub(crate) fn expand_foreign_keys(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let mut by_target: HashMap<String, (syn::Path, Vec<usize>)> = HashMap::new();
    for f in &cont.fields {
        if let Some(path) = &f.attrs.foreign_key {
            let target = model_of(path);
            let key = target.to_token_stream().to_string();
            by_target.entry(key).or_insert_with(|| (target, Vec::new())).1.push(f.index);
        }
    }
    // Each foreign key references a key of its target: its primary key or a unique column.
    // (A database refuses anything else: SQLite at the first INSERT, "foreign key mismatch".)
    let key_checks = cont.fields.iter().filter_map(|f| {
        let path = f.attrs.foreign_key.as_ref()?;
        let written = path.to_token_stream().to_string().replace(' ', "");
        let message = format!(
            "`foreign_key = {written}`: `{written}` is neither a primary key nor `unique`; a foreign key references a key of its table (mark the column `#[orm(unique)]`, or reference the primary key)"
        );
        Some(quote_spanned! {path.span()=>
            const _: () = {
                let target = #path.def();
                if !(target.primary_key || target.unique) {
                    ::core::panic!(#message)
                }
            };
        })
    });
    let key_checks: Vec<TokenStream> = key_checks.collect();
    let mut targets: Vec<_> = by_target.into_values().filter(|(_, cols)| cols.len() == 1).collect();
    targets.sort_by_key(|(_, cols)| cols[0]);
    let impls = targets.into_iter().map(|(target, cols)| {
        let i = cols[0];
        quote! {
            #[automatically_derived]
            impl __orm::ForeignKeyTo<#target> for #ident {
                fn foreign_key() -> &'static __orm::ColumnDef {
                    &__COLUMNS[#i]
                }
            }
        }
    });
    quote!(#(#key_checks)* #(#impls)*)
}

/// `pub const orders: HasManyRel<User, Order> = ...;` for each relationship field.
pub(crate) fn expand_relation_accessors(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let vis = cont.vis;
    let consts = cont.relations.iter().map(|r| {
        let name = r.ident;
        let name_str = name.to_string();
        let target = r.target;
        if r.kind == RelationKind::ManyToMany {
            return many_to_many_accessor(cont, r);
        }
        // The foreign key is on the child: the target for has-many, this model for
        // belongs-to.
        let (child, parent) = match r.kind {
            RelationKind::HasMany | RelationKind::HasOne => (quote!(#target), quote!(#ident)),
            _ => (quote!(#ident), quote!(#target)),
        };
        let fk = match &r.attrs.foreign_key {
            Some(path) => {
                let check = quote_spanned!(path.span()=> __orm::column_of::<#child, _>(#path));
                quote! {{
                    fn __foreign_key() -> &'static __orm::ColumnDef {
                        #check
                    }
                    __foreign_key
                }}
            }
            None => quote_spanned!(r.ty.span()=> <#child as __orm::ForeignKeyTo<#parent>>::foreign_key),
        };
        let (desc, doc) = match r.kind {
            RelationKind::HasMany => (
                quote!(__orm::HasManyRel<#ident, #target>),
                format!("Relationship `{name_str}`: the `{}` objects of this one.", quote!(#target)),
            ),
            RelationKind::HasOne => (
                quote!(__orm::HasOneRel<#ident, #target>),
                format!("Relationship `{name_str}`: the one `{}` of this object.", quote!(#target)),
            ),
            _ => (
                quote!(__orm::BelongsToRel<#ident, #target>),
                format!("Relationship `{name_str}`: the `{}` this object belongs to.", quote!(#target)),
            ),
        };
        let ctor = match r.kind {
            RelationKind::HasMany => quote!(__orm::HasManyRel::new),
            RelationKind::HasOne => quote!(__orm::HasOneRel::new),
            _ => quote!(__orm::BelongsToRel::new),
        };
        let orphan = r.attrs.delete_orphan.as_ref().map(|_| quote!(.delete_orphan()));
        let back = r.attrs.back_populates.as_ref().map(|other| {
            // Found through a function, so that two descriptors naming each other do not
            // form a cycle of constants.
            // The parent's side is a collection or a single child: the type of the field
            // named says which (`BackPopulates` is implemented for both).
            let field_ty = match r.kind {
                RelationKind::HasMany | RelationKind::HasOne => {
                    quote!(fn(&mut #target) -> &mut __orm::BelongsTo<#ident>)
                }
                _ => quote!(__orm::ParentSide<#target, #ident>),
            };
            let call = quote_spanned!(other.span()=> __orm::back_accessor(<#target>::#other));
            quote! {
                .back_populates({
                    fn __back() -> #field_ty {
                        #call
                    }
                    __back
                })
            }
        });
        quote! {
            #[doc = #doc]
            #vis const #name: #desc = #ctor(#name_str, #fk, |m: &mut #ident| &mut m.#name) #orphan #back;
        }
    });
    if cont.relations.is_empty() {
        return TokenStream::new();
    }
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#consts)*
        }
    }
}

/// `fn relation_links`: what the flush needs to follow relationships.
pub(crate) fn expand_relation_links(cont: &Container<'_>) -> TokenStream {
    if cont.relations.is_empty() {
        return TokenStream::new();
    }
    let calls = cont.relations.iter().map(|r| {
        let name = r.ident;
        match r.kind {
            RelationKind::HasMany => quote!(__orm::has_many_links(Self::#name, &self.#name, out);),
            RelationKind::BelongsTo => quote!(__orm::belongs_to_links(Self::#name, &self.#name, out);),
            RelationKind::ManyToMany => quote!(__orm::many_to_many_links(Self::#name, &self.#name, out);),
            RelationKind::HasOne => quote!(__orm::has_one_links(Self::#name, &self.#name, out);),
        }
    });
    quote! {
        const HAS_RELATIONS: bool = true;

        fn relation_links(&self, out: &mut ::std::vec::Vec<__orm::RelationLink>) {
            #(#calls)*
        }
    }
}

/// `fn default_loaders`: the `lazy = ...` strategies, applied by every query of the model.
pub(crate) fn expand_default_loaders(cont: &Container<'_>) -> TokenStream {
    let options: Vec<TokenStream> = cont
        .relations
        .iter()
        .filter_map(|r| {
            let name = r.ident;
            let f = match r.attrs.lazy.as_ref()?.to_string().as_str() {
                "selectin" => quote!(__orm::selectinload),
                "joined" => quote!(__orm::joinedload),
                "subquery" => quote!(__orm::subqueryload),
                "noload" => quote!(__orm::noload),
                _ => return None,
            };
            Some(quote!(::std::boxed::Box::new(#f(Self::#name))))
        })
        .collect();
    if options.is_empty() {
        return TokenStream::new();
    }
    quote! {
        fn default_loaders() -> ::std::vec::Vec<::std::boxed::Box<dyn __orm::LoaderOption<Self>>> {
            ::std::vec![#(#options),*]
        }
    }
}

/// `fn cascade_delete`: delete the children of `cascade_delete` relationships.
pub(crate) fn expand_cascade_delete(cont: &Container<'_>) -> TokenStream {
    let calls: Vec<TokenStream> = cont
        .relations
        .iter()
        .filter_map(|r| {
            let name = r.ident;
            match r.kind {
                RelationKind::HasMany if r.attrs.cascade_delete.is_some() => {
                    Some(quote!(__orm::cascade_delete_children(session, obj, Self::#name)?;))
                }
                RelationKind::HasOne if r.attrs.cascade_delete.is_some() => {
                    Some(quote!(__orm::cascade_delete_child(session, obj, Self::#name)?;))
                }
                // A deleted object leaves no association rows behind.
                RelationKind::ManyToMany => Some(quote!(__orm::clear_associations(session, obj, Self::#name)?;)),
                _ => None,
            }
        })
        .collect();
    if calls.is_empty() {
        return TokenStream::new();
    }
    quote! {
        fn cascade_delete(session: &mut __orm::Session, obj: &__orm::Obj<Self>) -> __orm::Result<()> {
            #(#calls)*
            ::core::result::Result::Ok(())
        }
    }
}
