//! The request's login state, computed at most once: the first extractor of a request
//! to ask who the user is authenticates; the others wait for its answer; a leader
//! dropped unfinished hands the turn to a waiter. `login_user` and its kin mark it
//! changed, `logout_user` settles it anonymous; every extractor, guard and handle reads
//! it from here, so there is no second way of deciding who the user is.
//!
//! The states: not asked yet (`Empty`); being computed (`Running`); known (`Done`:
//! anonymous, logged in by the session, a remember restore or a bearer token, fresh or
//! not, of which live login; or an error to show); changed by this request (`Changed`:
//! the next ask reads the session this request wrote, never the request's own cookies;
//! logged out by it is `Done` anonymous).

use std::{
    future::Future,
    pin::Pin,
    rc::Rc,
    task::{ready, Context, Poll, Waker},
};

use actix_web::{HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::state::{
    flow::Flow,
    outcome::{Outcome, Source},
};

/// The request's memo, in its extensions from the first ask on (routes that never ask
/// for the user carry none). It holds no future and no request, so nothing here can
/// keep a request alive.
#[derive(Default)]
pub(crate) enum Memo {
    /// Nobody asked yet.
    #[default]
    Empty,
    /// This request changed the login (`login_user` and its kin wrote a new record
    /// into the session): the next ask reads the session alone.
    Changed,
    /// A leader is authenticating; these wait for it.
    Running(Vec<Waker>),
    /// The answer.
    Done(Outcome),
}

impl Memo {
    fn with<R>(req: &HttpRequest, f: impl FnOnce(&mut Memo) -> R) -> R {
        let mut ext = req.extensions_mut();
        f(ext.get_or_insert_with(Memo::default))
    }

    /// Marks the login as changed by this request: the next ask authenticates from the
    /// session that the change wrote, never from the request's own cookies again.
    pub(crate) fn changed(req: &HttpRequest) {
        let previous = Self::with(req, |memo| std::mem::replace(memo, Memo::Changed));
        if let Memo::Running(wakers) = previous {
            wakers.into_iter().for_each(Waker::wake);
        }
    }

    /// Replaces the answer and wakes whoever waited for it.
    pub(crate) fn settle(req: &HttpRequest, outcome: Outcome) {
        let previous = Self::with(req, |memo| std::mem::replace(memo, Memo::Done(outcome)));
        if let Memo::Running(wakers) = previous {
            wakers.into_iter().for_each(Waker::wake);
        }
    }
}

/// What a poll of the memo found.
enum Step {
    Ready(Outcome),
    Wait,
    Lead(Source),
}

/// Authenticates a request at most once: the future behind every login extractor. Not
/// boxed; the only allocation is the leader's authentication.
pub(crate) struct MemoFuture {
    pub(crate) req: HttpRequest,
    lead: Option<LocalBoxFuture<'static, Outcome>>,
    /// What the leader authenticates from (handed back with the turn when dropped).
    source: Source,
}

impl MemoFuture {
    pub(crate) fn new(req: HttpRequest) -> Self {
        MemoFuture { req, lead: None, source: Source::Request }
    }
}

impl Future for MemoFuture {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        let this = &mut *self;
        loop {
            if let Some(lead) = &mut this.lead {
                let outcome = ready!(lead.as_mut().poll(cx));
                this.lead = None;
                Memo::settle(&this.req, outcome.clone());
                return Poll::Ready(outcome);
            }
            let step = Memo::with(&this.req, |memo| match memo {
                Memo::Done(outcome) => Step::Ready(outcome.clone()),
                Memo::Running(wakers) => {
                    wakers.push(cx.waker().clone());
                    Step::Wait
                }
                Memo::Empty => {
                    *memo = Memo::Running(Vec::new());
                    Step::Lead(Source::Request)
                }
                Memo::Changed => {
                    *memo = Memo::Running(Vec::new());
                    Step::Lead(Source::Session)
                }
            });
            match step {
                Step::Ready(outcome) => return Poll::Ready(outcome),
                Step::Wait => return Poll::Pending,
                Step::Lead(source) => match Flow::of(&this.req) {
                    Ok(flow) => {
                        this.source = source;
                        this.lead =
                            Some(flow.authenticator.authenticate(Rc::clone(&flow.ctx), this.req.clone(), source))
                    }
                    Err(err) => {
                        Memo::settle(&this.req, Err(err.clone()));
                        return Poll::Ready(Err(err));
                    }
                },
            }
        }
    }
}

impl Drop for MemoFuture {
    /// A leader dropped unfinished (the request was cancelled, or a sibling extractor
    /// failed first) hands the memo back, so a waiting extractor can lead.
    fn drop(&mut self) {
        if self.lead.is_some() {
            let handed_back = match self.source {
                Source::Request => Memo::Empty,
                Source::Session => Memo::Changed,
            };
            let previous = Memo::with(&self.req, |memo| std::mem::replace(memo, handed_back));
            if let Memo::Running(wakers) = previous {
                wakers.into_iter().for_each(Waker::wake);
            }
        }
    }
}

