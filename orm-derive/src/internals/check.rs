//! Cross-field rules, one function per rule, run after parsing and before code generation:
//! those of `#[derive(Model)]` ([`check`]), then those of `#[derive(SqlEnum)]`
//! ([`check_sql_enum`]), `#[derive(Polymorphic)]` ([`check_polymorphic`]) and
//! `#[derive(FromRow)]` ([`check_from_row`]).

use std::collections::HashMap;

use crate::internals::ast::{Container, PolymorphicEnum, RowStruct, SqlEnum};
use crate::internals::attr::Storage;
use crate::internals::Ctxt;

/// Run every rule of `#[derive(Model)]`.
pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    check_primary_key_exists(cx, cont);
    check_primary_key_not_nullable(cx, cont);
    check_auto_increment(cx, cont);
    check_version(cx, cont);
    check_unique_columns(cx, cont);
    check_referenced_fields(cx, cont);
    check_referential_actions(cx, cont);
    check_sql_names(cx, cont);
    check_constraint_names(cx, cont);
    check_relation_options(cx, cont);
    crate::expand::hybrid::check(cx, cont);
    check_inheritance(cx, cont);
    check_default_not_derived(cx, cont);
}

/// A model with `default = ...` fields implements `Default` from them: a derived `Default`
/// would conflict (and would ignore the defaults). Only a `#[derive(Default)]` written after
/// `#[derive(Model)]` reaches this check; one in the same list, or before it, gives rustc's
/// "conflicting implementations of trait `Default`" on the user's `Default` token instead.
fn check_default_not_derived(cx: &Ctxt, cont: &Container<'_>) {
    if let (Some(path), true) = (&cont.derived_default, cont.has_defaults()) {
        cx.error_spanned_by(
            path,
            format!(
                "`#[derive(Model)]` implements `Default` for `{}` from its `default = ...` values: remove `Default` from the derive list",
                cont.ident
            ),
        );
    }
}

/// A polymorphic identity needs a discriminator (on this model, or on the base it inherits
/// from); a subtype names its identity; the discriminator is a field.
fn check_inheritance(cx: &Ctxt, cont: &Container<'_>) {
    let a = &cont.attrs;
    if let (Some(identity), None, None) = (&a.polymorphic_identity, &a.polymorphic_on, &a.inherits) {
        cx.error_spanned_by(
            identity,
            format!(
                "`{}` has a polymorphic identity but no discriminator: add `polymorphic_on = field` (the column that holds the identity), or `inherits = Base` naming a model that has one",
                cont.ident
            ),
        );
    }
    if let (Some(base), None) = (&a.inherits, &a.polymorphic_identity) {
        cx.error_spanned_by(
            base,
            "a subtype names the value that marks its rows: add `polymorphic_identity = \"...\"`",
        );
    }
    if let (Some(_), Some(on)) = (&a.inherits, &a.polymorphic_on) {
        cx.error_spanned_by(on, "a subtype uses the discriminator of its base: remove `polymorphic_on` here");
    }
    if let Some(on) = &a.polymorphic_on {
        if cont.field(on).is_none() {
            cx.error_spanned_by(on, format!("`{}` has no field `{on}`", cont.ident));
        }
    }
}

