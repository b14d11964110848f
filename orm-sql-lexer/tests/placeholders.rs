//! The lexer finds exactly the placeholders written as such, in order, whatever surrounds
//! them: names, quoted identifiers and string literals holding `:name`, comments holding
//! `:name`, casts `x::int`; and its tokens give back the input.

use orm_sql_lexer::{tokenize, Token};
use proptest::prelude::*;

/// A piece of SQL; `Placeholder` is numbered (`:p0`, `:p1`, ...) once the SQL is assembled.
#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Placeholder,
}

/// Characters for the inside of literals, identifiers and comments: what a lexer could take
/// for a placeholder (`:`, `?`, `$`), quotes of the other kinds, and a name after a colon.
fn inner(forbidden: &'static [char]) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(":name".to_owned()),
            Just(":p0".to_owned()),
            Just("?".to_owned()),
            Just("$1".to_owned()),
            Just("::int".to_owned()),
            Just("'".to_owned()),
            Just("\"".to_owned()),
            Just("`".to_owned()),
            Just("--".to_owned()),
            Just(" ".to_owned()),
            "[a-z0-9_]{1,4}",
        ],
        0..6,
    )
    .prop_map(move |parts| parts.concat().chars().filter(|c| !forbidden.contains(c)).collect())
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        3 => Just(Piece::Placeholder),
        // Words: keywords and names (never `e` / `E` alone: a literal may follow).
        2 => "[a-df-z_][a-z0-9_$]{0,6}".prop_map(Piece::Text),
        1 => "[0-9]{1,3}(\\.[0-9]{1,2})?".prop_map(Piece::Text),
        // Quoted identifiers, a doubled quote inside.
        1 => (inner(&['"']), inner(&['"'])).prop_map(|(a, b)| Piece::Text(format!("\"{a}\"\"{b}\""))),
        1 => (inner(&['`']), inner(&['`'])).prop_map(|(a, b)| Piece::Text(format!("`{a}``{b}`"))),
        // String literals: plain with `''`, E'...' with `\'`, dollar-quoted.
        2 => (inner(&['\'']), inner(&['\''])).prop_map(|(a, b)| Piece::Text(format!("'{a}''{b}'"))),
        1 => (inner(&['\'', '\\']), inner(&['\'', '\\'])).prop_map(|(a, b)| Piece::Text(format!("E'{a}\\'{b}'"))),
        1 => inner(&['$']).prop_map(|a| Piece::Text(format!("$tag$ {a} $tag$"))),
        // Comments.
        1 => inner(&['\n']).prop_map(|a| Piece::Text(format!("-- {a}\n"))),
        1 => (inner(&['*', '/']), inner(&['*', '/'])).prop_map(|(a, b)| Piece::Text(format!("/* {a} /* {b} */ */"))),
        // Casts, slices and escaped colons.
        1 => "[a-z]{1,4}".prop_map(|w| Piece::Text(format!("x::{w}"))),
        1 => Just(Piece::Text("a[1:n]".to_owned())),
        1 => Just(Piece::Text("\\:q".to_owned())),
        1 => Just(Piece::Text("?".to_owned())),
    ]
}

/// What goes between two pieces (each begins and ends with a byte no placeholder follows).
fn separator() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(" "), Just("\n"), Just(", "), Just(" = "), Just("("), Just(") "), Just(" || "), Just(">")]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn finds_exactly_the_placeholders_written(pieces in proptest::collection::vec((piece(), separator()), 0..24)) {
        let mut sql = String::from("SELECT ");
        let mut expected = Vec::new();
        for (piece, sep) in &pieces {
            match piece {
                Piece::Text(text) => sql.push_str(text),
                Piece::Placeholder => {
                    let name = format!("p{}", expected.len());
                    sql.push(':');
                    sql.push_str(&name);
                    expected.push(name);
                }
            }
            sql.push_str(sep);
        }
        let tokens = tokenize(&sql).map_err(|e| TestCaseError::fail(format!("{e} in {sql:?}")))?;
        let found: Vec<&str> = tokens.iter().filter_map(Token::placeholder_name).collect();
        prop_assert_eq!(found, expected.iter().map(String::as_str).collect::<Vec<_>>(), "in {:?}", sql);
        prop_assert_eq!(tokens.iter().map(|t| t.text).collect::<String>(), sql.clone());
        let mut at = 0;
        for t in &tokens {
            prop_assert_eq!(t.offset, at);
            at += t.text.len();
        }
    }
}
