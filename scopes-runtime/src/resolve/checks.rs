//! Scopes checked before a handler's body runs: the runtime half of "a route documented as
//! secured is refused to anyone without the scopes".
//!
//! The compiler knows which scopes a handler requires ([`Handler::REQUIRED_SCOPES`]) and
//! refuses a tree in which no dependency could check them; it cannot see inside the
//! dependencies' code. So each successful check (`require_scopes`, the runtime's
//! `Authorized`) records which of the handler's scopes it covered, each [`SecurityScopes`]
//! carrying them as bits the compiler computed, and the handler's wrapper runs its body only
//! when every required scope was checked while its dependencies were resolved. Otherwise the
//! request is refused with a 500 and the gap is logged as the server bug it is: a dependency
//! that takes `SecurityScopes` and forgets to check them is found by the first request that
//! reaches it, never served.
//!
//! The record is a `u32` on the wrapper's stack, reached during each poll of the
//! dependencies' futures through a thread-local that holds it only for that poll (other
//! requests' futures, polled in between on the same worker, see their own; a check of
//! another handler's scopes, in a future shared with its request, is not counted). Nothing
//! is allocated; for a handler that requires no scope the final check is one comparison.
//!
//! [`Handler::REQUIRED_SCOPES`]: crate::graph::Handler::REQUIRED_SCOPES

use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::graph::{Requirement, SecurityScopes};

/// What a check records into: the bits checked so far, and the scopes of the handler's tree
/// they are bits of (the same slice for every row of one handler's table).
type Record = (u32, &'static [&'static str]);

std::thread_local! {
    /// The checks recorded so far by the request whose dependencies are being polled on this
    /// thread, or `None` outside such a poll.
    static CHECKED: Cell<Option<Record>> = const { Cell::new(None) };
}

impl SecurityScopes {
    /// Checks these scopes against the ones `granted` (by a token, a session, ..): `Ok` when
    /// every one is granted, otherwise the missing ones, in order. Scopes compare exactly
    /// (case-sensitive), as RFC 6749 section 3.3 says.
    ///
    /// A successful check is what lets the handler's body run: `#[secured]` refuses a request
    /// whose required scopes no dependency checked. (`oauth2::require_scopes`,
    /// `VerifiedToken::require_scopes` and `Authorized` call this.)
    ///
    /// ```
    /// use scopes_runtime::{dependency, SecurityScopes};
    ///
    /// #[derive(Debug)]
    /// struct Forbidden;
    /// # impl std::fmt::Display for Forbidden {
    /// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("forbidden") }
    /// # }
    /// # impl actix_web::ResponseError for Forbidden {}
    ///
    /// #[dependency]
    /// async fn session(scopes: SecurityScopes) -> Result<(), Forbidden> {
    ///     let granted = ["me"]; // from the app's own authentication
    ///     scopes.check(&granted).map_err(|_missing| Forbidden)
    /// }
    /// ```
    ///
    /// With alternatives (`any(..)`), `Ok` when `granted` satisfies one of them; the missing
    /// scopes are those of the [closest](SecurityScopes::closest) one.
    pub fn check<S: AsRef<str>>(&self, granted: &[S]) -> Result<(), Vec<&'static str>> {
        let bits = self.granted_bits(granted);
        if self.requirement().admits(bits) {
            record(bits, self.requirement().names());
            Ok(())
        } else {
            Err(self.requirement().closest(bits).1.iter().collect())
        }
    }
}

/// Records that a check found the scopes `mask` of `names` (a handler's tree) granted. A
/// no-op outside the resolution of a handler's dependencies, and for the scopes of another
/// handler's tree (a future shared with another request, polled from this one).
fn record(mask: u32, names: &'static [&'static str]) {
    if mask != 0 {
        CHECKED.with(|checked| {
            // The same scopes, in the same order (a `const`'s data has no one address: the
            // same slice may sit at two).
            if let Some((seen, of)) = checked.get()
                && (core::ptr::eq(of, names) || of == names)
            {
                checked.set(Some((seen | mask, of)));
            }
        });
    }
}

/// The scopes a handler's request has checked so far, kept by its wrapper.
///
/// Semver-exempt: named by the code `#[secured]` generates.
#[doc(hidden)]
#[derive(Debug)]
pub struct Checks {
    seen: Cell<u32>,
    names: &'static [&'static str],
}

impl Checks {
    /// Nothing checked yet, for a request to a handler whose tree requires `requirement`
    /// (its [`Handler::REQUIREMENT`](crate::graph::Handler::REQUIREMENT)). Not generic: compiled once, not once per handler.
    pub const fn new(requirement: Requirement) -> Self {
        Self {
            seen: Cell::new(0),
            names: requirement.names(),
        }
    }

    /// `future` (the resolution of one of the handler's dependencies), recording the checks
    /// made while it is polled. Taken pinned and unsized, so that the wrapper's code is
    /// compiled once per output type, not once per handler.
    pub fn during<'a, R>(
        &'a self,
        future: Pin<&'a mut (dyn Future<Output = R> + 'a)>,
    ) -> During<'a, R> {
        During {
            checks: self,
            future,
        }
    }

    /// `Ok` when the scopes checked satisfy `requirement` (the handler `handler`'s: every
    /// scope, or with alternatives every scope of one); otherwise the refusal, logged. Not
    /// generic: compiled once.
    pub fn verify(
        &self,
        requirement: Requirement,
        handler: &'static str,
    ) -> Result<(), UncheckedScopes> {
        let checked = self.seen.get();
        if requirement.admits(checked) {
            return Ok(());
        }
        let (_, unchecked) = requirement.closest(checked);
        tracing::error!(
            handler,
            unchecked = %unchecked,
            "scopes: a handler was reached with required scopes that no dependency checked; \
             refused (check them with `require_scopes`, or take `Security<Authorized>`)"
        );
        Err(UncheckedScopes)
    }
}

/// A dependency's future that records the checks made while it is polled
/// ([`Checks::during`]).
#[doc(hidden)]
pub struct During<'a, R> {
    checks: &'a Checks,
    future: Pin<&'a mut (dyn Future<Output = R> + 'a)>,
}

impl<R> Future for During<'_, R> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let checks = self.checks;
        // Puts back what was there (another handler's record, when one handler's future
        // polls another's), even if the poll panics.
        struct Restore<'a>(&'a Checks, Option<Record>);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                let recorded = CHECKED.with(|checked| checked.replace(self.1));
                let seen = recorded.map_or(0, |(seen, _)| seen);
                self.0.seen.set(seen | self.0.seen.get());
            }
        }
        let outer =
            CHECKED.with(|checked| checked.replace(Some((checks.seen.get(), checks.names))));
        let _restore = Restore(checks, outer);
        self.future.as_mut().poll(cx)
    }
}

/// The refusal of a request that reached a handler with required scopes unchecked: a 500
/// (the server is wrong, not the client), with the body of every other 500 the runtime gives.
#[doc(hidden)]
#[derive(Debug)]
pub struct UncheckedScopes;

impl core::fmt::Display for UncheckedScopes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("required scopes were not checked")
    }
}

impl ResponseError for UncheckedScopes {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError()
            .content_type("application/json")
            .body(r#"{"detail":"Internal Server Error"}"#)
    }
}
