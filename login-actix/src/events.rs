//! Login events: one hook, typed events, for audit logs and activity pages.

use actix_web::HttpRequest;
use serde::Serialize;

/// Something the login flow did or refused. Given to the
/// [`on_event`](crate::LoginMiddleware::on_event) hook, synchronously, in the request
/// that caused it. `user_id` is the user's id as JSON (`42`, `"alice"`) where known.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LoginEvent {
    /// A credential login (`login_user`).
    LoggedIn {
        /// The user.
        user_id: serde_json::Value,
        /// Whether a remember cookie was issued.
        remembered: bool,
    },
    /// A login continued from a remember cookie in a new session (never fresh).
    Restored {
        /// The user.
        user_id: serde_json::Value,
    },
    /// The current login ended by `logout_user` (or `logout_everywhere`).
    LoggedOut {
        /// The user, when the request carried a login.
        user_id: Option<serde_json::Value>,
    },
    /// A login ended for another reason than this browser's logout.
    Ended {
        /// The user.
        user_id: serde_json::Value,
        /// Why.
        reason: EndReason,
    },
    /// A request or a credential was refused.
    Refused {
        /// The user, where known.
        user_id: Option<serde_json::Value>,
        /// Why.
        reason: RefusalReason,
    },
    /// A step of the second factor (feature `two-factor`).
    SecondFactor {
        /// The user.
        user_id: serde_json::Value,
        /// What happened.
        step: SecondFactorStep,
    },
    /// A credential attempt was over the throttle's limit (the password was not checked).
    Throttled {
        /// The client's throttle key (its IP, or its IPv6 /64).
        client: String,
        /// Seconds until the attempt window ends.
        retry_after: u64,
    },
}

/// A step of the second factor, as [`LoginEvent::SecondFactor`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SecondFactorStep {
    /// A right password made a pending login; the code is to come.
    Pending,
    /// A right password from a browser the account does not know made no pending login:
    /// the user holds as many as a user may.
    PendingRefused,
    /// A right code completed the pending login.
    Completed,
    /// A wrong, replayed or malformed code.
    FailedCode,
    /// A recovery code was used (it is spent).
    RecoveryCodeUsed,
    /// The user enabled the second factor.
    Enabled,
    /// The user disabled it.
    Disabled,
    /// The user asked this browser to skip the second factor from now on.
    BrowserTrusted,
    /// The user forgot every browser ("forget devices").
    BrowsersForgotten,
    /// The user replaced the recovery codes.
    RecoveryCodesReplaced,
}

/// Why a login ended without this browser logging out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EndReason {
    /// The user's auth hash changed (password change elsewhere, "log out everywhere").
    AuthHashChanged,
    /// The user was deactivated.
    Inactive,
    /// The loader no longer finds the user.
    UserDeleted,
    /// Unused for longer than the idle timeout.
    Idle,
    /// Ended from the sessions page (`end_login`) or by an administrator (`end_logins_of`).
    EndedByRequest,
    /// Ended by "log out everywhere" or a password change in another browser.
    EndedEverywhere,
    /// Replaced by another login in the same browser.
    Replaced,
    /// The user's oldest login, ended because a new login reached the per-user cap
    /// ([`max_logins_per_user`](crate::config::LoginConfigBuilder::max_logins_per_user)).
    TooManyLogins,
    /// A retired remember token was presented after its grace window: a copy of the
    /// cookie is in someone else's hands (see
    /// [`remember_grace`](crate::config::LoginConfigBuilder::remember_grace)). The login
    /// ends for the owner and the holder of the copy alike.
    RememberTokenReused,
}

/// Why a request or credential was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RefusalReason {
    /// A remember cookie failed verification.
    BadRememberToken,
    /// A session or remember cookie named a login that is not live (logged out,
    /// ended, expired): a replayed copy.
    LoginNotLive,
    /// A bearer token was malformed or unknown.
    BadBearerToken,
    /// `login_user` was given an inactive user.
    InactiveUser,
    /// Logged in, but without a permission the route requires.
    MissingPermission,
    /// A cross-origin state-changing request.
    CrossOrigin,
}

