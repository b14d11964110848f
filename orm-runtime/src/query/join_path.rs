//! Joins without an ON clause: the condition follows the one foreign key linking the joined
//! model to the models already in the query (`select(..).join::<Post>()`).

use crate::expr::selection::NoFrom;
use crate::expr::statement::UnresolvedJoin;
use crate::expr::{BinOp, Correlated, Joined, Node, Outer};
use crate::model::Model;
use crate::schema::{ColumnDef, TableDef};

/// The models of a type-level FROM clause whose foreign keys a join without an ON clause
/// may follow: the FROM model and every joined model (not aliases or derived tables, whose
/// condition is always written out).
pub trait FromModels {
    /// Append the tables.
    fn push_models(out: &mut Vec<&'static TableDef>);
}

impl<M: Model> FromModels for M {
    fn push_models(out: &mut Vec<&'static TableDef>) {
        out.push(M::table());
    }
}

impl FromModels for NoFrom {
    fn push_models(_: &mut Vec<&'static TableDef>) {}
}

impl<L: FromModels, R: FromModels> FromModels for Joined<L, R> {
    fn push_models(out: &mut Vec<&'static TableDef>) {
        L::push_models(out);
        R::push_models(out);
    }
}

impl<N: FromModels> FromModels for Outer<N> {
    fn push_models(out: &mut Vec<&'static TableDef>) {
        N::push_models(out);
    }
}

impl<F: FromModels, O> FromModels for Correlated<F, O> {
    fn push_models(out: &mut Vec<&'static TableDef>) {
        F::push_models(out);
    }
}

impl<M, const N: u8> FromModels for crate::expr::Alias<M, N> {
    fn push_models(_: &mut Vec<&'static TableDef>) {}
}

/// `fk = referenced column`: the ON condition of a join along foreign key `fk`.
pub(crate) fn fk_eq(fk: &'static ColumnDef, target: &'static ColumnDef) -> Node {
    fk_eq_aliased(fk, None, target, None)
}

/// [`fk_eq`], each side under its table's name or under an alias of it.
pub(crate) fn fk_eq_aliased(
    fk: &'static ColumnDef,
    fk_alias: Option<u8>,
    target: &'static ColumnDef,
    target_alias: Option<u8>,
) -> Node {
    let side = |c: &'static ColumnDef, alias: Option<u8>| match alias {
        Some(alias) => Node::AliasColumn { table: c.table, alias, name: c.name },
        None => Node::Column { table: c.table, name: c.name },
    };
    Node::binary(BinOp::Eq, side(fk, fk_alias), side(target, target_alias))
}

/// The ON condition joining `target` to `from`: the one foreign key from `target` to one of
/// `from`'s tables or from one of them to `target`. No path, or several, is an
/// [`UnresolvedJoin`] (reported when the statement is rendered).
pub(crate) fn infer_on(
    from: &[&'static TableDef],
    target: &'static TableDef,
    index: usize,
) -> Result<Node, UnresolvedJoin> {
    let mut paths: Vec<(&ColumnDef, &ColumnDef)> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for table in from {
        if table.name == target.name || seen.contains(&table.name) {
            continue;
        }
        seen.push(table.name);
        let child = target.columns.iter().map(|c| (c, table.name));
        let parent = table.columns.iter().map(|c| (c, target.name));
        for (col, references) in child.chain(parent) {
            if let Some(fk) = col.foreign_key {
                let referenced = (fk.target)();
                if referenced.table == references {
                    paths.push((col, referenced));
                }
            }
        }
    }
    match paths.as_slice() {
        [(fk, referenced)] => Ok(fk_eq(fk, referenced)),
        _ => Err(UnresolvedJoin { index, target: target.name, from: seen, paths: paths.len() }),
    }
}
