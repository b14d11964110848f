//! Hybrid properties: one expression, read twice — as Rust over the object's fields (a method
//! of the generated `{Model}Hybrids` trait) and as SQL over the model's columns (an associated
//! function `Model::name()`), both through the same operations of `orm::hybrid`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::ast::Container;
use crate::internals::Ctxt;

/// Which interpretation to generate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Value,
    Sql,
}

const SUPPORTED: &str = "a hybrid expression is made of fields, literals, `+ - * / %`, comparisons, `&& || !`, \
     `.lower()`, `.upper()`, `.len()`, `.concat(x)` and `coalesce(a, b)`";

/// Report what the expressions of the hybrids cannot be made of.
pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    for h in &cont.attrs.hybrids {
        if cont.field(&h.name).is_some() {
            cx.error_spanned_by(&h.name, format!("`{}` is already a field of `{}`", h.name, cont.ident));
        }
        translate(Some(cx), cont, &h.expr, Mode::Value);
    }
}

fn ns(mode: Mode) -> TokenStream {
    match mode {
        Mode::Value => quote!(__orm::hybrid::value),
        Mode::Sql => quote!(__orm::hybrid::sql),
    }
}

fn translate(cx: Option<&Ctxt>, cont: &Container<'_>, expr: &syn::Expr, mode: Mode) -> TokenStream {
    let ns = ns(mode);
    let fail = |tokens: &dyn quote::ToTokens, msg: String| {
        if let Some(cx) = cx {
            cx.error_spanned_by(tokens.to_token_stream(), msg);
        }
        quote!(::core::unreachable!())
    };
    let span = expr.span();
    match expr {
        syn::Expr::Paren(p) => translate(cx, cont, &p.expr, mode),
        syn::Expr::Group(g) => translate(cx, cont, &g.expr, mode),
        syn::Expr::Lit(lit) => quote_spanned!(span=> #ns::lit(#lit)),
        syn::Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
            let Some(name) = p.path.get_ident() else { return quote!() };
            match cont.field(name) {
                Some(_) => match mode {
                    Mode::Value => quote_spanned!(span=> #ns::field(&self.#name)),
                    Mode::Sql => {
                        let model = cont.ident;
                        quote_spanned!(span=> #ns::field(#model::#name))
                    }
                },
                None => fail(name, format!("`{}` has no field `{name}`", cont.ident)),
            }
        }
        syn::Expr::Binary(b) => {
            use syn::BinOp as B;
            let f = match b.op {
                B::Add(_) => "add",
                B::Sub(_) => "sub",
                B::Mul(_) => "mul",
                B::Div(_) => "div",
                B::Rem(_) => "rem",
                B::Eq(_) => "eq",
                B::Ne(_) => "ne",
                B::Lt(_) => "lt",
                B::Le(_) => "le",
                B::Gt(_) => "gt",
                B::Ge(_) => "ge",
                B::And(_) => "and",
                B::Or(_) => "or",
                _ => return fail(&b.op, format!("this operator is not supported: {SUPPORTED}")),
            };
            let f = format_ident!("{}", f, span = b.op.span());
            let l = translate(cx, cont, &b.left, mode);
            let r = translate(cx, cont, &b.right, mode);
            quote_spanned!(b.op.span()=> #ns::#f(#l, #r))
        }
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
            let inner = translate(cx, cont, &u.expr, mode);
            quote_spanned!(span=> #ns::not(#inner))
        }
        syn::Expr::MethodCall(m) => {
            let method = m.method.to_string();
            let receiver = translate(cx, cont, &m.receiver, mode);
            let f = &m.method;
            match (method.as_str(), m.args.len()) {
                ("lower" | "upper" | "len", 0) => quote_spanned!(f.span()=> #ns::#f(#receiver)),
                ("concat", 1) => {
                    let arg = translate(cx, cont, &m.args[0], mode);
                    quote_spanned!(f.span()=> #ns::concat(#receiver, #arg))
                }
                _ => fail(&m.method, format!("`.{method}(..)` is not supported: {SUPPORTED}")),
            }
        }
        syn::Expr::Call(c) => {
            let is_coalesce = matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("coalesce"));
            if is_coalesce && c.args.len() == 2 {
                let a = translate(cx, cont, &c.args[0], mode);
                let b = translate(cx, cont, &c.args[1], mode);
                quote_spanned!(c.func.span()=> #ns::coalesce(#a, #b))
            } else {
                fail(&c.func, format!("this call is not supported: {SUPPORTED}"))
            }
        }
        other => fail(other, format!("not supported here: {SUPPORTED}")),
    }
}

/// The trait declaration (outside the derive's `const _` block, so users can import it).
pub(crate) fn expand_hybrid_trait(cont: &Container<'_>) -> TokenStream {
    if cont.attrs.hybrids.is_empty() {
        return TokenStream::new();
    }
    let vis = cont.vis;
    let trait_name = format_ident!("{}Hybrids", cont.ident);
    let doc = format!(
        "The hybrid properties of [`{}`] computed from an object (import this trait to call them); \
         `{}::name()` is the same property as a SQL expression.",
        cont.ident, cont.ident
    );
    let methods = cont.attrs.hybrids.iter().map(|h| {
        let name = &h.name;
        let ty = &h.ty;
        let doc = format!("Hybrid `{name}`, computed from this object's fields.");
        quote!(#[doc = #doc] fn #name(&self) -> #ty;)
    });
    quote! {
        #[doc = #doc]
        #vis trait #trait_name {
            #(#methods)*
        }
    }
}

/// The SQL side (`Model::name()`) and the trait impl (inside the `const _` block).
pub(crate) fn expand_hybrids(cont: &Container<'_>) -> TokenStream {
    if cont.attrs.hybrids.is_empty() {
        return TokenStream::new();
    }
    let ident = cont.ident;
    let vis = cont.vis;
    let trait_name = format_ident!("{}Hybrids", cont.ident);
    let sql = cont.attrs.hybrids.iter().map(|h| {
        let name = &h.name;
        let ty = &h.ty;
        let body = translate(None, cont, &h.expr, Mode::Sql);
        let finish = quote_spanned!(ty.span()=> __orm::hybrid::sql::finish::<#ident, #ty, _>);
        let doc = format!("Hybrid `{name}` as a SQL expression, for filters, ordering and selections.");
        quote! {
            #[doc = #doc]
            #vis fn #name() -> __orm::Expr<#ty, #ident> {
                #finish(#body)
            }
        }
    });
    let value = cont.attrs.hybrids.iter().map(|h| {
        let name = &h.name;
        let ty = &h.ty;
        let body = translate(None, cont, &h.expr, Mode::Value);
        let finish = quote_spanned!(ty.span()=> __orm::hybrid::value::finish::<#ty, _>);
        quote! {
            fn #name(&self) -> #ty {
                #finish(#body)
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #ident {
            #(#sql)*
        }
        #[automatically_derived]
        impl #trait_name for #ident {
            #(#value)*
        }
    }
}
