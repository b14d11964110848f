//! [`NamingConvention`]: how indexes and constraints are named when the model does not name
//! them (SQLAlchemy's `MetaData(naming_convention=...)`).
//!
//! Names are worked out from the table metadata alone, so the same model and convention
//! always give the same names: DDL (`Engine::create_all_with`) and, later, migrations (which
//! must find a constraint by name to drop or alter it) share these functions.

use std::borrow::Cow;

use crate::error::{Error, Result};
use crate::schema::{CheckDef, ColumnDef, IndexDef, TableDef, UniqueDef};

/// The kind of a named schema object; each has its own template in a [`NamingConvention`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConstraintKind {
    /// An index (`index`, `index(a, b)`): key `ix`.
    Index,
    /// A unique index (`unique_index(a, b)`): key `ux`.
    UniqueIndex,
    /// A UNIQUE constraint (`unique`, `unique(a, b)`): key `uq`.
    Unique,
    /// A CHECK constraint (`check = "..."` on a field or the struct): key `ck`.
    Check,
    /// A FOREIGN KEY constraint: key `fk`.
    ForeignKey,
    /// A composite PRIMARY KEY constraint: key `pk`.
    PrimaryKey,
}

impl ConstraintKind {
    /// The convention's key for this kind, as SQLAlchemy spells it (`ix`, `uq`, `ck`, `fk`,
    /// `pk`; `ux` for unique indexes).
    pub fn key(self) -> &'static str {
        match self {
            ConstraintKind::Index => "ix",
            ConstraintKind::UniqueIndex => "ux",
            ConstraintKind::Unique => "uq",
            ConstraintKind::Check => "ck",
            ConstraintKind::ForeignKey => "fk",
            ConstraintKind::PrimaryKey => "pk",
        }
    }
}

/// Templates naming the indexes and constraints a model does not name itself.
///
/// A template is text with placeholders:
///
/// | placeholder | value |
/// |---|---|
/// | `{table}` | the table's name |
/// | `{column_0}` | the first column's name |
/// | `{columns}` | every column's name, joined with `_` |
/// | `{constraint}` | the constraint's own part of its default name: its columns joined with `_`; for a CHECK on a column, the column; for the n-th CHECK of the struct, `n` |
/// | `{referred_table}` | (`fk` only) the referenced table |
/// | `{referred_column_0}` | (`fk` only) the referenced column |
///
/// The default convention gives the names the ORM has always used:
/// `ix_{table}_{columns}`, `ux_{table}_{columns}`, `uq_{table}_{columns}`,
/// `ck_{table}_{constraint}`, `fk_{table}_{columns}` and `pk_{table}`. A name given in the
/// model (`#[orm(index(name = "ix_recent", status, created_at))]`) always wins over the
/// convention. An unknown placeholder, or one the kind has no value for (`{column_0}` for a
/// CHECK of the struct, which names no column), is [`Error::InvalidNamingConvention`] when a
/// name is worked out; a name longer than the dialect allows (63 bytes on PostgreSQL) is
/// [`Error::InvalidIdentifier`] when the DDL is rendered.
///
/// ```
/// use orm_runtime::schema::NamingConvention;
/// let naming = NamingConvention::new()
///     .index("idx_{table}_{columns}")
///     .foreign_key("fk_{table}_{column_0}_{referred_table}");
/// assert_eq!(naming.template(orm_runtime::schema::ConstraintKind::PrimaryKey), "pk_{table}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingConvention {
    ix: Cow<'static, str>,
    ux: Cow<'static, str>,
    uq: Cow<'static, str>,
    ck: Cow<'static, str>,
    fk: Cow<'static, str>,
    pk: Cow<'static, str>,
}

impl Default for NamingConvention {
    fn default() -> Self {
        NamingConvention {
            ix: Cow::Borrowed("ix_{table}_{columns}"),
            ux: Cow::Borrowed("ux_{table}_{columns}"),
            uq: Cow::Borrowed("uq_{table}_{columns}"),
            ck: Cow::Borrowed("ck_{table}_{constraint}"),
            fk: Cow::Borrowed("fk_{table}_{columns}"),
            pk: Cow::Borrowed("pk_{table}"),
        }
    }
}

