//! The derive's internal model of a `#[derive(Model)]` struct, parsed from `syn`, keeping the
//! original tokens for error spans.

use crate::internals::attr::{self, ContainerAttrs, FieldAttrs};
use crate::internals::Ctxt;

/// The struct.
pub(crate) struct Container<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) vis: &'a syn::Visibility,
    pub(crate) attrs: ContainerAttrs,
    pub(crate) fields: Vec<Field<'a>>,
    /// Relationship fields (`HasMany<T>` / `BelongsTo<T>`), which are not columns.
    pub(crate) relations: Vec<Relation<'a>>,
    pub(crate) table_name: String,
    /// `Default` in a `#[derive(...)]` written after `#[derive(Model)]` (the only derives the
    /// Model derive sees: those in the same list, or before it, are already removed from its
    /// input).
    pub(crate) derived_default: Option<syn::Path>,
}

/// Which side of a relationship a field holds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RelationKind {
    /// `HasMany<T>`: the children.
    HasMany,
    /// `BelongsTo<T>`: the parent.
    BelongsTo,
    /// `ManyToMany<T>`: related through an association model.
    ManyToMany,
    /// `HasOne<T>`: the single child of a one-to-one relationship.
    HasOne,
}

/// A relationship field.
pub(crate) struct Relation<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) ty: &'a syn::Type,
    pub(crate) kind: RelationKind,
    /// The related model (`T`).
    pub(crate) target: &'a syn::Type,
    pub(crate) attrs: attr::RelationAttrs,
}

/// `(kind, T)` of a type written `HasMany<T>` or `BelongsTo<T>`.
pub(crate) fn relation_type(ty: &syn::Type) -> Option<(RelationKind, &syn::Type)> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    let kind = match last.ident.to_string().as_str() {
        "HasMany" => RelationKind::HasMany,
        "BelongsTo" => RelationKind::BelongsTo,
        "ManyToMany" => RelationKind::ManyToMany,
        "HasOne" => RelationKind::HasOne,
        _ => return None,
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some((kind, t)),
        _ => None,
    }
}

/// One field.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) ty: &'a syn::Type,
    pub(crate) attrs: FieldAttrs,
    pub(crate) column_name: String,
    pub(crate) index: usize,
}

impl Field<'_> {
    /// Whether the type is written `Option<...>` (the syntactic check used by the rules that
    /// need it before types are known).
    pub(crate) fn is_option(&self) -> bool {
        option_inner(self.ty).is_some()
    }
}

/// `T` of a type written `Option<T>` (also `std::option::Option<T>`).
pub(crate) fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// The `Default` of a `#[derive(..., Default, ...)]` among `attrs` (also written
/// `std::default::Default` or `core::default::Default`). A derive list that does not parse is
/// left to rustc, which reports it.
fn derived_default(attrs: &[syn::Attribute]) -> Option<syn::Path> {
    attrs.iter().filter(|a| a.path().is_ident("derive")).find_map(|attr| {
        let paths =
            attr.parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated).ok()?;
        paths.into_iter().find(|p| {
            let names: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            matches!(names.as_slice(), ["Default"] | ["std" | "core", "default", "Default"])
        })
    })
}

/// `UserAccount` -> `user_account`.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

