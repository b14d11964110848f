//! The layering of `orm-runtime`, checked on every `cargo test`.
//!
//! Inside `src/`, from top to bottom (a file may name only its own layer or a lower one):
//!
//! ```text
//! lib.rs, derive_support.rs   the crate root and the support module of generated code
//! testing.rs                  test fixtures users import (databases of a test's own)
//! session/                    unit of work, identity map, loaders
//! query/                      statements and their execution
//! backend/                    connections, pool, engine: runs rendered SQL, builds none
//! dialect/                    AST -> SQL text, one renderer; every database difference
//! expr/, hybrid.rs            typed expressions over the neutral AST
//! model.rs                    the Model trait: metadata, key, row codec
//! schema/                     tables, columns, constraints, DDL plans
//! types/                      Rust <-> SQL values, driver rows
//! error.rs                    the error enum
//! ```
//!
//! Nothing names `derive_support` but the crate root. Files of `backend/`, `query/` and
//! `session/` import no circle. `expr/` and `query/` name no driver and no dialect kind, and
//! `backend/` holds no SQL statement text (the dialect renders it; string literals of its
//! `#[cfg(test)]` modules are statements passed through, not built, and are not checked).
//!
//! A file's imports are the `crate::` / `super::` / `self::` paths it names in code (use items,
//! grouped or not, and inline paths); comments, doc comments and string literals are skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Layers from bottom (0) to top; a module not listed here is not part of the crate.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("types", 1),
    ("schema", 2),
    ("model", 3),
    ("expr", 4),
    ("hybrid", 4),
    ("dialect", 5),
    ("backend", 6),
    ("query", 7),
    ("session", 8),
    ("derive_support", 9),
    ("testing", 9),
    ("asyncio", 9),
    ("lib", 9),
];

/// Climbing imports that another change removes; each entry is `(file, module it may name)`.
const ALLOWED_CLIMBS: &[(&str, &str)] = &[];

/// Import circles that other changes remove (delete each entry when its circle is gone): a
/// circle whose files all lie in one entry passes.
const ALLOWED_CIRCLES: &[&[&str]] = &[];

/// Words that name a driver or a database, forbidden in `expr/` and `query/`.
const DRIVER_WORDS: &[&str] = &["rusqlite", "postgres_protocol", "DialectKind", "RowRef::Sqlite", "RowRef::Postgres"];

/// First words of statement text that only `dialect/` may write.
const SQL_WORDS: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "CREATE",
    "DROP",
    "ALTER",
    "SET ",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "PRAGMA",
];

// ---------------------------------------------------------------------------------------------
// Reading sources
// ---------------------------------------------------------------------------------------------

/// One source file of the crate.
struct Source {
    /// Path below `src/`, with `/` separators: `query/insert.rs`.
    file: String,
    /// Code with comments removed and every string or char literal replaced by `""`.
    code: String,
    /// The contents of the string literals outside `#[cfg(test)]` modules, in order.
    strings: Vec<String>,
}

impl Source {
    /// The module path of the file: `["query", "insert"]`, `["backend"]` for `backend/mod.rs`,
    /// `[]` for `lib.rs`.
    fn module(&self) -> Vec<String> {
        let stem = self.file.trim_end_matches(".rs");
        let mut parts: Vec<String> = stem.split('/').map(str::to_owned).collect();
        if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
            parts.pop();
        }
        parts
    }

    /// The top module the file belongs to (`lib` for the crate root).
    fn top(&self) -> &str {
        let stem = self.file.trim_end_matches(".rs");
        stem.split('/').next().unwrap_or(stem)
    }

    /// The directory holding the file (`query`), or `""` at the root.
    fn dir(&self) -> &str {
        self.file.rsplit_once('/').map_or("", |(d, _)| d)
    }
}