/// What a template's placeholders stand for, for one constraint.
struct Parts<'a> {
    table: &'a str,
    columns: &'a [&'a str],
    constraint: Cow<'a, str>,
    referred: Option<(&'a str, &'a str)>,
}

impl NamingConvention {
    /// The default convention (the names used when none is given).
    pub fn new() -> Self {
        Self::default()
    }

    /// The template of indexes (`ix`).
    pub fn index(mut self, template: impl Into<Cow<'static, str>>) -> Self {
        self.ix = template.into();
        self
    }

    /// The template of unique indexes (`ux`).
    pub fn unique_index(mut self, template: impl Into<Cow<'static, str>>) -> Self {
        self.ux = template.into();
        self
    }

    /// The template of UNIQUE constraints (`uq`).
    pub fn unique(mut self, template: impl Into<Cow<'static, str>>) -> Self {
        self.uq = template.into();
        self
    }

    /// The template of CHECK constraints (`ck`).
    pub fn check(mut self, template: impl Into<Cow<'static, str>>) -> Self {
        self.ck = template.into();
        self
    }

    /// The template of FOREIGN KEY constraints (`fk`).
    pub fn foreign_key(mut self, template: impl Into<Cow<'static, str>>) -> Self {
        self.fk = template.into();
        self
    }

    /// The template of composite PRIMARY KEY constraints (`pk`).
    pub fn primary_key(mut self, template: impl Into<Cow<'static, str>>) -> Self {
        self.pk = template.into();
        self
    }

    /// The template of `kind`.
    pub fn template(&self, kind: ConstraintKind) -> &str {
        match kind {
            ConstraintKind::Index => &self.ix,
            ConstraintKind::UniqueIndex => &self.ux,
            ConstraintKind::Unique => &self.uq,
            ConstraintKind::Check => &self.ck,
            ConstraintKind::ForeignKey => &self.fk,
            ConstraintKind::PrimaryKey => &self.pk,
        }
    }

    /// The name of index `ix` of `table`: its own, or the `ix` / `ux` template's.
    pub fn index_name(&self, table: &TableDef, ix: &IndexDef) -> Result<String> {
        if let Some(name) = ix.name {
            return Ok(name.to_owned());
        }
        let kind = if ix.unique { ConstraintKind::UniqueIndex } else { ConstraintKind::Index };
        self.apply(kind, &Parts::of_columns(table.name, ix.columns))
    }

    /// The name of the composite UNIQUE constraint `uq` of `table`.
    pub fn unique_name(&self, table: &TableDef, uq: &UniqueDef) -> Result<String> {
        if let Some(name) = uq.name {
            return Ok(name.to_owned());
        }
        self.apply(ConstraintKind::Unique, &Parts::of_columns(table.name, uq.columns))
    }

    /// The name of the UNIQUE constraint of a `unique` column.
    pub fn column_unique_name(&self, col: &ColumnDef) -> Result<String> {
        if let Some(name) = col.unique_name {
            return Ok(name.to_owned());
        }
        self.apply(ConstraintKind::Unique, &Parts::of_columns(col.table, &[col.name]))
    }

    /// The name of the CHECK constraint of a column (`check = "..."` on a field).
    pub fn column_check_name(&self, col: &ColumnDef) -> Result<String> {
        if let Some(name) = col.check_name {
            return Ok(name.to_owned());
        }
        self.apply(ConstraintKind::Check, &Parts::of_columns(col.table, &[col.name]))
    }

    /// The name of the `position`-th (from 0) CHECK of the struct `ck`, in `table`.
    pub fn check_name(&self, table: &TableDef, position: usize, ck: &CheckDef) -> Result<String> {
        if let Some(name) = ck.name {
            return Ok(name.to_owned());
        }
        let parts = Parts {
            table: table.name,
            columns: &[],
            constraint: Cow::Owned((position + 1).to_string()),
            referred: None,
        };
        self.apply(ConstraintKind::Check, &parts)
    }

