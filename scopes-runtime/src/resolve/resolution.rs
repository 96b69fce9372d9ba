//! [`Resolution`]: what resolving a handler's dependencies carries from node to node.

use core::convert::Infallible;
use core::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};

use super::cache::Cache;

/// The request being answered, its body (for extractors that read it) and the per-request
/// cache of dependency results, owned by the handler's wrapper and lent to each dependency in turn. One value,
/// so that the generated code passes, holds and drops one thing.
pub struct Resolution {
    req: HttpRequest,
    payload: Payload,
    cache: Cache,
}

impl Resolution {
    /// The context of a request with no body, for resolving a dependency outside a handler
    /// (benchmarks, tests).
    #[cfg_attr(not(feature = "oauth2"), allow(dead_code))]
    pub(crate) fn without_body(req: HttpRequest) -> Self {
        Self {
            req,
            payload: Payload::None,
            cache: Cache::new(),
        }
    }

    /// The request.
    pub fn request(&self) -> &HttpRequest {
        &self.req
    }

    /// The request and its body, for an extractor.
    pub(crate) fn parts(&mut self) -> (&HttpRequest, &mut Payload) {
        (&self.req, &mut self.payload)
    }

    /// The per-request cache of dependency results.
    pub(crate) fn cache(&self) -> &Cache {
        &self.cache
    }

    /// The per-request cache, to record a result.
    pub(crate) fn cache_mut(&mut self) -> &mut Cache {
        &mut self.cache
    }
}

/// A handler's wrapper takes the context as its one argument: the request and its body in one
/// extraction, allocating nothing.
impl FromRequest for Resolution {
    type Error = Infallible;
    type Future = Ready<Result<Self, Infallible>>;

    #[inline]
    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Ok(Self {
            req: req.clone(),
            payload: payload.take(),
            cache: Cache::new(),
        }))
    }
}

impl core::fmt::Debug for Resolution {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Not the request: its headers may hold credentials.
        f.debug_struct("Resolution")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}