/// The event hook.
pub(crate) type EventHook = std::rc::Rc<dyn Fn(&HttpRequest, &LoginEvent)>;

/// A user id as JSON, for events.
pub(crate) fn id_value<Id: Serialize>(id: &Id) -> serde_json::Value {
    serde_json::to_value(id).unwrap_or(serde_json::Value::Null)
}

impl LoginEvent {
    /// Writes this event's log line: the route's pattern (`/magic/{token}`, never the
    /// path's own segments, which may carry a token), the user id where known, never a
    /// secret or a token. The one place a login event is logged.
    pub(crate) fn log(&self, req: &HttpRequest) {
        let pattern = req.match_pattern();
        let path = pattern.as_deref().unwrap_or("(no route)");
        match self {
            LoginEvent::LoggedIn { user_id, remembered } => {
                tracing::info!(path, user_id = %user_id, remembered, "user logged in")
            }
            LoginEvent::Restored { user_id } => {
                tracing::info!(path, user_id = %user_id, "login restored from remember cookie (not fresh)")
            }
            LoginEvent::LoggedOut { user_id } => {
                tracing::info!(path, user_id = user_id.as_ref().map(tracing::field::display), "user logged out")
            }
            LoginEvent::Ended { user_id, reason } => {
                tracing::info!(path, user_id = %user_id, ?reason, "login ended: {}", reason.describe())
            }
            LoginEvent::Refused { user_id, reason } => tracing::info!(
                path,
                user_id = user_id.as_ref().map(tracing::field::display),
                ?reason,
                "refused: {}",
                reason.describe()
            ),
            LoginEvent::SecondFactor { user_id, step } => {
                tracing::info!(path, user_id = %user_id, ?step, "second factor: {}", step.describe())
            }
            LoginEvent::Throttled { client, retry_after } => {
                tracing::info!(path, client = %client, retry_after, "attempt throttled (the credential was not checked)")
            }
        }
    }
}

impl SecondFactorStep {
    /// What happened, for the log.
    fn describe(self) -> &'static str {
        match self {
            SecondFactorStep::Pending => "password accepted; the code is pending",
            SecondFactorStep::PendingRefused => "password accepted; refused: the user has too many pending logins",
            SecondFactorStep::Completed => "code accepted; logged in",
            SecondFactorStep::FailedCode => "wrong, replayed or malformed code",
            SecondFactorStep::RecoveryCodeUsed => "a recovery code was spent",
            SecondFactorStep::Enabled => "enabled",
            SecondFactorStep::Disabled => "disabled",
            SecondFactorStep::BrowserTrusted => "this browser is trusted",
            SecondFactorStep::BrowsersForgotten => "every browser of the user forgotten",
            SecondFactorStep::RecoveryCodesReplaced => "recovery codes replaced",
        }
    }
}

impl EndReason {
    /// Why, for the log.
    fn describe(self) -> &'static str {
        match self {
            EndReason::AuthHashChanged => "auth hash changed (password change or logout everywhere)",
            EndReason::Inactive => "the user is inactive",
            EndReason::UserDeleted => "the user no longer exists",
            EndReason::Idle => "idle for longer than the idle timeout",
            EndReason::EndedByRequest => "ended by request (the sessions page or an administrator)",
            EndReason::EndedEverywhere => "ended everywhere (logout everywhere or a password change)",
            EndReason::Replaced => "replaced by a new login in the same browser",
            EndReason::TooManyLogins => "the user reached the per-user cap of logins",
            EndReason::RememberTokenReused => {
                "a retired remember token came back after its grace window (a copied cookie)"
            }
        }
    }
}

impl RefusalReason {
    /// Why, for the log.
    fn describe(self) -> &'static str {
        match self {
            RefusalReason::BadRememberToken => "a remember cookie failed verification",
            RefusalReason::LoginNotLive => "a cookie whose login is not live (logged out, ended or expired)",
            RefusalReason::BadBearerToken => "a malformed or unknown bearer token",
            RefusalReason::InactiveUser => "the account is inactive",
            RefusalReason::MissingPermission => "logged in without a required permission",
            RefusalReason::CrossOrigin => "a cross-origin state-changing request",
        }
    }
}
