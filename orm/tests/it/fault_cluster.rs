//! A private PostgreSQL cluster for the faults that must never be done to the shared server
//! (RELIABILITY.md §4.1): restart, stop, SIGSTOP, SIGKILL and tablespaces on a tiny tmpfs.
//!
//! `initdb` into a temp directory owned by `postgres` (about half a second here), a free port
//! on 127.0.0.1, `fsync=off`; `pg_ctl` drives it. Dropping the guard stops the cluster with
//! `-m immediate` and removes the directory. The binaries are found under
//! `/usr/lib/postgresql/<version>/bin` (or `ORM_TEST_PG_BIN`). Where they are missing the
//! tests print why and skip, unless PostgreSQL is required (`ORM_REQUIRE_PG=1`, as in CI).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A throwaway PostgreSQL server of this test's own.
pub struct PrivateCluster {
    dir: PathBuf,
    bin: PathBuf,
    /// The port it listens on.
    pub port: u16,
    /// The network namespace it runs in, if not this one.
    netns: Option<String>,
    /// The address it listens on (127.0.0.1, or its namespace's).
    host: String,
}

impl PrivateCluster {
    /// initdb and start a cluster for `test`; `None` (after saying why) where that is not
    /// possible here and PostgreSQL is not required.
    pub fn start(test: &str) -> Option<PrivateCluster> {
        PrivateCluster::start_in(test, None)
    }