fn read_sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(root.join(&file)).expect("source file is readable");
            let (code, strings) = strip(&text);
            let tests = test_module_spans(&code);
            let strings =
                strings.into_iter().filter(|(at, _)| !tests.iter().any(|r| r.contains(at))).map(|(_, s)| s).collect();
            Source { file, code, strings }
        })
        .collect()
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).expect("below src");
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Removes comments and replaces literals by `""`; returns the code and each string literal's
/// content with its position in the code.
fn strip(src: &str) -> (String, Vec<(usize, String)>) {
    let s: Vec<char> = src.chars().collect();
    let (mut code, mut strings, mut i) = (String::new(), Vec::new(), 0);
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        let prev_ident = i > 0 && is_ident(s[i - 1]);
        if c == '/' && next == Some('/') {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            code.push(' ');
        } else if !prev_ident && (c == 'r' || (c == 'b' && next == Some('r'))) && raw_string_start(&s, i).is_some() {
            let (hashes, body) = raw_string_start(&s, i).unwrap_or_default();
            let close: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let mut j = body;
            while j < s.len() && !s[j..].starts_with(&close) {
                j += 1;
            }
            strings.push((code.len(), s[body..j.min(s.len())].iter().collect()));
            code.push_str("\"\"");
            i = j + close.len();
        } else if c == '"' || (c == 'b' && next == Some('"') && !prev_ident) {
            let mut j = if c == 'b' { i + 2 } else { i + 1 };
            let body = j;
            while j < s.len() && s[j] != '"' {
                j += if s[j] == '\\' { 2 } else { 1 };
            }
            strings.push((code.len(), s[body..j.min(s.len())].iter().collect()));
            code.push_str("\"\"");
            i = j + 1;
        } else if c == '\'' && next == Some('\\') {
            let mut j = i + 2;
            while j < s.len() && s[j] != '\'' {
                j += 1;
            }
            code.push_str("''");
            i = j + 1;
        } else if c == '\'' && s.get(i + 2) == Some(&'\'') {
            code.push_str("''");
            i += 3;
        } else {
            code.push(c);
            i += 1;
        }
    }
    (code, strings)
}

/// At a raw string (`r"`, `r#"`, `br#"`): the number of `#` and where its body starts.
fn raw_string_start(s: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = if s[i] == 'b' { i + 2 } else { i + 1 };
    let mut hashes = 0;
    while s.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (s.get(j) == Some(&'"')).then_some((hashes, j + 1))
}

/// The byte ranges of inline modules (`mod name { .. }`) with their names, outermost first.
fn inline_modules(code: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("mod ") {
        if at > 0 && code[..at].chars().next_back().is_some_and(is_ident) {
            continue;
        }
        let rest = &code[at + 4..];
        let name: String = rest.trim_start().chars().take_while(|c| is_ident(*c)).collect();
        let after = rest.trim_start()[name.len()..].trim_start();
        if name.is_empty() || !after.starts_with('{') {
            continue;
        }
        let open = code.len() - after.len();
        out.push((name, open..matching_brace(code, open)));
    }
    out
}

/// The ranges of `#[cfg(test)]` inline modules.
fn test_module_spans(code: &str) -> Vec<std::ops::Range<usize>> {
    inline_modules(code)
        .into_iter()
        .filter(|(_, r)| {
            code[..r.start].rfind("#[cfg(test)]").is_some_and(|a| !code[a..r.start].contains(['{', '}', ';']))
        })
        .map(|(_, r)| r)
        .collect()
}

fn matching_brace(code: &str, open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in code[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return open + i;
                }
            }
            _ => {}
        }
    }
    code.len()
}

// ---------------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------------

/// A path a file names, as written (`["crate", "query", "Select"]`), where it is, and whether it
/// is part of a `pub use` re-export.
#[derive(Debug, Clone, PartialEq)]
struct Named {
    path: Vec<String>,
    at: usize,
    reexport: bool,
}

/// Every path named by a use item (grouped trees expanded) and every inline `crate::`,
/// `super::` or `self::` path.
fn named_paths(code: &str) -> Vec<Named> {
    let mut out = Vec::new();
    let mut in_use = Vec::new();
    for (at, _) in code.match_indices("use") {
        let before = code[..at].chars().next_back();
        let after = code[at + 3..].chars().next();
        if before.is_some_and(is_ident) || !after.is_some_and(char::is_whitespace) {
            continue;
        }
        let end = code[at..].find(';').map_or(code.len(), |e| at + e);
        let head = code[..at].trim_end();
        let reexport = head.ends_with("pub")
            || head
                .rsplit_once("pub")
                .is_some_and(|(_, v)| v.starts_with('(') && v.ends_with(')') && !v.contains(['{', '}', ';']));
        for path in expand_use_tree(&code[at + 3..end]) {
            out.push(Named { path, at, reexport });
        }
        in_use.push(at..end);
    }
    for root in ["crate::", "super::", "self::"] {
        for (at, _) in code.match_indices(root) {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| is_ident(c) || c == ':') || in_use.iter().any(|r| r.contains(&at)) {
                continue;
            }
            let mut path = Vec::new();
            let mut rest = &code[at..];
            loop {
                let seg: String = rest.chars().take_while(|c| is_ident(*c)).collect();
                if seg.is_empty() {
                    break;
                }
                rest = &rest[seg.len()..];
                path.push(seg);
                match rest.strip_prefix("::") {
                    Some(r) => rest = r,
                    None => break,
                }
            }
            out.push(Named { path, at, reexport: false });
        }
    }
    out
}

