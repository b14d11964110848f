//! What a flush does along relationships: related objects that are new are added to the
//! session (save-update cascade), foreign keys follow the objects they point to (written
//! just before the child is inserted, once the parent has its key), and children taken out
//! of a collection are deleted (delete-orphan) or get a NULL foreign key.

use std::sync::Arc;

use crate::error::{Error, Misuse, Result};
use crate::expr::{BinOp, Node};
use crate::schema::{ColumnDef, TableDef};
use crate::session::tracked::{LinkDirection, Tracked};
use crate::session::ObjectState;
use crate::types::Value;

/// "Set `child`'s foreign key `fk` to `parent`'s referenced column" (or to NULL).
pub(crate) struct FkSync {
    pub(crate) child: Arc<dyn Tracked>,
    pub(crate) fk: usize,
    /// The parent and the position of the column the key references (`None`: NULL).
    pub(crate) parent: Option<(Arc<dyn Tracked>, usize)>,
}

impl FkSync {
    /// Whether the parent is new and not inserted yet (its key is not known).
    pub(crate) fn parent_waiting(&self) -> bool {
        self.parent.as_ref().is_some_and(|(p, _)| p.state_and_session().0 == ObjectState::Pending)
    }

    /// Before the child's insert, with the parent not inserted yet (a cycle): insert the
    /// child with a NULL key and write the key after the inserts; a NOT NULL key cannot.
    pub(crate) fn defer(&self) -> Result<()> {
        let col = &self.child.table().columns[self.fk];
        if !col.nullable {
            return Err(Error::Unsupported {
                feature: "a cycle of new rows through a NOT NULL foreign key (make one key nullable)",
                dialect: "any",
            });
        }
        self.child.set_tracked(self.fk, &Value::Null).map(drop)
    }

    /// Write the foreign key.
    pub(crate) fn apply(&self) -> Result<()> {
        let v = match &self.parent {
            Some((p, col)) => p.value_of(*col),
            None => Value::Null,
        };
        self.child.set_tracked(self.fk, &v).map(drop)
    }
}

/// What the cascade found.
#[derive(Default)]
pub(crate) struct Cascade {
    /// Related objects that were transient: now pending, to insert.
    pub(crate) added: Vec<Arc<dyn Tracked>>,
    /// Foreign keys to write.
    pub(crate) syncs: Vec<FkSync>,
    /// Orphans to delete.
    pub(crate) orphans: Vec<Arc<dyn Tracked>>,
    /// Association rows to write or delete (many-to-many).
    pub(crate) assoc: Vec<AssocOp>,
}

/// Walk the relationships of `roots` (pending and changed objects) and of every object the
/// walk adds.
pub(crate) fn cascade(roots: Vec<Arc<dyn Tracked>>, session: u64) -> Result<Cascade> {
    let mut out = Cascade::default();
    match walk(roots, session, &mut out) {
        Ok(()) => Ok(out),
        Err(e) => {
            // Nothing was added after all.
            for o in &out.added {
                o.set_state(ObjectState::Transient, 0);
            }
            Err(e)
        }
    }
}

