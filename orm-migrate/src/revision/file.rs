//! One migration file: a revision, its parents, its message and its operations, as TOML.
//!
//! ```toml
//! # add users.email
//! revision = "3f2a9c1e7b04"
//! parents = ["a1b2c3d4e5f6"]
//! message = "add users.email"
//! created = "2026-12-06 02:40:00 UTC"
//!
//! [[upgrade]]
//! op = "add_column"
//! table = "users"
//! column = { name = "email", type = "text", nullable = true }
//!
//! [[downgrade]]
//! op = "drop_column"
//! table = "users"
//! column = "email"
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ops::Operation;

/// A revision: one migration file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// Its id (12 hexadecimal digits when generated).
    pub revision: String,
    /// The revisions it follows (none: a base; two or more: a merge).
    #[serde(default)]
    pub parents: Vec<String>,
    /// What it does, in a few words.
    pub message: String,
    /// Names of the branch it starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branch_labels: Vec<String>,
    /// Revisions (of other branches) that must be applied before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// When it was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The operations that apply it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upgrade: Vec<Operation>,
    /// The operations that undo it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub downgrade: Vec<Operation>,
}

impl Revision {
    /// An empty revision after `parents`.
    pub fn new(revision: impl Into<String>, parents: Vec<String>, message: impl Into<String>) -> Self {
        Revision {
            revision: revision.into(),
            parents,
            message: message.into(),
            branch_labels: Vec::new(),
            depends_on: Vec::new(),
            created: None,
            upgrade: Vec::new(),
            downgrade: Vec::new(),
        }
    }

    /// Read `file`.
    pub fn load(file: &Path) -> Result<Revision> {
        let text = std::fs::read_to_string(file).map_err(|source| Error::Io { path: file.to_owned(), source })?;
        Revision::parse(&text).map_err(|reason| Error::MalformedFile { file: file.to_owned(), reason })
    }

    /// Read a file's text.
    pub fn parse(text: &str) -> std::result::Result<Revision, String> {
        let revision: Revision = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
        if revision.revision.trim().is_empty() {
            return Err("`revision` is empty".into());
        }
        Ok(revision)
    }

    /// The file's text: `notes` as comment lines first (one per note), then the revision.
    pub fn render(&self, notes: &[String]) -> Result<String> {
        let body = toml::to_string_pretty(self).map_err(|e| Error::MalformedFile {
            file: PathBuf::from(self.file_name()),
            reason: format!("cannot be written: {e}"),
        })?;
        let mut out = format!("# {}\n", self.message.lines().next().unwrap_or_default());
        for note in notes {
            for line in note.lines() {
                out.push_str("# ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out.push('\n');
        out.push_str(&body);
        Ok(out)
    }

    /// `<revision>_<words of the message>.toml`.
    pub fn file_name(&self) -> String {
        let mut slug = String::new();
        for word in self.message.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
            if slug.len() + word.len() > 40 {
                break;
            }
            if !slug.is_empty() {
                slug.push('_');
            }
            slug.push_str(&word.to_ascii_lowercase());
        }
        if slug.is_empty() {
            format!("{}.toml", self.revision)
        } else {
            format!("{}_{slug}.toml", self.revision)
        }
    }

    /// Write it into `dir` (created if need be), with `notes` as comments; the file's path.
    pub fn write(&self, dir: &Path, notes: &[String]) -> Result<PathBuf> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
        let path = dir.join(self.file_name());
        std::fs::write(&path, self.render(notes)?).map_err(|source| Error::Io { path: path.clone(), source })?;
        Ok(path)
    }
}

/// A new revision id: 12 hexadecimal digits (48 random bits, from the standard library's
/// randomly keyed hasher over the time and a counter).
pub fn new_revision_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    h.write_u128(now.as_nanos());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use orm_runtime::schema::ReferentialAction;
    use orm_runtime::types::SqlKind;

    use super::*;
    use crate::ops::{ColumnSpec, ColumnType, ForeignKeySpec, TableSpec};

    fn sample() -> Revision {
        let mut r = Revision::new("3f2a9c1e7b04", vec!["a1b2c3d4e5f6".into()], "Add users.email, and pets!");
        r.created = Some("2026-12-06 02:40:00 UTC".into());
        let mut pets = TableSpec::new("pets")
            .column(ColumnSpec::generated_key("id", SqlKind::BigInt))
            .column(ColumnSpec::new("owner_id", ColumnType::of(SqlKind::BigInt)))
            .column(ColumnSpec::new("name", ColumnType::text(40)).default("'rex'"));
        pets.foreign_keys.push(ForeignKeySpec {
            name: Some("fk_pets_owner_id".into()),
            columns: vec!["owner_id".into()],
            referred_table: "users".into(),
            referred_columns: vec!["id".into()],
            on_delete: ReferentialAction::Cascade,
            on_update: ReferentialAction::NoAction,
        });
        r.upgrade = vec![
            Operation::AddColumn {
                table: "users".into(),
                column: ColumnSpec::new("email", ColumnType::of(SqlKind::Text)).nullable(),
            },
            Operation::CreateTable(pets),
        ];
        r.downgrade = vec![
            Operation::DropTable { table: "pets".into() },
            Operation::DropColumn { table: "users".into(), column: "email".into() },
        ];
        r
    }

    #[test]
    fn a_revision_reads_back_as_written_and_reads_like_this() {
        let r = sample();
        let text = r.render(&["DATA LOSS: nothing, really".into()]).unwrap();
        assert_eq!(Revision::parse(&text), Ok(r.clone()));
        let expected = r#"# Add users.email, and pets!
# DATA LOSS: nothing, really

revision = "3f2a9c1e7b04"
parents = ["a1b2c3d4e5f6"]
message = "Add users.email, and pets!"
created = "2026-12-06 02:40:00 UTC"

[[upgrade]]
op = "add_column"
table = "users"

[upgrade.column]
name = "email"
type = "text"
nullable = true

[[upgrade]]
op = "create_table"
name = "pets"

[[upgrade.columns]]
name = "id"
type = "bigint"
auto_increment = true

[[upgrade.columns]]
name = "owner_id"
type = "bigint"

[[upgrade.columns]]
name = "name"
type = "varchar(40)"
default = "'rex'"

[[upgrade.foreign_keys]]
name = "fk_pets_owner_id"
columns = ["owner_id"]
referred_table = "users"
referred_columns = ["id"]
on_delete = "cascade"

[[downgrade]]
op = "drop_table"
table = "pets"

[[downgrade]]
op = "drop_column"
table = "users"
column = "email"
"#;
        assert_eq!(text, expected);
        assert_eq!(r.file_name(), "3f2a9c1e7b04_add_users_email_and_pets.toml");
    }

    #[test]
    fn a_file_edited_by_hand_with_a_typo_is_refused_with_the_line() {
        let text = "revision = \"ab\"\nmessage = \"m\"\n\n[[upgrade]]\nop = \"add_colum\"\ntable = \"t\"\n";
        let err = Revision::parse(text).unwrap_err();
        assert!(err.contains("add_colum") && err.contains("line 5"), "{err}");
        let text =
            "revision = \"ab\"\nmessage = \"m\"\n\n[[upgrade]]\nop = \"drop_table\"\ntable = \"t\"\ncascade = true\n";
        assert!(Revision::parse(text).unwrap_err().contains("cascade"));
    }

    #[test]
    fn new_ids_are_twelve_hex_digits_and_differ() {
        let (a, b) = (new_revision_id(), new_revision_id());
        assert_eq!(a.len(), 12);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