/// Expands a use tree (`crate::{a, b::{c, self}}`) into flat paths; a leading `::` becomes a
/// `"::"` segment, `as` renames and `*` globs are dropped.
fn expand_use_tree(tree: &str) -> Vec<Vec<String>> {
    let tokens = tokenize(tree);
    let mut out = Vec::new();
    let mut pos = 0;
    use_tree(&tokens, &mut pos, &[], &mut out);
    out
}

fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if is_ident(c) {
            let mut word = String::new();
            while let Some(&c) = chars.peek().filter(|c| is_ident(**c)) {
                word.push(c);
                chars.next();
            }
            tokens.push(word);
        } else if c == ':' {
            chars.next();
            chars.next();
            tokens.push("::".to_owned());
        } else {
            chars.next();
            if !c.is_whitespace() {
                tokens.push(c.to_string());
            }
        }
    }
    tokens
}

fn use_tree(tokens: &[String], pos: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    if tokens.get(*pos).map(String::as_str) == Some("::") {
        path.push("::".to_owned());
        *pos += 1;
    }
    while let Some(token) = tokens.get(*pos) {
        match token.as_str() {
            "{" => {
                *pos += 1;
                while tokens.get(*pos).is_some_and(|t| t != "}") {
                    use_tree(tokens, pos, &path, out);
                    if tokens.get(*pos).map(String::as_str) == Some(",") {
                        *pos += 1;
                    }
                }
                *pos += 1;
                return;
            }
            "*" => {
                *pos += 1;
                out.push(path);
                return;
            }
            "self" if !path.is_empty() => *pos += 1,
            "::" => *pos += 1,
            "as" => *pos += 2,
            "," | "}" => break,
            word => {
                path.push(word.to_owned());
                *pos += 1;
            }
        }
    }
    out.push(path);
}

/// The crate-absolute path a written path names from `module`, or `None` for another crate.
/// `has_child(module, name)` tells whether `name` is a child module file of `module`.
fn resolve(module: &[String], path: &[String], has_child: &dyn Fn(&[String], &str) -> bool) -> Option<Vec<String>> {
    let mut base = module.to_vec();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &path[1..];
        }
        Some("self") => rest = &path[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        Some(first) if has_child(module, first) => {}
        _ => return None,
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

// ---------------------------------------------------------------------------------------------
// The crate's module map
// ---------------------------------------------------------------------------------------------

/// Every file with the paths it names, resolved to crate-absolute paths.
struct Crate {
    sources: Vec<Source>,
    /// Per file: (absolute path, is a re-export).
    imports: BTreeMap<String, Vec<(Vec<String>, bool)>>,
}

impl Crate {
    fn load() -> Crate {
        let sources = read_sources();
        let files: BTreeSet<String> = sources.iter().map(|s| s.file.clone()).collect();
        let has_child = |module: &[String], name: &str| {
            let dir = module.join("/");
            let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
            files.contains(&format!("{prefix}{name}.rs")) || files.contains(&format!("{prefix}{name}/mod.rs"))
        };
        let mut imports = BTreeMap::new();
        for source in &sources {
            let module = source.module();
            let inline = inline_modules(&source.code);
            let mut list = Vec::new();
            for named in named_paths(&source.code) {
                // Inside `mod tests { .. }` the module is one deeper.
                let mut here = module.clone();
                here.extend(inline.iter().filter(|(_, r)| r.contains(&named.at)).map(|(n, _)| n.clone()));
                if let Some(abs) = resolve(&here, &named.path, &has_child) {
                    list.push((abs, named.reexport));
                }
            }
            imports.insert(source.file.clone(), list);
        }
        Crate { sources, imports }
    }

    /// The names a directory module (or the crate root) re-exports, each with its absolute
    /// source path.
    fn reexports(&self, mod_file: &str) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        for (abs, reexport) in self.imports.get(mod_file).into_iter().flatten() {
            if let (true, Some(last)) = (reexport, abs.last()) {
                out.insert(last.clone(), abs.clone());
            }
        }
        out
    }

    /// The top module an absolute path lands in, following the crate root's re-exports
    /// (`crate::Error` lands in `error`).
    fn top_module(&self, abs: &[String]) -> Option<String> {
        let first = abs.first()?;
        if LAYERS.iter().any(|(m, _)| m == first) {
            return Some(first.clone());
        }
        self.reexports("lib.rs").get(first).and_then(|p| p.first().cloned())
    }

    /// The file that defines the item an absolute path names inside directory `dir`:
    /// `dir/x.rs` for `dir::x::..`, the source of a `dir/mod.rs` re-export, else `dir/mod.rs`.
    fn file_of(&self, dir: &str, abs: &[String], depth: usize) -> String {
        let Some(second) = abs.get(1) else { return format!("{dir}/mod.rs") };
        let direct = format!("{dir}/{second}.rs");
        if self.sources.iter().any(|s| s.file == direct) {
            return direct;
        }
        match self.reexports(&format!("{dir}/mod.rs")).get(second) {
            Some(source) if depth < 4 && source.first().map(String::as_str) == Some(dir) && source != abs => {
                self.file_of(dir, source, depth + 1)
            }
            _ => format!("{dir}/mod.rs"),
        }
    }
}

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

