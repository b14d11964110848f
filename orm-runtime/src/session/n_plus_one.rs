//! The N+1 detector: one relationship loaded lazily ([`Session::load`]), object by object,
//! for many objects of one query — the pattern a loader option turns into one statement.
//!
//! Off unless a session turns it on ([`Session::detect_n_plus_one`](crate::Session::detect_n_plus_one)); then each session
//! query notes where it was called and which objects it returned, and each `load` counts,
//! per relationship and query, how many times it ran. At `threshold` loads the pattern is
//! reported (kept in [`Session::n_plus_one_reports`](crate::Session::n_plus_one_reports)) or, in [`NPlusOne::Fail`] mode, that
//! load fails with [`Error::NPlusOne`].

use std::collections::HashMap;
use std::panic::Location;

use crate::error::{Error, Result};

/// What the detector does when it sees the pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NPlusOne {
    /// Keep a report ([`Session::n_plus_one_reports`](crate::Session::n_plus_one_reports)) and log it (`tracing`, warn level).
    Report {
        /// Lazy loads of one relationship for the objects of one query that make a report.
        threshold: usize,
    },
    /// Fail the load that reaches the threshold with [`Error::NPlusOne`] (for tests).
    Fail {
        /// Lazy loads of one relationship for the objects of one query that fail.
        threshold: usize,
    },
}

impl NPlusOne {
    fn threshold(self) -> usize {
        match self {
            NPlusOne::Report { threshold } | NPlusOne::Fail { threshold } => threshold.max(2),
        }
    }
}

/// One relationship loaded lazily for many objects of one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NPlusOneReport {
    /// `Model::field`.
    pub relationship: String,
    /// Lazy loads so far (statements sent).
    pub count: usize,
    /// Where the query that returned the objects was called (`None`: not a session query).
    pub query_site: Option<String>,
    /// Where the first of the loads was called.
    pub load_site: String,
    /// The loader option that makes it one statement.
    pub fix: String,
}

impl std::fmt::Display for NPlusOneReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` loaded lazily {} times (at {})", self.relationship, self.count, self.load_site)?;
        match &self.query_site {
            Some(site) => write!(f, " for the objects of the query at {site}")?,
            None => write!(f, " for objects of one query")?,
        }
        write!(f, ": add `.options({})` to that query", self.fix)
    }
}

/// A session's detector state.
#[derive(Debug)]
pub(crate) struct Detector {
    mode: NPlusOne,
    /// The call site of the session query running now.
    pub(crate) query_site: Option<&'static Location<'static>>,
    /// Queries run so far (each run is one: a loop running one query per object is not the
    /// pattern this looks for).
    runs: u64,
    /// Which query run returned each object (by the object's address), and its call site.
    origins: HashMap<usize, (u64, &'static Location<'static>)>,
    /// Loads per (query run, relationship): count, and the report's place once made.
    loads: HashMap<(Option<u64>, String), (usize, Option<usize>)>,
    pub(crate) reports: Vec<NPlusOneReport>,
}

impl Detector {
    pub(crate) fn new(mode: NPlusOne) -> Self {
        Detector {
            mode,
            query_site: None,
            runs: 0,
            origins: HashMap::new(),
            loads: HashMap::new(),
            reports: Vec::new(),
        }
    }

    /// A query starts running: the objects it returns are this run's.
    pub(crate) fn start_run(&mut self) -> u64 {
        self.runs += 1;
        self.runs
    }

    /// Query run `run`, called at `site`, returned the object at `address`.
    pub(crate) fn returned(&mut self, address: usize, run: u64, site: &'static Location<'static>) {
        self.origins.insert(address, (run, site));
    }

    /// A lazy load of `relationship` for the object at `address`, called at `site`.
    pub(crate) fn loaded(
        &mut self,
        address: usize,
        relationship: String,
        site: &'static Location<'static>,
    ) -> Result<()> {
        let origin = self.origins.get(&address).copied();
        let threshold = self.mode.threshold();
        let entry = self.loads.entry((origin.map(|(run, _)| run), relationship.clone())).or_insert((0, None));
        entry.0 += 1;
        let count = entry.0;
        if count < threshold {
            return Ok(());
        }
        let report = NPlusOneReport {
            fix: format!("selectinload({relationship})"),
            relationship,
            count,
            query_site: origin.map(|(_, site)| site.to_string()),
            load_site: site.to_string(),
        };
        match entry.1 {
            Some(at) => {
                if let Some(r) = self.reports.get_mut(at) {
                    r.count = count;
                }
            }
            None => {
                entry.1 = Some(self.reports.len());
                tracing::warn!(target: "orm::n_plus_one", "{report}");
                self.reports.push(report.clone());
            }
        }
        match self.mode {
            NPlusOne::Fail { .. } if count == threshold => Err(Error::NPlusOne { report: report.to_string() }),
            _ => Ok(()),
        }
    }
}