/// The request's user, authenticated at most once per request.
pub(crate) fn memoized(req: &HttpRequest) -> MemoFuture {
    MemoFuture::new(req.clone())
}

#[cfg(test)]
mod tests {
    use std::{
        any::{Any, TypeId},
        cell::{Cell, RefCell},
        task::{Context, Poll},
    };

    use actix_web::test::TestRequest;
    use futures_util::task::noop_waker_ref;
    use login_core::LoginConfig;

    use super::*;
    use crate::state::{
        authenticator::Authenticator,
        context::LoginContext,
        outcome::{Authed, Via},
    };

    /// An authenticator that counts its calls and answers when the test says so.
    #[derive(Default)]
    struct Scripted {
        calls: Cell<usize>,
        answer: Rc<RefCell<Option<Outcome>>>,
    }

    struct Answer(Rc<RefCell<Option<Outcome>>>);

    impl Future for Answer {
        type Output = Outcome;
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Outcome> {
            match self.0.borrow().clone() {
                Some(outcome) => Poll::Ready(outcome),
                None => Poll::Pending,
            }
        }
    }

    impl Authenticator for Rc<Scripted> {
        fn authenticate(&self, _: Rc<LoginContext>, _: HttpRequest, _: Source) -> LocalBoxFuture<'static, Outcome> {
            self.calls.set(self.calls.get() + 1);
            Box::pin(Answer(Rc::clone(&self.answer)))
        }
        fn user_type(&self) -> (TypeId, &'static str) {
            (TypeId::of::<u8>(), "u8")
        }
        fn has_permission(&self, _: &dyn Any, _: &str) -> bool {
            false
        }
        fn user_id(&self, _: &dyn Any) -> Option<serde_json::Value> {
            None
        }
        #[cfg(feature = "two-factor")]
        fn load_by_key(
            &self,
            _: HttpRequest,
            _: String,
        ) -> LocalBoxFuture<'static, crate::state::authenticator::LoadedUser> {
            Box::pin(std::future::ready(Ok(None)))
        }
    }

    fn request(auth: &Rc<Scripted>) -> HttpRequest {
        let config = LoginConfig::new([3u8; 64]).expect("config");
        let state = Flow {
            ctx: Rc::new(LoginContext::new(config.clone(), login_core::LoginStores::memory(&config), None, false)),
            authenticator: Box::new(Rc::clone(auth)),
            refusals: Default::default(),
        };
        TestRequest::default().app_data(Rc::new(state)).to_http_request()
    }

    fn poll(fut: &mut MemoFuture) -> Poll<Outcome> {
        Pin::new(fut).poll(&mut Context::from_waker(noop_waker_ref()))
    }

    fn user() -> Outcome {
        Ok(Some(Authed { user: Rc::new(7u8), fresh: true, via: Via::Session, login: None }))
    }

    fn is_user(outcome: &Poll<Outcome>) -> bool {
        matches!(outcome, Poll::Ready(Ok(Some(a))) if a.user.downcast_ref::<u8>() == Some(&7))
    }

    #[test]
    fn one_leader_authenticates_and_the_others_wait_for_it() {
        let auth = Rc::new(Scripted::default());
        let req = request(&auth);
        let (mut a, mut b) = (memoized(&req), memoized(&req));
        assert!(poll(&mut a).is_pending());
        assert!(poll(&mut b).is_pending());
        assert_eq!(auth.calls.get(), 1);
        *auth.answer.borrow_mut() = Some(user());
        assert!(is_user(&poll(&mut a)));
        assert!(is_user(&poll(&mut b)));
        // Later asks in the same request get the memo.
        assert!(is_user(&poll(&mut memoized(&req))));
        assert_eq!(auth.calls.get(), 1);
        // After a login the memo is marked changed: the next ask authenticates again.
        Memo::changed(&req);
        assert!(is_user(&poll(&mut memoized(&req))));
        assert_eq!(auth.calls.get(), 2);
    }

    #[test]
    fn a_dropped_leader_hands_over_to_a_waiter() {
        let auth = Rc::new(Scripted::default());
        let req = request(&auth);
        let (mut leader, mut waiter) = (memoized(&req), memoized(&req));
        assert!(poll(&mut leader).is_pending());
        assert!(poll(&mut waiter).is_pending());
        drop(leader); // cancelled, or a sibling extractor failed first
        assert!(poll(&mut waiter).is_pending(), "the waiter now leads");
        assert_eq!(auth.calls.get(), 2);
        *auth.answer.borrow_mut() = Some(Ok(None));
        assert!(matches!(poll(&mut waiter), Poll::Ready(Ok(None))));
    }

    #[test]
    fn settle_answers_waiters_without_a_leader() {
        let auth = Rc::new(Scripted::default());
        let req = request(&auth);
        Memo::settle(&req, user());
        assert!(is_user(&poll(&mut memoized(&req))));
        assert_eq!(auth.calls.get(), 0);
    }
}
