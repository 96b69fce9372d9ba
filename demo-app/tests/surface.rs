//! The demo's security surface, from the compiler: every declared scope is required by some
//! route (none is advertised for nothing), and every route is secured or public.

use demo_app::auth::Scopes;
use demo_app::handlers::SERVICES;

#[test]
fn every_declared_scope_is_required_by_some_route() {
    assert_eq!(SERVICES.unused_scopes(Scopes::ALL), Vec::<&str>::new());
}

#[test]
fn every_route_is_secured_or_public_on_purpose() {
    let public: Vec<_> = SERVICES
        .surface()
        .routes()
        .iter()
        .filter(|route| route.public)
        .map(|route| (route.method, route.path))
        .collect();
    assert_eq!(
        public,
        [("POST", "/token"), ("GET", "/docs"), ("GET", "/docs/")],
        "a route made public is a change to review"
    );
}
