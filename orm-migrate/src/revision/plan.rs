//! What an upgrade or a downgrade runs, in what order, from where the database is.

use std::collections::BTreeSet;

use super::graph::History;
use crate::error::{Error, Result};

/// What an upgrade to `target` applies when the database is at `current`, in order.
pub fn upgrade_plan(history: &History, current: &[String], target: &str) -> Result<Vec<String>> {
    let applied = history.closure(current.iter().map(String::as_str));
    let (needed, take) = match target {
        "heads" => (history.closure(history.heads()), None),
        "head" => (history.closure(history.single_head()?), None),
        t if t.starts_with('+') => {
            let n = steps(t)?;
            (history.closure(history.single_head()?), Some(n))
        }
        rev => (history.closure([history.resolve(rev)?]), None),
    };
    let pending: BTreeSet<&str> = needed.difference(&applied).copied().collect();
    let mut plan: Vec<String> = history.in_order(&pending).into_iter().map(|r| r.revision.clone()).collect();
    if let Some(n) = take {
        if n > plan.len() {
            return Err(Error::Target(format!("+{n}: only {} revision(s) are not applied", plan.len())));
        }
        plan.truncate(n);
    }
    Ok(plan)
}

/// What a downgrade to `target` undoes when the database is at `current`, in order.
pub fn downgrade_plan(history: &History, current: &[String], target: &str) -> Result<Vec<String>> {
    let applied = history.closure(current.iter().map(String::as_str));
    let newest_first: Vec<&str> = history.in_order(&applied).into_iter().rev().map(|r| r.revision.as_str()).collect();
    let undo: Vec<&str> = match target {
        "base" => newest_first,
        t if t.starts_with('-') => {
            let n = steps(t)?;
            if n > newest_first.len() {
                return Err(Error::Target(format!("-{n}: only {} revision(s) are applied", newest_first.len())));
            }
            newest_first[..n].to_vec()
        }
        rev => {
            let id = history.resolve(rev)?;
            if !applied.contains(id) {
                return Err(Error::Target(format!("revision {id} is not applied: nothing to downgrade to")));
            }
            // What was built on it; other branches stay as they are.
            newest_first.into_iter().filter(|r| *r != id && history.closure([*r]).contains(id)).collect()
        }
    };
    Ok(undo.into_iter().map(str::to_owned).collect())
}

/// `+3` / `-3` -> 3.
fn steps(target: &str) -> Result<usize> {
    target[1..]
        .parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| Error::Target(format!("`{target}`: write a count of revisions, like {}2", &target[..1])))
}
