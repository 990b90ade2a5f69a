//! `#[login_required]` and `#[fresh_login_required]`: parse, then expand.
//!
//! The expansion adds one argument to the handler, before the user's own:
//! `_: ::login_actix::guard::Guard<Spec>`. The guard is an extractor that only exists when the
//! check passed, so the handler cannot run (or be called) without it. The guard is
//! always added, whatever the handler's other arguments are: a type is never trusted
//! to be the check because of its name. Nothing else of the function changes: attributes (actix's route macro included, in either order),
//! docs, generics, `where` clauses and the body are emitted as written.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{
    parse::{Parse, ParseStream},
    punctuated::Punctuated,
    spanned::Spanned,
    Expr, ExprLit, FnArg, ItemFn, Lit, LitStr, Meta, Token,
};

/// actix-web implements `FromRequest` for tuples of up to this many extractors.
const MAX_EXTRACTORS: usize = 16;

/// Which macro is expanding.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Login,
    FreshLogin,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Login => "login_required",
            Kind::FreshLogin => "fresh_login_required",
        }
    }
}

/// The parsed macro arguments.
#[derive(Default)]
struct Args {
    api: Option<Span>,
    redirect: Option<LitStr>,
    permissions: Vec<LitStr>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args::default();
        for meta in Punctuated::<Meta, Token![,]>::parse_terminated(input)? {
            match &meta {
                Meta::Path(p) if p.is_ident("api") => {
                    if args.api.is_some() {
                        return Err(syn::Error::new(p.span(), "`api` is given twice"));
                    }
                    args.api = Some(p.span());
                }
                Meta::NameValue(nv) if nv.path.is_ident("redirect") => {
                    let Expr::Lit(ExprLit { lit: Lit::Str(url), .. }) = &nv.value else {
                        return Err(syn::Error::new(
                            nv.value.span(),
                            "`redirect` takes a string: `redirect = \"/signin\"`",
                        ));
                    };
                    if args.redirect.is_some() {
                        return Err(syn::Error::new(nv.span(), "`redirect` is given twice"));
                    }
                    if !login_core::is_safe_next(&url.value()) {
                        return Err(syn::Error::new(
                            url.span(),
                            "`redirect` must be a local path starting with a single `/`, like \"/signin\"",
                        ));
                    }
                    args.redirect = Some(url.clone());
                }
                Meta::NameValue(nv) if nv.path.is_ident("permission") => {
                    let Expr::Lit(ExprLit { lit: Lit::Str(name), .. }) = &nv.value else {
                        return Err(syn::Error::new(
                            nv.value.span(),
                            "`permission` takes a string: `permission = \"admin\"` (repeat it to require several)",
                        ));
                    };
                    let value = name.value();
                    if value.is_empty() || value.chars().any(|c| c.is_control() || c.is_whitespace()) {
                        return Err(syn::Error::new(
                            name.span(),
                            "a permission is a non-empty name without spaces, like \"admin\"",
                        ));
                    }
                    if args.permissions.iter().any(|p| p.value() == value) {
                        return Err(syn::Error::new(name.span(), format!("permission \"{value}\" is given twice")));
                    }
                    args.permissions.push(name.clone());
                }
                Meta::List(list) if list.path.is_ident("permission") || list.path.is_ident("permissions") => {
                    return Err(syn::Error::new(list.span(), "write `permission = \"name\"`, once per permission"));
                }
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        "unknown argument; expected `api`, `redirect = \"/path\"` or `permission = \"name\"`",
                    ))
                }
            }
        }
        if let (Some(api), Some(_)) = (args.api, &args.redirect) {
            return Err(syn::Error::new(
                api,
                "`api` answers 401 and never redirects: use `api` or `redirect`, not both",
            ));
        }
        Ok(args)
    }
}

/// Parses the item: an `async fn` handler without `self`, with room for one more
/// extractor.
fn parse_item(kind: Kind, item: TokenStream) -> syn::Result<ItemFn> {
    let first_token = item.clone().into_iter().next().map_or_else(Span::call_site, |t| t.span());
    let func: ItemFn = syn::parse2(item).map_err(|_| {
        syn::Error::new(first_token, format!("#[{}] goes on an `async fn` request handler", kind.name()))
    })?;
    if func.sig.asyncness.is_none() {
        return Err(syn::Error::new(
            func.sig.fn_token.span(),
            format!("#[{}] needs an async handler: write `async fn {}(..)`", kind.name(), func.sig.ident),
        ));
    }
    if let Some(FnArg::Receiver(recv)) = func.sig.inputs.first() {
        return Err(syn::Error::new(
            recv.span(),
            format!("#[{}] goes on a free `async fn` handler, not a method", kind.name()),
        ));
    }
    if func.sig.inputs.len() >= MAX_EXTRACTORS {
        return Err(syn::Error::new(
            func.sig.inputs.span(),
            format!(
                "too many arguments: actix handlers take at most {MAX_EXTRACTORS} extractors and #[{}] adds one",
                kind.name()
            ),
        ));
    }
    Ok(func)
}

