//! The attribute vocabulary: every key `#[orm(...)]` and `#[relationship(...)]` accept, in
//! one place, for every derive; and the retired spellings, which are errors with a hint.

/// Keys accepted on the struct.
pub(crate) const CONTAINER_KEYS: &[&str] = &[
    TABLE,
    UNIQUE,
    INDEX,
    UNIQUE_INDEX,
    CHECK,
    VALIDATE,
    VALIDATES,
    HYBRID,
    POLYMORPHIC_ON,
    POLYMORPHIC_IDENTITY,
    INHERITS,
];
/// Keys accepted on a field.
pub(crate) const FIELD_KEYS: &[&str] = &[
    PRIMARY_KEY,
    AUTO_INCREMENT,
    COLUMN,
    MAX_LENGTH,
    UNIQUE,
    INDEX,
    DEFAULT,
    SERVER_DEFAULT,
    CHECK,
    FOREIGN_KEY,
    ON_DELETE,
    ON_UPDATE,
    UPDATE_DEFAULT,
    NUMERIC,
    VALIDATE,
    VERSION,
];
/// Keys accepted on a `#[derive(SqlEnum)]` enum.
pub(crate) const SQL_ENUM_KEYS: &[&str] = &[TEXT, INTEGER, RENAME_ALL];
/// Keys accepted on a variant of a `#[derive(SqlEnum)]` enum.
pub(crate) const SQL_ENUM_VARIANT_KEYS: &[&str] = &[RENAME];
/// `text`: the enum is stored as TEXT, a name per variant (the default).
pub(crate) const TEXT: &str = "text";
/// `integer`: the enum is stored as INTEGER, each variant's discriminant.
pub(crate) const INTEGER: &str = "integer";
/// `rename_all = "snake_case"`: the case of the stored names.
pub(crate) const RENAME_ALL: &str = "rename_all";
/// `rename = "..."`: one variant's stored name.
pub(crate) const RENAME: &str = "rename";
/// Values of `rename_all` (serde's).
pub(crate) const CASES: &[&str] = &[
    "lowercase",
    "UPPERCASE",
    "PascalCase",
    "camelCase",
    "snake_case",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "SCREAMING-KEBAB-CASE",
];
/// Keys accepted on a field of a `#[derive(FromRow)]` struct.
pub(crate) const FROM_ROW_FIELD_KEYS: &[&str] = &[LABEL];
/// `label = "..."`: the label a `FromRow` field reads (by default its name).
pub(crate) const LABEL: &str = "label";
/// Keys accepted on a `#[derive(Polymorphic)]` enum.
pub(crate) const POLYMORPHIC_ENUM_KEYS: &[&str] = &[BASE];
/// Keys accepted on a variant of a `#[derive(Polymorphic)]` enum.
pub(crate) const POLYMORPHIC_VARIANT_KEYS: &[&str] = &[POLYMORPHIC_FALLBACK];
pub(crate) const BASE: &str = "base";
pub(crate) const POLYMORPHIC_FALLBACK: &str = "polymorphic_fallback";
/// Keys accepted by `#[relationship(...)]`.
pub(crate) const RELATIONSHIP_KEYS: &[&str] =
    &[FOREIGN_KEY, BACK_POPULATES, CASCADE_DELETE, DELETE_ORPHAN, LAZY, SECONDARY];
pub(crate) const SECONDARY: &str = "secondary";
pub(crate) const CASCADE_DELETE: &str = "cascade_delete";
pub(crate) const LAZY: &str = "lazy";
/// Loading strategies of `lazy = ...` (`select`: loaded on request; `dynamic`: the same, the
/// collection being read through `Rel.query_for(...)`).
pub(crate) const LAZY_STRATEGIES: &[&str] = &["select", "selectin", "joined", "subquery", "noload", "raise", "dynamic"];
pub(crate) const BACK_POPULATES: &str = "back_populates";
pub(crate) const DELETE_ORPHAN: &str = "delete_orphan";
pub(crate) const RELATIONSHIP: &str = "relationship";
/// Referential actions of `on_delete` / `on_update`.
pub(crate) const ACTIONS: &[&str] = &["cascade", "restrict", "set_null", "set_default", "no_action"];

pub(crate) const ORM: &str = "orm";
/// `name = "..."` inside `index(...)`, `unique_index(...)`, `unique(...)` and `check(...)`.
pub(crate) const NAME: &str = "name";
pub(crate) const TABLE: &str = "table";
pub(crate) const UNIQUE: &str = "unique";
pub(crate) const INDEX: &str = "index";
pub(crate) const UNIQUE_INDEX: &str = "unique_index";
pub(crate) const CHECK: &str = "check";
pub(crate) const PRIMARY_KEY: &str = "primary_key";
pub(crate) const AUTO_INCREMENT: &str = "auto_increment";
pub(crate) const COLUMN: &str = "column";
pub(crate) const MAX_LENGTH: &str = "max_length";
pub(crate) const DEFAULT: &str = "default";
pub(crate) const SERVER_DEFAULT: &str = "server_default";
pub(crate) const FOREIGN_KEY: &str = "foreign_key";
pub(crate) const ON_DELETE: &str = "on_delete";
pub(crate) const ON_UPDATE: &str = "on_update";
/// `update_default = expr`: the value every UPDATE writes to a column it does not set itself
/// (SQLAlchemy's `onupdate`; paired with `default`, the value of an INSERT).
pub(crate) const UPDATE_DEFAULT: &str = "update_default";
pub(crate) const NUMERIC: &str = "numeric";
pub(crate) const VALIDATE: &str = "validate";
pub(crate) const VALIDATES: &str = "validates";
pub(crate) const VERSION: &str = "version";
pub(crate) const HYBRID: &str = "hybrid";
pub(crate) const POLYMORPHIC_ON: &str = "polymorphic_on";
pub(crate) const POLYMORPHIC_IDENTITY: &str = "polymorphic_identity";
pub(crate) const INHERITS: &str = "inherits";

/// Retired spellings, each an error on the key with a hint naming what replaced it.
///
/// `onupdate` was the value written by every UPDATE; beside `on_update` (the foreign key's ON
/// UPDATE action) one typo swapped two unrelated meanings, so it is now `update_default`.
pub(crate) const ONUPDATE: &str = "onupdate";
/// The hint given for `onupdate`.
pub(crate) const ONUPDATE_HINT: &str = "`onupdate` is now `update_default`: write `update_default = expr` for the value every UPDATE writes (`on_update` is the foreign key's ON UPDATE action)";
/// `#[sql_enum(...)]`, the attribute `SqlEnum` used to take: its keys are now written in
/// `#[orm(...)]`, one of the two attribute namespaces (`orm`, `relationship`).
pub(crate) const SQL_ENUM: &str = "sql_enum";

/// The closest known key to a misspelled one, if it is close enough to be a typo.
pub(crate) fn suggest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(unknown, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// "unknown attribute `x`, did you mean `y`?" or "..., expected one of ...".
pub(crate) fn unknown_key_message(unknown: &str, known: &[&str]) -> String {
    match suggest(unknown, known) {
        Some(k) => format!("unknown attribute `{unknown}`; did you mean `{k}`?"),
        None => format!(
            "unknown attribute `{unknown}`, expected one of {}",
            known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
/// transpositions (`tabel` -> `table` is one edit).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}
