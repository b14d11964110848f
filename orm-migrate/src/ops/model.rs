//! A model's table as a [`TableSpec`] and its indexes as [`IndexSpec`]s (the names the
//! models leave open given by a naming convention, as `create_all_with` gives them), and a
//! reflected table as the spec that recreates it.

use orm_runtime::schema::{NamingConvention, TableDef};
use orm_runtime::Result;

use super::spec::{
    CheckSpec, ColumnSpec, ColumnType, ForeignKeySpec, IndexSpec, PrimaryKeySpec, TableSpec, UniqueSpec,
};
use crate::reflect;

impl TableSpec {
    /// The table `create_all_with(.., naming)` creates for the model `table`, with the
    /// columns of its single-table inheritance subtypes (those the program links in) after
    /// its own, as `create_all` adds them.
    pub fn of_model(table: &TableDef, naming: &NamingConvention) -> Result<TableSpec> {
        let generated_key = table.primary_key.len() == 1 && table.columns[table.primary_key[0]].auto_increment;
        let mut spec = TableSpec::new(table.name);
        let mut columns: Vec<&'static orm_runtime::schema::ColumnDef> = table.columns.iter().collect();
        for sub in table.single_table_subtypes() {
            for c in sub.columns {
                if !columns.iter().any(|k| k.name == c.name) {
                    columns.push(c);
                }
            }
        }
        for c in columns {
            spec.columns.push(ColumnSpec {
                name: c.name.to_owned(),
                column_type: ColumnType::Neutral { kind: c.kind, max_length: c.max_length, numeric: c.numeric },
                nullable: c.nullable,
                default: c.server_default.map(str::to_owned),
                auto_increment: c.auto_increment,
            });
            if c.unique {
                spec.uniques
                    .push(UniqueSpec { name: Some(naming.column_unique_name(c)?), columns: vec![c.name.to_owned()] });
            }
            if let Some(check) = c.check {
                spec.checks.push(CheckSpec { name: Some(naming.column_check_name(c)?), sql: check.to_owned() });
            }
            if let Some(fk) = c.foreign_key {
                let target = (fk.target)();
                spec.foreign_keys.push(ForeignKeySpec {
                    name: Some(naming.foreign_key_name(c, target)?),
                    columns: vec![c.name.to_owned()],
                    referred_table: target.table.to_owned(),
                    referred_columns: vec![target.name.to_owned()],
                    on_delete: fk.on_delete,
                    on_update: fk.on_update,
                });
            }
        }
        if !generated_key && !table.primary_key.is_empty() {
            spec.primary_key = Some(PrimaryKeySpec {
                name: Some(naming.primary_key_name(table)?),
                columns: table.primary_key_columns().map(|c| c.name.to_owned()).collect(),
            });
        }
        for uq in table.unique_constraints {
            spec.uniques.push(UniqueSpec {
                name: Some(naming.unique_name(table, uq)?),
                columns: uq.columns.iter().map(|c| (*c).to_owned()).collect(),
            });
        }
        for (i, ck) in table.checks.iter().enumerate() {
            spec.checks.push(CheckSpec { name: Some(naming.check_name(table, i, ck)?), sql: ck.sql.to_owned() });
        }
        Ok(spec)
    }

    /// The table as reflected, with its types as the database names them (what a SQLite
    /// table rebuild creates again).
    pub fn of_reflected(table: &reflect::Table) -> TableSpec {
        let generated = table.columns.iter().filter(|c| c.auto_increment).count() == 1;
        let key_name = table.primary_key.as_ref().and_then(|pk| pk.name.clone());
        TableSpec {
            name: table.name.clone(),
            columns: table
                .columns
                .iter()
                .map(|c| ColumnSpec {
                    name: c.name.clone(),
                    column_type: ColumnType::Sql(c.data_type.clone()),
                    nullable: c.nullable,
                    default: c.default.clone(),
                    auto_increment: c.auto_increment,
                })
                .collect(),
            // A generated key without a name of its own is written with its column.
            primary_key: table
                .primary_key
                .as_ref()
                .filter(|_| !generated || key_name.is_some())
                .map(|pk| PrimaryKeySpec { name: pk.name.clone(), columns: pk.columns.clone() }),
            foreign_keys: table
                .foreign_keys
                .iter()
                .map(|fk| ForeignKeySpec {
                    name: fk.name.clone(),
                    columns: fk.columns.clone(),
                    referred_table: fk.referred_table.clone(),
                    referred_columns: fk.referred_columns.clone(),
                    on_delete: fk.on_delete,
                    on_update: fk.on_update,
                })
                .collect(),
            uniques: table
                .unique_constraints
                .iter()
                .map(|u| UniqueSpec { name: u.name.clone(), columns: u.columns.clone() })
                .collect(),
            checks: table
                .check_constraints
                .iter()
                .map(|c| CheckSpec { name: c.name.clone(), sql: c.sql.clone() })
                .collect(),
        }
    }
}

impl IndexSpec {
    /// The indexes `create_all_with(.., naming)` creates for the model `table` (and for its
    /// single-table inheritance subtypes, on its table).
    pub fn of_model(table: &TableDef, naming: &NamingConvention) -> Result<Vec<IndexSpec>> {
        let subtypes: Vec<&TableDef> = table.single_table_subtypes().collect();
        std::iter::once(table)
            .chain(subtypes)
            .flat_map(|t| t.indexes.iter().map(move |ix| (t, ix)))
            .map(|(t, ix)| {
                Ok(IndexSpec {
                    name: naming.index_name(t, ix)?,
                    columns: ix.columns.iter().map(|c| (*c).to_owned()).collect(),
                    unique: ix.unique,
                    predicate: None,
                })
            })
            .collect()
    }
}
