//! The login handle's second-factor steps (feature `two-factor`): start a pending
//! login after the password, complete it after the code, check TOTP codes once, and
//! the browsers the account knows.

use login_core::{
    pending::{AtCap, PendingLogin},
    totp::TotpSecret,
    user_key, AuthUser, LoginId, Remember,
};

use crate::{
    error::LoginError,
    events::{id_value, LoginEvent, SecondFactorStep},
    login::{
        redirect::LoginRedirect,
        session::{LoginOptions, LoginSession},
    },
    state::{memo::Memo, remember_cookie},
    throttle::LoginThrottle,
    two_factor::{
        device_cookie,
        pending_user::{end_browsers_pending, PENDING_KEY},
        PendingUser, RecoveryCodes,
    },
};

impl<U: AuthUser> LoginSession<U> {
    /// The password of `user` was right and the user has a second factor: makes a
    /// *pending* login instead of a login. Every login this browser named ends, the
    /// session starts empty with a new id, a remember cookie the request carried is
    /// deleted; no login exists in the registry and no remember cookie is set until
    /// [`complete_second_factor`](LoginSession::complete_second_factor). `remember` and
    /// the safe `next` are kept server-side for the completion; `username` is the name
    /// the throttle counted (the code step counts under it too).
    ///
    /// Every guard refuses the browser meanwhile (anonymous); [`PendingUser`] is the
    /// code page's extractor.
    ///
    /// A user holds at most [`MAX_PENDING_PER_USER`](crate::two_factor::MAX_PENDING_PER_USER)
    /// pending logins from browsers the account does not know: past that, such a
    /// browser is refused with
    /// [`LoginError::Throttled`] (`429`) and ends nothing, so a stranger with the
    /// password never ends the owner's pending login. A browser the account knows (a
    /// valid device cookie) may go on, up to
    /// [`MAX_PENDING_KNOWN`](crate::two_factor::MAX_PENDING_KNOWN) in all.
    pub async fn begin_second_factor(
        &self,
        user: &U,
        remember: impl Into<Remember>,
        username: &str,
        next: Option<&str>,
    ) -> Result<(), LoginError> {
        let session = self.session()?;
        let now = self.state.config.now();
        // This browser's own earlier password step is replaced, not counted at the cap.
        end_browsers_pending(&self.state, &session).await?;
        let pending = self.pending_login(user, remember.into(), username, next, now);
        let id = pending.id;
        // The cap before anything else: a refused step leaves the browser as it was.
        self.hold_pending(user, pending, now).await?;
        if let Err(err) = self.hand_over_pending(&session, id, now).await {
            // Best effort: a pending login no browser names only waits for its timeout.
            let _ = self.state.stores.second_factor().remove_pending(id).await;
            return Err(err);
        }
        self.emit_step(user, SecondFactorStep::Pending);
        Ok(())
    }

    /// The pending login of `user`'s password step at `now`.
    fn pending_login(
        &self,
        user: &U,
        remember: Remember,
        username: &str,
        next: Option<&str>,
        now: u64,
    ) -> PendingLogin {
        let config = &self.state.config;
        PendingLogin {
            id: LoginId::random(),
            user_key: user_key(&user.id()),
            username: username.to_owned(),
            created_at: now,
            expires_at: now.saturating_add(config.two_factor_timeout().as_secs()),
            remember_secs: remember.duration(config).map(|d| d.as_secs()),
            next: next.filter(|n| login_core::is_safe_next(n)).map(str::to_owned),
            failures: 0,
            auth_tag: config.keys().auth_tag(user.session_auth_hash().as_deref()),
        }
    }

    /// Stores `pending` under the per-user cap: a browser the account knows may go on
    /// past it, any other is refused with [`LoginError::Throttled`].
    async fn hold_pending(&self, user: &U, pending: PendingLogin, now: u64) -> Result<(), LoginError> {
        let config = &self.state.config;
        let known = device_cookie::valid_for(&self.state, &self.req, user, now).await?.is_some();
        let at_cap = if known { AtCap::Extend } else { AtCap::Refuse };
        if self.state.stores.second_factor().insert_pending(pending, at_cap).await? {
            return Ok(());
        }
        let retry_after = config.two_factor_timeout().as_secs().max(1);
        self.emit_step(user, SecondFactorStep::PendingRefused);
        Err(LoginError::Throttled { retry_after })
    }

    /// Makes the browser's session the pending login `id`'s: every login its cookies
    /// named ends, the session starts empty with a new id, a remember cookie is deleted.
    async fn hand_over_pending(
        &self,
        session: &actix_session::Session,
        id: LoginId,
        now: u64,
    ) -> Result<(), LoginError> {
        self.settle_named_logins(session, None, now).await?;
        // From here on the rest of the request asks the session this writes: a pending
        // login, no user (also when a step below fails).
        Memo::changed(&self.req);
        session.clear();
        session.renew();
        remember_cookie::delete_if_present(&self.state, &self.req);
        session.insert(PENDING_KEY, id.to_string()).map_err(LoginError::session)
    }