#[test]
fn no_file_imports_from_a_layer_above_its_own() {
    let krate = Crate::load();
    let mut climbs = BTreeSet::new();
    for source in &krate.sources {
        let from = source.top();
        let Some(from_layer) = layer(from) else { continue };
        for (abs, _) in &krate.imports[&source.file] {
            let Some(to) = krate.top_module(abs) else { continue };
            let Some(to_layer) = layer(&to) else { continue };
            let allowed = ALLOWED_CLIMBS.contains(&(source.file.as_str(), to.as_str()));
            if to == "derive_support" && from != "lib" && from != "derive_support" {
                climbs.insert(format!(
                    "{} -> {}: nothing but the crate root names derive_support",
                    source.file,
                    abs.join("::")
                ));
            } else if to_layer > from_layer && !allowed {
                climbs.insert(format!("{} -> {}: climbs from {from} to {to}", source.file, abs.join("::")));
            }
        }
    }
    assert!(
        climbs.is_empty(),
        "imports that climb the layers:\n  {}",
        climbs.into_iter().collect::<Vec<_>>().join("\n  ")
    );
}

#[test]
fn no_import_circles_in_backend_query_session() {
    let krate = Crate::load();
    let dirs = ["backend", "query", "session"];
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in krate.sources.iter().filter(|s| dirs.contains(&s.dir())) {
        let edges = graph.entry(source.file.clone()).or_default();
        for (abs, reexport) in &krate.imports[&source.file] {
            let Some(dir) = abs.first().filter(|d| dirs.contains(&d.as_str())) else { continue };
            // A mod.rs re-export is resolved where it is used, not counted as an import.
            if *reexport && source.file.ends_with("mod.rs") {
                continue;
            }
            let target = krate.file_of(dir, abs, 0);
            if target != source.file {
                edges.insert(target);
            }
        }
    }
    let circles: Vec<String> = strongly_connected(&graph)
        .into_iter()
        .filter(|c| c.len() > 1)
        .filter(|c| !ALLOWED_CIRCLES.iter().any(|allowed| c.iter().all(|f| allowed.contains(&f.as_str()))))
        .map(|c| c.join(" <-> "))
        .collect();
    assert!(circles.is_empty(), "import circles:\n  {}", circles.join("\n  "));
}

/// Tarjan's strongly connected components.
fn strongly_connected(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(st: &mut State<'a>, v: &'a str) {
        let i = st.index.len();
        st.index.insert(v, i);
        st.low.insert(v, i);
        st.stack.push(v);
        for w in st.graph.get(v).into_iter().flatten() {
            if !st.index.contains_key(w.as_str()) {
                visit(st, w);
                let lw = st.low[w.as_str()];
                st.low.entry(v).and_modify(|l| *l = (*l).min(lw));
            } else if st.stack.contains(&w.as_str()) {
                let iw = st.index[w.as_str()];
                st.low.entry(v).and_modify(|l| *l = (*l).min(iw));
            }
        }
        if st.low[v] == st.index[v] {
            let mut component = Vec::new();
            while let Some(w) = st.stack.pop() {
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            component.sort();
            st.out.push(component);
        }
    }
    let mut st = State { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), out: Vec::new() };
    for v in graph.keys() {
        if !st.index.contains_key(v.as_str()) {
            visit(&mut st, v);
        }
    }
    st.out
}

