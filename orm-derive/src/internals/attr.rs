//! Parsing `#[orm(...)]` on the struct and on its fields. Unknown and duplicate keys are
//! errors spanned on the key; parsing goes on so that every error is reported at once.

use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;

use crate::internals::symbol::*;
use crate::internals::Ctxt;

/// A key's value with the span of the key, for errors.
pub(crate) struct Spanned<T> {
    pub(crate) key: syn::Path,
    pub(crate) value: T,
}

/// `#[orm(...)]` on the struct.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) table: Option<syn::LitStr>,
    /// Composite UNIQUE constraints: `unique([name = "...",] a, b)`.
    pub(crate) uniques: Vec<ConstraintArgs>,
    /// Indexes: (`index([name = "...",] a, b)`, unique).
    pub(crate) indexes: Vec<(ConstraintArgs, bool)>,
    /// CHECKs of the struct: (name, SQL), from `check = "SQL"` or `check(name = "...", "SQL")`.
    pub(crate) checks: Vec<(Option<syn::LitStr>, syn::LitStr)>,
    /// Whole-object validators: `validate = path`.
    pub(crate) validate: Vec<syn::Path>,
    /// One validator for several fields: `validates(a, b) = path`.
    pub(crate) validates: Vec<(Vec<syn::Ident>, syn::Path)>,
    /// Hybrid properties: `hybrid(name: Type = expression)`.
    pub(crate) hybrids: Vec<Hybrid>,
    /// The discriminator field of a polymorphic base: `polymorphic_on = field`.
    pub(crate) polymorphic_on: Option<syn::Ident>,
    /// The discriminator value of this model: `polymorphic_identity = "manager"`.
    pub(crate) polymorphic_identity: Option<syn::LitStr>,
    /// The polymorphic base of a subtype: `inherits = Employee`.
    pub(crate) inherits: Option<syn::Path>,
}

/// The parenthesised arguments of `index(...)`, `unique_index(...)`, `unique(...)` and
/// `check(...)`: an optional `name = "..."`, then fields (identifiers) or, for `check`, the
/// SQL condition (a string).
#[derive(Default)]
pub(crate) struct ConstraintArgs {
    /// `name = "..."`.
    pub(crate) name: Option<syn::LitStr>,
    /// The fields named.
    pub(crate) fields: Vec<syn::Ident>,
    /// The strings given (the condition of a `check`).
    pub(crate) sql: Vec<syn::LitStr>,
    /// An entry was neither of these (already reported).
    pub(crate) rejected: bool,
}

/// `hybrid(name: Type = expression)`.
pub(crate) struct Hybrid {
    pub(crate) name: syn::Ident,
    pub(crate) ty: syn::Type,
    pub(crate) expr: syn::Expr,
}

impl syn::parse::Parse for Hybrid {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let name: syn::Ident = input.parse()?;
        let _: syn::Token![:] = input.parse()?;
        let ty: syn::Type = input.parse()?;
        let _: syn::Token![=] = input.parse()?;
        let expr: syn::Expr = input.parse()?;
        Ok(Hybrid { name, ty, expr })
    }
}

/// `#[orm(...)]` on a field.
#[derive(Default)]
pub(crate) struct FieldAttrs {
    pub(crate) primary_key: Option<syn::Path>,
    pub(crate) auto_increment: Option<syn::Path>,
    pub(crate) column: Option<syn::LitStr>,
    pub(crate) max_length: Option<Spanned<u32>>,
    pub(crate) unique: Option<syn::Path>,
    /// `unique(name = "...")`.
    pub(crate) unique_name: Option<syn::LitStr>,
    pub(crate) index: Option<syn::Path>,
    /// `index(name = "...")`.
    pub(crate) index_name: Option<syn::LitStr>,
    /// `check(name = "...", "SQL")`.
    pub(crate) check_name: Option<syn::LitStr>,
    pub(crate) default: Option<syn::Expr>,
    /// `update_default = expr`: written by every UPDATE that does not set the column.
    pub(crate) update_default: Option<syn::Expr>,
    /// `numeric(precision, scale)`.
    pub(crate) numeric: Option<Spanned<(u32, u32)>>,
    /// `validate = path` (several allowed: each runs).
    pub(crate) validate: Vec<syn::Path>,
    pub(crate) server_default: Option<syn::LitStr>,
    pub(crate) check: Option<syn::LitStr>,
    pub(crate) foreign_key: Option<syn::Path>,
    pub(crate) on_delete: Option<Spanned<syn::Ident>>,
    pub(crate) on_update: Option<Spanned<syn::Ident>>,
    /// `version`: the row's version counter (optimistic concurrency).
    pub(crate) version: Option<syn::Path>,
}