/// `delete_orphan` is about children: it applies to a `HasMany` collection only. A
/// many-to-many relationship names its association model, and only it does.
fn check_relation_options(cx: &Ctxt, cont: &Container<'_>) {
    use crate::internals::ast::RelationKind;
    for r in &cont.relations {
        match (r.kind, &r.attrs.secondary) {
            (RelationKind::ManyToMany, None) => cx.error_spanned_by(
                r.ident,
                "a `ManyToMany` relationship names its association model: `#[relationship(secondary = Assoc)]`",
            ),
            (RelationKind::HasMany | RelationKind::HasOne | RelationKind::BelongsTo, Some(s)) => {
                cx.error_spanned_by(s, "`secondary` applies to a `ManyToMany` relationship")
            }
            _ => {}
        }
        if r.kind == RelationKind::ManyToMany {
            let unsupported = [
                (r.attrs.back_populates.as_ref().map(|i| i as &dyn quote::ToTokens), "back_populates"),
                (r.attrs.delete_orphan.as_ref().map(|p| p as &dyn quote::ToTokens), "delete_orphan"),
                (r.attrs.cascade_delete.as_ref().map(|p| p as &dyn quote::ToTokens), "cascade_delete"),
                (r.attrs.foreign_key.as_ref().map(|p| p as &dyn quote::ToTokens), "foreign_key"),
            ];
            for (tokens, key) in unsupported.into_iter().filter_map(|(t, k)| t.map(|t| (t, k))) {
                cx.error_spanned_by(tokens, format!("`{key}` is not supported on a `ManyToMany` relationship"));
            }
        }
        if let (Some(key), crate::internals::ast::RelationKind::BelongsTo) = (&r.attrs.delete_orphan, r.kind) {
            cx.error_spanned_by(key, "`delete_orphan` applies to a `HasMany` collection, not to `BelongsTo`");
        }
        if let (Some(key), crate::internals::ast::RelationKind::BelongsTo) = (&r.attrs.cascade_delete, r.kind) {
            cx.error_spanned_by(
                key,
                "`cascade_delete` applies to a `HasMany` collection (deleting a child never deletes its parent)",
            );
        }
    }
}

/// PostgreSQL silently truncates identifiers longer than 63 bytes (two long names can then
/// collide), and no database accepts a NUL in one: refuse such names here, where the user
/// can fix them.
fn check_sql_names(cx: &Ctxt, cont: &Container<'_>) {
    let problem = |name: &str| {
        if name.len() > 63 {
            Some("is longer than 63 bytes, which PostgreSQL would truncate")
        } else if name.contains('\0') {
            Some("contains a NUL character")
        } else {
            None
        }
    };
    if let (Some(p), false) = (problem(&cont.table_name), cont.is_single_table_subtype()) {
        match &cont.attrs.table {
            Some(lit) => cx.error_spanned_by(lit, format!("table name `{}` {p}", cont.table_name)),
            None => cx.error_spanned_by(
                cont.ident,
                format!("table name `{}` {p}; set a shorter `table = \"...\"`", cont.table_name),
            ),
        }
    }
    for f in &cont.fields {
        if let Some(p) = problem(&f.column_name) {
            match &f.attrs.column {
                Some(lit) => cx.error_spanned_by(lit, format!("column name `{}` {p}", f.column_name)),
                None => cx.error_spanned_by(
                    f.ident,
                    format!("column name `{}` {p}; set a shorter `column = \"...\"`", f.column_name),
                ),
            }
        }
    }
}

/// Without a primary key the session cannot tell rows apart (identity map, UPDATE, DELETE).
fn check_primary_key_exists(cx: &Ctxt, cont: &Container<'_>) {
    if cont.primary_key().is_empty() {
        cx.error_spanned_by(
            cont.ident,
            format!("model `{}` has no primary key; mark its key field(s) with `#[orm(primary_key)]`", cont.ident),
        );
    }
}

/// SQL primary keys are NOT NULL; an `Option` key would never round-trip.
fn check_primary_key_not_nullable(cx: &Ctxt, cont: &Container<'_>) {
    for f in &cont.fields {
        if let (Some(pk), true) = (&f.attrs.primary_key, f.is_option()) {
            cx.error_spanned_by(
                pk,
                format!("primary key `{}` cannot be an `Option`: key columns are NOT NULL", f.ident),
            );
        }
    }
}

/// Only a single primary key column can be generated by the database.
/// A version counter is one ordinary column per model, maintained by the session: it cannot
/// also be (part of) the key, which identifies the row whatever its version, nor be
/// generated by the database, nor be NULL (a NULL version would never match `= ?`).
fn check_version(cx: &Ctxt, cont: &Container<'_>) {
    let mut first: Option<&syn::Ident> = None;
    for f in &cont.fields {
        let Some(key) = &f.attrs.version else { continue };
        if let Some(first) = first {
            cx.error_spanned_by(key, format!("a model has one version column, and `{first}` already is it"));
        }
        first.get_or_insert(f.ident);
        if f.attrs.primary_key.is_some() {
            cx.error_spanned_by(key, "the version column cannot be part of the primary key");
        }
        if f.attrs.auto_increment.is_some() || f.attrs.server_default.is_some() {
            cx.error_spanned_by(
                key,
                "the session maintains the version column: remove `auto_increment` / `server_default`",
            );
        }
        if f.is_option() {
            cx.error_spanned_by(key, "a version column cannot be an `Option`: NULL never matches a version check");
        }
    }
}

