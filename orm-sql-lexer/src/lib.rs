//! The one SQL lexer of the `orm` crates: what the `sql!` macro (at compile time) and the
//! runtime's `text()` (when a statement is made) both take a named placeholder to be.
//!
//! Two lexers would be two definitions of a bind parameter, and a place where the macro's
//! checks and the runtime's rendering could disagree about what is a value and what is SQL.
//! So both call [`Lexer`], which splits SQL text into [`Token`]s that cover the input
//! exactly (every byte belongs to one token, whitespace and comments included), each with
//! its byte offset:
//!
//! - words (keywords and unquoted names), numbers, operators and punctuation;
//! - quoted identifiers, `"name"` and `` `name` ``, a doubled quote standing for itself;
//! - string literals: `'text'` (with `''`), `E'text'` (also with backslash escapes) and
//!   PostgreSQL's dollar-quoted `$$text$$` / `$tag$text$tag$`;
//! - `-- line comments` and `/* nested /* block */ comments */`;
//! - named placeholders `:name` (a letter or `_`, then letters, digits, `_`), never preceded
//!   by a letter, digit, `_`, `$`, a non-ASCII character or another `:` (so `a[1:n]` is a
//!   slice and `x::int` a cast);
//! - `::` (a PostgreSQL cast) and `\:` (a colon written as is, never a placeholder).
//!
//! Positional parameters (`?`, `$1`) are not placeholders here: the SQL the `orm` crates
//! read names its binds, and `?` is also a PostgreSQL JSON operator.
//!
//! An unterminated string literal, quoted identifier or block comment is a [`LexError`]
//! with the byte offset where it starts. A `$tag$` without its closing tag opens no string.
//!
//! ```
//! use orm_sql_lexer::{tokenize, TokenKind};
//!
//! let sql = "SELECT name::text FROM users WHERE age > :age AND note <> ':no' -- :no";
//! let tokens = tokenize(sql)?;
//! let binds: Vec<&str> = tokens.iter().filter_map(|t| t.placeholder_name()).collect();
//! assert_eq!(binds, ["age"]);
//! assert_eq!(tokens.iter().map(|t| t.text).collect::<String>(), sql);
//! assert!(tokens.iter().any(|t| t.kind == TokenKind::Cast));
//! # Ok::<(), orm_sql_lexer::LexError>(())
//! ```
#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A run of ASCII whitespace.
    Whitespace,
    /// `-- ...` up to and including the end of the line (or of the input).
    LineComment,
    /// `/* ... */`, nested comments included.
    BlockComment,
    /// An unquoted word: a keyword or a name (`SELECT`, `users`, `x$1`).
    Word,
    /// A quoted identifier, quotes included; [`Token::identifier`] gives its name.
    QuotedIdent(Quote),
    /// A string literal, quotes (and an `E` prefix, or the dollar tags) included.
    String(StringKind),
    /// A numeric literal (`1`, `1.5`, `.5`, `1e-3`, `0x1F`).
    Number,
    /// A named placeholder, `:name`; [`Token::placeholder_name`] gives `name`.
    Placeholder,
    /// `\:`, a colon that is not a placeholder (rendered as `:`).
    EscapedColon,
    /// `::`, a PostgreSQL cast.
    Cast,
    /// `(`.
    OpenParen,
    /// `)`.
    CloseParen,
    /// `,`.
    Comma,
    /// `.`.
    Dot,
    /// `;`.
    Semicolon,
    /// An operator (the longest run of `<>=!|+-*/%&^~#@?` that starts no comment), or any
    /// other single character (`:`, `[`, `$`, ...).
    Operator,
}

/// The quote of a [`TokenKind::QuotedIdent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quote {
    /// `"name"` (standard SQL).
    Double,
    /// `` `name` `` (SQLite, MySQL).
    Backtick,
}

impl Quote {
    /// The quote character.
    pub fn char(self) -> char {
        match self {
            Quote::Double => '"',
            Quote::Backtick => '`',
        }
    }
}

/// The form of a [`TokenKind::String`] literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StringKind {
    /// `'text'`, with `''` for a quote.
    Standard,
    /// `E'text'`: also backslash escapes (`\'`), as PostgreSQL reads it.
    Escape,
    /// `$$text$$` or `$tag$text$tag$` (PostgreSQL).
    Dollar,
}

/// One token: its kind, its text (a slice of the input) and where that text starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// What the token is.
    pub kind: TokenKind,
    /// The token's text, exactly as in the input.
    pub text: &'a str,
    /// The byte offset of the token's first byte in the input.
    pub offset: usize,
}

