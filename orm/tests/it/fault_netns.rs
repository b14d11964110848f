//! A network namespace joined to this one by a veth pair, for a real network partition
//! (RELIABILITY.md T05 note): a loopback proxy cannot black-hole a connection, because its own
//! kernel acknowledges everything. Taking the namespace's end of the pair down does: packets
//! sent to it vanish without a reset, as on a cut cable. Needs root (`ip netns`); removed on
//! drop.

use std::process::Command;

/// `ip netns` plus a veth pair: this side `10.231.N.1`, the namespace side `10.231.N.2`.
pub struct NetNs {
    /// The namespace's name (for `ip netns exec`).
    pub name: String,
    host_if: String,
    peer_if: String,
    /// The address of the namespace's side.
    pub peer_ip: String,
}

impl NetNs {
    /// Create one for `test`; `None` (after saying why) where `ip netns` is not possible.
    pub fn create(test: &str) -> Option<NetNs> {
        let pid = std::process::id();
        let n = pid % 250 + 1;
        let name = format!("orm-{test}-{pid}");
        let (host_if, peer_if) = (format!("oh{}", pid % 1_000_000), format!("op{}", pid % 1_000_000));
        let ns = NetNs { name, host_if, peer_if, peer_ip: format!("10.231.{n}.2") };
        ns.teardown();
        let steps: Vec<Vec<String>> = vec![
            vec!["netns".into(), "add".into(), ns.name.clone()],
            vec![
                "link".into(),
                "add".into(),
                ns.host_if.clone(),
                "type".into(),
                "veth".into(),
                "peer".into(),
                "name".into(),
                ns.peer_if.clone(),
            ],
            vec!["link".into(), "set".into(), ns.peer_if.clone(), "netns".into(), ns.name.clone()],
            vec!["addr".into(), "add".into(), format!("10.231.{n}.1/24"), "dev".into(), ns.host_if.clone()],
            vec!["link".into(), "set".into(), ns.host_if.clone(), "up".into()],
        ];
        for step in &steps {
            if let Err(why) = ip(step) {
                ns.teardown();
                return skip(test, &why);
            }
        }
        for inside in [
            format!("addr add {}/24 dev {}", ns.peer_ip, ns.peer_if),
            format!("link set {} up", ns.peer_if),
            "link set lo up".to_owned(),
        ] {
            if let Err(why) = ns.ip_inside(&inside) {
                ns.teardown();
                return skip(test, &why);
            }
        }
        Some(ns)
    }

    /// `ip <args>` run inside the namespace.
    fn ip_inside(&self, args: &str) -> Result<(), String> {
        let mut all = vec!["netns".to_owned(), "exec".to_owned(), self.name.clone(), "ip".to_owned()];
        all.extend(args.split_whitespace().map(str::to_owned));
        ip(&all)
    }

    /// Cut the cable: the namespace's end goes down, and packets to it vanish silently.
    pub fn partition(&self) {
        self.ip_inside(&format!("link set {} down", self.peer_if)).expect("take the link down");
    }

    /// Mend it.
    pub fn heal(&self) {
        self.ip_inside(&format!("link set {} up", self.peer_if)).expect("bring the link up");
    }

    fn teardown(&self) {
        let _ = Command::new("ip").args(["link", "del", &self.host_if]).output();
        let _ = Command::new("ip").args(["netns", "del", &self.name]).output();
    }
}

impl Drop for NetNs {
    fn drop(&mut self) {
        self.teardown();
    }
}

fn ip(args: &[String]) -> Result<(), String> {
    let out = Command::new("ip").args(args).output().map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn skip(test: &str, why: &str) -> Option<NetNs> {
    if std::env::var("ORM_REQUIRE_PG").is_ok_and(|v| v == "1") {
        panic!("`{test}` needs a network namespace (ORM_REQUIRE_PG=1, as in CI, where tests run as root), but {why}");
    }
    eprintln!("SKIPPED `{test}`: {why}");
    None
}