fn check_auto_increment(cx: &Ctxt, cont: &Container<'_>) {
    let pk_count = cont.primary_key().len();
    for f in &cont.fields {
        let Some(ai) = &f.attrs.auto_increment else { continue };
        if f.attrs.primary_key.is_none() {
            cx.error_spanned_by(ai, "`auto_increment` applies to the primary key; add `primary_key` to this field");
        } else if pk_count > 1 {
            cx.error_spanned_by(ai, "`auto_increment` cannot be used in a composite primary key");
        }
        if f.is_option() {
            cx.error_spanned_by(ai, "an `auto_increment` key cannot be an `Option`");
        }
        if f.attrs.default.is_some() || f.attrs.server_default.is_some() {
            cx.error_spanned_by(ai, "an `auto_increment` key takes no `default` or `server_default`");
        }
    }
}

/// Two fields must not map to the same column.
fn check_unique_columns(cx: &Ctxt, cont: &Container<'_>) {
    let mut seen: HashMap<&str, &syn::Ident> = HashMap::new();
    for f in &cont.fields {
        if let Some(first) = seen.insert(f.column_name.as_str(), f.ident) {
            let span_of: &dyn quote::ToTokens = match &f.attrs.column {
                Some(c) => c,
                None => f.ident,
            };
            cx.error_spanned_by(
                span_of,
                format!("fields `{first}` and `{}` both map to column `{}`", f.ident, f.column_name),
            );
        }
    }
}

/// Names given to indexes and constraints (`name = "..."`) are usable on every database: not
/// empty, at most 63 bytes (PostgreSQL's limit, beyond which it would silently truncate and
/// two names could collide), no NUL; and two of them in one model differ (a database refuses
/// the second). They are always written quoted, so any other character is kept as given.
fn check_constraint_names(cx: &Ctxt, cont: &Container<'_>) {
    let a = &cont.attrs;
    let names = a
        .uniques
        .iter()
        .filter_map(|u| u.name.as_ref())
        .chain(a.indexes.iter().filter_map(|(i, _)| i.name.as_ref()))
        .chain(a.checks.iter().filter_map(|(n, _)| n.as_ref()))
        .chain(cont.fields.iter().flat_map(|f| {
            [f.attrs.unique_name.as_ref(), f.attrs.index_name.as_ref(), f.attrs.check_name.as_ref()]
                .into_iter()
                .flatten()
        }));
    let mut seen: HashMap<String, ()> = HashMap::new();
    for lit in names {
        let name = lit.value();
        if name.is_empty() {
            cx.error_spanned_by(lit, "an index or constraint name cannot be empty");
        } else if name.len() > 63 {
            cx.error_spanned_by(
                lit,
                format!(
                    "the name `{name}` is {} bytes long; PostgreSQL allows at most 63 (it would truncate it)",
                    name.len()
                ),
            );
        } else if name.contains('\0') {
            cx.error_spanned_by(lit, "an index or constraint name cannot contain a NUL character");
        } else if seen.insert(name.clone(), ()).is_some() {
            cx.error_spanned_by(lit, format!("the name `{name}` is given to two indexes or constraints of this model"));
        }
    }
}

/// Composite constraints and indexes name fields of this struct.
fn check_referenced_fields(cx: &Ctxt, cont: &Container<'_>) {
    let lists = cont
        .attrs
        .uniques
        .iter()
        .map(|a| &a.fields)
        .chain(cont.attrs.indexes.iter().map(|(a, _)| &a.fields))
        .chain(cont.attrs.validates.iter().map(|(l, _)| l));
    for list in lists {
        if list.is_empty() {
            cx.error_spanned_by(cont.ident, "an index or unique constraint needs at least one field");
        }
        for name in list {
            if cont.field(name).is_none() {
                let names: Vec<String> = cont.fields.iter().map(|f| f.ident.to_string()).collect();
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                let msg = match crate::internals::symbol::suggest(&name.to_string(), &refs) {
                    Some(s) => format!("`{}` has no field `{name}`; did you mean `{s}`?", cont.ident),
                    None => format!("`{}` has no field `{name}`", cont.ident),
                };
                cx.error_spanned_by(name, msg);
            }
        }
    }
}