fn walk(roots: Vec<Arc<dyn Tracked>>, session: u64, out: &mut Cascade) -> Result<()> {
    // Objects of models without relationship fields link to nothing (objects that link to
    // them are walked on their own side).
    let mut queue: Vec<Arc<dyn Tracked>> = roots.into_iter().filter(|o| o.has_relations()).collect();
    if queue.is_empty() {
        return Ok(());
    }
    let mut seen: crate::session::FastSet<usize> = queue.iter().map(|o| o.addr()).collect();
    let mut removed: Vec<(Arc<dyn Tracked>, &'static crate::schema::ColumnDef, bool)> = Vec::new();
    // Syncs of unchanged links, applied only where no change says otherwise.
    let mut kept: Vec<FkSync> = Vec::new();
    // Reading an object's relationships while this thread writes it would wait forever.
    let guards_held = crate::session::borrows::any();
    while let Some(obj) = queue.pop() {
        if !obj.has_relations() {
            continue;
        }
        if guards_held {
            obj.check_borrow(crate::session::borrows::Borrow::Read, "flushed")?;
        }
        let (now, before) = obj.links();
        // A link of a persistent object that is as it was loaded (or last flushed) is no
        // change: it cannot override a changed link of the other side. (The two sides may
        // disagree when one was changed without its `back_populates` descriptor.)
        let persistent = obj.state_and_session().0 == ObjectState::Persistent;
        let not_written = before.is_none();
        let before = before.unwrap_or_default();
        let unchanged = |link: &crate::session::RelationLink| {
            persistent
                && (not_written
                    || before.iter().any(|x| {
                        x.direction == link.direction
                            && x.fk.index == link.fk.index
                            && x.other.addr() == link.other.addr()
                    }))
        };
        for link in &now {
            let (state, owner) = link.other.state_and_session();
            match state {
                ObjectState::Transient => {
                    link.other.set_state(ObjectState::Pending, session);
                    out.added.push(link.other.clone());
                }
                ObjectState::Pending | ObjectState::Persistent if owner == session => {}
                ObjectState::Deleted => return Err(Misuse::RelatedDeleted { model: link.other.table().model }.into()),
                _ => return Err(Misuse::RelatedOutsideSession { model: link.other.table().model }.into()),
            }
            if seen.insert(link.other.addr()) {
                queue.push(link.other.clone());
            }
            if link.direction == LinkDirection::Association {
                if !before.iter().any(|b| same_association(b, link)) {
                    out.assoc.push(assoc_op(true, &obj, link)?);
                }
                continue;
            }
            let target = match link.fk.foreign_key {
                Some(fk) => (fk.target)().index,
                None => continue,
            };
            let (child, parent) = match link.direction {
                LinkDirection::ToChild => (link.other.clone(), obj.clone()),
                LinkDirection::ToParent | LinkDirection::Association => (obj.clone(), link.other.clone()),
            };
            let sync = FkSync { child, fk: link.fk.index, parent: Some((parent, target)) };
            if unchanged(link) {
                kept.push(sync);
            } else {
                out.syncs.push(sync);
            }
        }
        // Association rows of objects taken out of a many-to-many collection.
        for gone in before.iter().filter(|b| b.direction == LinkDirection::Association) {
            if !now.iter().any(|n| same_association(n, gone)) {
                out.assoc.push(assoc_op(false, &obj, gone)?);
            }
        }
        // Children taken out of a collection since the object was loaded.
        for gone in before.iter().filter(|b| b.direction == LinkDirection::ToChild) {
            if !now.iter().any(|n| n.fk.index == gone.fk.index && n.other.addr() == gone.other.addr()) {
                removed.push((gone.other.clone(), gone.fk, gone.delete_orphan));
            }
        }
    }
    // A child taken out of one collection and put in another just moves.
    let linked: crate::session::FastSet<(usize, usize)> =
        out.syncs.iter().filter(|s| s.parent.is_some()).map(|s| (s.child.addr(), s.fk)).collect();
    for (child, fk, delete_orphan) in removed {
        if linked.contains(&(child.addr(), fk.index)) {
            continue;
        }
        if delete_orphan {
            out.orphans.push(child);
        } else if fk.nullable {
            out.syncs.push(FkSync { child, fk: fk.index, parent: None });
        } else {
            return Err(Misuse::OrphanNotNull { model: child.table().model, table: fk.table, column: fk.name }.into());
        }
    }
    // (Sets, not scans: a flush of thousands of linked objects would otherwise be quadratic.)
    let changed: crate::session::FastSet<(usize, usize)> = out.syncs.iter().map(|s| (s.child.addr(), s.fk)).collect();
    let kept: Vec<FkSync> = kept.into_iter().filter(|k| !changed.contains(&(k.child.addr(), k.fk))).collect();
    out.syncs.extend(kept);
    Ok(())
}

fn same_association(a: &crate::session::RelationLink, b: &crate::session::RelationLink) -> bool {
    a.fk.index == b.fk.index && std::ptr::eq(a.fk, b.fk) && a.other.addr() == b.other.addr()
}

/// The association row linking `owner` and `link.other`.
fn assoc_op(insert: bool, owner: &Arc<dyn Tracked>, link: &crate::session::RelationLink) -> Result<AssocOp> {
    let (table, own) = link.assoc.ok_or_else(|| Error::Internal {
        invariant: "a many-to-many link carries its association table",
        detail: format!("a link to a `{}` without one", link.other.table().model),
    })?;
    let referenced = |c: &'static crate::schema::ColumnDef| {
        c.foreign_key.map(|f| (f.target)().index).ok_or_else(|| Error::Internal {
            invariant: "an association column found through `ForeignKeyTo` has a foreign key",
            detail: format!("`{}.{}` has none", c.table, c.name),
        })
    };
    Ok(AssocOp {
        insert,
        table,
        ends: [(own, owner.clone(), referenced(own)?), (link.fk, link.other.clone(), referenced(link.fk)?)],
    })
}