impl<'a> Token<'a> {
    /// The token's bytes in the input.
    pub fn span(&self) -> Range<usize> {
        self.offset..self.offset + self.text.len()
    }

    /// The name of a placeholder (`age` for `:age`), `None` for any other token.
    pub fn placeholder_name(&self) -> Option<&'a str> {
        match self.kind {
            TokenKind::Placeholder => self.text.get(1..),
            _ => None,
        }
    }

    /// The name a quoted identifier denotes (`a"b` for `"a""b"`), `None` for any other token.
    pub fn identifier(&self) -> Option<Cow<'a, str>> {
        let TokenKind::QuotedIdent(quote) = self.kind else { return None };
        let inner = self.text.get(1..self.text.len().saturating_sub(1))?;
        let q = quote.char();
        if inner.contains(q) {
            let doubled: String = [q, q].iter().collect();
            Some(Cow::Owned(inner.replace(&doubled, &q.to_string())))
        } else {
            Some(Cow::Borrowed(inner))
        }
    }

    /// Whether the token is whitespace or a comment (no meaning to the statement).
    pub fn is_trivia(&self) -> bool {
        matches!(self.kind, TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment)
    }
}

/// What was left unterminated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LexErrorKind {
    /// A `'...'` or `E'...'` literal without its closing quote.
    UnterminatedString,
    /// A `"..."` or `` `...` `` identifier without its closing quote.
    UnterminatedQuotedIdentifier,
    /// A `/* ...` comment without its (nested) closing `*/`.
    UnterminatedBlockComment,
}

impl fmt::Display for LexErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LexErrorKind::UnterminatedString => "unterminated string literal",
            LexErrorKind::UnterminatedQuotedIdentifier => "unterminated quoted identifier",
            LexErrorKind::UnterminatedBlockComment => "unterminated /* comment */",
        })
    }
}

/// SQL the lexer cannot split: something opened at `offset` is never closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LexError {
    /// What is unterminated.
    pub kind: LexErrorKind,
    /// The byte offset where it starts (its opening quote, `E` or `/*`).
    pub offset: usize,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} starting at byte {}", self.kind, self.offset)
    }
}

impl std::error::Error for LexError {}

/// Every token of `sql`, or the first [`LexError`].
pub fn tokenize(sql: &str) -> Result<Vec<Token<'_>>, LexError> {
    Lexer::new(sql).collect()
}

