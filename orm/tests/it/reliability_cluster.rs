//! Reliability suite, server and OS faults (RELIABILITY.md §4.2: T03, T04, T05 with a stopped
//! postmaster, T24, T25 with a killed server). Each test injects its fault into a private
//! PostgreSQL cluster or a tiny tmpfs, never into the shared server, and holds
//! [`serial`] (names carry `_fault_`): one such fault at a time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::{Engine, Error};

use crate::fault_cluster::PrivateCluster;
use crate::fault_support::{assert_no_leaks, assert_no_leaks_sqlite, serial, PgAdmin};
use crate::fault_tmpfs::TmpfsMount;
use crate::models::User;

/// A row of incompressible text, to fill a disk.
#[derive(orm::Model, Debug, Clone)]
#[orm(table = "fault_blobs")]
struct Blob {
    #[orm(primary_key, auto_increment)]
    id: i64,
    body: String,
}

/// One committed transfer of T25: `total` holds the sum of every `v`.
#[derive(orm::Model, Debug, Clone)]
#[orm(table = "fault_ledger")]
struct Entry {
    #[orm(primary_key)]
    id: i64,
    v: i64,
}

#[derive(orm::Model, Debug, Clone)]
#[orm(table = "fault_totals")]
struct Total {
    #[orm(primary_key)]
    id: i64,
    total: i64,
}

/// A small deterministic generator (xorshift): random-looking text and kill times, the
/// same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    /// `n` hex digits: neither SQLite nor PostgreSQL's TOAST can compress them much.
    fn text(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n + 16);
        while s.len() < n {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(n);
        s
    }
}

fn status_pair(engine: &Engine) -> (u32, u32) {
    let st = engine.pool_status();
    (st.connections, st.idle)
}

/// T03. Would catch: a session that does not learn its server went away (or learns it as an
/// untyped error), stale idle connections handed to callers after a restart, or each of them
/// costing a failed probe (no generation counter), and leaks.
#[test]
#[cfg(feature = "postgres")]
fn t03_fault_cluster_restart_invalidates_pool() {
    let _serial = serial();
    let Some(cluster) = PrivateCluster::start("t03") else { return };
    let app = "t03-restart";
    let engine = Engine::builder(&cluster.url()).pool_size(3).application_name(app).build().unwrap();
    engine.create_all(&[User::table()]).unwrap();
    let warm: Vec<_> = (0..3).map(|_| engine.connection().unwrap()).collect();
    drop(warm);
    assert_eq!(status_pair(&engine), (3, 3));

    let mut s = engine.session();
    let in_flight = s.add(User::new("in flight", 1)).unwrap();
    s.flush().unwrap();
    let before = engine.pool_status();

    cluster.pg_ctl("restart -m fast");

    let err = s.query::<User>().count().unwrap_err();
    assert!(matches!(err, Error::Disconnected { .. }) && err.is_disconnect(), "{err:?}");
    assert!(matches!(s.query::<User>().count(), Err(Error::PendingRollback { .. })));
    s.rollback().unwrap();
    assert_eq!(in_flight.read().id, 0, "the lost insert's key is cleared");
    drop(s);
    let after = engine.pool_status();
    assert_eq!(after.generation, before.generation + 1, "the disconnect bumped the generation: {after:?}");

    // The next three checkouts: no error reaches a caller, and the two stale idle
    // connections went without a failed probe.
    let conns: Vec<_> = (0..3).map(|_| engine.connection().unwrap()).collect();
    drop(conns);
    assert_eq!(select(func::count_all()).from::<User>().one(&engine).unwrap(), 0, "the restart rolled the insert back");
    let st = engine.pool_status();
    assert_eq!(st.probe_failures, before.probe_failures, "no failed probe once the generation changed: {st:?}");
    assert_eq!(st.stale_discarded, before.stale_discarded + 2, "{st:?}");
    assert_no_leaks(&engine, app, &mut PgAdmin::connect_to(&cluster.url()));
}