/// Order one table's new rows so that a row comes after the new rows it refers to.
pub(crate) fn order_within_tables(inserts: &mut [Arc<dyn Tracked>], syncs: &[FkSync]) -> Result<()> {
    use crate::session::{FastMap, FastSet};
    // Only a foreign key between two new rows of one table orders them.
    if syncs.is_empty() {
        return Ok(());
    }
    let mut start = 0;
    while start < inserts.len() {
        let table = inserts[start].table();
        let end = start + inserts[start..].iter().take_while(|o| std::ptr::eq(o.table(), table)).count();
        let group = &mut inserts[start..end];
        start = end;
        let in_group: FastSet<usize> = group.iter().map(|o| o.addr()).collect();
        // parent-of edges inside the group, by child (found in one pass over the syncs)
        let mut deps: FastMap<usize, Vec<usize>> = FastMap::default();
        for s in syncs {
            let child = s.child.addr();
            if let Some((p, _)) = &s.parent {
                let parent = p.addr();
                if parent != child && in_group.contains(&child) && in_group.contains(&parent) {
                    deps.entry(child).or_default().push(parent);
                }
            }
        }
        if deps.is_empty() {
            continue;
        }
        let mut placed: FastSet<usize> = FastSet::default();
        let mut order: Vec<Arc<dyn Tracked>> = Vec::with_capacity(group.len());
        while order.len() < group.len() {
            let before = order.len();
            for o in group.iter() {
                let a = o.addr();
                let ready = deps.get(&a).is_none_or(|ps| ps.iter().all(|p| placed.contains(p)));
                if !placed.contains(&a) && ready {
                    placed.insert(a);
                    order.push(o.clone());
                }
            }
            if order.len() == before {
                // A cycle: break it at the first row left; its foreign key to a row not
                // yet inserted is written after the inserts (a post-update).
                if let Some(o) = group.iter().find(|o| !placed.contains(&o.addr())) {
                    placed.insert(o.addr());
                    order.push(o.clone());
                }
            }
        }
        group.clone_from_slice(&order);
    }
    Ok(())
}

/// One association row to write or delete at flush.
pub(crate) struct AssocOp {
    pub(crate) insert: bool,
    pub(crate) table: &'static TableDef,
    /// (association column, object it refers to, position of the referenced column).
    pub(crate) ends: [(&'static ColumnDef, std::sync::Arc<dyn crate::session::tracked::Tracked>, usize); 2],
}

impl AssocOp {
    /// A key for de-duplication: the two ends in column order.
    pub(crate) fn identity(&self) -> (usize, bool, [(usize, usize); 2]) {
        let mut ends = [(self.ends[0].0.index, self.ends[0].1.addr()), (self.ends[1].0.index, self.ends[1].1.addr())];
        ends.sort_unstable();
        (std::ptr::from_ref(self.table) as usize, self.insert, ends)
    }

    /// INSERT or DELETE the row.
    pub(crate) fn run(&self, conn: &mut crate::backend::Connection) -> Result<()> {
        let values: Vec<(&'static ColumnDef, Value)> = self.ends.iter().map(|(c, o, r)| (*c, o.value_of(*r))).collect();
        let d = conn.dialect();
        let r = if self.insert {
            let stmt = crate::query::InsertStatement {
                table: self.table.name,
                columns: values.iter().map(|(c, _)| c.name).collect(),
                rows: vec![values.iter().map(|(_, v)| Node::Value(v.clone())).collect()],
                returning: Vec::new(),
            };
            crate::dialect::render(d, crate::query::Statement::Insert(&stmt))?
        } else {
            let mut filter: Option<Node> = None;
            for (c, v) in &values {
                let eq = Node::binary(BinOp::Eq, Node::Column { table: c.table, name: c.name }, Node::Value(v.clone()));
                filter = Some(crate::expr::statement::and(filter, eq));
            }
            let stmt = crate::query::DeleteStatement { table: self.table.name, filter, returning: Vec::new() };
            crate::dialect::render(d, crate::query::Statement::Delete(&stmt))?
        };
        conn.execute(&r.sql, &r.params).map(drop)
    }
}