    /// The pending user gave a right code: the pending login ends and a fresh login
    /// starts (a new session id, in the registry, the remember cookie now if the
    /// password step asked for it, the device cookie renewed; `trust_browser` lets this
    /// browser skip the second factor for the device lifetime). Returns the redirect
    /// after the login; send it on to [`PendingUser::next`].
    ///
    /// The password step's throttle attempt (kept counted by
    /// [`LoginAttempt::pending`](crate::throttle::LoginAttempt::pending)) is taken back now, for
    /// this client.
    ///
    /// Without a live pending login (ended, expired, completed by a parallel request)
    /// it is [`LoginError::NoPendingLogin`].
    pub async fn complete_second_factor(
        &self,
        pending: &PendingUser<U>,
        trust_browser: bool,
    ) -> Result<LoginRedirect, LoginError> {
        let (Some(user), Some(record)) = (pending.user(), pending.record()) else {
            return Err(LoginError::NoPendingLogin);
        };
        // One completion per pending login, on every instance.
        if !self.state.stores.second_factor().remove_pending(record.id).await? {
            return Err(LoginError::NoPendingLogin);
        }
        // Ended: the login below has no pending login of this browser left to end.
        self.session()?.remove(PENDING_KEY);
        LoginThrottle::for_request(&self.req, &self.state).take_back_password_step(&record.username).await?;
        let remember = record.remember_secs.map_or(Remember::No, |s| Remember::For(std::time::Duration::from_secs(s)));
        let options = LoginOptions { remember, trust_browser, ..LoginOptions::default() };
        let redirect = self.log_in(user, options).await?;
        self.emit_step(user, SecondFactorStep::Completed);
        if trust_browser {
            self.emit_step(user, SecondFactorStep::BrowserTrusted);
        }
        Ok(redirect)
    }

    /// Whether `code` is a current TOTP code of `secret` (one step of drift each way)
    /// whose time step was never accepted for `user` before; the step is recorded in the
    /// registry's store, so the same code is refused afterwards everywhere (other
    /// instances, after a restart with a durable store), whatever it is used for
    /// (login, sudo, disabling). An empty or malformed code is `false`. "Current" is by
    /// the configuration's [`clock`](crate::config::LoginConfigBuilder::clock), so a test clock
    /// moves the codes too.
    ///
    /// This counts nothing for the throttle: a code step or a sudo prompt counts its
    /// tries with `LoginThrottle::attempt_for(name, Some(&user))` before the check and
    /// `attempt.failed()` after a wrong code, as the [module docs](crate::two_factor)
    /// show. From a [`CurrentUser`](crate::CurrentUser), pass `&*user` (the user inside).
    pub async fn check_totp(&self, user: &U, secret: &TotpSecret, code: &str) -> Result<bool, LoginError> {
        let now = self.state.config.now();
        let Some(step) = secret.matching_step(code, now) else { return Ok(false) };
        let fresh = self.state.stores.second_factor().use_totp_step(&user_key(&user.id()), step).await?;
        if !fresh {
            tracing::info!(user_id = ?user.id(), "refused a TOTP code already used");
        }
        Ok(fresh)
    }

    /// Whether this browser's device cookie trusts it for `user` (ticked at an earlier
    /// code step, not expired, the same auth hash, no "forget every browser" since):
    /// the second factor may be skipped.
    pub async fn trusts_browser(&self, user: &U) -> Result<bool, LoginError> {
        device_cookie::trusted_for(&self.state, &self.req, user, self.state.config.now()).await
    }

    /// "Forget every browser": no device cookie of `user` is valid any more (neither
    /// trusted nor known to the per-account throttle), on every instance.
    pub async fn forget_browsers(&self, user: &U) -> Result<(), LoginError> {
        self.state.stores.second_factor().forget_devices(&user_key(&user.id())).await?;
        self.emit_step(user, SecondFactorStep::BrowsersForgotten);
        Ok(())
    }

    /// The user turned the second factor on (or enrolled a new secret): every browser
    /// the account knew is forgotten, so no trust given under an earlier authenticator
    /// skips the new one; this browser stays known, without trust (as after a password
    /// change). Emits [`SecondFactorStep::Enabled`]. Call it with the user as stored
    /// after the change. The user's other live logins stay (they are listed by
    /// [`logins`](LoginSession::logins); end them with
    /// [`end_logins_of`](LoginSession::end_logins_of) if the app wants every session to
    /// have passed the new factor).
    pub async fn second_factor_enabled(&self, user: &U) -> Result<(), LoginError> {
        self.factor_changed(user, SecondFactorStep::Enabled).await
    }

    /// The user turned the second factor off: as
    /// [`second_factor_enabled`](LoginSession::second_factor_enabled), every browser's
    /// trust ends with the factor it was given for. Emits [`SecondFactorStep::Disabled`].
    /// Ask for a current code (or a recovery code) before turning the factor off, and
    /// for new recovery codes, in a [`#[fresh_login_required]`](crate::fresh_login_required)
    /// handler: a session alone must not remove the factor.
    pub async fn second_factor_disabled(&self, user: &U) -> Result<(), LoginError> {
        self.factor_changed(user, SecondFactorStep::Disabled).await
    }

    async fn factor_changed(&self, user: &U, step: SecondFactorStep) -> Result<(), LoginError> {
        let now = self.state.config.now();
        self.state.stores.second_factor().forget_devices(&user_key(&user.id())).await?;
        device_cookie::keep_known(&self.state, &self.req, user, now).await?;
        self.second_factor_event(user, step);
        Ok(())
    }

    /// Recovery codes keyed from the app secret (make a set at enrolment, check one at
    /// the code step).
    pub fn recovery_codes(&self) -> RecoveryCodes {
        RecoveryCodes::new(&self.state.config)
    }

    /// Logs and emits a second-factor step the app itself performed (spending a
    /// recovery code, replacing the recovery codes).
    pub fn second_factor_event(&self, user: &U, step: SecondFactorStep) {
        self.emit_step(user, step);
    }

    fn emit_step(&self, user: &U, step: SecondFactorStep) {
        self.state.emit(&self.req, &LoginEvent::SecondFactor { user_id: id_value(&user.id()), step });
    }
}