/// The tokens of a SQL text, in order; after an error, nothing more.
///
/// Lexing is a single pass that looks at most a few bytes back, so a caller that can go on
/// after an error (the runtime's `text()` treats the rest as text with no placeholder) can
/// take the error's offset as where the tokens stop.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    sql: &'a str,
    pos: usize,
    failed: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer over `sql`.
    pub fn new(sql: &'a str) -> Self {
        Lexer { sql, pos: 0, failed: false }
    }

    fn token(&mut self, kind: TokenKind, end: usize) -> Token<'a> {
        let b = self.sql.as_bytes();
        // Every token ends at an ASCII byte or at the end; this keeps slicing total anyway.
        let end = (end.min(b.len())..=b.len()).find(|&e| self.sql.is_char_boundary(e)).unwrap_or(b.len());
        let start = self.pos;
        self.pos = end;
        Token { kind, text: self.sql.get(start..end).unwrap_or_default(), offset: start }
    }

    fn next_token(&mut self) -> Result<Token<'a>, LexError> {
        let b = self.sql.as_bytes();
        let i = self.pos;
        let c = b[i];
        let after_ident = i > 0 && is_ident_byte(b[i - 1]);
        let kind_end = match c {
            _ if c.is_ascii_whitespace() => {
                (TokenKind::Whitespace, (i..b.len()).find(|&j| !b[j].is_ascii_whitespace()).unwrap_or(b.len()))
            }
            b'\'' => {
                // `E'...'` whose `E` ended a longer token (`1.e'...'`) still has escapes.
                let escapes = i > 0 && matches!(b[i - 1], b'e' | b'E') && (i < 2 || !is_ident_byte(b[i - 2]));
                string_literal(b, i, i, escapes)?
            }
            b'e' | b'E' if b.get(i + 1) == Some(&b'\'') && !after_ident => string_literal(b, i, i + 1, true)?,
            b'"' | b'`' => {
                let kind = TokenKind::QuotedIdent(if c == b'"' { Quote::Double } else { Quote::Backtick });
                let end = end_of_quoted(b, i, c, false)
                    .ok_or(LexError { kind: LexErrorKind::UnterminatedQuotedIdentifier, offset: i })?;
                (kind, end)
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                (TokenKind::LineComment, b[i..].iter().position(|&x| x == b'\n').map_or(b.len(), |p| i + p + 1))
            }
            b'/' if b.get(i + 1) == Some(&b'*') => (
                TokenKind::BlockComment,
                end_of_block_comment(b, i)
                    .ok_or(LexError { kind: LexErrorKind::UnterminatedBlockComment, offset: i })?,
            ),
            b'$' if !after_ident && dollar_quote_end(b, i).is_some() => {
                (TokenKind::String(StringKind::Dollar), dollar_quote_end(b, i).unwrap_or(b.len()))
            }
            b':' if b.get(i + 1) == Some(&b':') => (TokenKind::Cast, i + 2),
            b':' if !(after_ident || (i > 0 && b[i - 1] == b':'))
                && b.get(i + 1).is_some_and(|&x| x.is_ascii_alphabetic() || x == b'_') =>
            {
                let end =
                    (i + 1..b.len()).find(|&j| !(b[j].is_ascii_alphanumeric() || b[j] == b'_')).unwrap_or(b.len());
                (TokenKind::Placeholder, end)
            }
            b'\\' if b.get(i + 1) == Some(&b':') => (TokenKind::EscapedColon, i + 2),
            _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                (TokenKind::Word, (i..b.len()).find(|&j| !is_ident_byte(b[j])).unwrap_or(b.len()))
            }
            _ if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) => {
                let mut j = i;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'.' || b[j] == b'_') {
                    // An exponent's sign belongs to the number when a digit follows it (as
                    // SQLite reads `1e-5`; `1e--` is `1e` and a comment).
                    if matches!(b[j], b'e' | b'E')
                        && matches!(b.get(j + 1), Some(b'+' | b'-'))
                        && b.get(j + 2).is_some_and(u8::is_ascii_digit)
                    {
                        j += 1;
                    }
                    j += 1;
                }
                (TokenKind::Number, j)
            }
            b'(' => (TokenKind::OpenParen, i + 1),
            b')' => (TokenKind::CloseParen, i + 1),
            b',' => (TokenKind::Comma, i + 1),
            b'.' => (TokenKind::Dot, i + 1),
            b';' => (TokenKind::Semicolon, i + 1),
            _ => {
                // The longest run of operator characters, stopping before a comment; `:` is
                // not one (`age>:age` holds a placeholder).
                let mut end = i + 1;
                while end < b.len()
                    && OPERATOR_BYTES.contains(&b[end])
                    && !b[end..].starts_with(b"--")
                    && !b[end..].starts_with(b"/*")
                {
                    end += 1;
                }
                (TokenKind::Operator, end)
            }
        };
        let (kind, end) = kind_end;
        Ok(self.token(kind, end))
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Result<Token<'a>, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.sql.len() {
            return None;
        }
        let token = self.next_token();
        self.failed = token.is_err();
        Some(token)
    }
}

const OPERATOR_BYTES: &[u8] = b"<>=!|+-*/%&^~#@?";

/// A byte that continues a word (and before which `:` opens no placeholder).
fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// A `'...'` literal whose token starts at `start` (the `E` of `E'...'`) and whose opening
/// quote is `b[quote]`; `escapes`: an `E'...'` literal.
fn string_literal(b: &[u8], start: usize, quote: usize, escapes: bool) -> Result<(TokenKind, usize), LexError> {
    let kind = TokenKind::String(if escapes { StringKind::Escape } else { StringKind::Standard });
    match end_of_quoted(b, quote, b'\'', escapes) {
        Some(end) => Ok((kind, end)),
        None => Err(LexError { kind: LexErrorKind::UnterminatedString, offset: start }),
    }
}

/// The end (past the closing quote) of a quoted run starting at `b[i] == quote`; a doubled
/// quote stays inside, and so does a backslash-escaped byte when `backslash_escapes`.
fn end_of_quoted(b: &[u8], i: usize, quote: u8, backslash_escapes: bool) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        if backslash_escapes && b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == quote {
            if b.get(j + 1) == Some(&quote) {
                j += 2;
                continue;
            }
            return Some(j + 1);
        }
        j += 1;
    }
    None
}

