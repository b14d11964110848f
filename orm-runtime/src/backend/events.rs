//! Engine events: listeners run when a connection opens and around every statement, and the
//! statement log (`tracing` events on the `orm::sql` target, and the engine's `echo`).
//!
//! The listeners live in one [`Listeners`] per engine, shared by every connection of its
//! pool, so a listener added after the engine was built
//! ([`Engine::events`](crate::backend::Engine::events)) is seen by connections already in
//! the pool. Copy-on-write: adding one replaces the list; each statement reads it with one
//! uncontended read lock, and with none at all while the engine has no statement listener.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::backend::bind::BindParam;
use crate::error::{Error, Result};
use crate::types::Value;

/// The `tracing` target every statement is logged under (at `DEBUG` level).
pub const SQL_LOG_TARGET: &str = "orm::sql";

/// Called with the SQL text and parameters of every statement a connection runs, before it
/// runs (see [`EngineBuilder::before_execute`](crate::backend::EngineBuilder::before_execute)).
/// An error stops the statement: it is not sent, and the caller gets the error.
pub type ExecuteHook = Arc<dyn Fn(&str, &[Value]) -> Result<()> + Send + Sync>;

/// Called after every statement with what happened (see
/// [`EngineBuilder::after_execute`](crate::backend::EngineBuilder::after_execute)).
pub type AfterExecuteHook = Arc<dyn Fn(&ExecuteEvent<'_>) + Send + Sync>;

/// What a [`before_execute`](crate::backend::EngineBuilder::before_execute) listener may
/// return: `()` (it cannot fail) or `orm::Result<()>` (an error stops the statement, as a
/// SQLAlchemy listener that raises does).
pub trait HookResult {
    /// The listener's verdict.
    fn into_result(self) -> Result<()>;
}

impl HookResult for () {
    fn into_result(self) -> Result<()> {
        Ok(())
    }
}

impl HookResult for Result<()> {
    fn into_result(self) -> Result<()> {
        self
    }
}

/// Wrap a `before_execute` listener returning `()` or `Result<()>` as an [`ExecuteHook`].
pub(crate) fn before_hook<R: HookResult>(hook: impl Fn(&str, &[Value]) -> R + Send + Sync + 'static) -> ExecuteHook {
    Arc::new(move |sql: &str, params: &[Value]| hook(sql, params).into_result())
}

/// A statement that ran, as an [`after_execute`](crate::backend::EngineBuilder::after_execute)
/// listener sees it.
#[derive(Debug)]
#[non_exhaustive]
pub struct ExecuteEvent<'a> {
    /// The SQL text.
    pub sql: &'a str,
    /// The bound parameters.
    pub params: &'a [Value],
    /// Time from sending the statement to having its whole result (rows included).
    pub elapsed: Duration,
    /// The error, if it failed.
    pub error: Option<&'a Error>,
    /// Rows the statement returned (a query) or changed (INSERT / UPDATE / DELETE), when it
    /// succeeded; `None` for statements that report neither (DDL, transaction control).
    pub rows: Option<u64>,
}

/// The listener lists of one engine (one immutable version of them).
#[derive(Default, Clone)]
pub(crate) struct EngineHooks {
    pub(crate) before: Vec<ExecuteHook>,
    pub(crate) after: Vec<AfterExecuteHook>,
}

impl std::fmt::Debug for EngineHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineHooks").field("before", &self.before.len()).field("after", &self.after.len()).finish()
    }
}

/// Where `echo` writes.
pub(crate) type EchoSink = Arc<Mutex<Box<dyn Write + Send>>>;

/// The statement-log settings of an engine.
#[derive(Clone, Default)]
pub(crate) struct LogSettings {
    /// Print each statement to this sink (stderr for `echo(true)`).
    pub(crate) echo: Option<EchoSink>,
    /// Log `[N parameters hidden]` instead of the values (echo and `tracing`).
    pub(crate) hide_parameters: bool,
}

