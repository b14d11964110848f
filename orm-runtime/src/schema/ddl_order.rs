//! Ordering tables by their foreign keys: parents are created first and dropped last.

use crate::schema::TableDef;

/// The tables in an order where every table comes after the tables it references.
/// Tables in a reference cycle keep their given order (their foreign keys are still created
/// inline; break such cycles with nullable keys).
pub fn creation_order(tables: &[&'static TableDef]) -> Vec<&'static TableDef> {
    let mut done: Vec<&'static TableDef> = Vec::with_capacity(tables.len());
    let mut visiting: Vec<&'static str> = Vec::new();
    for t in tables {
        visit(t, tables, &mut done, &mut visiting);
    }
    done
}

/// The reverse of [`creation_order`]: children first.
pub fn drop_order(tables: &[&'static TableDef]) -> Vec<&'static TableDef> {
    let mut order = creation_order(tables);
    order.reverse();
    order
}

fn visit(
    t: &'static TableDef,
    all: &[&'static TableDef],
    done: &mut Vec<&'static TableDef>,
    visiting: &mut Vec<&'static str>,
) {
    if done.iter().any(|d| d.name == t.name) || visiting.contains(&t.name) {
        return;
    }
    visiting.push(t.name);
    for parent in t.referenced_tables() {
        if let Some(p) = all.iter().find(|a| a.name == parent) {
            visit(p, all, done, visiting);
        }
    }
    visiting.pop();
    done.push(t);
}