/// T04. Would catch: a checkout that hangs (or panics) while the server is down, a timeout
/// that does not say why, and a pool that does not recover when the server is back.
#[test]
#[cfg(feature = "postgres")]
fn t04_fault_cluster_down_checkout_is_bounded_and_recovers() {
    let _serial = serial();
    let Some(cluster) = PrivateCluster::start("t04") else { return };
    let app = "t04-down";
    // A probe at every checkout: the checkout itself finds the server gone.
    let engine = Engine::builder(&cluster.url())
        .pool_size(2)
        .application_name(app)
        .connection_timeout(Duration::from_secs(1))
        .pre_ping_after(Duration::ZERO)
        .build()
        .unwrap();
    engine.create_all(&[User::table()]).unwrap();
    assert_eq!(status_pair(&engine), (1, 1));
    // The default: a connection returned a moment ago is handed out unprobed, and its first
    // statement finds the server gone (no replacement can connect): a typed disconnect, as
    // fast; after that the pool is empty and checkouts time out as above.
    let unprobed = Engine::builder(&cluster.url())
        .pool_size(2)
        .application_name("t04-unprobed")
        .connection_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    assert_eq!(select(func::count_all()).from::<User>().one(&unprobed).unwrap(), 0);

    cluster.pg_ctl("stop -m fast");

    let t = Instant::now();
    let err = select(func::count_all()).from::<User>().one(&unprobed).unwrap_err();
    assert!(t.elapsed() < Duration::from_millis(1500), "{:?}", t.elapsed());
    assert!(err.is_disconnect(), "{err:?}");
    assert_eq!(status_pair(&unprobed), (0, 0), "the dead connection was dropped");
    let err = select(func::count_all()).from::<User>().one(&unprobed).unwrap_err();
    assert!(matches!(err, Error::PoolTimeout { .. }), "{err:?}");

    for attempt in 0..3 {
        let t = Instant::now();
        let err = engine.connection().map(|_| ()).unwrap_err();
        let took = t.elapsed();
        assert!(took < Duration::from_millis(1500), "attempt {attempt}: {took:?}");
        match &err {
            Error::PoolTimeout { last_error: Some(last), .. } => {
                assert!(last.is_disconnect() && last.to_string().contains("could not connect"), "{last:?}")
            }
            other => panic!("attempt {attempt}: expected PoolTimeout with the connect error, got {other:?}"),
        }
        assert!(err.is_timeout() && !err.is_retryable(), "the caller decides: {err:?}");
    }
    let mut s = engine.session();
    assert!(matches!(s.query::<User>().count(), Err(Error::PoolTimeout { .. })));
    drop(s);
    assert_eq!(status_pair(&engine), (0, 0), "the dead connection was dropped, nothing half-made kept");

    cluster.pg_ctl("start");
    let t = Instant::now();
    assert_eq!(
        select(func::count_all()).from::<User>().one(&engine).unwrap(),
        0,
        "the first checkout after start works"
    );
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert_no_leaks(&engine, app, &mut PgAdmin::connect_to(&cluster.url()));
    assert_eq!(select(func::count_all()).from::<User>().one(&unprobed).unwrap(), 0, "recovered too");
    assert_no_leaks(&unprobed, "t04-unprobed", &mut PgAdmin::connect_to(&cluster.url()));
}

