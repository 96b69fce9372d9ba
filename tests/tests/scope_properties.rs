//! Properties a fuzzer cannot see (issue 14): over every set of granted scopes, a request is
//! served exactly when the set satisfies the route's requirement, as a model written by hand
//! from each route's expression decides; so a token lacking a required scope is never
//! accepted. Each case is a real request through the app: token, graph, check.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::test as atest;
use actix_web::{App, HttpResponse, Responder, get, web};
use proptest::prelude::*;
use scopes_runtime::graph::Handler;
use scopes_runtime::services::Services;
use scopes_runtime::{Authorized, Security, dependency, secured, services, testing};

#[dependency]
async fn authorized(token: Security<Authorized>) -> String {
    token.sub().to_owned()
}

#[dependency(scopes = [any("x", "y")])]
async fn either(token: Security<Authorized>) -> String {
    token.sub().to_owned()
}

#[dependency(scopes = ["b"])]
async fn needs_b(user: Security<either>) -> String {
    user.into_inner()
}

#[secured(scopes = ["a", "b"])]
#[get("/plain")]
async fn plain(user: Security<authorized>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

#[secured(scopes = [any("a", "b"), "c"])]
#[get("/any")]
async fn any_then_c(user: Security<authorized>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

#[secured(scopes = [any("a", all("b", "c"))])]
#[get("/nested")]
async fn nested(user: Security<authorized>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

#[secured(scopes = [all(any("a", "b"), any("c", "d"))])]
#[get("/product")]
async fn product(user: Security<authorized>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

#[secured(scopes = ["d"])]
#[get("/chain")]
async fn chain(user: Security<needs_b>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

#[secured]
#[get("/open")]
async fn open(user: Security<authorized>) -> impl Responder {
    HttpResponse::Ok().body(user.into_inner())
}

const SERVICES: Services = services![plain, any_then_c, nested, product, chain, open];

/// Each route's requirement, written from its expression (the handler's and every
/// dependency's along the chain).
fn satisfied(route: &str, g: &BTreeSet<&str>) -> bool {
    let has = |s: &str| g.contains(s);
    match route {
        "/plain" => has("a") && has("b"),
        "/any" => (has("a") || has("b")) && has("c"),
        "/nested" => has("a") || (has("b") && has("c")),
        "/product" => (has("a") || has("b")) && (has("c") || has("d")),
        "/chain" => has("d") && has("b") && (has("x") || has("y")),
        "/open" => true,
        other => unreachable!("{other}"),
    }
}

const ROUTES: [&str; 6] = ["/plain", "/any", "/nested", "/product", "/chain", "/open"];

/// Scopes the routes name, and some they do not (a prefix, a case, a neighbour).
const UNIVERSE: [&str; 10] = ["a", "b", "c", "d", "x", "y", "A", "ab", "a:read", "z"];

/// The compiler's normal form agrees with the model: `granted` admits the route exactly
/// when one alternative is within it.
fn admitted_by_normal_form<H: Handler>(g: &BTreeSet<&str>) -> bool {
    H::REQUIREMENT
        .alternatives()
        .any(|alternative| alternative.iter().all(|s| g.contains(s)))
}

fn granted_sets() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::sample::subsequence(UNIVERSE.to_vec(), 0..=UNIVERSE.len())
        .prop_shuffle()
        .prop_flat_map(|set| {
            // Repeats are allowed in a token and must change nothing.
            let len = set.len();
            (Just(set), proptest::collection::vec(0..len.max(1), 0..3))
        })
        .prop_map(|(mut set, repeats)| {
            let extra: Vec<_> = repeats
                .iter()
                .filter_map(|&i| set.get(i).copied())
                .collect();
            set.extend(extra);
            set
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_request_is_served_exactly_when_its_scopes_satisfy_the_route(granted in granted_sets()) {
        let rt = actix_rt::System::new();
        let set: BTreeSet<&str> = granted.iter().copied().collect();
        rt.block_on(async {
            let config = testing::token_config();
            let app = atest::init_service(
                App::new().app_data(web::Data::new(config.clone())).service(SERVICES),
            )
            .await;
            for route in ROUTES {
                let req = testing::request_as(&config, "alice", &granted).uri(route);
                let res = atest::call_service(&app, req.to_request()).await;
                let expected = if satisfied(route, &set) {
                    StatusCode::OK
                } else {
                    StatusCode::UNAUTHORIZED
                };
                prop_assert_eq!(res.status(), expected, "{} with {:?}", route, granted);
            }
            Ok(())
        })?;
    }

    #[test]
    fn the_normal_forms_are_the_expressions(granted in granted_sets()) {
        let set: BTreeSet<&str> = granted.iter().copied().collect();
        prop_assert_eq!(admitted_by_normal_form::<plain>(&set), satisfied("/plain", &set));
        prop_assert_eq!(admitted_by_normal_form::<any_then_c>(&set), satisfied("/any", &set));
        prop_assert_eq!(admitted_by_normal_form::<nested>(&set), satisfied("/nested", &set));
        prop_assert_eq!(admitted_by_normal_form::<product>(&set), satisfied("/product", &set));
        prop_assert_eq!(admitted_by_normal_form::<chain>(&set), satisfied("/chain", &set));
        prop_assert_eq!(admitted_by_normal_form::<open>(&set), satisfied("/open", &set));
    }

    /// Removing any one required scope from a set that is just enough is refused.
    #[test]
    fn a_token_lacking_a_required_scope_is_never_accepted(route in 0..5usize) {
        let route = ROUTES[route];
        let rt = actix_rt::System::new();
        rt.block_on(async {
            let config = testing::token_config();
            let app = atest::init_service(
                App::new().app_data(web::Data::new(config.clone())).service(SERVICES),
            )
            .await;
            // Every minimal satisfying set of the model, each scope of it removed in turn.
            for bits in 0u32..(1 << 6) {
                let set: BTreeSet<&str> =
                    (0..6).filter(|i| bits & (1 << i) != 0).map(|i| UNIVERSE[i]).collect();
                let minimal = satisfied(route, &set)
                    && set.iter().all(|s| {
                        let mut less = set.clone();
                        less.remove(s);
                        !satisfied(route, &less)
                    });
                if !minimal {
                    continue;
                }
                for missing in &set {
                    let less: Vec<&str> = set.iter().copied().filter(|s| s != missing).collect();
                    let req = testing::request_as(&config, "alice", &less).uri(route);
                    let res = atest::call_service(&app, req.to_request()).await;
                    prop_assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{} with {:?}", route, less);
                }
            }
            Ok(())
        })?;
    }
}
