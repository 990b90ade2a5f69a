//! What the sessions page and a logout tell: one live login of a user, and who logged
//! out.

use login_core::{LiveLogin, LoginId};

/// Who [`logout_user`](crate::LoginSession::logout_user) logged out.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedOut<Id> {
    pub(crate) user_id: Option<Id>,
}

impl<Id> LoggedOut<Id> {
    /// The id of the user whose login this logout ended, `None` when it ended none
    /// (nobody was logged in, or the cookies were a logged-out copy).
    pub fn user_id(&self) -> Option<&Id> {
        self.user_id.as_ref()
    }
}

/// One live login of a user, as the sessions page shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoginInfo {
    /// The login's id, for [`LoginSession::end_login`](crate::LoginSession::end_login).
    pub id: String,
    /// Whether this is the login of the request that asked.
    pub current: bool,
    /// When the credential login happened, seconds since the Unix epoch.
    pub created_at: u64,
    /// Last activity seen (written coarsely), seconds since the Unix epoch.
    pub last_seen_at: u64,
    /// When the login ends at the latest, seconds since the Unix epoch.
    pub expires_at: u64,
    /// Whether a remember cookie continues it.
    pub remembered: bool,
    /// The browser's `User-Agent`, cleaned and shortened.
    pub user_agent: String,
}

impl LoginInfo {
    pub(crate) fn new(login: LiveLogin, current: LoginId) -> Self {
        LoginInfo {
            id: login.id.to_string(),
            current: login.id == current,
            created_at: login.created_at,
            last_seen_at: login.last_seen_at,
            expires_at: login.expires_at,
            remembered: login.remembered,
            user_agent: login.user_agent,
        }
    }
}
