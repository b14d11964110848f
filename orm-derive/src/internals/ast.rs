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

// ---------------------------------------------------------------------------------------
// `#[derive(SqlEnum)]`

/// A `#[derive(SqlEnum)]` enum: a fieldless enum stored as text or as an integer.
pub(crate) struct SqlEnum<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) generics: &'a syn::Generics,
    pub(crate) attrs: attr::SqlEnumAttrs,
    pub(crate) variants: Vec<SqlEnumVariant<'a>>,
}

/// A variant of a `#[derive(SqlEnum)]` enum.
pub(crate) struct SqlEnumVariant<'a> {
    pub(crate) ident: &'a syn::Ident,
    /// As written (a variant with fields is refused by the checks).
    pub(crate) fields: &'a syn::Fields,
    pub(crate) attrs: attr::SqlEnumVariantAttrs,
    /// The stored text (text enums): `rename`, else the name in the `rename_all` case.
    pub(crate) name: String,
    /// The stored integer (integer enums); 0 where it could not be computed (reported).
    pub(crate) discriminant: i32,
}

impl<'a> SqlEnum<'a> {
    /// Parse the input, reporting every problem to `cx`. `None` if it is not an enum.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<SqlEnum<'a>> {
        attr::retired_sql_enum_attrs(cx, &input.attrs);
        let attrs = attr::sql_enum_attrs(cx, &input.attrs);
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
        let storage = attrs.storage();
        let case = attrs.rename_all.as_ref().map(|r| r.value.value());
        let mut variants = Vec::new();
        // Rust's rule: a variant without `= n` is the previous one's value plus one. `None`
        // after an invalid discriminant (already reported): the values that follow are unknown.
        let mut next: Option<i64> = Some(0);
        for v in &data.variants {
            attr::retired_sql_enum_attrs(cx, &v.attrs);
            let vattrs = attr::sql_enum_variant_attrs(cx, &v.attrs);
            let discriminant = match (&v.discriminant, storage) {
                (Some((_, expr)), attr::Storage::Integer) => integer_discriminant(cx, expr),
                (_, attr::Storage::Integer) => match next.map(i32::try_from) {
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
                (_, attr::Storage::Text) => None,
            };
            next = discriminant.map(|d| i64::from(d) + 1);
            let name = match (&vattrs.rename, &case) {
                (Some(r), _) => r.value.value(),
                (None, Some(case)) => apply_case(case, &v.ident.to_string()),
                (None, None) => v.ident.to_string(),
            };
            variants.push(SqlEnumVariant {
                ident: &v.ident,
                fields: &v.fields,
                attrs: vattrs,
                name,
                discriminant: discriminant.unwrap_or(0),
            });
        }
        Some(SqlEnum { ident: &input.ident, generics: &input.generics, attrs, variants })
    }
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
pub(crate) fn apply_case(case: &str, variant: &str) -> String {
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

// ---------------------------------------------------------------------------------------
// `#[derive(Polymorphic)]`

/// A `#[derive(Polymorphic)]` enum: one variant per subtype of a polymorphic base.
pub(crate) struct PolymorphicEnum<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) attrs: attr::PolymorphicAttrs,
    /// The variants of a usable shape (the others are reported and left out).
    pub(crate) variants: Vec<PolymorphicVariant<'a>>,
}

/// A variant: `Manager(Manager)`, or a joined-table subtype with its base row,
/// `Engineer(Employee, Engineer)`; each plain (Core) or `Obj<...>` (Session).
pub(crate) struct PolymorphicVariant<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) attrs: attr::PolymorphicVariantAttrs,
    pub(crate) fields: Vec<PolymorphicField<'a>>,
}

/// One model a variant holds.
pub(crate) struct PolymorphicField<'a> {
    /// The type as written (`Obj<Manager>`), for errors.
    pub(crate) ty: &'a syn::Type,
    /// The model (`Manager`).
    pub(crate) model: &'a syn::Type,
    /// Written `Obj<...>`: a tracked object.
    pub(crate) tracked: bool,
}

