//! One CPU for the PostgreSQL runs: this process and the server's processes.
//!
//! On this kind of machine (a small VM) a round trip to a server process on the *other* vCPU
//! costs a wake-up of that vCPU, 50–80 µs, and whether a given connection's backend lands
//! there is up to the scheduler: the same lookup loop measured 18 µs or 90 µs per key from
//! one run to the next, for the raw driver and the orm alike. Keyed lookups are round-trip
//! bound, so their ratio was noise. With the bench and the server on one CPU every round
//! trip is two context switches, the same for both sides.
//!
//! Only for a local server whose processes this user may re-pin (root, as in CI); otherwise
//! nothing changes and the report says why. The postmaster's affinity is restored on drop, so
//! backends forked later (by tests, say) are not affected.

use std::process::Command;

/// The pinning in force; restores the earlier affinities when dropped.
pub(crate) struct Pinned {
    /// (pid, affinity list before) of the processes re-pinned.
    restore: Vec<(u32, String)>,
    /// What the report says about it.
    pub(crate) note: String,
}

impl Drop for Pinned {
    fn drop(&mut self) {
        for (pid, list) in &self.restore {
            let _ = taskset(&["-a", "-p", "-c", list, &pid.to_string()]);
        }
    }
}

/// Pin this process, the backend serving `client` and its postmaster (so that backends
/// forked from now on inherit it) to CPU 0.
pub(crate) fn pin_with_server(client: &mut postgres::Client) -> Pinned {
    let mut pinned = Pinned { restore: Vec::new(), note: String::new() };
    match try_pin(client, &mut pinned) {
        Ok(()) => pinned.note = "bench and server processes pinned to CPU 0 (taskset)".into(),
        Err(why) => pinned.note = format!("not pinned to one CPU ({why}): round trips may pay vCPU wake-ups"),
    }
    pinned
}

fn try_pin(client: &mut postgres::Client, pinned: &mut Pinned) -> Result<(), String> {
    let backend: i32 =
        client.query_one("SELECT pg_backend_pid()", &[]).map_err(|e| format!("pg_backend_pid: {e}"))?.get(0);
    let backend = u32::try_from(backend).map_err(|_| "negative pid".to_owned())?;
    let stat = std::fs::read_to_string(format!("/proc/{backend}/stat"))
        .map_err(|_| "the server is not a local process".to_owned())?;
    // Field 4 (after the parenthesised command name) is the parent: the postmaster.
    let postmaster: u32 = stat
        .rsplit(')')
        .next()
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| "unreadable /proc stat".to_owned())?;
    for pid in [std::process::id(), postmaster, backend] {
        let before = affinity(pid)?;
        taskset(&["-a", "-p", "-c", "0", &pid.to_string()])?;
        pinned.restore.push((pid, before));
    }
    Ok(())
}

/// A process's CPU affinity list ("0,1", "0-3").
fn affinity(pid: u32) -> Result<String, String> {
    let out = taskset(&["-p", "-c", &pid.to_string()])?;
    out.rsplit(": ").next().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).ok_or(out)
}

fn taskset(args: &[&str]) -> Result<String, String> {
    let out = Command::new("taskset").args(args).output().map_err(|e| format!("taskset: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("taskset {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}