    /// [`PrivateCluster::start`] inside network namespace `netns` (its name and the address
    /// to listen on), so that cutting the namespace's link partitions it from its clients.
    pub fn start_in(test: &str, netns: Option<(&str, &str)>) -> Option<PrivateCluster> {
        let Some(bin) = pg_bin_dir() else {
            return skip(test, "no PostgreSQL server binaries (initdb, pg_ctl) found");
        };
        if !is_root() {
            return skip(test, "not root: cannot run initdb as the `postgres` user");
        }
        let dir = std::env::temp_dir().join(format!("orm-cluster-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("cluster directory");
        let port = free_port();
        let (netns, host) = match netns {
            Some((name, ip)) => (Some(name.to_owned()), ip.to_owned()),
            None => (None, "127.0.0.1".to_owned()),
        };
        let cluster = PrivateCluster { dir, bin, port, netns, host };
        cluster.chown_postgres(&cluster.dir.clone());
        cluster.as_postgres(&format!(
            "{} -D {} -A trust -U postgres",
            cluster.tool("initdb"),
            cluster.data().display()
        ));
        let conf = format!(
            "\nport = {port}\nlisten_addresses = '{}'\nunix_socket_directories = '{}'\nfsync = off\n\
             max_connections = 20\nshared_buffers = 16MB\n",
            cluster.host,
            cluster.dir.display()
        );
        let path = cluster.data().join("postgresql.conf");
        let mut text = std::fs::read_to_string(&path).expect("postgresql.conf");
        text.push_str(&conf);
        std::fs::write(&path, text).expect("write postgresql.conf");
        if cluster.netns.is_some() {
            // Clients come from this side of the namespace's link.
            let hba = cluster.data().join("pg_hba.conf");
            let mut rules = std::fs::read_to_string(&hba).expect("pg_hba.conf");
            rules.push_str("\nhost all all 10.231.0.0/16 trust\n");
            std::fs::write(&hba, rules).expect("write pg_hba.conf");
        }
        cluster.pg_ctl("start");
        Some(cluster)
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@{}:{}/postgres", self.host, self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn tool(&self, name: &str) -> String {
        self.bin.join(name).display().to_string()
    }

    /// `pg_ctl -w <action>`: `start`, `stop -m fast`, `restart -m fast`, ...
    pub fn pg_ctl(&self, action: &str) {
        let log = self.dir.join("log");
        self.as_postgres(&format!(
            "{} -w -D {} -l {} {action}",
            self.tool("pg_ctl"),
            self.data().display(),
            log.display()
        ));
    }

    /// The postmaster's pid (first line of `postmaster.pid`).
    pub fn postmaster_pid(&self) -> u32 {
        let text = std::fs::read_to_string(self.data().join("postmaster.pid")).expect("postmaster.pid");
        text.lines().next().and_then(|l| l.trim().parse().ok()).expect("pid in postmaster.pid")
    }

    /// Send `signal` (`STOP`, `CONT`, `KILL`) to the postmaster.
    pub fn signal_postmaster(&self, signal: &str) {
        let pid = self.postmaster_pid();
        let status = Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status().expect("kill");
        assert!(status.success(), "kill -{signal} {pid}");
    }

    /// SIGKILL the postmaster, wait until its processes are gone (the backends notice the
    /// postmaster's death and exit), and start it again: crash recovery.
    pub fn crash_and_recover(&self) {
        let pid = self.postmaster_pid();
        self.signal_postmaster("KILL");
        let end = Instant::now() + Duration::from_secs(10);
        while process_alive(pid) || processes_in(&self.data()) > 0 {
            assert!(Instant::now() < end, "the killed cluster's processes did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
        // Nothing here reaps orphans (the container's init does not), so the dead postmaster
        // stays a zombie that `kill(pid, 0)` still finds: its lock file would stop the
        // restart, and so would its socket's. Every process of the cluster is gone: both
        // lock files are stale.
        let _ = std::fs::remove_file(self.data().join("postmaster.pid"));
        let _ = std::fs::remove_file(self.dir.join(format!(".s.PGSQL.{}.lock", self.port)));
        self.pg_ctl("start");
    }

    /// Run SQL through psql as the superuser (setup outside the engine under test).
    pub fn psql(&self, sql: &str) -> String {
        let out = Command::new(self.tool("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", &self.host, "-U", "postgres"])
            .args(["-p", &self.port.to_string(), "-d", "postgres", "-c", sql])
            .output()
            .expect("psql");
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Give `path` to the `postgres` user.
    pub fn chown_postgres(&self, path: &Path) {
        let status = Command::new("chown").args(["-R", "postgres:postgres"]).arg(path).status().expect("chown");
        assert!(status.success(), "chown postgres {}", path.display());
    }

    fn as_postgres(&self, command: &str) {
        let mut cmd = match &self.netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, "su"]);
                c
            }
            None => Command::new("su"),
        };
        let out = cmd.args(["postgres", "-s", "/bin/sh", "-c", command]).output().expect("su postgres");
        assert!(
            out.status.success(),
            "`{command}` failed: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
        );
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        // A stopped (SIGSTOP) postmaster cannot shut down: continue it first.
        if let Ok(text) = std::fs::read_to_string(self.data().join("postmaster.pid")) {
            if let Some(pid) = text.lines().next() {
                let _ = Command::new("kill").args(["-CONT", pid.trim()]).status();
            }
        }
        let _ = Command::new("su")
            .args(["postgres", "-s", "/bin/sh", "-c"])
            .arg(format!("{} -D {} stop -m immediate", self.tool("pg_ctl"), self.data().display()))
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn skip(test: &str, why: &str) -> Option<PrivateCluster> {
    if std::env::var("ORM_REQUIRE_PG").is_ok_and(|v| v == "1") {
        panic!("`{test}` needs a private PostgreSQL cluster (ORM_REQUIRE_PG=1), but {why}");
    }
    eprintln!("SKIPPED `{test}`: {why}");
    None
}

/// The newest `/usr/lib/postgresql/<version>/bin` with `initdb`, or `ORM_TEST_PG_BIN`.
fn pg_bin_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("ORM_TEST_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// Whether this process runs as root (`id -u`).
pub fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| !s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
            .unwrap_or(false)
}

/// Live processes whose working directory is `data` (PostgreSQL's processes chdir into
/// their data directory).
fn processes_in(data: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())))
        .filter(|e| std::fs::read_link(e.path().join("cwd")).is_ok_and(|cwd| cwd == data))
        .filter(|e| e.file_name().to_str().and_then(|n| n.parse().ok()).is_some_and(process_alive))
        .count()
}
