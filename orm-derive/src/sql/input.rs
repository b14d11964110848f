//! Phase 1: the macro's input, `Model, ... => "SQL", name = value, ...`.

use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, LitStr, Path, Token};

/// `sql!(Model, ... => "SQL", name = value, ...)`.
pub(super) struct Input {
    /// The models the SQL is checked against, as written.
    pub(super) models: Vec<Path>,
    /// The SQL.
    pub(super) sql: LitStr,
    /// `name = value`, in order.
    pub(super) binds: Vec<BindArg>,
}

/// One `name = value` after the SQL.
pub(super) struct BindArg {
    pub(super) name: Ident,
    pub(super) value: Expr,
}

/// The bind a Rust name gives a value to (`r#type` binds `:type`).
pub(super) fn bind_name(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut models = Vec::new();
        if !input.peek(LitStr) {
            loop {
                models.push(input.parse::<Path>()?);
                if input.peek(Token![=>]) {
                    input.parse::<Token![=>]>()?;
                    break;
                }
                input.parse::<Token![,]>().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "`sql!`: expected `,` or `=>` after a model: `sql!(User, Order => \"SQL\", name = value)`",
                    )
                })?;
            }
        }
        let sql: LitStr = input.parse().map_err(|e| {
            syn::Error::new(e.span(), "`sql!`: expected the SQL as a string literal: `sql!(User => \"SELECT ...\")`")
        })?;
        let mut binds = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let name = Ident::parse_any(input)
                .map_err(|e| syn::Error::new(e.span(), "`sql!`: expected a bind as `name = value` after the SQL"))?;
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;
            binds.push(BindArg { name, value });
        }
        Ok(Input { models, sql, binds })
    }
}