impl<'a> Container<'a> {
    /// Parse the input, reporting every problem to `cx`. `None` if the shape is unusable.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Container<'a>> {
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(&input.generics, "`#[derive(Model)]` does not support generic structs");
        }
        let named = match &input.data {
            syn::Data::Struct(s) => match &s.fields {
                syn::Fields::Named(f) => &f.named,
                other => {
                    cx.error_spanned_by(other, "`#[derive(Model)]` needs a struct with named fields");
                    return None;
                }
            },
            syn::Data::Enum(e) => {
                cx.error_spanned_by(e.enum_token, "`#[derive(Model)]` applies to structs, not enums");
                return None;
            }
            syn::Data::Union(u) => {
                cx.error_spanned_by(u.union_token, "`#[derive(Model)]` applies to structs, not unions");
                return None;
            }
        };
        let attrs = attr::container_attrs(cx, &input.attrs);
        let table_name =
            attrs.table.as_ref().map(|t| t.value()).unwrap_or_else(|| snake_case(&input.ident.to_string()));
        let mut relations = Vec::new();
        let fields = named
            .iter()
            .filter(|f| {
                let Some(ident) = f.ident.as_ref() else { return false };
                let rel_attrs = attr::relation_attrs(cx, &f.attrs);
                match (relation_type(&f.ty), rel_attrs) {
                    (Some((kind, target)), attrs) => {
                        if let Some(a) = f.attrs.iter().find(|a| a.path().is_ident(crate::internals::symbol::ORM)) {
                            cx.error_spanned_by(
                                a,
                                "a relationship field takes `#[relationship(...)]`, not `#[orm(...)]`",
                            );
                        }
                        relations.push(Relation { ident, ty: &f.ty, kind, target, attrs: attrs.unwrap_or_default() });
                        false
                    }
                    (None, Some(_)) => {
                        cx.error_spanned_by(
                            &f.ty,
                            "a `#[relationship]` field is a `HasMany<Model>`, a `HasOne<Model>`, a `BelongsTo<Model>` or a `ManyToMany<Model>`",
                        );
                        false
                    }
                    (None, None) => true,
                }
            })
            .enumerate()
            .filter_map(|(index, f)| {
                let ident = f.ident.as_ref()?;
                let attrs = attr::field_attrs(cx, &f.attrs);
                let column_name = attrs.column.as_ref().map(|c| c.value()).unwrap_or_else(|| {
                    let s = ident.to_string();
                    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
                });
                Some(Field { ident, ty: &f.ty, attrs, column_name, index })
            })
            .collect::<Vec<_>>();
        if fields.len() > 128 {
            cx.error_spanned_by(&input.ident, "a model has at most 128 columns");
        }
        let derived_default = derived_default(&input.attrs);
        Some(Container { ident: &input.ident, vis: &input.vis, attrs, fields, relations, table_name, derived_default })
    }

    /// The primary key fields, in field order.
    pub(crate) fn primary_key(&self) -> Vec<&Field<'a>> {
        self.fields.iter().filter(|f| f.attrs.primary_key.is_some()).collect()
    }

    /// The validators of a field: its own `validate = ...` and the struct's
    /// `validates(..) = ...` that name it.
    pub(crate) fn validators_of<'s>(&'s self, f: &'s Field<'a>) -> Vec<&'s syn::Path> {
        let shared = self.attrs.validates.iter().filter(|(list, _)| list.iter().any(|n| n == f.ident)).map(|(_, p)| p);
        f.attrs.validate.iter().chain(shared).collect()
    }

    /// A subtype of single-table inheritance: `inherits = Base` without a table of its own.
    pub(crate) fn is_single_table_subtype(&self) -> bool {
        self.attrs.inherits.is_some() && self.attrs.table.is_none()
    }

    /// The table name as tokens: the literal, or the base's for a single-table subtype.
    pub(crate) fn table_name_tokens(&self) -> proc_macro2::TokenStream {
        match (&self.attrs.inherits, self.attrs.table.is_none()) {
            (Some(base), true) => quote::quote!(<#base as __orm::Model>::TABLE_NAME),
            _ => {
                let name = &self.table_name;
                quote::quote!(#name)
            }
        }
    }

    /// Whether any field has a Rust-side `default = expr` (the model then implements `Default`).
    pub(crate) fn has_defaults(&self) -> bool {
        self.fields.iter().any(|f| f.attrs.default.is_some())
    }

    /// Whether any field or the struct has a validator.
    pub(crate) fn has_validators(&self) -> bool {
        !self.attrs.validate.is_empty()
            || !self.attrs.validates.is_empty()
            || self.fields.iter().any(|f| !f.attrs.validate.is_empty())
    }

    /// The field with this Rust name.
    pub(crate) fn field(&self, name: &syn::Ident) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.ident == name)
    }
}
