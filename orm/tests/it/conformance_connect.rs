//! Engines from URLs in SQLAlchemy's forms, passwords that never show, and PostgreSQL TLS
//! from `sslmode` (issue 12, "Engine, URL, pool, events", bullets 1 and 2).
//!
//! The TLS tests run against the shared server (`ssl = on` with Debian's self-signed
//! "snakeoil" certificate) and against a private cluster with a CA and a server certificate
//! made here with the `openssl` command, for `verify-ca` / `verify-full` and for a server
//! that refuses TLS.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use orm::{DatabaseUrl, DialectKind, Engine, Error, SslMode};

use crate::common::{each_db, pg_url, PgSchema};
use crate::fault_cluster::PrivateCluster;

/// A private temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("orm-connect-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `SELECT <sql>` on a fresh connection of `engine`, one value.
fn scalar<T: orm::types::SqlType>(engine: &Engine, sql: &'static str) -> T {
    let mut conn = engine.connection().unwrap_or_else(|e| panic!("connect {}: {e}", engine.url()));
    let mut out = None;
    conn.query(sql, &[], |r| {
        out = Some(r.value(0)?);
        Ok(())
    })
    .unwrap();
    out.expect("one row")
}

/// Whether the engine's connection is encrypted, as the server sees it.
fn ssl_in_use(engine: &Engine) -> bool {
    scalar(engine, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
}

/// `url` with `params` appended to its query.
fn with_params(url: &str, params: &str) -> String {
    format!("{url}{}{params}", if url.contains('?') { '&' } else { '?' })
}

/// The error of the first checkout from an engine for `url` (the engine's own error if it
/// cannot even be built), with the pool's wrapper removed.
/// The error of the first checkout, which must come at once (a refused or unverifiable TLS
/// connection would be refused again: the checkout does not wait out its 30 s timeout).
fn connect_error(url: &str) -> Error {
    let engine = match Engine::builder(url).pool_size(1).build() {
        Ok(e) => e,
        Err(e) => return e,
    };
    let started = std::time::Instant::now();
    let e = match engine.connection() {
        Ok(_) => panic!("{url}: connected"),
        Err(e) => e,
    };
    assert!(started.elapsed() < Duration::from_secs(5), "{url}: the error took {:?}: {e:?}", started.elapsed());
    e
}

/// Whether a table made through one connection is seen through another connection of the
/// same engine (and so the engines' memory databases are private per engine, shared within).
fn sees_across_connections(engine: &Engine) -> bool {
    let mut first = engine.connection().unwrap();
    first.execute("CREATE TABLE IF NOT EXISTS seen (x INTEGER)", &[]).unwrap();
    first.execute("INSERT INTO seen VALUES (1)", &[]).unwrap();
    first.commit().unwrap();
    let mut second = engine.connection().unwrap();
    let mut n = 0i64;
    second
        .query("SELECT count(*) FROM seen", &[], |r| {
            n = r.value(0)?;
            Ok(())
        })
        .unwrap();
    drop(first);
    n == 1
}

fn table_exists(engine: &Engine, name: &str) -> bool {
    let mut conn = engine.connection().unwrap();
    let mut n = 0i64;
    conn.query("SELECT count(*) FROM sqlite_master WHERE name = ?", &[orm::Value::Text(name.to_owned())], |r| {
        n = r.value(0)?;
        Ok(())
    })
    .unwrap();
    n == 1
}

#[test]
#[cfg(feature = "sqlite")]
fn conformance_connect_sqlite_memory_forms_are_in_memory() {
    // `sqlite:///:memory:` used to open the file `/:memory:`, so two engines shared it.
    for url in ["sqlite::memory:", "sqlite://", "sqlite:///:memory:", "sqlite://:memory:", "sqlite+rusqlite://"] {
        let a = Engine::builder(url).pool_size(2).build().unwrap();
        assert!(a.url().is_memory(), "{url}");
        assert!(sees_across_connections(&a), "{url}: one engine's connections share its database");
        let b = Engine::builder(url).pool_size(2).build().unwrap();
        assert!(table_exists(&a, "seen"));
        assert!(!table_exists(&b, "seen"), "{url}: another engine has a database of its own");
    }
    assert!(!Path::new("/:memory:").exists(), "a file named /:memory: was created");
}

#[test]
#[cfg(feature = "sqlite")]
fn conformance_connect_sqlite_relative_and_absolute_files() {
    let dir = TempDir::new("files");
    // Absolute: four slashes.
    let abs = dir.0.join("abs.db");
    let url = format!("sqlite:///{}", abs.display());
    assert!(url.starts_with("sqlite:////"));
    let engine = Engine::connect(&url).unwrap();
    assert_eq!(engine.url().database(), Some(abs.to_str().unwrap()));
    engine.execute("CREATE TABLE a (x INTEGER)", &[]).unwrap();
    assert!(abs.exists(), "{url} opened {}", abs.display());
    drop(engine);

    // Relative: three slashes, resolved against the working directory (a path with `..`
    // up to the root, then into the temp dir, so that the test does not change the
    // process's working directory).
    let cwd = std::env::current_dir().unwrap();
    let ups = "../".repeat(cwd.components().count() - 1);
    let rel = format!("{ups}{}", dir.0.join("rel.db").display().to_string().trim_start_matches('/'));
    assert!(Path::new(&rel).is_relative());
    for url in [format!("sqlite:///{rel}"), format!("sqlite://{rel}"), format!("sqlite+rusqlite:///{rel}")] {
        let engine = Engine::connect(&url).unwrap();
        assert_eq!(engine.url().database(), Some(rel.as_str()), "{url}");
        engine.execute("CREATE TABLE IF NOT EXISTS r (x INTEGER)", &[]).unwrap();
        assert!(dir.0.join("rel.db").exists(), "{url}");
    }

    // A SQLite URI filename, read-only: writing fails.
    let ro = Engine::connect(&format!("sqlite:///file:{}?mode=ro", abs.display())).unwrap();
    assert!(table_exists(&ro, "a"));
    assert!(ro.execute("CREATE TABLE b (x INTEGER)", &[]).is_err());
}

#[test]
#[cfg(feature = "postgres")]
fn conformance_connect_url_parts_and_drivers() {
    each_db("cc_url_parts", |db| {
        let url = db.engine.url();
        if db.is_pg() {
            assert_eq!(url.dialect(), DialectKind::Postgres);
            assert_eq!(url.driver(), "postgres");
            let parsed = DatabaseUrl::parse(&pg_url()).unwrap();
            assert_eq!((url.host(), url.port(), url.database()), (parsed.host(), parsed.port(), parsed.database()));
            assert_eq!(url.ssl_mode(), SslMode::Prefer);
        } else {
            assert_eq!(url.dialect(), DialectKind::Sqlite);
            assert_eq!(url.driver(), "rusqlite");
            assert!(url.is_memory());
        }
    });
    for url in ["postgresql+psycopg2://u@h/db", "sqlite+pysqlite:///:memory:"] {
        match Engine::connect(url) {
            Err(Error::UnknownDriver { driver, .. }) => assert!(url.contains(&format!("+{driver}:"))),
            other => panic!("{url}: {other:?}"),
        }
    }
}

/// A URL for a backend the build leaves out (orm's `sqlite` or `postgres` feature off) is a
/// typed error naming the feature, when the engine is built.
#[test]
#[cfg(not(all(feature = "sqlite", feature = "postgres")))]
fn conformance_connect_left_out_backend_names_its_feature() {
    #[cfg(not(feature = "postgres"))]
    let (url, wanted) = ("postgresql://u@localhost/db", "postgres");
    #[cfg(not(feature = "sqlite"))]
    let (url, wanted) = ("sqlite::memory:", "sqlite");
    match Engine::connect(url) {
        Err(e @ Error::BackendDisabled { feature, .. }) => {
            assert_eq!(feature, wanted);
            assert!(e.to_string().contains(&format!("`{wanted}` feature")), "{e}");
        }
        other => panic!("{url}: {other:?}"),
    }
}

#[test]
#[cfg(feature = "postgres")]
fn conformance_connect_postgres_schemes_and_encoded_user() {
    let Some(_schema) = PgSchema::create("cc_schemes") else { return };
    let base = DatabaseUrl::parse(&pg_url()).unwrap();
    let rest = pg_url().split_once("://").unwrap().1.to_owned();
    for scheme in ["postgresql", "postgres", "postgresql+postgres", "postgres+postgres"] {
        let engine = Engine::connect(&format!("{scheme}://{rest}")).unwrap();
        assert_eq!(scalar::<i32>(&engine, "SELECT 1"), 1, "{scheme}");
    }
    // A user name with `@` and a space, percent-encoded in the URL.
    let role = format!("orm user@{}", std::process::id());
    let mut admin = postgres::Client::connect(&pg_url(), postgres::NoTls).unwrap();
    admin.batch_execute(&format!("DROP ROLE IF EXISTS \"{role}\"; CREATE ROLE \"{role}\" LOGIN")).unwrap();
    let encoded = role.replace(' ', "%20").replace('@', "%40");
    let host = base.host().unwrap_or("127.0.0.1");
    let port = base.port().unwrap_or(5432);
    let db = base.database().unwrap_or("postgres");
    let url = format!("postgresql://{encoded}:any%2Fpass@{host}:{port}/{db}");
    let engine = Engine::connect(&url).unwrap();
    assert_eq!(engine.url().user(), Some(role.as_str()));
    assert_eq!(engine.url().password(), Some("any/pass"));
    assert_eq!(scalar::<String>(&engine, "SELECT current_user::text"), role);
    drop(engine);
    admin.batch_execute(&format!("DROP ROLE IF EXISTS \"{role}\"")).unwrap();
}

#[test]
#[cfg(feature = "postgres")]
fn conformance_connect_password_never_printed() {
    let Some(_schema) = PgSchema::create("cc_redact") else { return };
    let secret = "Sup3rSecretPw";
    let base = DatabaseUrl::parse(&pg_url()).unwrap();
    let host = base.host().unwrap_or("127.0.0.1");
    let port = base.port().unwrap_or(5432);
    let db = base.database().unwrap_or("postgres");
    let user = base.user().unwrap_or("postgres");
    for url in [
        format!("postgresql://{user}:{secret}@{host}:{port}/{db}"),
        format!("postgres://{user}@{host}:{port}/{db}?password={secret}"),
    ] {
        // The server trusts local connections, so the password is sent and ignored.
        let engine = Engine::connect(&url).unwrap();
        assert_eq!(engine.url().password(), Some(secret));
        assert_eq!(scalar::<i32>(&engine, "SELECT 1"), 1);
        for shown in [format!("{engine:?}"), format!("{:?}", engine.url()), engine.url().to_string()] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(engine.url().to_string().contains("***"));
    }
    // Errors: a URL that does not parse, and a server that cannot be reached.
    let bad = format!("postgresql://{user}:{secret}@{host}:notaport/{db}");
    let e = Engine::connect(&bad).unwrap_err();
    assert!(matches!(e, Error::InvalidUrl { .. }));
    let unreachable = format!("postgresql://{user}:{secret}@127.0.0.1:1/{db}?sslmode=disable&connect_timeout=1");
    let engine = Engine::builder(&unreachable).connection_timeout(Duration::from_millis(1500)).build().unwrap();
    let Err(e) = engine.connection() else { panic!("nothing listens on port 1") };
    assert!(matches!(&e, Error::PoolTimeout { last_error: Some(_), .. }), "{e:?}");
    for shown in [e.to_string(), format!("{e:?}")] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(!format!("{:?}", Engine::builder(&unreachable)).contains(secret));
}

#[test]
#[cfg(feature = "postgres")]
fn conformance_connect_tls_modes_on_the_shared_server() {
    let Some(_schema) = PgSchema::create("cc_tls") else { return };
    let url = pg_url();
    let tls = |mode: &str| Engine::connect(&with_params(&url, &format!("sslmode={mode}"))).unwrap();
    assert!(ssl_in_use(&tls("require")), "sslmode=require encrypts");
    assert!(!ssl_in_use(&tls("disable")), "sslmode=disable never encrypts");
    assert!(ssl_in_use(&tls("prefer")), "sslmode=prefer encrypts when the server offers TLS");
    // libpq's default is prefer.
    assert!(ssl_in_use(&Engine::connect(&url).unwrap()), "no sslmode: prefer");

    // verify-* without a root certificate (as libpq: no sslrootcert, no
    // ~/.postgresql/root.crt) cannot verify the self-signed snakeoil certificate.
    for (mode, want) in [("verify-full", SslMode::VerifyFull), ("verify-ca", SslMode::VerifyCa)] {
        match connect_error(&with_params(&url, &format!("sslmode={mode}"))) {
            Error::Tls { sslmode, message } => {
                assert_eq!(sslmode, want.as_str());
                assert!(message.contains("sslrootcert"), "{message}")
            }
            other => panic!("{mode}: {other:?}"),
        }
    }
    // With the system's roots: Debian lists the snakeoil certificate among them, but it
    // names the machine, not 127.0.0.1 (elsewhere it is an unknown issuer): refused either way.
    match connect_error(&with_params(&url, "sslmode=verify-full&sslrootcert=system")) {
        Error::Tls { sslmode: "verify-full", message } => assert!(message.contains("certificate"), "{message}"),
        other => panic!("{other:?}"),
    }
    // The snakeoil certificate is its own root: verify-ca accepts it when told to trust it;
    // verify-full also checks the name (the certificate names the machine, not 127.0.0.1).
    let snakeoil = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    let trusted = Engine::connect(&with_params(&url, &format!("sslmode=verify-ca&sslrootcert={snakeoil}"))).unwrap();
    assert!(ssl_in_use(&trusted));
    // A missing root file is refused when the engine is built.
    match Engine::connect(&with_params(&url, "sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem")) {
        Err(Error::Tls { sslmode: "verify-ca", message }) => assert!(message.contains("/nonexistent/ca.pem")),
        other => panic!("{other:?}"),
    }
}

#[test]
#[cfg(feature = "postgres")]
fn conformance_connect_tls_cancel_request_uses_tls() {
    let Some(_schema) = PgSchema::create("cc_tls_cancel") else { return };
    // Under require the cancel request must negotiate TLS too; a plaintext connector would
    // fail to send it and the statement would run its full 5 s.
    let engine = Engine::builder(&with_params(&pg_url(), "sslmode=require"))
        .query_deadline(Duration::from_millis(200))
        .build()
        .unwrap();
    assert!(ssl_in_use(&engine));
    let mut conn = engine.connection().unwrap();
    let started = Instant::now();
    let err = conn.execute("SELECT pg_sleep(5)", &[]).unwrap_err();
    assert!(matches!(err, Error::Canceled { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "canceled after {:?}", started.elapsed());
    drop(conn);
    assert_eq!(scalar::<i32>(&engine, "SELECT 1"), 1);
}

/// `openssl` with `args` in `dir`.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA (`ca.pem`) and a server certificate it signed for `localhost` only
/// (`server.crt`, `server.key`), plus an unrelated CA (`other.pem`).
fn make_certificates(dir: &Path) {
    std::fs::write(
        dir.join("ca.cnf"),
        "[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = v3_ca\n[dn]\nCN = orm test CA\n\
         [v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
         subjectKeyIdentifier = hash\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("server.ext"),
        "basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\n\
         subjectAltName = DNS:localhost\n",
    )
    .unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    for ca in ["ca", "other"] {
        let (key, pem) = (format!("{ca}.key"), format!("{ca}.pem"));
        let mut args = vec!["req", "-x509", "-config", "ca.cnf", "-days", "2", "-keyout", &key, "-out", &pem];
        args.extend(ec);
        openssl(dir, &args);
    }
    let mut args = vec!["req", "-new", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"];
    args.extend(ec);
    openssl(dir, &args);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ],
    );
}

#[test]
#[cfg(feature = "postgres")]
fn conformance_connect_tls_private_cluster_refusal_and_verification() {
    let Some(cluster) = PrivateCluster::start("cc_tls") else { return };
    let plain = format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port);

    // A fresh cluster has ssl = off: the modes that need TLS get a typed refusal naming
    // the mode; prefer falls back to plaintext.
    for (mode, want) in
        [("require", SslMode::Require), ("verify-ca", SslMode::VerifyCa), ("verify-full", SslMode::VerifyFull)]
    {
        match connect_error(&format!("{plain}?sslmode={mode}&sslrootcert=/etc/ssl/certs/ssl-cert-snakeoil.pem")) {
            Error::TlsRefused { sslmode } => assert_eq!(sslmode, want.as_str()),
            other => panic!("{mode}: {other:?}"),
        }
    }
    let e = Error::TlsRefused { sslmode: SslMode::VerifyFull.as_str() };
    assert!(e.to_string().contains("verify-full"), "{e}");
    assert!(!ssl_in_use(&Engine::connect(&format!("{plain}?sslmode=prefer")).unwrap()));

    // Turn TLS on with a certificate for `localhost`, signed by a CA made here.
    let certs = TempDir::new("certs");
    make_certificates(&certs.0);
    cluster.chown_postgres(&certs.0);
    let status = Command::new("chmod").arg("600").arg(certs.0.join("server.key")).status().unwrap();
    assert!(status.success());
    cluster.psql(&format!("ALTER SYSTEM SET ssl_cert_file = '{}'", certs.0.join("server.crt").display()));
    cluster.psql(&format!("ALTER SYSTEM SET ssl_key_file = '{}'", certs.0.join("server.key").display()));
    cluster.psql("ALTER SYSTEM SET ssl = on");
    cluster.psql("SELECT pg_reload_conf()");
    let end = Instant::now() + Duration::from_secs(10);
    while cluster.psql("SHOW ssl") != "on" {
        assert!(Instant::now() < end, "ssl did not turn on");
        std::thread::sleep(Duration::from_millis(50));
    }

    let ca = certs.0.join("ca.pem");
    let other = certs.0.join("other.pem");
    let by_name = format!("postgres://postgres@localhost:{}/postgres", cluster.port);
    // verify-full: the chain to ca.pem, and the name `localhost`.
    let full = Engine::connect(&format!("{by_name}?sslmode=verify-full&sslrootcert={}", ca.display())).unwrap();
    assert!(ssl_in_use(&full), "verify-full with the right CA and host name");
    // The same certificate reached as 127.0.0.1, a name it does not hold.
    match connect_error(&format!("{plain}?sslmode=verify-full&sslrootcert={}", ca.display())) {
        Error::Tls { sslmode: "verify-full", message } => assert!(message.contains("name"), "{message}"),
        other => panic!("{other:?}"),
    }
    // verify-ca does not check the name.
    let ca_only = Engine::connect(&format!("{plain}?sslmode=verify-ca&sslrootcert={}", ca.display())).unwrap();
    assert!(ssl_in_use(&ca_only));
    // Another CA: verify-ca fails, and so does require given that root (libpq's rule).
    for mode in ["verify-ca", "require"] {
        match connect_error(&format!("{by_name}?sslmode={mode}&sslrootcert={}", other.display())) {
            Error::Tls { message, .. } => assert!(message.contains("certificate"), "{mode}: {message}"),
            other => panic!("{mode}: {other:?}"),
        }
    }
    // Without a root, require encrypts and trusts any certificate.
    assert!(ssl_in_use(&Engine::connect(&format!("{plain}?sslmode=require")).unwrap()));
    // prefer: TLS, verified when a root is given; a handshake that fails (here: another CA)
    // is tried again in plaintext, as libpq does.
    let prefer = |root: &Path| Engine::connect(&format!("{by_name}?sslmode=prefer&sslrootcert={}", root.display()));
    assert!(ssl_in_use(&prefer(&ca).unwrap()));
    assert!(!ssl_in_use(&prefer(&other).unwrap()));
}

/// Connect time and per-query time, plaintext against TLS, on the shared server: the two
/// modes alternate, and each figure is the median of its rounds. Prints the numbers
/// (`--nocapture`); the README's TLS section quotes a run.
#[test]
#[cfg(feature = "postgres")]
fn conformance_connect_tls_cost() {
    let Some(_schema) = PgSchema::create("cc_tls_cost") else { return };
    const ROUNDS: usize = 15;
    const QUERIES: u32 = 100;
    let modes = ["disable", "require"];
    let urls = modes.map(|mode| with_params(&pg_url(), &format!("sslmode={mode}")));
    let engines = urls.clone().map(|url| Engine::builder(&url).pool_size(1).build().unwrap());
    assert_eq!(engines.each_ref().map(ssl_in_use), [false, true]);
    let mut conns = engines.each_ref().map(|e| e.connection().unwrap());
    let (mut connect, mut query): ([Vec<Duration>; 2], [Vec<Duration>; 2]) = Default::default();
    for _ in 0..ROUNDS {
        for (i, url) in urls.iter().enumerate() {
            // A new engine, one connection: URL parsing, the TLS set-up and the handshake.
            let started = Instant::now();
            let engine = Engine::builder(url).pool_size(1).pre_ping(false).build().unwrap();
            drop(engine.connection().unwrap());
            connect[i].push(started.elapsed());

            let mut sum = 0i64;
            let started = Instant::now();
            for n in 0..QUERIES {
                conns[i]
                    .query("SELECT $1::int8", &[orm::Value::I64(i64::from(n))], |r| {
                        sum += r.value::<i64>(0)?;
                        Ok(())
                    })
                    .unwrap();
            }
            query[i].push(started.elapsed() / QUERIES);
            assert_eq!(sum, i64::from(QUERIES * (QUERIES - 1) / 2));
        }
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let report: Vec<String> = (0..2)
        .map(|i| {
            format!("sslmode={}: connect {:?}, query {:?}", modes[i], median(&mut connect[i]), median(&mut query[i]))
        })
        .collect();
    println!("TLS cost (medians of {ROUNDS} rounds, {QUERIES} queries each): {}", report.join("; "));
}

/// SQLite in memory has no WAL: a connection's open write transaction locks the database for
/// every other connection. Checking another connection out does not wait (nor drop the idle
/// connections as broken); its statements fail with `Busy` once SQLite's busy timeout (5 s)
/// has passed, not with a `PoolTimeout` after the pool's 30 s.
#[test]
#[cfg(feature = "sqlite")]
fn conformance_connect_sqlite_memory_locked_by_a_writer_is_busy_not_a_pool_timeout() {
    let engine = Engine::connect("sqlite://").unwrap();
    engine.execute("CREATE TABLE locked (x INTEGER)", &[]).unwrap();
    drop((engine.connection().unwrap(), engine.connection().unwrap()));
    let mut writer = engine.connection().unwrap();
    writer.execute("INSERT INTO locked VALUES (1)", &[]).unwrap();
    let started = std::time::Instant::now();
    let mut reader = engine.connection().unwrap();
    assert!(started.elapsed() < Duration::from_secs(1), "checkout waited {:?}", started.elapsed());
    let e = reader.query("SELECT count(*) FROM locked", &[], |_| Ok(())).unwrap_err();
    assert!(matches!(e, Error::Busy { .. }), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(15), "took {:?}", started.elapsed());
    drop(reader);
    writer.commit().unwrap();
    let n: i64 = orm::query::text("SELECT count(*) FROM locked").scalar_one(&engine).unwrap();
    assert_eq!(n, 1);
    assert_eq!(engine.pool_status().connects, 2, "no connection was dropped for the lock");
}