impl PolymorphicVariant<'_> {
    /// The models the variant holds, in order.
    pub(crate) fn models(&self) -> Vec<&syn::Type> {
        self.fields.iter().map(|f| f.model).collect()
    }
}

impl<'a> PolymorphicEnum<'a> {
    /// Parse the input, reporting every problem to `cx`. `None` if it is not an enum.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<PolymorphicEnum<'a>> {
        let syn::Data::Enum(data) = &input.data else {
            cx.error_spanned_by(&input.ident, "`#[derive(Polymorphic)]` applies to an enum of subtypes");
            return None;
        };
        let attrs = attr::polymorphic_attrs(cx, &input.attrs);
        let mut variants = Vec::new();
        for v in &data.variants {
            let vattrs = attr::polymorphic_variant_attrs(cx, &v.attrs);
            let types: Vec<&syn::Type> = match &v.fields {
                syn::Fields::Unnamed(f) if (1..=2).contains(&f.unnamed.len()) => {
                    f.unnamed.iter().map(|f| &f.ty).collect()
                }
                _ => {
                    cx.error_spanned_by(
                        v,
                        "a variant holds its model, `Manager(Manager)`, or a joined-table subtype with its base row, `Engineer(Employee, Engineer)`",
                    );
                    continue;
                }
            };
            let fields = types
                .into_iter()
                .map(|ty| match obj_inner(ty) {
                    Some(model) => PolymorphicField { ty, model, tracked: true },
                    None => PolymorphicField { ty, model: ty, tracked: false },
                })
                .collect();
            variants.push(PolymorphicVariant { ident: &v.ident, attrs: vattrs, fields });
        }
        Some(PolymorphicEnum { ident: &input.ident, attrs, variants })
    }

    /// Whether the variants hold tracked objects (as the first one does; a mix is refused by
    /// the checks).
    pub(crate) fn tracked(&self) -> bool {
        self.variants.iter().flat_map(|v| &v.fields).next().is_some_and(|f| f.tracked)
    }

    /// The index of the `polymorphic_fallback` variant, if any.
    pub(crate) fn fallback(&self) -> Option<usize> {
        self.variants.iter().position(|v| v.attrs.fallback.is_some())
    }
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

// ---------------------------------------------------------------------------------------
// `#[derive(FromRow)]`

/// A `#[derive(FromRow)]` struct: named fields read from a select by label.
pub(crate) struct RowStruct<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) generics: &'a syn::Generics,
    pub(crate) fields: Vec<RowField<'a>>,
}

/// A field of a `#[derive(FromRow)]` struct.
pub(crate) struct RowField<'a> {
    pub(crate) ident: &'a syn::Ident,
    pub(crate) ty: &'a syn::Type,
    pub(crate) attrs: attr::FromRowFieldAttrs,
    /// The label it reads: `label = "..."`, else the field's name.
    pub(crate) label: String,
}

impl<'a> RowStruct<'a> {
    /// Parse the input, reporting every problem to `cx`. `None` if it is not a struct with
    /// named fields.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<RowStruct<'a>> {
        let named = match &input.data {
            syn::Data::Struct(syn::DataStruct { fields: syn::Fields::Named(named), .. }) => named,
            _ => {
                cx.error_spanned_by(&input.ident, "#[derive(FromRow)] needs a struct with named fields");
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|f| {
                let ident = f.ident.as_ref()?;
                let attrs = attr::from_row_field_attrs(cx, &f.attrs);
                let label = match attrs.label.as_ref().map(syn::LitStr::value) {
                    Some(label) if !label.is_empty() => label,
                    _ => ident.to_string().trim_start_matches("r#").to_owned(),
                };
                Some(RowField { ident, ty: &f.ty, attrs, label })
            })
            .collect();
        Some(RowStruct { ident: &input.ident, generics: &input.generics, fields })
    }
}