/// Expands a parsed handler.
fn expand(kind: Kind, args: Args, mut func: ItemFn) -> TokenStream {
    let span = Span::call_site();
    let fresh = matches!(kind, Kind::FreshLogin);
    let api = args.api.is_some();
    let (spec, spec_item) = if args.redirect.is_some() || !args.permissions.is_empty() {
        // A spec of its own, next to the handler.
        let marker = format_ident!("__login_actix_guard_{}", func.sig.ident);
        let login_url = match &args.redirect {
            Some(url) => quote!(::core::option::Option::Some(#url)),
            None => quote!(::core::option::Option::None),
        };
        let mode = if api {
            quote!(::core::option::Option::Some(::login_actix::guard::LoginMode::Api))
        } else {
            quote!(::core::option::Option::None)
        };
        let permissions = &args.permissions;
        let item = quote_spanned! {span=>
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            enum #marker {}
            impl ::login_actix::guard::GuardSpec for #marker {
                const FRESH: bool = #fresh;
                const MODE: ::core::option::Option<::login_actix::guard::LoginMode> = #mode;
                const LOGIN_URL: ::core::option::Option<&'static str> = #login_url;
                const PERMISSIONS: &'static [&'static str] = &[#(#permissions),*];
            }
        };
        (quote!(#marker), item)
    } else {
        let spec = match (fresh, api) {
            (true, false) => quote!(::login_actix::guard::FreshLogin),
            (false, false) => quote!(::login_actix::guard::Login),
            (true, true) => quote!(::login_actix::guard::FreshApiLogin),
            (false, true) => quote!(::login_actix::guard::ApiLogin),
        };
        (spec, TokenStream::new())
    };
    let guard: FnArg = syn::parse_quote_spanned! {span=> _: ::login_actix::guard::Guard<#spec> };
    func.sig.inputs.insert(0, guard);
    quote! {
        #spec_item
        #func
    }
}

/// Runs the macro.
pub(crate) fn run(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let parsed = syn::parse2::<Args>(args).and_then(|args| Ok((args, parse_item(kind, item.clone())?)));
    match parsed {
        Ok((args, func)) => expand(kind, args, func),
        Err(err) => crate::with_item(err, item),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(kind: Kind, args: TokenStream, item: TokenStream) -> String {
        run(kind, args, item).to_string()
    }

    #[test]
    fn adds_one_absolute_guard_argument_and_keeps_the_rest() {
        let out = expand_str(
            Kind::Login,
            quote!(),
            quote! {
                /// Docs.
                #[get("/d")]
                async fn d<T: Clone>(x: T) -> T where T: Send { if true { return x; } x }
            },
        );
        assert_eq!(
            out,
            quote! {
                /// Docs.
                #[get("/d")]
                async fn d<T: Clone>(_: ::login_actix::guard::Guard<::login_actix::guard::Login>, x: T) -> T where T: Send { if true { return x; } x }
            }
            .to_string()
        );
    }

    #[test]
    fn the_guard_is_added_whatever_the_arguments_are_called() {
        // An app type named `CurrentUser` must not stand in for the check.
        let out = expand_str(
            Kind::Login,
            quote!(),
            quote!(
                async fn h(user: CurrentUser<User>) {}
            ),
        );
        assert!(out.contains("Guard < :: login_actix :: guard :: Login >"), "{out}");
        // Fresh, API and redirect variants still add their guard.
        let out = expand_str(
            Kind::FreshLogin,
            quote!(),
            quote!(
                async fn h(user: CurrentUser<User>) {}
            ),
        );
        assert!(out.contains("Guard < :: login_actix :: guard :: FreshLogin >"), "{out}");
        let out = expand_str(
            Kind::Login,
            quote!(api),
            quote!(
                async fn h(user: CurrentUser<User>) {}
            ),
        );
        assert!(out.contains("ApiLogin"), "{out}");
    }

    #[test]
    fn arguments_pick_the_spec() {
        let item = quote!(
            async fn h() {}
        );
        assert!(
            expand_str(Kind::FreshLogin, quote!(), item.clone()).contains(":: login_actix :: guard :: FreshLogin >")
        );
        assert!(expand_str(Kind::Login, quote!(api), item.clone()).contains(":: login_actix :: guard :: ApiLogin >"));
        assert!(expand_str(Kind::FreshLogin, quote!(api), item.clone())
            .contains(":: login_actix :: guard :: FreshApiLogin >"));
        let out = expand_str(Kind::FreshLogin, quote!(redirect = "/signin"), item);
        assert!(out.contains("enum __login_actix_guard_h { }"), "{out}");
        assert!(out.contains("const FRESH : bool = true"), "{out}");
        assert!(out.contains("Some (\"/signin\")"), "{out}");
    }

    #[test]
    fn permissions_make_a_spec() {
        let item = quote!(
            async fn h() {}
        );
        let out = expand_str(Kind::Login, quote!(permission = "admin", permission = "audit", api), item);
        assert!(out.contains("const PERMISSIONS : & 'static [& 'static str] = & [\"admin\" , \"audit\"]"), "{out}");
        assert!(out.contains("Some (:: login_actix :: guard :: LoginMode :: Api)"), "{out}");
        assert!(out.contains("Guard < __login_actix_guard_h >"), "{out}");
    }

    #[test]
    fn errors_keep_the_item() {
        let out = expand_str(
            Kind::Login,
            quote!(bogus),
            quote!(
                async fn h() {}
            ),
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("async fn h"), "{out}");
    }
}
