//! Server-rendered HTML. Every echoed value goes through [`escape`].

use std::fmt::Write as _;

use login_actix::login::LoginInfo;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

fn layout(title: &str, username: Option<&str>, body: &str) -> String {
    let who = match username {
        Some(name) => format!(
            r#"Logged in as <b id="username">{}</b> · <form class="inline" method="post" action="/logout"><button id="logout" type="submit">Log out</button></form>"#,
            escape(name)
        ),
        None => r#"<span id="username">anonymous</span> · <a href="/login">Log in</a>"#.to_owned(),
    };
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · login-actix demo</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
nav {{ display: flex; gap: 1rem; align-items: center; border-bottom: 1px solid #ddd; padding-bottom: .5rem; margin-bottom: 1rem; }}
form.inline {{ display: inline; }}
label {{ display: block; margin: .5rem 0; }}
.error {{ color: #a00; }} .ok {{ color: #070; }}
section {{ border: 1px solid #eee; padding: .5rem 1rem; margin: 1rem 0; border-radius: 6px; }}
</style></head>
<body><nav><a href="/">Home</a><a href="/dashboard">Dashboard</a><a href="/settings">Settings</a><span style="margin-left:auto">{who}</span></nav>
<main>{body}</main></body></html>"#,
        title = escape(title),
    )
}

/// `GET /`.
pub fn home(username: Option<&str>) -> String {
    let text = match username {
        Some(name) => format!("<h1>Welcome, {}</h1><p>You are logged in.</p>", escape(name)),
        None => "<h1>Welcome, anonymous</h1><p>Log in as <code>alice</code> / <code>wonderland</code> or <code>bob</code> / <code>builder</code>.</p>".to_owned(),
    };
    layout("Home", username, &text)
}

/// `GET /login`.
pub fn login(username: Option<&str>, next: &str, error: Option<&str>) -> String {
    let mut body = String::from("<h1>Log in</h1>");
    if let Some(error) = error {
        let _ = write!(body, r#"<p class="error" id="error">{}</p>"#, escape(error));
    }
    if let Some(name) = username {
        let _ = write!(
            body,
            r#"<p>You are logged in as {}. Enter your password again to continue, or a code from your authenticator app:</p>
<form method="post" action="/login/sudo"><label>Code <input id="sudo-code" name="code" autocomplete="one-time-code"></label>
<input type="hidden" name="next" value="{}"><button id="sudo-submit" type="submit">Continue with a code</button></form>"#,
            escape(name),
            escape(next)
        );
    }
    let _ = write!(
        body,
        r#"<form method="post" action="/login">
<label>Username <input id="login-username" name="username" autocomplete="username" required></label>
<label>Password <input id="login-password" name="password" type="password" autocomplete="current-password" required></label>
<label><input id="login-remember" name="remember" type="checkbox"> Remember me for 30 days</label>
<input type="hidden" name="next" value="{}">
<button id="login-submit" type="submit">Log in</button>
</form>
<p><a id="forgot-link" href="/password/forgot">Forgot your password?</a></p>"#,
        escape(next)
    );
    layout("Log in", username, &body)
}

/// `GET /password/forgot`, and the answer to `POST /password/forgot` (`sent`): the same
/// words whether or not the account exists.
pub fn forgot_password(sent: bool) -> String {
    let mut body = String::from("<h1>Forgot your password?</h1>");
    if sent {
        body.push_str(
            r#"<p class="ok" id="forgot-sent">If an active account has that name, a link to choose a new password is on its way. It works once, for a limited time.</p>"#,
        );
    }
    body.push_str(
        r#"<form method="post" action="/password/forgot">
<label>Username <input id="forgot-username" name="username" autocomplete="username" required></label>
<button id="forgot-submit" type="submit">Send me a reset link</button>
</form>"#,
    );
    layout("Forgot password", None, &body)
}

/// `GET /password/reset?token=..` with a valid token: the new-password form.
pub fn reset_password(token: &str, error: Option<&str>) -> String {
    let mut body = String::from("<h1>Choose a new password</h1>");
    if let Some(error) = error {
        let _ = write!(body, r#"<p class="error" id="error">{}</p>"#, escape(error));
    }
    let _ = write!(
        body,
        r#"<form method="post" action="/password/reset">
<input type="hidden" name="token" value="{}">
<label>New password <input id="reset-password" name="new_password" type="password" autocomplete="new-password" required></label>
<button id="reset-submit" type="submit">Set the new password</button>
</form><p>Every session of the account is logged out afterwards.</p>"#,
        escape(token)
    );
    layout("Reset password", None, &body)
}

/// The `400` page of an invalid, used or expired reset link.
pub fn reset_invalid() -> String {
    layout(
        "Reset link not valid",
        None,
        r#"<h1>This link does not work</h1><p class="error" id="reset-invalid">The reset link is invalid, already used or expired.</p><p><a href="/password/forgot">Ask for a new one</a></p>"#,
    )
}

/// `GET /dashboard`.
pub fn dashboard(username: &str) -> String {
    layout(
        "Dashboard",
        Some(username),
        &format!(r#"<h1 id="greeting">hi {}</h1><p>This page needs a login.</p>"#, escape(username)),
    )
}

/// `GET /settings`.
pub fn settings(username: &str, changed: bool, error: Option<&str>) -> String {
    let mut body = String::from("<h1>Account settings</h1><p>These settings need a fresh login.</p>");
    if changed {
        body.push_str(r#"<p class="ok" id="changed">Password changed. Every other session was logged out.</p>"#);
    }
    if let Some(e) = error {
        let _ = write!(body, r#"<p class="error">{}</p>"#, escape(e));
    }
    body.push_str(
        r#"<section><h2>Change password</h2><form method="post" action="/settings/password">
<label>Current password <input id="current-password" name="current_password" type="password" autocomplete="current-password" required></label>
<label>New password <input id="new-password" name="new_password" type="password" autocomplete="new-password" required></label>
<button id="change-password" type="submit">Change password</button></form></section>
<section><h2>Two-factor authentication</h2><p><a id="two-factor-link" href="/settings/two-factor">Codes from an authenticator app</a></p></section>
<section><h2>Sessions</h2><p><a id="sessions-link" href="/settings/sessions">Where you are logged in</a> · <a href="/settings/tokens">Personal access tokens</a> · <a href="/settings/activity">Activity</a></p></section>
<section><h2>Log out everywhere</h2><form method="post" action="/logout/all">
<button id="logout-all" type="submit">Log out all sessions</button></form></section>
<section><h2>Delete account</h2><form method="post" action="/account/delete">
<button id="delete-account" type="submit">Delete my account</button></form></section>"#,
    );
    layout("Settings", Some(username), &body)
}

/// The `429` page of a throttled login.
pub fn throttled(retry_after: u64) -> String {
    let minutes = retry_after.div_ceil(60);
    layout(
        "Too many attempts",
        None,
        &format!(
            r#"<h1>Too many login attempts</h1><p class="error" id="throttled">Too many failed logins from here. Try again in {minutes} minute{} (<span id="retry-after">{retry_after}</span> seconds).</p><p><a href="/login">Back to the login page</a></p>"#,
            if minutes == 1 { "" } else { "s" }
        ),
    )
}

/// A Unix time as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn utc(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// `GET /admin`: every user with a deactivate or reactivate form.
pub fn admin(username: &str, users: &[crate::db::User]) -> String {
    let mut body = String::from(
        r#"<h1>Users</h1><table id="users"><thead><tr><th>User</th><th>Status</th><th></th></tr></thead><tbody>"#,
    );
    for user in users {
        let (status, action, label) =
            if user.active { ("active", "deactivate", "Deactivate") } else { ("disabled", "reactivate", "Reactivate") };
        let name = escape(&user.username);
        let _ = write!(
            body,
            r#"<tr data-user="{name}"><td>{name}</td><td class="status">{status}</td><td><form method="post" action="/admin/users/{path}/{action}"><button type="submit">{label}</button></form></td></tr>"#,
            path = escape(
                &percent_encoding::utf8_percent_encode(&user.username, percent_encoding::NON_ALPHANUMERIC).to_string()
            ),
        );
    }
    body.push_str("</tbody></table>");
    layout("Users", Some(username), &body)
}

/// `GET /settings/tokens` (and the page after creating one, showing it once).
pub fn tokens(username: &str, tokens: &[crate::db::TokenInfo], new_token: Option<&str>) -> String {
    let mut body = String::from("<h1>Personal access tokens</h1><p>For the JSON API under <code>/api</code>: <code>Authorization: Bearer &lt;token&gt;</code>.</p>");
    if let Some(token) = new_token {
        let _ = write!(
            body,
            r#"<p class="ok">Your new token, shown only this once:</p><pre id="new-token">{}</pre>"#,
            escape(token)
        );
    }
    body.push_str(
        r#"<table id="tokens"><thead><tr><th>Name</th><th>Created</th><th>Last used</th><th></th></tr></thead><tbody>"#,
    );
    for t in tokens {
        let _ = write!(
            body,
            r#"<tr data-id="{id}"><td>{name}</td><td>{created}</td><td>{used}</td><td><form method="post" action="/settings/tokens/{id}/revoke"><button type="submit">Revoke</button></form></td></tr>"#,
            id = t.id,
            name = escape(&t.name),
            created = utc(u64::try_from(t.created_at).unwrap_or(0)),
            used = t.last_used_at.map_or_else(|| "never".to_owned(), |at| utc(u64::try_from(at).unwrap_or(0))),
        );
    }
    body.push_str(
        r#"</tbody></table><form method="post" action="/settings/tokens"><label>Name <input id="token-name" name="name" maxlength="100"></label><button id="create-token" type="submit">Create token</button></form>"#,
    );
    layout("Tokens", Some(username), &body)
}

/// `GET /settings/activity`: the user's login events, newest first.
pub fn activity(username: &str, entries: &[crate::db::Activity]) -> String {
    let mut body = String::from(r#"<h1>Activity</h1><ol id="activity">"#);
    for e in entries {
        let _ = write!(
            body,
            r#"<li data-kind="{kind}">{at}: {kind} {detail}</li>"#,
            at = utc(u64::try_from(e.at).unwrap_or(0)),
            kind = escape(&e.kind),
            detail = escape(&e.detail),
        );
    }
    body.push_str("</ol>");
    layout("Activity", Some(username), &body)
}

/// `GET /settings/sessions`: a row per live login, the current one marked.
pub fn sessions(username: &str, logins: &[LoginInfo]) -> String {
    let mut body = String::from(
        r#"<h1>Sessions</h1><p>Every browser where you are logged in. Ending one logs that browser out at its next request.</p>
<table id="sessions"><thead><tr><th>Created</th><th>Last seen</th><th>Browser</th><th>Remembered</th><th></th></tr></thead><tbody>"#,
    );
    for login in logins {
        let mark = if login.current { r#" class="current" data-current="true""# } else { "" };
        let label = if login.current { " <b>(this browser)</b>" } else { "" };
        let _ = write!(
            body,
            r#"<tr{mark} data-id="{id}"><td>{created}</td><td>{seen}</td><td>{ua}{label}</td><td>{remembered}</td>
<td><form method="post" action="/settings/sessions/end"><input type="hidden" name="id" value="{id}"><button type="submit">End</button></form></td></tr>"#,
            id = escape(&login.id),
            created = utc(login.created_at),
            seen = utc(login.last_seen_at),
            ua = escape(&login.user_agent),
            remembered = if login.remembered { "yes" } else { "no" },
        );
    }
    body.push_str("</tbody></table>");
    layout("Sessions", Some(username), &body)
}

/// An inline SVG QR code of `text`, with id `totp-qr`.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
            // The renderer writes an XML declaration and a bare <svg>: drop the first,
            // name the second.
            let svg = svg.split_once("<svg").map_or(svg.clone(), |(_, rest)| format!("<svg{rest}"));
            svg.replacen("<svg", r#"<svg id="totp-qr" role="img" aria-label="QR code of the authenticator secret""#, 1)
        }
        Err(_) => String::new(),
    }
}

/// `GET /settings/two-factor` before enrolment: the secret (text, URI, QR code) and the
/// confirmation form.
pub fn two_factor_enroll(username: &str, secret: &str, uri: &str, error: Option<&str>) -> String {
    let mut body = String::from("<h1>Two-factor authentication</h1><p>Status: <b id=\"two-factor-status\">off</b></p>");
    if let Some(error) = error {
        let _ = write!(body, r#"<p class="error" id="error">{}</p>"#, escape(error));
    }
    let _ = write!(
        body,
        r#"<section><h2>1. Add the account to your authenticator app</h2>
<p>Scan the code, or <a id="totp-uri" href="{uri}">open it in your app</a>, or type the key:</p>
{qr}
<p>Key: <code id="totp-secret">{secret}</code></p></section>
<section><h2>2. Enter the code the app shows</h2>
<form method="post" action="/settings/two-factor/enable">
<label>Code <input id="totp-code" name="code" inputmode="numeric" autocomplete="one-time-code" required></label>
<button id="totp-enable" type="submit">Turn on</button></form></section>"#,
        uri = escape(uri),
        qr = qr_svg(uri),
        secret = escape(secret),
    );
    layout("Two-factor authentication", Some(username), &body)
}

/// `GET /settings/two-factor` once enrolled: never the secret again.
pub fn two_factor_enabled(username: &str, codes_left: usize, error: Option<&str>) -> String {
    let mut body =
        String::from("<h1>Two-factor authentication</h1><p>Status: <b id=\"two-factor-status\">enabled</b></p>");
    if let Some(error) = error {
        let _ = write!(body, r#"<p class="error" id="error">{}</p>"#, escape(error));
    }
    let _ = write!(
        body,
        r#"<p><span id="recovery-codes-left">{codes_left}</span> recovery codes left.</p>
<section><h2>New recovery codes</h2><form method="post" action="/settings/two-factor/recovery-codes">
<label>Code or recovery code <input id="regenerate-code" name="code" autocomplete="one-time-code" required></label>
<button id="regenerate-codes" type="submit">Make new recovery codes</button></form></section>
<section><h2>Browsers</h2><form method="post" action="/settings/two-factor/forget-devices">
<button id="forget-devices" type="submit">Forget every browser</button></form></section>
<section><h2>Turn off</h2><form method="post" action="/settings/two-factor/disable">
<label>Code or recovery code <input id="disable-code" name="code" autocomplete="one-time-code" required></label>
<button id="totp-disable" type="submit">Turn off</button></form></section>"#
    );
    layout("Two-factor authentication", Some(username), &body)
}

/// The recovery codes, shown once.
pub fn recovery_codes(username: &str, codes: &[String]) -> String {
    let mut body = String::from(
        "<h1>Your recovery codes</h1><p>Each works once, instead of a code from your app. Keep them somewhere safe: they are not shown again.</p><ul id=\"recovery-codes\">",
    );
    for code in codes {
        let _ = write!(body, r#"<li class="recovery-code"><code>{}</code></li>"#, escape(code));
    }
    body.push_str(r#"</ul><p><a href="/settings/two-factor">Done</a></p>"#);
    layout("Recovery codes", Some(username), &body)
}

/// `GET /login/two-factor`: the code form.
pub fn two_factor_code(error: Option<&str>) -> String {
    let mut body = String::from("<h1>Enter your code</h1>");
    if let Some(error) = error {
        let _ = write!(body, r#"<p class="error" id="error">{}</p>"#, escape(error));
    }
    body.push_str(
        r#"<form method="post" action="/login/two-factor">
<label>Code from your app, or a recovery code <input id="two-factor-code" name="code" autocomplete="one-time-code" required></label>
<label><input id="trust-device" name="trust_device" type="checkbox"> Trust this browser (skip the code here)</label>
<button id="two-factor-submit" type="submit">Continue</button></form>"#,
    );
    layout("Two-factor authentication", None, &body)
}

/// The end of a pending login after too many wrong codes.
pub fn two_factor_over() -> String {
    layout(
        "Two-factor authentication",
        None,
        r#"<h1>Too many wrong codes</h1><p class="error" id="error">Log in again to get another try.</p><p><a href="/login">Log in</a></p>"#,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;");
        let page = login(None, "\"><script>alert(1)</script>", None);
        assert!(!page.contains("<script>alert"));
        assert!(page.contains("&quot;&gt;&lt;script&gt;"));
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_800_000_000), "2027-01-15 08:00:00 UTC");
    }
}