/// ON DELETE / ON UPDATE need a foreign key; SET NULL needs a nullable column.
fn check_referential_actions(cx: &Ctxt, cont: &Container<'_>) {
    for f in &cont.fields {
        for action in [&f.attrs.on_delete, &f.attrs.on_update].into_iter().flatten() {
            if f.attrs.foreign_key.is_none() {
                cx.error_spanned_by(
                    &action.key,
                    format!("`{}` needs a `foreign_key` on this field", crate::internals::attr::path_name(&action.key)),
                );
            } else if action.value == "set_null" && !f.is_option() {
                cx.error_spanned_by(
                    &action.value,
                    format!("`set_null` needs a nullable field; declare `{}` as an `Option`", f.ident),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// `#[derive(SqlEnum)]`

/// Run every rule of `#[derive(SqlEnum)]`.
pub(crate) fn check_sql_enum(cx: &Ctxt, e: &SqlEnum<'_>) {
    check_sql_enum_not_generic(cx, e);
    check_sql_enum_one_storage(cx, e);
    check_sql_enum_names_only_for_text(cx, e);
    check_sql_enum_variants_without_fields(cx, e);
    check_sql_enum_stored_names_differ(cx, e);
}

/// The derive implements `CustomType` for one type; a generic enum would need bounds on its
/// parameters that the derive cannot guess.
fn check_sql_enum_not_generic(cx: &Ctxt, e: &SqlEnum<'_>) {
    if !e.generics.params.is_empty() {
        cx.error_spanned_by(e.generics, "`SqlEnum` is derived for enums without generic parameters");
    }
}

/// An enum is stored in one column type: `text` and `integer` exclude each other.
fn check_sql_enum_one_storage(cx: &Ctxt, e: &SqlEnum<'_>) {
    let mut keys = e.attrs.storage.iter().map(|(_, key)| key);
    let Some(first) = keys.next() else { return };
    for key in keys {
        cx.error_spanned_by(
            key,
            format!(
                "`{}` conflicts with `{}`: an enum is stored as text or as an integer",
                crate::internals::attr::path_name(key),
                crate::internals::attr::path_name(first)
            ),
        );
    }
}

/// `rename_all` and `rename` choose stored text: on an `integer` enum, which stores
/// discriminants, they would silently do nothing.
fn check_sql_enum_names_only_for_text(cx: &Ctxt, e: &SqlEnum<'_>) {
    if e.attrs.storage() != Storage::Integer {
        return;
    }
    if let Some(r) = &e.attrs.rename_all {
        cx.error_spanned_by(&r.key, "`rename_all` names the stored text; an `integer` enum stores discriminants");
    }
    for v in &e.variants {
        if let Some(r) = &v.attrs.rename {
            cx.error_spanned_by(&r.key, "`rename` names the stored text; an `integer` enum stores discriminants");
        }
    }
}

/// A column holds one name or number per variant: a variant's fields could not be stored.
fn check_sql_enum_variants_without_fields(cx: &Ctxt, e: &SqlEnum<'_>) {
    for v in &e.variants {
        if !matches!(v.fields, syn::Fields::Unit) {
            cx.error_spanned_by(
                v.fields,
                format!("variant `{}` has fields; `SqlEnum` stores enums whose variants have none", v.ident),
            );
        }
    }
}

/// Two variants stored as the same text could not be told apart when read back.
fn check_sql_enum_stored_names_differ(cx: &Ctxt, e: &SqlEnum<'_>) {
    if e.attrs.storage() != Storage::Text {
        return;
    }
    for (i, v) in e.variants.iter().enumerate() {
        if let Some(first) = e.variants[..i].iter().find(|o| o.name == v.name) {
            let at: &dyn quote::ToTokens = match &v.attrs.rename {
                Some(r) => &r.value,
                None => v.ident,
            };
            cx.error_spanned_by(at, format!("`{}` and `{}` are both stored as {:?}", first.ident, v.ident, v.name));
        }
    }
}

// ---------------------------------------------------------------------------------------
// `#[derive(Polymorphic)]`

/// Run every rule of `#[derive(Polymorphic)]`.
pub(crate) fn check_polymorphic(cx: &Ctxt, e: &PolymorphicEnum<'_>) {
    check_polymorphic_base_named(cx, e);
    check_polymorphic_not_mixed(cx, e);
    check_polymorphic_one_fallback(cx, e);
    check_polymorphic_fallback_holds_one_model(cx, e);
}

/// The base names the table and the discriminator every variant is read from: it cannot be
/// inferred from the variants (a joined-table variant names the base only as its first model).
fn check_polymorphic_base_named(cx: &Ctxt, e: &PolymorphicEnum<'_>) {
    if e.attrs.base.is_none() {
        cx.error_spanned_by(e.ident, "name the polymorphic base the variants inherit from: `#[orm(base = Model)]`");
    }
}

/// The enum is read by Core (plain values) or through a session (`Obj<...>`), never both in
/// one query: a mix could be read by neither.
fn check_polymorphic_not_mixed(cx: &Ctxt, e: &PolymorphicEnum<'_>) {
    let tracked = e.tracked();
    for f in e.variants.iter().flat_map(|v| &v.fields) {
        if f.tracked != tracked {
            cx.error_spanned_by(
                f.ty,
                "every variant holds plain values (Core) or every one holds `Obj<...>` (Session), not a mix",
            );
        }
    }
}

/// At most one variant reads the identities no variant names: which one would be ambiguous.
fn check_polymorphic_one_fallback(cx: &Ctxt, e: &PolymorphicEnum<'_>) {
    let mut marked = e.variants.iter().filter_map(|v| v.attrs.fallback.as_ref().map(|f| (v.ident, f)));
    let Some((first, _)) = marked.next() else { return };
    for (_, key) in marked {
        cx.error_spanned_by(key, format!("only one variant can be `polymorphic_fallback`, and `{first}` already is"));
    }
}

/// The fallback reads rows of unknown identities as the base: it holds the base model alone
/// (a joined-table pair would need a subtype row no unknown identity has). That the one
/// model is the base is checked by the compiler (`assert_fallback_is_base`).
fn check_polymorphic_fallback_holds_one_model(cx: &Ctxt, e: &PolymorphicEnum<'_>) {
    for v in &e.variants {
        if let (Some(key), true) = (&v.attrs.fallback, v.fields.len() != 1) {
            cx.error_spanned_by(
                key,
                format!("a `polymorphic_fallback` variant holds the base model alone: `{}(Base)`", v.ident),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// `#[derive(FromRow)]`

/// Run every rule of `#[derive(FromRow)]`.
pub(crate) fn check_from_row(cx: &Ctxt, row: &RowStruct<'_>) {
    check_from_row_not_generic(cx, row);
    check_from_row_labels_differ(cx, row);
}

/// The derive implements `FromRow` for one type; a generic struct would need bounds on its
/// parameters that the derive cannot guess.
fn check_from_row_not_generic(cx: &Ctxt, row: &RowStruct<'_>) {
    if !row.generics.params.is_empty() {
        cx.error_spanned_by(row.generics, "#[derive(FromRow)] does not support generic structs");
    }
}

/// Each field reads the column of its label: two fields with one label would read one column
/// twice, and a select has one column per label.
fn check_from_row_labels_differ(cx: &Ctxt, row: &RowStruct<'_>) {
    for (i, f) in row.fields.iter().enumerate() {
        if let Some(prev) = row.fields[..i].iter().find(|p| p.label == f.label) {
            let at: &dyn quote::ToTokens = match &f.attrs.label {
                Some(lit) => lit,
                None => f.ident,
            };
            cx.error_spanned_by(at, format!("the label `{}` is already read by the field `{}`", f.label, prev.ident));
        }
    }
}