/// The listeners and log settings of one engine, shared by all its connections.
pub(crate) struct Listeners {
    hooks: RwLock<Arc<EngineHooks>>,
    /// Whether there is anything to run around a statement besides `tracing`.
    statements: AtomicBool,
    log: LogSettings,
}

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listeners")
            .field("hooks", &*self.current())
            .field("echo", &self.log.echo.is_some())
            .field("hide_parameters", &self.log.hide_parameters)
            .finish()
    }
}

impl Default for Listeners {
    fn default() -> Self {
        Listeners::new(EngineHooks::default(), LogSettings::default())
    }
}

impl Listeners {
    pub(crate) fn new(hooks: EngineHooks, log: LogSettings) -> Self {
        let statements = !hooks.before.is_empty() || !hooks.after.is_empty() || log.echo.is_some();
        Listeners { hooks: RwLock::new(Arc::new(hooks)), statements: AtomicBool::new(statements), log }
    }

    /// The listener lists in force.
    pub(crate) fn current(&self) -> Arc<EngineHooks> {
        self.hooks.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Add listeners: `change` edits a copy of the lists, which then replaces them for every
    /// connection's next statement.
    pub(crate) fn change(&self, change: impl FnOnce(&mut EngineHooks)) {
        let mut guard = self.hooks.write().unwrap_or_else(PoisonError::into_inner);
        let mut hooks = EngineHooks::clone(&guard);
        change(&mut hooks);
        if !hooks.before.is_empty() || !hooks.after.is_empty() {
            self.statements.store(true, Ordering::Release);
        }
        *guard = Arc::new(hooks);
    }

    /// The statement listeners, if there are any (one atomic load when there are none).
    /// Whether anything looks at each statement's values: a listener, `echo`, or a `tracing`
    /// subscriber of `orm::sql` (else statements may be bound without collecting them).
    #[cfg(feature = "sqlite")]
    pub(crate) fn watched(&self) -> bool {
        self.statements.load(Ordering::Acquire) || tracing::enabled!(target: SQL_LOG_TARGET, tracing::Level::DEBUG)
    }

    fn for_statement(&self) -> Option<Arc<EngineHooks>> {
        self.statements.load(Ordering::Acquire).then(|| self.current())
    }
}

/// What the row count of a statement means, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowsKind {
    /// A query: rows returned.
    Returned,
    /// A write: rows changed.
    Affected,
    /// Neither (DDL, transaction control, a batch).
    None,
}

/// What a statement produced, as far as the log is concerned.
pub(crate) trait Outcome {
    /// The row count, if the statement has one.
    fn rows(&self) -> Option<u64>;
}

impl Outcome for u64 {
    fn rows(&self) -> Option<u64> {
        Some(*self)
    }
}

impl Outcome for () {
    fn rows(&self) -> Option<u64> {
        None
    }
}

/// Run one statement through `run`, calling the listeners and writing the log around it.
///
/// A `before_execute` listener's error is returned without running the statement. With no
/// listener, no `echo` and no `tracing` subscriber interested in `orm::sql`, this is `run()`
/// after one atomic load and `tracing`'s cached interest check.
pub(crate) fn hooked<P: BindParam, R: Outcome>(
    listeners: &Listeners,
    sql: &str,
    params: &[P],
    kind: RowsKind,
    run: impl FnOnce() -> Result<R>,
) -> Result<R> {
    let traced = tracing::enabled!(target: SQL_LOG_TARGET, tracing::Level::DEBUG);
    let hooks = listeners.for_statement();
    if hooks.is_none() && !traced {
        return run();
    }
    let values: Vec<Value> = params.iter().map(BindParam::to_value).collect();
    if let Some(hooks) = &hooks {
        for before in &hooks.before {
            before(sql, &values)?;
        }
    }
    let start = Instant::now();
    let result = run();
    let elapsed = start.elapsed();
    let rows = match (&result, kind) {
        (Ok(r), RowsKind::Returned | RowsKind::Affected) => r.rows(),
        _ => None,
    };
    let event = ExecuteEvent { sql, params: &values, elapsed, error: result.as_ref().err(), rows };
    if traced {
        trace(&event, kind, listeners.log.hide_parameters);
    }
    if let Some(sink) = &listeners.log.echo {
        echo(sink, &event, kind, listeners.log.hide_parameters);
    }
    if let Some(hooks) = &hooks {
        for after in &hooks.after {
            after(&event);
        }
    }
    result
}

