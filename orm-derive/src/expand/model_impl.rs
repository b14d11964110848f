//! `impl Model` (row decoding, bind encoding, keys, change detection, snapshots, validation)
//! and `impl Mapper` (what the session follows: relationship links, default loaders, cascades).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::expand::columns::field_ops_ident;
use crate::internals::ast::Container;

pub(crate) fn expand_model_impl(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let pk = cont.primary_key();
    let fields = &cont.fields;

    let key_type = if pk.len() == 1 {
        let ty = pk[0].ty;
        quote!(#ty)
    } else {
        let tys = pk.iter().map(|f| f.ty);
        quote!((#(#tys,)*))
    };
    let key_expr = if pk.len() == 1 {
        let name = pk[0].ident;
        let ops = field_ops_ident(pk[0]);
        quote!((#ops.clone)(&self.#name))
    } else {
        let parts = pk.iter().map(|f| {
            let name = f.ident;
            let ops = field_ops_ident(f);
            quote!((#ops.clone)(&self.#name))
        });
        quote!((#(#parts,)*))
    };
    let key_values = if pk.len() == 1 {
        let ops = field_ops_ident(pk[0]);
        quote!(::std::vec![(#ops.value)(key)])
    } else {
        let parts = pk.iter().enumerate().map(|(pos, f)| {
            let idx = syn::Index::from(pos);
            let ops = field_ops_ident(f);
            quote!((#ops.value)(&key.#idx))
        });
        quote!(::std::vec![#(#parts),*])
    };
    let key_from_values = {
        let parts = pk.iter().enumerate().map(|(pos, f)| {
            let i = f.index;
            let ops = field_ops_ident(f);
            quote!((#ops.from_value)(values.get(#pos).unwrap_or(&__orm::Value::Null), &__COLUMNS[#i])?)
        });
        if pk.len() == 1 {
            quote!(::core::result::Result::Ok(#(#parts)*))
        } else {
            quote!(::core::result::Result::Ok((#(#parts,)*)))
        }
    };
    let decode_key = if pk.len() == 1 {
        let i = pk[0].index;
        let ops = field_ops_ident(pk[0]);
        quote!((#ops.decode)(row, offset, &__COLUMNS[#i]))
    } else {
        let parts = pk.iter().enumerate().map(|(pos, f)| {
            let i = f.index;
            let ops = field_ops_ident(f);
            quote!((#ops.decode)(row, offset + #pos, &__COLUMNS[#i])?)
        });
        quote!(::core::result::Result::Ok((#(#parts,)*)))
    };

    let decode_fields = fields
        .iter()
        .map(|f| {
            let name = f.ident;
            let i = f.index;
            let ops = field_ops_ident(f);
            quote!(#name: (#ops.decode)(row, offset + #i, &__COLUMNS[#i])?)
        })
        .chain(cont.relations.iter().map(|r| {
            let name = r.ident;
            let ty = r.ty;
            quote!(#name: <#ty as __orm::RelationField>::not_loaded())
        }));
    let decode_column_arms = fields.iter().map(|f| {
        let name = f.ident;
        let i = f.index;
        let ops = field_ops_ident(f);
        quote!(#i => self.#name = (#ops.decode)(row, pos, &__COLUMNS[#i])?,)
    });
    let value_arms = fields.iter().map(|f| {
        let name = f.ident;
        let i = f.index;
        let ops = field_ops_ident(f);
        quote!(#i => (#ops.value)(&self.#name),)
    });
    let param_arms = fields.iter().map(|f| {
        let name = f.ident;
        let i = f.index;
        let ops = field_ops_ident(f);
        quote!(#i => (#ops.param)(&self.#name),)
    });
    let is_none_arms = fields.iter().map(|f| {
        let name = f.ident;
        let i = f.index;
        let ops = field_ops_ident(f);
        quote!(#i => (#ops.is_null)(&self.#name),)
    });
    let changed = fields.iter().map(|f| {
        let name = f.ident;
        let i = f.index;
        let ops = field_ops_ident(f);
        quote!(if !(#ops.eq)(&self.#name, &old.#name) { mask.insert(#i); })
    });
    let set_value_arms = fields.iter().map(|f| {
        let name = f.ident;
        let i = f.index;
        let ops = field_ops_ident(f);
        quote!(#i => self.#name = (#ops.from_value)(value, &__COLUMNS[#i])?,)
    });
    let snapshot_fields = fields
        .iter()
        .map(|f| {
            let name = f.ident;
            let ops = field_ops_ident(f);
            quote!(#name: (#ops.clone)(&self.#name))
        })
        .chain(cont.relations.iter().map(|r| {
            let name = r.ident;
            quote!(#name: ::core::clone::Clone::clone(&self.#name))
        }));

    let decode_fields_at = fields
        .iter()
        .map(|f| {
            let name = f.ident;
            let i = f.index;
            let ops = field_ops_ident(f);
            quote!(#name: (#ops.decode)(row, __orm::column_position(positions, #i, <Self as __orm::Model>::TABLE_NAME)?, &__COLUMNS[#i])?)
        })
        .chain(cont.relations.iter().map(|r| {
            let name = r.ident;
            let ty = r.ty;
            quote!(#name: <#ty as __orm::RelationField>::not_loaded())
        }));
    let column_names = fields.iter().map(|f| &f.column_name);
    let has_column = expand_has_column(cont);

    let table_name = cont.table_name_tokens();
    let validate = expand_validate(cont);
    let relation_links = crate::expand::relations::expand_relation_links(cont);
    let default_loaders = crate::expand::relations::expand_default_loaders(cont);
    let cascade_delete = crate::expand::relations::expand_cascade_delete(cont);
    let polymorphic_base = cont.attrs.polymorphic_on.as_ref().map(|_| {
        quote! {
            #[automatically_derived]
            impl __orm::PolymorphicBase for #ident {}
        }
    });
    // A single-table subtype's columns are in its base's table: usable in the base's queries.
    let in_base = match (&cont.attrs.inherits, cont.is_single_table_subtype()) {
        (Some(base), true) => quote! {
            #[automatically_derived]
            impl __orm::AppearsIn<#base, __orm::InBase> for #ident {}
        },
        _ => TokenStream::new(),
    };
    // Every subtype registers itself, so that its base knows it (`TableDef::subtypes`).
    let registration = cont.attrs.inherits.as_ref().map(|_| {
        quote! {
            __orm::inventory::submit! {
                __orm::SubtypeRegistration::new(<#ident as __orm::Model>::table)
            }
        }
    });
    quote! {
        #polymorphic_base
        #in_base
        #registration
        #has_column

        #[automatically_derived]
        impl __orm::Model for #ident {
            type Key = #key_type;

            const TABLE_NAME: &'static str = #table_name;

            const COLUMN_NAMES: &'static [&'static str] = &[#(#column_names),*];

            fn table() -> &'static __orm::TableDef {
                &__TABLE
            }

            fn decode_row(row: &__orm::RowRef<'_>, offset: usize) -> __orm::Result<Self> {
                ::core::result::Result::Ok(Self { #(#decode_fields),* })
            }

            fn decode_row_at(row: &__orm::RowRef<'_>, positions: &[usize]) -> __orm::Result<Self> {
                ::core::result::Result::Ok(Self { #(#decode_fields_at),* })
            }

            fn decode_key(row: &__orm::RowRef<'_>, offset: usize) -> __orm::Result<Self::Key> {
                #decode_key
            }

            fn decode_column(&mut self, idx: usize, row: &__orm::RowRef<'_>, pos: usize) -> __orm::Result<()> {
                match idx {
                    #(#decode_column_arms)*
                    _ => {}
                }
                ::core::result::Result::Ok(())
            }

            fn column_value(&self, idx: usize) -> __orm::Value {
                match idx {
                    #(#value_arms)*
                    _ => __orm::Value::Null,
                }
            }

            fn column_param(&self, idx: usize) -> __orm::Param<'_> {
                match idx {
                    #(#param_arms)*
                    _ => __orm::Param::Value(__orm::Value::Null),
                }
            }

            fn column_is_none(&self, idx: usize) -> bool {
                match idx {
                    #(#is_none_arms)*
                    _ => false,
                }
            }

            fn key(&self) -> Self::Key {
                #key_expr
            }

            fn key_values(key: &Self::Key) -> ::std::vec::Vec<__orm::Value> {
                #key_values
            }

            fn key_from_values(values: &[__orm::Value]) -> __orm::Result<Self::Key> {
                #key_from_values
            }

            fn changed_columns(&self, old: &Self) -> __orm::ColumnMask {
                let mut mask = __orm::ColumnMask::EMPTY;
                #(#changed)*
                mask
            }

            fn set_column_value(&mut self, idx: usize, value: &__orm::Value) -> __orm::Result<()> {
                match idx {
                    #(#set_value_arms)*
                    _ => {}
                }
                ::core::result::Result::Ok(())
            }

            fn snapshot(&self) -> Self {
                Self { #(#snapshot_fields),* }
            }

            #validate
        }

        #[automatically_derived]
        impl __orm::Mapper for #ident {
            #relation_links

            #default_loaders

            #cascade_delete
        }
    }
}

/// `HAS_VALIDATORS` and `validate`: field validators of the columns written, then the model's.
fn expand_validate(cont: &Container<'_>) -> TokenStream {
    if !cont.has_validators() {
        return TokenStream::new();
    }
    let model = cont.ident.to_string();
    let fields = cont.fields.iter().filter(|f| !cont.validators_of(f).is_empty()).map(|f| {
        let i = f.index;
        let name = f.ident;
        let check = crate::expand::columns::validate_fn_ident(f);
        quote!(if columns.contains(#i) { #check(&self.#name)?; })
    });
    let whole = cont
        .attrs
        .validate
        .iter()
        .map(|path| quote_spanned!(path.span()=> __orm::run_model_validator::<Self, _>(#path, self, #model)?;));
    quote! {
        const HAS_VALIDATORS: bool = true;

        fn validate(&self, columns: __orm::ColumnMask) -> __orm::Result<()> {
            #(#fields)*
            if !columns.is_empty() {
                #(#whole)*
            }
            ::core::result::Result::Ok(())
        }
    }
}

/// `HasColumn<{hash of the column name}>` for each column, giving its field type: what `sql!`
/// checks a bind against. Names equal but for ASCII case share a hash: only the first gets one.
fn expand_has_column(cont: &Container<'_>) -> TokenStream {
    let ident = cont.ident;
    let mut seen: Vec<String> = Vec::new();
    let impls = cont.fields.iter().filter_map(|f| {
        let lower = f.column_name.to_ascii_lowercase();
        if seen.contains(&lower) {
            return None;
        }
        seen.push(lower);
        let name = &f.column_name;
        let ty = f.ty;
        Some(quote! {
            #[automatically_derived]
            impl __orm::HasColumn<{ __orm::column_hash(#name) }> for #ident {
                type Type = #ty;
            }
        })
    });
    quote!(#(#impls)*)
}