fn orm_attrs(attrs: &[syn::Attribute]) -> impl Iterator<Item = &syn::Attribute> {
    attrs.iter().filter(|a| a.path().is_ident(ORM))
}

/// Set an optional slot, reporting a duplicate on the second key.
fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, meta: &ParseNestedMeta<'_>, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(&meta.path, format!("duplicate attribute `{}`", key_name(&meta.path)));
    } else {
        *slot = Some(value);
    }
}

pub(crate) fn path_name(path: &syn::Path) -> String {
    key_name(path)
}

fn key_name(path: &syn::Path) -> String {
    path.get_ident().map(ToString::to_string).unwrap_or_else(|| "?".into())
}

/// Skip whatever follows an unknown key (`= value` or `(...)`), so parsing can continue.
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _content;
        syn::parenthesized!(_content in meta.input);
        let _: proc_macro2::TokenStream = _content.parse()?;
    }
    Ok(())
}

/// Parse `(name = "...", a, b)` / `(name = "...", "SQL")` after `key`; a key other than
/// `name`, a second `name` and a `name` that is not a string are reported (parsing goes on).
fn constraint_args(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<ConstraintArgs> {
    let key = key_name(&meta.path);
    let content;
    syn::parenthesized!(content in meta.input);
    let mut out = ConstraintArgs::default();
    while !content.is_empty() {
        if content.peek(syn::Ident) && content.peek2(syn::Token![=]) {
            let k: syn::Ident = content.parse()?;
            let _: syn::Token![=] = content.parse()?;
            let value: syn::Expr = content.parse()?;
            if k != NAME {
                cx.error_spanned_by(&k, format!("unknown key `{k}` in `{key}(...)`, expected `name`"));
            } else if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) = value {
                if out.name.is_some() {
                    cx.error_spanned_by(&k, format!("duplicate `name` in `{key}(...)`"));
                } else {
                    out.name = Some(lit);
                }
            } else {
                cx.error_spanned_by(&value, format!("`name` takes the {key}'s name as a string: `name = \"...\"`"));
            }
        } else {
            match content.parse::<syn::Expr>()? {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) => out.sql.push(lit),
                syn::Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                    out.fields.extend(p.path.get_ident().cloned());
                }
                other => {
                    out.rejected = true;
                    if key == CHECK {
                        cx.error_spanned_by(
                            &other,
                            "the condition of `check(...)` is SQL in a string: `check(name = \"...\", \"age >= 0\")`",
                        );
                    } else {
                        cx.error_spanned_by(&other, format!("`{key}(...)` takes field names and `name = \"...\"`"));
                    }
                }
            }
        }
        if content.is_empty() {
            break;
        }
        let _: syn::Token![,] = content.parse()?;
    }
    Ok(out)
}