/// T05 (fault A, a real stopped postmaster; fault B and a fake hung server are in
/// `reliability.rs`). Would catch: `connect` blocking until SIGCONT (the driver's
/// `connect_timeout` covers only the TCP connect; the handshake needs the ORM's deadline),
/// and a pool that stays broken after the server continues.
#[test]
#[cfg(feature = "postgres")]
fn t05_fault_cluster_stopped_postmaster_is_bounded() {
    let _serial = serial();
    let Some(cluster) = PrivateCluster::start("t05") else { return };
    let app = "t05-stopped";
    let warm = Engine::builder(&cluster.url())
        .pool_size(2)
        .application_name(app)
        .connection_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    warm.create_all(&[User::table()]).unwrap();

    cluster.signal_postmaster("STOP");

    // A new engine (the postmaster accepts TCP in the kernel, then never answers).
    let t = Instant::now();
    let fresh = Engine::builder(&cluster.url()).connection_timeout(Duration::from_secs(1)).build().unwrap();
    let err = fresh.connection().map(|_| ()).unwrap_err();
    let took = t.elapsed();
    assert!(matches!(&err, Error::PoolTimeout { .. }) && err.is_timeout(), "{err:?}");
    assert!(took < Duration::from_millis(1500), "{took:?}");
    // A warm pool: its existing backend still answers (backends are separate processes);
    // a second connection needs the postmaster and times out just as fast.
    let first = warm.connection().unwrap();
    let t = Instant::now();
    let err = warm.connection().map(|_| ()).unwrap_err();
    assert!(matches!(&err, Error::PoolTimeout { .. }), "{err:?}");
    assert!(t.elapsed() < Duration::from_millis(1500), "{:?}", t.elapsed());
    drop(first);

    cluster.signal_postmaster("CONT");
    let both: Vec<_> = (0..2).map(|_| warm.connection().unwrap()).collect();
    drop(both);
    assert_eq!(select(func::count_all()).from::<User>().one(&fresh).unwrap(), 0, "the new engine recovers too");
    let end = Instant::now() + Duration::from_secs(5);
    while fresh.pool_status().hung_connects > 0 || warm.pool_status().hung_connects > 0 {
        assert!(Instant::now() < end, "abandoned handshakes ended: {:?}", fresh.pool_status());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_no_leaks(&warm, app, &mut PgAdmin::connect_to(&cluster.url()));
}

/// Insert incompressible rows in one session transaction until the disk is full; the error.
fn fill_until_full(engine: &Engine, rng: &mut Rng, row: usize, max_rows: usize) -> (orm::Session, Error) {
    let mut s = engine.session();
    for i in 0..max_rows {
        s.add(Blob { id: 0, body: rng.text(row) }).unwrap();
        if i % 20 == 19 {
            if let Err(e) = s.flush() {
                return (s, e);
            }
        }
    }
    match s.commit() {
        Err(e) => (s, e),
        Ok(()) => panic!("{max_rows} rows of {row} bytes fitted: the disk never filled"),
    }
}

/// T24, SQLite half. Would catch: a full disk reported as anything but `DiskFull`, a session
/// that goes on as if its transaction were intact (SQLite may already have rolled it back),
/// committed rows damaged, or a database that stays unwritable after space is freed.
#[test]
#[cfg(feature = "sqlite")]
fn t24_fault_os_disk_full_sqlite() {
    let _serial = serial();
    let Some(disk) = TmpfsMount::mount("t24-sqlite", 512) else { return };
    let path = disk.path().join("db.sqlite");
    let engine = Engine::builder(&format!("sqlite:///{}", path.display())).pool_size(2).build().unwrap();
    engine.create_all(&[Blob::table()]).unwrap();
    let mut rng = Rng(0x5eed_0024);
    let mut s = engine.session();
    for _ in 0..5 {
        s.add(Blob { id: 0, body: rng.text(1000) }).unwrap();
    }
    s.commit().unwrap();

    let (mut s, err) = fill_until_full(&engine, &mut rng, 2000, 2000);
    assert!(matches!(err, Error::DiskFull { .. }), "{err:?}");
    assert!(matches!(s.query::<Blob>().count(), Err(Error::PendingRollback { .. })));
    s.rollback().unwrap();
    drop(s);
    assert_no_leaks_sqlite(&engine, &path);

    let mut conn = engine.connection().unwrap();
    let mut check = String::new();
    conn.query("PRAGMA integrity_check", &[], |r| {
        check = r.value(0)?;
        Ok(())
    })
    .unwrap();
    assert_eq!(check, "ok");
    drop(conn);
    assert_eq!(select(func::count_all()).from::<Blob>().one(&engine).unwrap(), 5, "the committed rows are intact");

    // Space comes back: writes work again.
    disk.resize(4096);
    let mut s = engine.session();
    s.add(Blob { id: 0, body: rng.text(1000) }).unwrap();
    s.commit().unwrap();
    assert_eq!(select(func::count_all()).from::<Blob>().one(&engine).unwrap(), 6);
    drop(s);
    assert_no_leaks_sqlite(&engine, &path);
}

/// T24, PostgreSQL half: a table in a tablespace on a 2 MB tmpfs. Would catch: ENOSPC not
/// typed as `DiskFull` (53100), a session that carries on, a backend lost over it, or other
/// tables (on the default tablespace) affected.
#[test]
#[cfg(feature = "postgres")]
fn t24_fault_os_disk_full_postgres() {
    let _serial = serial();
    let Some(cluster) = PrivateCluster::start("t24") else { return };
    let Some(disk) = TmpfsMount::mount("t24-pg", 2048) else { return };
    cluster.chown_postgres(disk.path());
    let location = disk.path().join("ts");
    std::fs::create_dir_all(&location).unwrap();
    cluster.chown_postgres(&location);
    cluster.psql(&format!("CREATE TABLESPACE small LOCATION '{}'", location.display()));
    let app = "t24-full";
    let engine = Engine::builder(&cluster.url()).pool_size(2).application_name(app).build().unwrap();
    engine.create_all(&[Blob::table(), User::table()]).unwrap();
    cluster.psql("ALTER TABLE fault_blobs SET TABLESPACE small");
    let mut rng = Rng(0x5eed_0124);
    let mut s = engine.session();
    for _ in 0..5 {
        s.add(Blob { id: 0, body: rng.text(1000) }).unwrap();
    }
    s.commit().unwrap();

    let (mut s, err) = fill_until_full(&engine, &mut rng, 1500, 5000);
    assert!(matches!(err, Error::DiskFull { .. }), "{err:?}");
    assert!(matches!(s.query::<Blob>().count(), Err(Error::PendingRollback { .. })));
    s.rollback().unwrap();
    drop(s);
    assert_eq!(engine.pool_status().probe_failures, 0);

    // The backend lives on; the committed rows are intact; other tables work.
    assert_eq!(select(func::count_all()).from::<Blob>().one(&engine).unwrap(), 5);
    insert::<User>().values(&User::new("elsewhere", 3)).execute(&engine).unwrap();
    assert_eq!(select(func::count_all()).from::<User>().one(&engine).unwrap(), 1);
    // Space comes back: writes to the small table work again.
    disk.resize(8192);
    let mut s = engine.session();
    s.add(Blob { id: 0, body: rng.text(1000) }).unwrap();
    s.commit().unwrap();
    drop(s);
    assert_eq!(select(func::count_all()).from::<Blob>().one(&engine).unwrap(), 6);
    assert_no_leaks(&engine, app, &mut PgAdmin::connect_to(&cluster.url()));
    drop(engine);
}

/// T25, PostgreSQL server half: `kill -9` of the postmaster while a client loops over
/// transfers, then crash recovery. Would catch: a commit the client saw succeed that is
/// missing after recovery, a transfer half applied, an untyped error, or a pool that does not
/// come back. (The SQLite and client-kill halves, with child processes, are in
/// `reliability_processes.rs`.)
#[test]
#[cfg(feature = "postgres")]
fn t25_fault_server_sigkill_mid_commit_consistency() {
    let _serial = serial();
    let Some(cluster) = PrivateCluster::start("t25") else { return };
    let app = "t25-kill";
    let engine = Engine::builder(&cluster.url())
        .pool_size(1)
        .application_name(app)
        .connection_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    engine.create_all(&[Entry::table(), Total::table()]).unwrap();
    insert::<Total>().values(&Total { id: 1, total: 0 }).execute(&engine).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let committed: Arc<Mutex<Vec<i64>>> = Arc::default();
    let errors: Arc<Mutex<Vec<String>>> = Arc::default();
    let worker = {
        let (engine, stop, committed, errors) = (engine.clone(), stop.clone(), committed.clone(), errors.clone());
        std::thread::spawn(move || {
            let mut id = 0;
            while !stop.load(Ordering::Relaxed) {
                id += 1;
                let v = id % 7 + 1;
                let mut s = engine.session();
                let r = (|| -> orm::Result<()> {
                    s.add(Entry { id, v })?;
                    let t = s.get::<Total>(1)?.expect("the total row");
                    t.write().total += v;
                    s.commit()
                })();
                match r {
                    Ok(()) => committed.lock().unwrap().push(id),
                    Err(e) => {
                        assert!(
                            e.is_disconnect()
                                || e.is_retryable()
                                || matches!(e, Error::CommitOutcomeUnknown { .. } | Error::PendingRollback { .. }),
                            "an untyped error: {e:?}"
                        );
                        errors.lock().unwrap().push(format!("{e}"));
                        let _ = s.rollback();
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            }
        })
    };
    let mut rng = Rng(0x5eed_0025);
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(rng.between(150, 400)));
        cluster.crash_and_recover();
        // The pool comes back: the worker commits again (after r2d2's reconnect backoff).
        let seen = committed.lock().unwrap().len();
        let end = Instant::now() + Duration::from_secs(5);
        while committed.lock().unwrap().len() < seen + 5 {
            assert!(Instant::now() < end, "no commit after the restart");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    worker.join().expect("the worker saw only typed errors");

    let committed = std::mem::take(&mut *committed.lock().unwrap());
    let errors = std::mem::take(&mut *errors.lock().unwrap());
    // Every crash was noticed, once each: by a transaction in flight (a typed error) or, when
    // it came between transactions, by the checkout probe or at the first statement of an
    // unprobed connection, which then ran again on a new one (the caller saw nothing).
    let st = engine.pool_status();
    let probes = st.probe_failures + st.reconnects;
    assert!(errors.len() as u64 + probes >= 3, "committed {}, probes {probes}, errors {errors:?}", committed.len());
    let present: Vec<i64> = select(Entry::id).order_by(Entry::id).all(&engine).unwrap();
    let missing: Vec<&i64> = committed.iter().filter(|id| present.binary_search(id).is_err()).collect();
    assert!(missing.is_empty(), "transactions reported committed but lost: {missing:?}");
    let sum: Option<i64> = select(func::sum(Entry::v)).one(&engine).unwrap();
    let total: i64 = select(Total::total).filter(Total::id.eq(1)).one(&engine).unwrap();
    assert_eq!(sum.unwrap_or(0), total, "every transfer is whole");
    assert_no_leaks(&engine, app, &mut PgAdmin::connect_to(&cluster.url()));
}

/// T05, a network partition (the black hole the plan's note describes): the server runs in a
/// network namespace whose link is cut mid-statement, so nothing answers and nothing resets.
/// Would catch: a statement blocked for ever (the deadline's cancel request cannot reach the
/// server either; TCP keepalives must end it), and one connection's undeliverable cancel
/// holding up every other deadline in the process.
#[test]
#[cfg(feature = "postgres")]
fn t05c_fault_network_partition_is_bounded() {
    let _serial = serial();
    let Some(ns) = crate::fault_netns::NetNs::create("t05c") else { return };
    let Some(cluster) = PrivateCluster::start_in("t05c", Some((&ns.name, &ns.peer_ip))) else { return };
    // A silent peer is noticed after ~1 s idle + 2 unanswered probes 1 s apart.
    let url = format!("{}?keepalives_idle=1&keepalives_interval=1&keepalives_retries=2", cluster.url());
    let app = "t05c-partition";
    let cut_off = Engine::builder(&url)
        .pool_size(2)
        .application_name(app)
        .connect_timeout(Duration::from_secs(4))
        .connection_timeout(Duration::from_secs(2))
        .query_deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    cut_off.create_all(&[User::table()]).unwrap();
    let Some(elsewhere) =
        crate::fault_support::PgFixture::new("t05c_elsewhere", |b| b.query_deadline(Duration::from_millis(300)))
    else {
        return;
    };

    let engine = cut_off.clone();
    let worker = std::thread::spawn(move || {
        let t = Instant::now();
        let r = engine.execute("SELECT pg_sleep(30)", &[]);
        (r, t.elapsed())
    });
    std::thread::sleep(Duration::from_millis(100));
    ns.partition();
    // Its deadline fires at 300 ms; the cancel request it sends goes into the black hole.
    std::thread::sleep(Duration::from_millis(400));
    // Another engine's deadline, on the shared server, still fires on time.
    let t = Instant::now();
    let err = elsewhere.engine.execute("SELECT pg_sleep(5)", &[]).unwrap_err();
    let took = t.elapsed();
    assert!(matches!(err, Error::Canceled { .. }), "{err:?}");
    assert!(took < Duration::from_millis(1500), "another deadline waited for the undeliverable cancel: {took:?}");

    // The cut-off statement ends, typed, once keepalives give up on the peer.
    let (r, took) = worker.join().unwrap();
    let err = r.unwrap_err();
    assert!(err.is_disconnect() || matches!(err, Error::Canceled { .. }), "{err:?}");
    assert!(took < Duration::from_secs(12), "bounded: {took:?}");
    eprintln!("t05c: the partitioned statement ended after {took:?}: {err}");

    ns.heal();
    assert_eq!(
        select(func::count_all()).from::<User>().one(&cut_off).unwrap(),
        0,
        "the pool recovers once the link is back"
    );
}