/// The parameters as the log shows them: hidden when the engine says so; long text and
/// bytes shortened (a log line is not a data dump, and a large value is more likely to be a
/// document or a key than something worth reading in a log).
pub(crate) fn display_params(params: &[Value], hide: bool) -> String {
    use std::fmt::Write as _;
    if hide {
        return format!("[{} parameters hidden]", params.len());
    }
    const LONG: usize = 100;
    let mut out = String::from("[");
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = match p {
            Value::Blob(b) => write!(out, "<{} bytes>", b.len()),
            Value::Text(s) | Value::Json(s) if s.chars().count() > LONG => {
                let head: String = s.chars().take(LONG).collect();
                write!(out, "{head:?}… ({} chars)", s.chars().count())
            }
            other => write!(out, "{other:?}"),
        };
    }
    out.push(']');
    out
}

fn trace(e: &ExecuteEvent<'_>, kind: RowsKind, hide: bool) {
    let params = display_params(e.params, hide);
    let duration_us = u64::try_from(e.elapsed.as_micros()).unwrap_or(u64::MAX);
    let returned = if kind == RowsKind::Returned { e.rows } else { None };
    let affected = if kind == RowsKind::Affected { e.rows } else { None };
    match e.error {
        None => tracing::debug!(
            target: SQL_LOG_TARGET,
            sql = e.sql,
            params = params.as_str(),
            duration_us,
            rows_returned = returned,
            rows_affected = affected,
            "statement"
        ),
        // A database error can quote a value ("Key (email)=(...) already exists").
        Some(err) => tracing::debug!(
            target: SQL_LOG_TARGET,
            sql = e.sql,
            params = params.as_str(),
            duration_us,
            error = %ErrorText(err, hide),
            "statement failed"
        ),
    }
}

fn echo(sink: &EchoSink, e: &ExecuteEvent<'_>, kind: RowsKind, hide: bool) {
    // Two lines, as SQLAlchemy's echo: the statement, then what was bound and what happened.
    let mut line = format!("[orm] {}\n[orm]   ", e.sql);
    if !e.params.is_empty() {
        line.push_str(&display_params(e.params, hide));
        line.push(' ');
    }
    line.push_str(&format!("{:.3} ms", e.elapsed.as_secs_f64() * 1000.0));
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    match (e.error, e.rows, kind) {
        (Some(err), _, _) => line.push_str(&format!(", failed: {}", ErrorText(err, hide))),
        (None, Some(n), RowsKind::Returned) => line.push_str(&format!(", {n} row{} returned", plural(n))),
        (None, Some(n), RowsKind::Affected) => line.push_str(&format!(", {n} row{} affected", plural(n))),
        _ => {}
    }
    line.push('\n');
    let mut w = sink.lock().unwrap_or_else(PoisonError::into_inner);
    // A log that cannot be written must not fail the statement.
    let _ = w.write_all(line.as_bytes());
    let _ = w.flush();
}

/// An error for the log: its message, or only its kind when parameters are hidden (a
/// database's message can quote a bound value).
struct ErrorText<'a>(&'a Error, bool);

impl std::fmt::Display for ErrorText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.1 {
            let text = format!("{:?}", self.0);
            let kind = text.split([' ', '(', '{']).next().unwrap_or("Error");
            write!(f, "{kind} (message hidden with the parameters)")
        } else {
            write!(f, "{}", self.0)
        }
    }
}
