//! The device cookie (`_device`) on the wire: reading it for a user, and renewing it at
//! each completed login. Its claims and their signature are `login_core::device`.

use std::time::Duration;

use actix_web::HttpRequest;
use login_core::{
    device::{device_cookie_name, DeviceClaims, DEVICE_AUDIENCE},
    user_key, AuthUser,
};

use crate::{
    error::LoginError,
    state::{context::LoginContext, remember_cookie},
};

/// The claims of the request's device cookie when it is valid for `user` now: signed
/// here, not expired, naming this user, of the user's current device hash and device
/// epoch. `None` otherwise (another user's cookie is worth nothing for this one). A
/// request without the cookie costs no store call.
pub(crate) async fn valid_for<U: AuthUser>(
    ctx: &LoginContext,
    req: &HttpRequest,
    user: &U,
    now: u64,
) -> Result<Option<DeviceClaims<U::Id>>, LoginError> {
    if req.cookie(device_cookie_name(ctx.config.cookie())).is_none() {
        return Ok(None);
    }
    let epoch = ctx.stores.second_factor().device_epoch(&user_key(&user.id())).await?;
    Ok(check(ctx, req, user, epoch, now))
}

/// [`valid_for`] with the user's device epoch already read.
fn check<U: AuthUser>(
    ctx: &LoginContext,
    req: &HttpRequest,
    user: &U,
    epoch: u64,
    now: u64,
) -> Option<DeviceClaims<U::Id>> {
    let cookie = req.cookie(device_cookie_name(ctx.config.cookie()))?;
    let Ok(claims) = ctx.device.verify::<U::Id>(cookie.value(), now) else {
        tracing::debug!("ignoring a bad device cookie");
        return None;
    };
    let current = claims.user_id == user.id()
        && claims.epoch == epoch
        && ctx.config.keys().auth_tag_matches(claims.auth_tag, user.device_auth_hash().as_deref());
    current.then_some(claims)
}

/// Whether the request's device cookie trusts this browser for `user` now (the second
/// factor may be skipped).
pub(crate) async fn trusted_for<U: AuthUser>(
    ctx: &LoginContext,
    req: &HttpRequest,
    user: &U,
    now: u64,
) -> Result<bool, LoginError> {
    let claims = valid_for(ctx, req, user, now).await?;
    Ok(claims.and_then(|c| c.trusted_until).is_some_and(|until| until > now))
}

/// After the user's auth hash changed in this browser (a password change): the
/// browser stays known to the account, its trust ends (a password change ends every
/// browser's trust).
pub(crate) async fn keep_known<U: AuthUser>(
    ctx: &LoginContext,
    req: &HttpRequest,
    user: &U,
    now: u64,
) -> Result<(), LoginError> {
    let epoch = ctx.stores.second_factor().device_epoch(&user_key(&user.id())).await?;
    issue(ctx, req, user, None, epoch, now)
}

/// Renews the device cookie at a completed login of `user`: a new cookie naming the
/// user, lasting the device lifetime from now. A trust the browser already had for
/// this user keeps its end (a later login never extends it); `trust` starts one now.
/// Another user's cookie in this browser is replaced, with no trust.
pub(crate) async fn renew<U: AuthUser>(
    ctx: &LoginContext,
    req: &HttpRequest,
    user: &U,
    trust: bool,
    now: u64,
) -> Result<(), LoginError> {
    let epoch = ctx.stores.second_factor().device_epoch(&user_key(&user.id())).await?;
    let kept = check(ctx, req, user, epoch, now).and_then(|c| c.trusted_until).filter(|until| *until > now);
    let lifetime = ctx.config.device_lifetime().as_secs();
    let trusted_until = if trust { Some(now.saturating_add(lifetime)) } else { kept };
    issue(ctx, req, user, trusted_until, epoch, now)
}

/// Schedules a new device cookie of `user` at device epoch `epoch`, trusted until
/// `trusted_until`.
fn issue<U: AuthUser>(
    ctx: &LoginContext,
    req: &HttpRequest,
    user: &U,
    trusted_until: Option<u64>,
    epoch: u64,
    now: u64,
) -> Result<(), LoginError> {
    let lifetime = ctx.config.device_lifetime().as_secs();
    let claims = DeviceClaims {
        user_id: user.id(),
        iat: now,
        exp: now.saturating_add(lifetime),
        aud: DEVICE_AUDIENCE.to_owned(),
        auth_tag: ctx.config.keys().auth_tag(user.device_auth_hash().as_deref()),
        epoch,
        trusted_until,
    };
    let token = ctx.device.sign(&claims)?;
    let cookie = remember_cookie::named_cookie(
        ctx.config.cookie(),
        device_cookie_name(ctx.config.cookie()).to_owned(),
        token,
        Duration::from_secs(lifetime),
    );
    remember_cookie::schedule(ctx, req, cookie);
    Ok(())
}