    /// The name of the FOREIGN KEY constraint of column `col` (which has one), or of any column
    /// referencing `target`.
    pub fn foreign_key_name(&self, col: &ColumnDef, target: &ColumnDef) -> Result<String> {
        let mut parts = Parts::of_columns(col.table, std::slice::from_ref(&col.name));
        parts.referred = Some((target.table, target.name));
        self.apply(ConstraintKind::ForeignKey, &parts)
    }

    /// The name of `table`'s PRIMARY KEY constraint.
    pub fn primary_key_name(&self, table: &TableDef) -> Result<String> {
        let columns: Vec<&str> = table.primary_key_columns().map(|c| c.name).collect();
        self.apply(ConstraintKind::PrimaryKey, &Parts::of_columns(table.name, &columns))
    }

    /// Every template checked: only known placeholders, each one the kind has a value for
    /// (see the table above); braces closed.
    pub fn validate(&self) -> Result<()> {
        for kind in [
            ConstraintKind::Index,
            ConstraintKind::UniqueIndex,
            ConstraintKind::Unique,
            ConstraintKind::Check,
            ConstraintKind::ForeignKey,
            ConstraintKind::PrimaryKey,
        ] {
            let referred = (kind == ConstraintKind::ForeignKey).then_some(("t", "c"));
            let parts = Parts { table: "t", columns: &["c"], constraint: Cow::Borrowed("c"), referred };
            self.apply(kind, &parts)?;
        }
        Ok(())
    }

    fn apply(&self, kind: ConstraintKind, parts: &Parts<'_>) -> Result<String> {
        let template = self.template(kind);
        let err =
            |reason: String| Error::InvalidNamingConvention { key: kind.key(), template: template.to_owned(), reason };
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { return Err(err("a `{` is not closed".into())) };
            let name = &after[..close];
            match name {
                "table" => out.push_str(parts.table),
                "columns" if !parts.columns.is_empty() => out.push_str(&parts.columns.join("_")),
                "column_0" if !parts.columns.is_empty() => out.push_str(parts.columns[0]),
                "constraint" => out.push_str(&parts.constraint),
                "referred_table" if parts.referred.is_some() => out.push_str(parts.referred.map_or("", |r| r.0)),
                "referred_column_0" if parts.referred.is_some() => out.push_str(parts.referred.map_or("", |r| r.1)),
                "columns" | "column_0" => {
                    return Err(err(format!("`{{{name}}}` has no value here: a CHECK of the struct names no column")))
                }
                "referred_table" | "referred_column_0" => {
                    return Err(err(format!("`{{{name}}}` has a value in foreign key names (`fk`) only")))
                }
                other => {
                    return Err(err(format!(
                        "unknown placeholder `{{{other}}}`; expected `{{table}}`, `{{column_0}}`, `{{columns}}`, `{{constraint}}`, `{{referred_table}}` or `{{referred_column_0}}`"
                    )))
                }
            }
            rest = &after[close + 1..];
        }
        if rest.contains('}') {
            return Err(err("a `}` was not opened".into()));
        }
        out.push_str(rest);
        if out.is_empty() {
            return Err(err("the template gives an empty name".into()));
        }
        Ok(out)
    }
}

impl<'a> Parts<'a> {
    fn of_columns(table: &'a str, columns: &'a [&'a str]) -> Parts<'a> {
        Parts { table, columns, constraint: Cow::Owned(columns.join("_")), referred: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_checked() {
        assert!(NamingConvention::new().validate().is_ok());
        let bad = NamingConvention::new().index("ix_{tabel}");
        let err = bad.validate().unwrap_err();
        assert!(matches!(&err, Error::InvalidNamingConvention { key: "ix", .. }), "{err}");
        assert!(err.to_string().contains("{tabel}"), "{err}");
        let bad = NamingConvention::new().unique("uq_{referred_table}");
        assert!(bad.validate().is_err());
        let bad = NamingConvention::new().check("ck_{table");
        assert!(bad.validate().is_err());
        let ok = NamingConvention::new().foreign_key("fk_{table}_{column_0}_{referred_table}_{referred_column_0}");
        assert!(ok.validate().is_ok());
    }
}
