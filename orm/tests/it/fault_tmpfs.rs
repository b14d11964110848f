//! A tiny tmpfs for disk-full tests (RELIABILITY.md §4.1, T24): `mount -t tmpfs -o size=N`,
//! unmounted (lazily, so files a server still holds open do not block it) and removed on drop.
//! Mounting needs root; the tests say so and skip without it, unless PostgreSQL is required.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs of a fixed size.
pub struct TmpfsMount {
    dir: PathBuf,
}

impl TmpfsMount {
    /// Mount `size_kib` KiB of tmpfs on a new directory for `test`; `None` (after saying
    /// why) when mounting is not possible here.
    pub fn mount(test: &str, size_kib: u32) -> Option<TmpfsMount> {
        let dir = std::env::temp_dir().join(format!("orm-tmpfs-{test}-{}", std::process::id()));
        let _ = Command::new("umount").arg("-l").arg(&dir).output();
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("tmpfs mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_kib}k"), "tmpfs"])
            .arg(&dir)
            .output()
            .expect("mount");
        if !out.status.success() {
            let why = format!("cannot mount a tmpfs: {}", String::from_utf8_lossy(&out.stderr).trim());
            let _ = std::fs::remove_dir(&dir);
            if std::env::var("ORM_REQUIRE_PG").is_ok_and(|v| v == "1") {
                panic!("`{test}` needs a tmpfs (ORM_REQUIRE_PG=1, as in CI, where tests run as root), but {why}");
            }
            eprintln!("SKIPPED `{test}`: {why}");
            return None;
        }
        Some(TmpfsMount { dir })
    }

    /// Give the filesystem `size_kib` KiB, keeping its files (`mount -o remount`): the
    /// operator freeing disk space.
    pub fn resize(&self, size_kib: u32) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,size={size_kib}k")])
            .arg(&self.dir)
            .output()
            .expect("mount -o remount");
        assert!(out.status.success(), "remount: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Where it is mounted.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for TmpfsMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
