//! `#[user_loader]`: parse, then expand.
//!
//! ```ignore
//! #[user_loader]
//! async fn load_user(id: i64, db: web::Data<Db>) -> Result<Option<User>, DbError> { .. }
//! ```
//! becomes a unit struct `load_user` implementing `::login_actix::loader::UserLoader`, whose
//! `load` extracts the further arguments from the request and calls the original
//! function (kept, unchanged, inside the method).
//!
//! Generated paths are absolute (`::login_actix`, `::core`, `::std`), and every local
//! binding is named `__login_actix_*`: Rust lets no binding shadow a constant, so those
//! names are the one thing a user's module must not define as constants.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{spanned::Spanned, FnArg, GenericArgument, ItemFn, PatType, PathArguments, ReturnType, Type, TypePath};

/// What the loader function returns: `Option<User>` (no error type) or
/// `Result<Option<User>, E>`.
struct Returns {
    user: Type,
    error: Option<Type>,
}

/// A parsed loader.
struct Loader {
    func: ItemFn,
    id_ty: Type,
    extractors: Vec<Type>,
    returns: Returns,
}

const RETURN_HELP: &str = "a user loader returns `Option<User>` or `Result<Option<User>, E>`";

/// The generic arguments of a path type whose last segment is `name`.
fn generic_args<'a>(ty: &'a Type, name: &str) -> Option<Vec<&'a Type>> {
    let Type::Path(TypePath { qself: None, path }) = ty else { return None };
    let last = path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    args.args
        .iter()
        .map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn option_inner(ty: &Type) -> Option<Type> {
    match generic_args(ty, "Option")?.as_slice() {
        [inner] => Some((*inner).clone()),
        _ => None,
    }
}

fn parse_returns(output: &ReturnType, sig_span: Span) -> syn::Result<Returns> {
    let ReturnType::Type(_, ty) = output else {
        return Err(syn::Error::new(sig_span, format!("missing return type: {RETURN_HELP}")));
    };
    if let Some(user) = option_inner(ty) {
        return Ok(Returns { user, error: None });
    }
    if let Some(args) = generic_args(ty, "Result") {
        if let [ok, err] = args.as_slice() {
            if let Some(user) = option_inner(ok) {
                return Ok(Returns { user, error: Some((*err).clone()) });
            }
            return Err(syn::Error::new(ok.span(), format!("the `Ok` type must be `Option<User>`: {RETURN_HELP}")));
        }
    }
    Err(syn::Error::new(ty.span(), RETURN_HELP))
}

fn parse(args: TokenStream, item: TokenStream) -> syn::Result<Loader> {
    if !args.is_empty() {
        return Err(syn::Error::new(args.span(), "#[user_loader] takes no arguments"));
    }
    let func: ItemFn = syn::parse2(item)
        .map_err(|_| syn::Error::new(Span::call_site(), "#[user_loader] goes on an `async fn` taking the user id"))?;
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            format!("a user loader must be async: write `async fn {}(..)`", sig.ident),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(syn::Error::new(sig.generics.span(), "a user loader cannot be generic"));
    }
    let mut typed = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                return Err(syn::Error::new(r.span(), "a user loader is a free function, not a method"))
            }
            FnArg::Typed(PatType { ty, .. }) => typed.push((**ty).clone()),
        }
    }
    let mut typed = typed.into_iter();
    let Some(id_ty) = typed.next() else {
        let span = if sig.inputs.is_empty() { sig.paren_token.span.join() } else { sig.inputs.span() };
        return Err(syn::Error::new(
            span,
            format!("a user loader takes the stored user id first: `async fn {}(id: UserId, ..)`", sig.ident),
        ));
    };
    let returns = parse_returns(&sig.output, sig.span())?;
    Ok(Loader { id_ty, extractors: typed.collect(), returns, func })
}

fn expand(loader: Loader) -> TokenStream {
    let Loader { func, id_ty, extractors, returns } = loader;
    let name = &func.sig.ident;
    let vis = &func.vis;
    let docs = func.attrs.iter().filter(|a| a.path().is_ident("doc"));
    let span = Span::mixed_site();
    let req = quote_spanned!(span=> __login_actix_req);
    let id = quote_spanned!(span=> __login_actix_id);
    let vars: Vec<_> = (0..extractors.len()).map(|i| format_ident!("__login_actix_arg{}", i, span = span)).collect();
    let user = &returns.user;
    // Converts the trait's id type to the one the function takes; a mismatch is one
    // error, on the user's id type.
    let id_arg = quote_spanned! {id_ty.span()=>
        ::login_actix::__private::loader_id::<#user, #id_ty>(#id)
    };
    let call = match &returns.error {
        None => quote!(::core::result::Result::Ok(#name(#id_arg #(, #vars)*).await)),
        Some(error) => quote_spanned! {error.span()=>
            #name(#id_arg #(, #vars)*).await.map_err(::login_actix::loader::LoadError::new)
        },
    };
    let extract = extractors.iter().zip(&vars).map(|(ty, var)| {
        quote_spanned! {ty.span()=>
            let #var = match <#ty as ::login_actix::__private::actix_web::FromRequest>::extract(&#req).await {
                ::core::result::Result::Ok(__login_actix_value) => __login_actix_value,
                ::core::result::Result::Err(__login_actix_err) => {
                    let __login_actix_err: ::login_actix::__private::actix_web::Error =
                        ::core::convert::Into::into(__login_actix_err);
                    return ::core::result::Result::Err(::core::convert::From::from(__login_actix_err));
                }
            };
        }
    });
    quote! {
        #(#docs)*
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Debug)]
        #vis struct #name;

        impl ::login_actix::loader::UserLoader for #name {
            type User = #user;

            fn load(
                &self,
                #id: <#user as ::login_actix::AuthUser>::Id,
                #req: &::login_actix::__private::actix_web::HttpRequest,
            ) -> ::login_actix::__private::LocalBoxFuture<
                'static,
                ::core::result::Result<::core::option::Option<#user>, ::login_actix::loader::LoadError>,
            > {
                #func
                let #req = ::core::clone::Clone::clone(#req);
                ::std::boxed::Box::pin(async move {
                    #(#extract)*
                    #call
                })
            }
        }
    }
}

/// Runs the macro.
pub(crate) fn run(args: TokenStream, item: TokenStream) -> TokenStream {
    match parse(args, item.clone()) {
        Ok(loader) => expand(loader),
        Err(err) => crate::with_item(err, item),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_to_a_unit_struct_implementing_the_loader() {
        let out = run(
            quote!(),
            quote! {
                /// Loads users.
                pub async fn load_user(id: i64, db: web::Data<Db>) -> Result<Option<User>, DbError> { db.get(id).await }
            },
        )
        .to_string();
        for expected in [
            "Loads users.",
            "pub struct load_user ;",
            "impl :: login_actix :: loader :: UserLoader for load_user",
            "type User = User ;",
            "< web :: Data < Db > as :: login_actix :: __private :: actix_web :: FromRequest > :: extract",
            ":: login_actix :: __private :: loader_id :: < User , i64 >",
            "map_err (:: login_actix :: loader :: LoadError :: new)",
        ] {
            assert!(out.contains(expected), "missing {expected:?} in {out}");
        }
    }

    #[test]
    fn an_option_loader_cannot_fail() {
        let out = run(
            quote!(),
            quote!(
                async fn l(id: String) -> Option<User> {
                    None
                }
            ),
        )
        .to_string();
        assert!(out.contains(":: core :: result :: Result :: Ok (l ("), "{out}");
        assert!(!out.contains("LoadError :: new"), "{out}");
    }
}