/// The end of a (nested) block comment starting at `b[i..i + 2] == "/*"`.
fn end_of_block_comment(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < b.len() {
        if b[j] == b'/' && b[j + 1] == b'*' {
            depth += 1;
            j += 2;
        } else if b[j] == b'*' && b[j + 1] == b'/' {
            depth = depth.saturating_sub(1);
            j += 2;
            if depth == 0 {
                return Some(j);
            }
        } else {
            j += 1;
        }
    }
    None
}

/// The end of a `$tag$ ... $tag$` body starting at `b[i] == '$'`, if one starts there and
/// is closed (`$1` opens none: a tag does not start with a digit).
fn dollar_quote_end(b: &[u8], i: usize) -> Option<usize> {
    let tag_end = (i + 1..b.len()).find(|&j| !(b[j].is_ascii_alphanumeric() || b[j] == b'_'))?;
    if b[tag_end] != b'$' || b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let tag = &b[i..=tag_end];
    let body = tag_end + 1;
    b[body..].windows(tag.len()).position(|w| w == tag).map(|p| body + p + tag.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(TokenKind, &str)> {
        tokenize(sql).unwrap().into_iter().filter(|t| !t.is_trivia()).map(|t| (t.kind, t.text)).collect()
    }

    fn one(sql: &str) -> TokenKind {
        let tokens = tokenize(sql).unwrap();
        assert_eq!(tokens.len(), 1, "{sql}: {tokens:?}");
        tokens[0].kind
    }

    fn binds(sql: &str) -> Vec<&str> {
        tokenize(sql).unwrap().iter().filter_map(Token::placeholder_name).collect()
    }

    fn error(sql: &str) -> LexError {
        tokenize(sql).unwrap_err()
    }

    #[test]
    fn whitespace_and_comments() {
        assert_eq!(one(" \t\r\n "), TokenKind::Whitespace);
        assert_eq!(one("-- :x 'open\n"), TokenKind::LineComment);
        assert_eq!(one("-- to the end"), TokenKind::LineComment);
        assert_eq!(one("/* :a /* :b */ :c */"), TokenKind::BlockComment);
        assert_eq!(kinds("a--b\nc"), [(TokenKind::Word, "a"), (TokenKind::Word, "c")]);
        assert_eq!(kinds("1-/**/2"), [(TokenKind::Number, "1"), (TokenKind::Operator, "-"), (TokenKind::Number, "2")]);
    }

    #[test]
    fn words_and_numbers() {
        assert_eq!(one("users"), TokenKind::Word);
        assert_eq!(one("_x$1"), TokenKind::Word);
        assert_eq!(one("größe"), TokenKind::Word);
        for n in ["1", "1.5", ".5", "1e-3", "1E+10", "0x1F", "1_000"] {
            assert_eq!(one(n), TokenKind::Number, "{n}");
        }
        assert_eq!(kinds("1e--x"), [(TokenKind::Number, "1e")]);
    }

    #[test]
    fn quoted_identifiers() {
        let t = tokenize("\"a\"\"b:c\"").unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].kind, TokenKind::QuotedIdent(Quote::Double));
        assert_eq!(t[0].identifier().as_deref(), Some("a\"b:c"));
        let t = tokenize("`a``?`").unwrap();
        assert_eq!(t[0].kind, TokenKind::QuotedIdent(Quote::Backtick));
        assert_eq!(t[0].identifier().as_deref(), Some("a`?"));
        assert_eq!(tokenize("x").unwrap()[0].identifier(), None);
    }

    #[test]
    fn string_literals() {
        assert_eq!(one("'it''s :x'"), TokenKind::String(StringKind::Standard));
        assert_eq!(one("E'it\\'s :x'"), TokenKind::String(StringKind::Escape));
        assert_eq!(one("e'\\\\'"), TokenKind::String(StringKind::Escape));
        assert_eq!(one("$$ :x ' $$"), TokenKind::String(StringKind::Dollar));
        assert_eq!(one("$tag$ $$ :x $tag$"), TokenKind::String(StringKind::Dollar));
        // A plain literal has no backslash escapes: `'\'` is closed.
        assert_eq!(
            kinds("'\\' :x"),
            [(TokenKind::String(StringKind::Standard), "'\\'"), (TokenKind::Placeholder, ":x")]
        );
        // `xe'...'`: a word, then a plain literal.
        assert_eq!(
            kinds("xe'\\' :y"),
            [
                (TokenKind::Word, "xe"),
                (TokenKind::String(StringKind::Standard), "'\\'"),
                (TokenKind::Placeholder, ":y")
            ]
        );
        // An unclosed `$tag$` opens nothing; `$1` is no tag.
        assert_eq!(binds("$a$ :x"), ["x"]);
        assert_eq!(kinds("$1"), [(TokenKind::Operator, "$"), (TokenKind::Number, "1")]);
    }

    #[test]
    fn placeholders_casts_and_colons() {
        assert_eq!(one(":name_1"), TokenKind::Placeholder);
        assert_eq!(tokenize(":age").unwrap()[0].placeholder_name(), Some("age"));
        assert_eq!(binds("a = :a AND b>:b AND c=(:c)"), ["a", "b", "c"]);
        assert_eq!(binds("SELECT :x::int, y::text, a[1:n], t.x:y, $x:z, \\:w, :_u"), ["x", "_u"]);
        assert_eq!(kinds("x::int"), [(TokenKind::Word, "x"), (TokenKind::Cast, "::"), (TokenKind::Word, "int")]);
        assert_eq!(kinds("\\:a"), [(TokenKind::EscapedColon, "\\:"), (TokenKind::Word, "a")]);
        assert_eq!(kinds(":::a"), [(TokenKind::Cast, "::"), (TokenKind::Operator, ":"), (TokenKind::Word, "a")]);
        assert_eq!(kinds(":1"), [(TokenKind::Operator, ":"), (TokenKind::Number, "1")]);
        assert!(binds("? ?| $1").is_empty());
    }

    #[test]
    fn punctuation_and_operators() {
        assert_eq!(
            kinds("(a.b, c);"),
            [
                (TokenKind::OpenParen, "("),
                (TokenKind::Word, "a"),
                (TokenKind::Dot, "."),
                (TokenKind::Word, "b"),
                (TokenKind::Comma, ","),
                (TokenKind::Word, "c"),
                (TokenKind::CloseParen, ")"),
                (TokenKind::Semicolon, ";"),
            ]
        );
        assert_eq!(
            kinds("a<>b||c->>'k'"),
            [
                (TokenKind::Word, "a"),
                (TokenKind::Operator, "<>"),
                (TokenKind::Word, "b"),
                (TokenKind::Operator, "||"),
                (TokenKind::Word, "c"),
                (TokenKind::Operator, "->>"),
                (TokenKind::String(StringKind::Standard), "'k'"),
            ]
        );
        assert_eq!(kinds("a=-- c"), [(TokenKind::Word, "a"), (TokenKind::Operator, "=")]);
        assert_eq!(kinds("[1]"), [(TokenKind::Operator, "["), (TokenKind::Number, "1"), (TokenKind::Operator, "]")]);
    }

    #[test]
    fn errors_name_what_and_where() {
        assert_eq!(error("SELECT 'open"), LexError { kind: LexErrorKind::UnterminatedString, offset: 7 });
        assert_eq!(error("SELECT E'open\\'"), LexError { kind: LexErrorKind::UnterminatedString, offset: 7 });
        assert_eq!(error("SELECT \"open"), LexError { kind: LexErrorKind::UnterminatedQuotedIdentifier, offset: 7 });
        assert_eq!(error("x `open"), LexError { kind: LexErrorKind::UnterminatedQuotedIdentifier, offset: 2 });
        assert_eq!(error("x /* a /* b */"), LexError { kind: LexErrorKind::UnterminatedBlockComment, offset: 2 });
        assert_eq!(error("'").to_string(), "unterminated string literal starting at byte 0");
        // The lexer stops at the error: the tokens before it, then the error, then nothing.
        let mut lexer = Lexer::new(":a 'b");
        assert_eq!(lexer.next().map(|t| t.map(|t| t.kind)), Some(Ok(TokenKind::Placeholder)));
        assert_eq!(lexer.next().map(|t| t.map(|t| t.kind)), Some(Ok(TokenKind::Whitespace)));
        assert!(matches!(lexer.next(), Some(Err(LexError { offset: 3, .. }))));
        assert_eq!(lexer.next(), None);
    }

    #[test]
    fn tokens_cover_the_input() {
        let sql = "SELECT é, \"q\", :p::int /* c */ FROM t -- x\nWHERE a = E'\\'' AND b = $$x$$;";
        let tokens = tokenize(sql).unwrap();
        assert_eq!(tokens.iter().map(|t| t.text).collect::<String>(), sql);
        for t in &tokens {
            assert_eq!(&sql[t.span()], t.text);
        }
    }
}