#[test]
fn statement_layers_name_no_driver_and_no_dialect_kind() {
    let mut found = Vec::new();
    for source in read_sources().iter().filter(|s| matches!(s.dir(), "expr" | "query")) {
        for word in DRIVER_WORDS.iter().copied().chain(["postgres::"]) {
            for (at, _) in source.code.match_indices(word) {
                let before = &source.code[..at];
                if before.chars().next_back().is_some_and(is_ident) {
                    continue;
                }
                // `dialect::postgres::..` is a module of this crate; `::postgres::..` the driver.
                if word == "postgres::"
                    && before.strip_suffix("::").is_some_and(|b| b.chars().next_back().is_some_and(is_ident))
                {
                    continue;
                }
                found.push(format!("{} names `{}`", source.file, word.trim_end_matches("::")));
            }
        }
    }
    found.dedup();
    assert!(found.is_empty(), "expr/ and query/ must not know the database:\n  {}", found.join("\n  "));
}

#[test]
fn backend_builds_no_sql_text() {
    let mut found = Vec::new();
    for source in read_sources().iter().filter(|s| s.dir() == "backend") {
        for text in &source.strings {
            if starts_with_sql_word(text) {
                found.push(format!("{}: {text:?}", source.file));
            }
        }
    }
    assert!(found.is_empty(), "statement text in backend/ (render it in dialect/):\n  {}", found.join("\n  "));
}

fn starts_with_sql_word(text: &str) -> bool {
    let text = text.trim_start();
    SQL_WORDS
        .iter()
        .any(|w| text.strip_prefix(w).is_some_and(|rest| w.ends_with(' ') || !rest.starts_with(|c: char| is_ident(c))))
}

// ---------------------------------------------------------------------------------------------
// The checker's own parsing
// ---------------------------------------------------------------------------------------------

fn paths(code: &str) -> Vec<String> {
    named_paths(&strip(code).0).into_iter().map(|n| n.path.join("::")).collect()
}

#[test]
fn use_trees_expand_to_flat_paths() {
    assert_eq!(paths("use crate::query::Select;"), ["crate::query::Select"]);
    assert_eq!(
        paths("pub(crate) use crate::{error::Error, query::{self, select::{Select as S, model}}, types::*};"),
        [
            "crate::error::Error",
            "crate::query",
            "crate::query::select::Select",
            "crate::query::select::model",
            "crate::types"
        ]
    );
    assert_eq!(paths("use super::node::{Node,\n    Op};"), ["super::node::Node", "super::node::Op"]);
    assert_eq!(paths("use ::postgres::types::ToSql;"), ["::::postgres::types::ToSql"]);
    assert_eq!(paths("use std::fmt;"), ["std::fmt"]);
}

#[test]
fn inline_paths_count_and_comments_and_strings_do_not() {
    let code = "/// See [`crate::session::Session`].\n// crate::query::x\n/* crate::backend::y */\n\
                fn f() -> crate::error::Result<()> { let s = \"crate::dialect::z\"; super::g(s) }";
    assert_eq!(paths(code), ["crate::error::Result", "super::g"]);
    let lifetimes = "fn f<'a>(x: &'a str) -> char { let c = 'x'; let q = '\\''; crate::types::h(c, q) }";
    assert_eq!(paths(lifetimes), ["crate::types::h"]);
    assert_eq!(paths("let s = r#\"use crate::query::x;\"#; crate::schema::t()"), ["crate::schema::t"]);
}

#[test]
fn re_exports_and_paths_resolve_from_the_naming_file() {
    let code = "pub use connection::Connection;\nuse crate::types::Value;\npub(crate) use self::row::RowRef;";
    let named = named_paths(code);
    assert_eq!(named.iter().map(|n| n.reexport).collect::<Vec<_>>(), [true, false, true]);
    let has_child = |m: &[String], name: &str| m == ["backend"] && ["connection", "row"].contains(&name);
    let here = vec!["backend".to_owned()];
    let abs: Vec<_> = named.iter().filter_map(|n| resolve(&here, &n.path, &has_child)).map(|p| p.join("::")).collect();
    assert_eq!(abs, ["backend::connection::Connection", "types::Value", "backend::row::RowRef"]);
    let nested = vec!["query".to_owned(), "insert".to_owned(), "tests".to_owned()];
    let sup = resolve(&nested, &["super".to_owned(), "Lent".to_owned()], &has_child);
    assert_eq!(sup.map(|p| p.join("::")), Some("query::insert::Lent".to_owned()));
}

#[test]
fn sql_words_are_matched_as_words() {
    assert!(starts_with_sql_word("SAVEPOINT sp1"));
    assert!(starts_with_sql_word(" BEGIN"));
    assert!(starts_with_sql_word("SET LOCAL statement_timeout = 5"));
    assert!(!starts_with_sql_word("SETTINGS"));
    assert!(!starts_with_sql_word("SELECTED rows"));
    assert!(!starts_with_sql_word("select 1"));
}
