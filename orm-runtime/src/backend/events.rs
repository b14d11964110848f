//! Engine events: listeners run when a connection opens and around every statement.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::backend::connection::BindParam;
use crate::backend::Connection;
use crate::error::{Error, Result};
use crate::types::Value;

/// Called with the SQL text and parameters of every statement a connection runs, before it
/// runs (see [`EngineBuilder::before_execute`](crate::backend::EngineBuilder::before_execute)).
pub type ExecuteHook = Arc<dyn Fn(&str, &[Value]) + Send + Sync>;

/// Called after every statement with what happened (see
/// [`EngineBuilder::after_execute`](crate::backend::EngineBuilder::after_execute)).
pub type AfterExecuteHook = Arc<dyn Fn(&ExecuteEvent<'_>) + Send + Sync>;

/// Called with each new connection before it is first used (see
/// [`EngineBuilder::on_connect`](crate::backend::EngineBuilder::on_connect)).
pub type ConnectHook = Arc<dyn Fn(&mut Connection) -> Result<()> + Send + Sync>;

/// A statement that ran, as an [`after_execute`](crate::backend::EngineBuilder::after_execute)
/// listener sees it.
#[derive(Debug)]
pub struct ExecuteEvent<'a> {
    /// The SQL text.
    pub sql: &'a str,
    /// The bound parameters.
    pub params: &'a [Value],
    /// Time from sending the statement to having its whole result (rows included).
    pub elapsed: Duration,
    /// The error, if it failed.
    pub error: Option<&'a Error>,
}

/// The listeners of one engine.
#[derive(Default, Clone)]
pub(crate) struct EngineHooks {
    pub(crate) before: Vec<ExecuteHook>,
    pub(crate) after: Vec<AfterExecuteHook>,
    pub(crate) connect: Vec<ConnectHook>,
}

impl std::fmt::Debug for EngineHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineHooks")
            .field("before", &self.before.len())
            .field("after", &self.after.len())
            .field("connect", &self.connect.len())
            .finish()
    }
}

impl EngineHooks {
    /// The statement listeners, if there are any (connections skip all bookkeeping when not).
    pub(crate) fn for_statements(self: &Arc<Self>) -> Option<Arc<Self>> {
        (!self.before.is_empty() || !self.after.is_empty()).then(|| self.clone())
    }
}

/// Run one statement through `run`, calling the listeners around it.
pub(crate) fn hooked<P: BindParam, R>(
    hooks: Option<&EngineHooks>,
    sql: &str,
    params: &[P],
    run: impl FnOnce() -> Result<R>,
) -> Result<R> {
    let Some(hooks) = hooks else { return run() };
    let values: Vec<Value> = params.iter().map(BindParam::to_value).collect();
    for before in &hooks.before {
        before(sql, &values);
    }
    let start = Instant::now();
    let result = run();
    if !hooks.after.is_empty() {
        let event = ExecuteEvent { sql, params: &values, elapsed: start.elapsed(), error: result.as_ref().err() };
        for after in &hooks.after {
            after(&event);
        }
    }
    result
}