/// `index(...)` / `unique(...)` of the struct: fields, no strings.
fn field_list_args(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<ConstraintArgs> {
    let args = constraint_args(cx, meta)?;
    for lit in &args.sql {
        cx.error_spanned_by(
            lit,
            format!(
                "`{}(...)` names fields, not strings: `{}(name = \"...\", field_a, field_b)`",
                key_name(&meta.path),
                key_name(&meta.path)
            ),
        );
    }
    Ok(args)
}

/// `check = "SQL"` or `check(name = "...", "SQL")`.
fn check_args(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<(Option<syn::LitStr>, Option<syn::LitStr>)> {
    if !meta.input.peek(syn::token::Paren) {
        return Ok((None, Some(meta.value()?.parse()?)));
    }
    let args = constraint_args(cx, meta)?;
    for f in &args.fields {
        cx.error_spanned_by(
            f,
            "the condition of `check(...)` is SQL in a string: `check(name = \"...\", \"age >= 0\")`",
        );
    }
    if args.sql.len() != 1 && args.fields.is_empty() && !args.rejected {
        cx.error_spanned_by(
            &meta.path,
            "`check(...)` takes one condition, as a string: `check(name = \"ck_positive\", \"age >= 0\")`",
        );
    }
    Ok((args.name, args.sql.into_iter().next()))
}

fn ident_list(meta: &ParseNestedMeta<'_>) -> syn::Result<Vec<syn::Ident>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let list = Punctuated::<syn::Ident, syn::Token![,]>::parse_terminated(&content)?;
    Ok(list.into_iter().collect())
}

/// Parse the struct's attributes.
pub(crate) fn container_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs::default();
    for attr in orm_attrs(attrs) {
        let r = attr.parse_nested_meta(|meta| {
            let name = key_name(&meta.path);
            match name.as_str() {
                TABLE => {
                    let v: syn::LitStr = meta.value()?.parse()?;
                    if v.value().is_empty() {
                        cx.error_spanned_by(&v, "the table name cannot be empty");
                    }
                    set_once(cx, &mut out.table, &meta, v);
                }
                UNIQUE => out.uniques.push(field_list_args(cx, &meta)?),
                INDEX => out.indexes.push((field_list_args(cx, &meta)?, false)),
                UNIQUE_INDEX => out.indexes.push((field_list_args(cx, &meta)?, true)),
                CHECK => {
                    if let (name, Some(sql)) = check_args(cx, &meta)? {
                        out.checks.push((name, sql));
                    }
                }
                VALIDATE => out.validate.push(meta.value()?.parse()?),
                POLYMORPHIC_ON => {
                    let v: syn::Ident = meta.value()?.parse()?;
                    set_once(cx, &mut out.polymorphic_on, &meta, v);
                }
                POLYMORPHIC_IDENTITY => {
                    let v: syn::LitStr = meta.value()?.parse()?;
                    if v.value().is_empty() {
                        cx.error_spanned_by(&v, "the polymorphic identity cannot be empty");
                    }
                    set_once(cx, &mut out.polymorphic_identity, &meta, v);
                }
                INHERITS => {
                    let v: syn::Path = meta.value()?.parse()?;
                    set_once(cx, &mut out.inherits, &meta, v);
                }
                HYBRID => {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    out.hybrids.push(content.parse()?);
                }
                VALIDATES => {
                    let fields = ident_list(&meta)?;
                    if fields.is_empty() {
                        cx.error_spanned_by(
                            &meta.path,
                            "`validates` names the fields it checks: `validates(a, b) = path`",
                        );
                    }
                    let path: syn::Path = meta.value()?.parse()?;
                    out.validates.push((fields, path));
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

/// Parse one field's attributes.
pub(crate) fn field_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs::default();
    for attr in orm_attrs(attrs) {
        let r = attr.parse_nested_meta(|meta| {
            let name = key_name(&meta.path);
            let path = meta.path.clone();
            match name.as_str() {
                PRIMARY_KEY => set_once(cx, &mut out.primary_key, &meta, path),
                AUTO_INCREMENT => set_once(cx, &mut out.auto_increment, &meta, path),
                UNIQUE | INDEX => {
                    let given = if meta.input.peek(syn::token::Paren) {
                        let args = constraint_args(cx, &meta)?;
                        if let Some(extra) = args.fields.first() {
                            cx.error_spanned_by(
                                extra,
                                format!("`{name}(...)` on a field takes only `name = \"...\"`: its column is the field's"),
                            );
                        }
                        if let Some(extra) = args.sql.first() {
                            cx.error_spanned_by(extra, format!("`{name}(...)` on a field takes only `name = \"...\"`"));
                        }
                        args.name
                    } else {
                        None
                    };
                    let (slot, name_slot) = if name == UNIQUE {
                        (&mut out.unique, &mut out.unique_name)
                    } else {
                        (&mut out.index, &mut out.index_name)
                    };
                    if slot.is_none() {
                        *name_slot = given;
                    }
                    set_once(cx, slot, &meta, path);
                }
                VERSION => set_once(cx, &mut out.version, &meta, path),
                COLUMN => {
                    let v: syn::LitStr = meta.value()?.parse()?;
                    if v.value().is_empty() {
                        cx.error_spanned_by(&v, "the column name cannot be empty");
                    }
                    set_once(cx, &mut out.column, &meta, v);
                }
                MAX_LENGTH => {
                    let lit: syn::LitInt = meta.value()?.parse()?;
                    match lit.base10_parse::<u32>() {
                        Ok(n) if n > 0 => set_once(cx, &mut out.max_length, &meta, Spanned { key: path, value: n }),
                        _ => cx.error_spanned_by(&lit, "`max_length` must be a positive integer"),
                    }
                }
                DEFAULT => {
                    let v: syn::Expr = meta.value()?.parse()?;
                    set_once(cx, &mut out.default, &meta, v);
                }
                UPDATE_DEFAULT => {
                    let v: syn::Expr = meta.value()?.parse()?;
                    set_once(cx, &mut out.update_default, &meta, v);
                }
                ONUPDATE => {
                    cx.error_spanned_by(&meta.path, ONUPDATE_HINT);
                    skip_value(&meta)?;
                }
                NUMERIC => {
                    let content;
                    syn::parenthesized!(content in meta.input);
                    let list = Punctuated::<syn::LitInt, syn::Token![,]>::parse_terminated(&content)?;
                    let nums: Vec<Option<u32>> = list.iter().map(|l| l.base10_parse::<u32>().ok()).collect();
                    match nums.as_slice() {
                        [Some(p), Some(s)] if *p >= 1 && *p <= 1000 && s <= p => {
                            set_once(cx, &mut out.numeric, &meta, Spanned { key: path, value: (*p, *s) })
                        }
                        _ => cx.error_spanned_by(
                            &meta.path,
                            "`numeric` takes a precision and a scale: `numeric(10, 2)` (1 ≤ precision ≤ 1000, scale ≤ precision)",
                        ),
                    }
                }
                VALIDATE => {
                    let v: syn::Path = meta.value()?.parse()?;
                    out.validate.push(v);
                }
                SERVER_DEFAULT => {
                    let v: syn::LitStr = meta.value()?.parse()?;
                    set_once(cx, &mut out.server_default, &meta, v);
                }
                CHECK => {
                    let (given, sql) = check_args(cx, &meta)?;
                    if let Some(v) = sql {
                        if out.check.is_none() {
                            out.check_name = given;
                        }
                        set_once(cx, &mut out.check, &meta, v);
                    }
                }
                FOREIGN_KEY => {
                    let v: syn::Path = meta.value()?.parse()?;
                    if v.segments.len() < 2 {
                        cx.error_spanned_by(&v, "`foreign_key` names a column as `Model::field`");
                    }
                    set_once(cx, &mut out.foreign_key, &meta, v);
                }
                ON_DELETE | ON_UPDATE => {
                    let v: syn::Ident = meta.value()?.parse()?;
                    if !ACTIONS.contains(&v.to_string().as_str()) {
                        let msg = match suggest(&v.to_string(), ACTIONS) {
                            Some(s) => format!("unknown referential action `{v}`; did you mean `{s}`?"),
                            None => format!(
                                "unknown referential action `{v}`, expected one of {}",
                                ACTIONS.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                            ),
                        };
                        cx.error_spanned_by(&v, msg);
                    }
                    let slot = if name == ON_DELETE { &mut out.on_delete } else { &mut out.on_update };
                    set_once(cx, slot, &meta, Spanned { key: path, value: v });
                }
                _ => {
                    cx.error_spanned_by(&meta.path, unknown_key_message(&name, FIELD_KEYS));
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

/// `#[relationship(...)]` on a `HasMany<T>` / `BelongsTo<T>` field.
#[derive(Default)]
pub(crate) struct RelationAttrs {
    /// The foreign key column, as `Model::field`, when it cannot be inferred.
    pub(crate) foreign_key: Option<syn::Path>,
    /// Children taken out of the collection are deleted.
    pub(crate) delete_orphan: Option<syn::Path>,
    /// The relationship on the other model that is the other side of this one.
    pub(crate) back_populates: Option<syn::Ident>,
    /// The default loading strategy.
    pub(crate) lazy: Option<syn::Ident>,
    /// Deleting the parent deletes the children.
    pub(crate) cascade_delete: Option<syn::Path>,
    /// The association model of a many-to-many relationship.
    pub(crate) secondary: Option<syn::Path>,
}

/// Parse a field's `#[relationship(...)]` attributes; `None` when it has none.
pub(crate) fn relation_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> Option<RelationAttrs> {
    let mut found = false;
    let mut out = RelationAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident(RELATIONSHIP)) {
        found = true;
        if matches!(attr.meta, syn::Meta::Path(_)) {
            continue;
        }
        let r = attr.parse_nested_meta(|meta| {
            let name = key_name(&meta.path);
            match name.as_str() {
                FOREIGN_KEY => {
                    let v: syn::Path = meta.value()?.parse()?;
                    if v.segments.len() < 2 {
                        cx.error_spanned_by(&v, "`foreign_key` names a column as `Model::field`");
                    }
                    set_once(cx, &mut out.foreign_key, &meta, v);
                }
                LAZY => {
                    let v: syn::Ident = meta.value()?.parse()?;
                    if !LAZY_STRATEGIES.contains(&v.to_string().as_str()) {
                        let msg = match suggest(&v.to_string(), LAZY_STRATEGIES) {
                            Some(s) => format!("unknown loading strategy `{v}`; did you mean `{s}`?"),
                            None => format!(
                                "unknown loading strategy `{v}`, expected one of {}",
                                LAZY_STRATEGIES.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                            ),
                        };
                        cx.error_spanned_by(&v, msg);
                    }
                    set_once(cx, &mut out.lazy, &meta, v);
                }
                BACK_POPULATES => {
                    let v: syn::Ident = meta.value()?.parse()?;
                    set_once(cx, &mut out.back_populates, &meta, v);
                }
                SECONDARY => {
                    let v: syn::Path = meta.value()?.parse()?;
                    set_once(cx, &mut out.secondary, &meta, v);
                }
                CASCADE_DELETE => {
                    let path = meta.path.clone();
                    set_once(cx, &mut out.cascade_delete, &meta, path);
                }
                DELETE_ORPHAN => {
                    let path = meta.path.clone();
                    set_once(cx, &mut out.delete_orphan, &meta, path);
                }
                _ => {
                    cx.error_spanned_by(&meta.path, unknown_key_message(&name, RELATIONSHIP_KEYS));
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
    found.then_some(out)
}

/// `#[sql_enum(...)]` anywhere among `attrs`: the old spelling of `#[orm(...)]` on a
/// `#[derive(SqlEnum)]` enum and its variants, an error spanned on it that shows the new one.
pub(crate) fn retired_sql_enum_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) {
    for attr in attrs.iter().filter(|a| a.path().is_ident(SQL_ENUM)) {
        let new = match &attr.meta {
            syn::Meta::List(list) => format!("#[{ORM}({})]", list.tokens),
            _ => format!("#[{ORM}(...)]"),
        };
        cx.error_spanned_by(
            attr,
            format!("`#[{SQL_ENUM}(...)]` is now `#[{ORM}(...)]`, with the same keys: write `{new}`"),
        );
    }
}

/// How a `#[derive(SqlEnum)]` enum is stored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Storage {
    /// `TEXT`: a name per variant.
    Text,
    /// `INTEGER`: the discriminant.
    Integer,
}

/// `#[orm(...)]` on a `#[derive(SqlEnum)]` enum.
#[derive(Default)]
pub(crate) struct SqlEnumAttrs {
    /// `text` / `integer`, in the order written, each key once (two different ones are a
    /// conflict, reported by the checks).
    pub(crate) storage: Vec<(Storage, syn::Path)>,
    /// `rename_all = "case"`.
    pub(crate) rename_all: Option<Spanned<syn::LitStr>>,
}

impl SqlEnumAttrs {
    /// How the enum is stored: as its first `text` / `integer` key says, TEXT by default.
    pub(crate) fn storage(&self) -> Storage {
        self.storage.first().map_or(Storage::Text, |(s, _)| *s)
    }
}

/// Walk the keys of every `#[orm(...)]` in `attrs`: `key` handles one and says whether it knew
/// it; an unknown key is an error on it listing `expected`, and its value is skipped. Errors
/// of the attribute's syntax are collected in `cx`.
fn each_orm_key(
    cx: &Ctxt,
    attrs: &[syn::Attribute],
    expected: &[&str],
    mut key: impl FnMut(&str, &ParseNestedMeta<'_>) -> syn::Result<bool>,
) {
    for attr in orm_attrs(attrs) {
        let r = attr.parse_nested_meta(|meta| {
            let name = key_name(&meta.path);
            if !key(&name, &meta)? {
                cx.error_spanned_by(&meta.path, unknown_key_message(&name, expected));
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = r {
            cx.syn_error(e);
        }
    }
}

/// Parse the `#[orm(...)]` attributes of a `#[derive(SqlEnum)]` enum.
pub(crate) fn sql_enum_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> SqlEnumAttrs {
    let mut out = SqlEnumAttrs::default();
    each_orm_key(cx, attrs, SQL_ENUM_KEYS, |name, meta| {
        match name {
            TEXT | INTEGER => {
                let storage = if name == TEXT { Storage::Text } else { Storage::Integer };
                if out.storage.iter().any(|(s, _)| *s == storage) {
                    cx.error_spanned_by(&meta.path, format!("duplicate attribute `{name}`"));
                } else {
                    out.storage.push((storage, meta.path.clone()));
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
                let path = meta.path.clone();
                set_once(cx, &mut out.rename_all, meta, Spanned { key: path, value });
            }
            _ => return Ok(false),
        }
        Ok(true)
    });
    out
}

/// `#[orm(...)]` on a variant of a `#[derive(SqlEnum)]` enum.
#[derive(Default)]
pub(crate) struct SqlEnumVariantAttrs {
    /// `rename = "..."`: the variant's stored name.
    pub(crate) rename: Option<Spanned<syn::LitStr>>,
}

/// Parse the `#[orm(...)]` attributes of a `#[derive(SqlEnum)]` variant.
pub(crate) fn sql_enum_variant_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> SqlEnumVariantAttrs {
    let mut out = SqlEnumVariantAttrs::default();
    each_orm_key(cx, attrs, SQL_ENUM_VARIANT_KEYS, |name, meta| {
        if name != RENAME {
            return Ok(false);
        }
        let value: syn::LitStr = meta.value()?.parse()?;
        if value.value().is_empty() {
            cx.error_spanned_by(&value, "the stored name cannot be empty");
        }
        let path = meta.path.clone();
        set_once(cx, &mut out.rename, meta, Spanned { key: path, value });
        Ok(true)
    });
    out
}

/// `#[orm(...)]` on a `#[derive(Polymorphic)]` enum.
#[derive(Default)]
pub(crate) struct PolymorphicAttrs {
    /// `base = Model`: the polymorphic base every variant inherits from.
    pub(crate) base: Option<syn::Path>,
}

/// Parse the `#[orm(...)]` attributes of a `#[derive(Polymorphic)]` enum.
pub(crate) fn polymorphic_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> PolymorphicAttrs {
    let mut out = PolymorphicAttrs::default();
    each_orm_key(cx, attrs, POLYMORPHIC_ENUM_KEYS, |name, meta| {
        if name != BASE {
            return Ok(false);
        }
        let path: syn::Path = meta.value()?.parse()?;
        set_once(cx, &mut out.base, meta, path);
        Ok(true)
    });
    out
}

/// `#[orm(...)]` on a variant of a `#[derive(Polymorphic)]` enum.
#[derive(Default)]
pub(crate) struct PolymorphicVariantAttrs {
    /// `polymorphic_fallback`: the variant reads the rows of identities no variant names.
    pub(crate) fallback: Option<syn::Path>,
}

/// Parse the `#[orm(...)]` attributes of a `#[derive(Polymorphic)]` variant.
pub(crate) fn polymorphic_variant_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> PolymorphicVariantAttrs {
    let mut out = PolymorphicVariantAttrs::default();
    each_orm_key(cx, attrs, POLYMORPHIC_VARIANT_KEYS, |name, meta| {
        if name != POLYMORPHIC_FALLBACK {
            return Ok(false);
        }
        let path = meta.path.clone();
        set_once(cx, &mut out.fallback, meta, path);
        Ok(true)
    });
    out
}

/// `#[orm(...)]` on a field of a `#[derive(FromRow)]` struct.
#[derive(Default)]
pub(crate) struct FromRowFieldAttrs {
    /// `label = "..."`: the label the field reads.
    pub(crate) label: Option<syn::LitStr>,
}

/// Parse the `#[orm(...)]` attributes of a `#[derive(FromRow)]` field.
pub(crate) fn from_row_field_attrs(cx: &Ctxt, attrs: &[syn::Attribute]) -> FromRowFieldAttrs {
    let mut out = FromRowFieldAttrs::default();
    each_orm_key(cx, attrs, FROM_ROW_FIELD_KEYS, |name, meta| {
        if name != LABEL {
            return Ok(false);
        }
        let lit: syn::LitStr = meta.value()?.parse()?;
        if lit.value().is_empty() {
            cx.error_spanned_by(&lit, "a label cannot be empty");
        }
        set_once(cx, &mut out.label, meta, lit);
        Ok(true)
    });
    out
}
