//! Reading SQL text the databases print back (defaults, conditions).

/// Whether the parenthesis opening `s` is the one that closes it at its end (outside string
/// literals): `(a) AND (b)` is not enclosed, `((a) AND (b))` is.
pub(crate) fn encloses(s: &str) -> bool {
    let mut depth = 0usize;
    let mut quoted = false;
    for (i, ch) in s.char_indices() {
        match ch {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i == s.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}
