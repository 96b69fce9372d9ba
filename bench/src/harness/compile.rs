//! Compile time: generated crates with N secured handlers written with the DSL, and the
//! same handlers written by hand. Each crate has one chain of three dependencies per ten
//! handlers, and the chain's handlers in a `#[group]` module of their own (by hand: a
//! module, the prefix in each path, the group's scope in each union). The DSL crates use
//! everything a real app does: a `scopes!` declaration per chain (every scope literal is
//! checked against it), `any(..)` expressions in handlers and dependencies, chains that
//! check with `Security<Authorized>` and chains that check by hand with `SecurityScopes`
//! and `require_scopes`. The hand-written crates check the same alternatives of scopes
//! (disjunctive normal form, written out by the author) with the same verification.
//!
//! The crates live in one generated workspace (`target/bench-compile/ws`, its lock file
//! copied from this workspace) and share one target dir, so dependencies compile once,
//! untimed; then each crate's `cargo build` (dev profile, `CARGO_INCREMENTAL=0`: a clean
//! build of the crate itself) is timed after touching its `lib.rs`, DSL and hand-written
//! alternating.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use super::stats::median;
use crate::Ctx;

const POOL: &[&str] = &["me", "items", "admin", "read", "write", "audit"];
/// Handlers per dependency chain (and per group).
const PER_CHAIN: usize = 10;

/// One generated crate's timings.
pub(crate) struct CrateTimes {
    pub(crate) n: usize,
    pub(crate) dsl: Vec<Duration>,
    pub(crate) hand: Vec<Duration>,
    pub(crate) dsl_lines: usize,
    pub(crate) hand_lines: usize,
}

impl CrateTimes {
    pub(crate) fn dsl_s(&self) -> f64 {
        median_s(&self.dsl)
    }
    pub(crate) fn hand_s(&self) -> f64 {
        median_s(&self.hand)
    }
}

/// The median of `times`, in seconds.
fn median_s(times: &[Duration]) -> f64 {
    median(&times.iter().map(Duration::as_secs_f64).collect::<Vec<_>>())
}

/// The phase's results.
pub(crate) struct CompileResults {
    pub(crate) sizes: Vec<CrateTimes>,
    pub(crate) deps_time: Duration,
    pub(crate) reps: usize,
}

/// One element of a node's `scopes = [..]`.
#[derive(Debug, Clone, Copy)]
enum Term {
    Scope(&'static str),
    /// `any(a, b)`.
    Any(&'static str, &'static str),
}

fn pool(i: usize) -> &'static str {
    POOL[i % POOL.len()]
}

/// The scopes a handler declares: none, one, or an `any(..)` and one more.
fn handler_scopes(i: usize) -> Vec<Term> {
    match i % 3 {
        0 => vec![],
        1 => vec![Term::Scope(pool(i + 2))],
        _ => vec![
            Term::Any(pool(i + 2), pool(i + 4)),
            Term::Scope(pool(i + 5)),
        ],
    }
}

/// The scopes of chain `g`'s group, of `member_g` (top), and of `active_user_g` (middle);
/// `token_user_g` has none.
fn chain_scopes(g: usize) -> [Vec<Term>; 3] {
    [
        vec![Term::Scope(pool(g))],
        vec![Term::Scope(pool(g + 1))],
        vec![Term::Any(pool(g + 2), pool(g + 3))],
    ]
}

/// Even chains check with `Security<Authorized>`, odd ones by hand.
fn uses_authorized(g: usize) -> bool {
    g.is_multiple_of(2)
}

/// `scopes = [..]`'s list, in the DSL's syntax.
fn dsl_list(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|term| match term {
            Term::Scope(s) => format!("{s:?}"),
            Term::Any(a, b) => format!("any({a:?}, {b:?})"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The alternatives (disjunctive normal form) of all of `terms`, each in first-seen order,
/// none a superset of another: what the hand-written author writes out.
fn alternatives(terms: &[Term]) -> Vec<Vec<&'static str>> {
    let mut alts = vec![Vec::new()];
    for term in terms {
        let choices = match *term {
            Term::Scope(s) => vec![s],
            Term::Any(a, b) => vec![a, b],
        };
        let mut next = Vec::new();
        for alt in &alts {
            for &choice in &choices {
                let mut alt: Vec<&'static str> = alt.clone();
                if !alt.contains(&choice) {
                    alt.push(choice);
                }
                next.push(alt);
            }
        }
        alts = minimal(next);
    }
    alts
}

/// `sets` without those that contain another one (or repeat an earlier one).
fn minimal(sets: Vec<Vec<&'static str>>) -> Vec<Vec<&'static str>> {
    let subset = |a: &[&str], b: &[&str]| a.iter().all(|s| b.contains(s));
    let absorbed = |i: usize| {
        sets.iter().enumerate().any(|(j, other)| {
            j != i && subset(other, &sets[i]) && (j < i || !subset(&sets[i], other))
        })
    };
    (0..sets.len())
        .filter(|&i| !absorbed(i))
        .map(|i| sets[i].clone())
        .collect()
}

fn chains(n: usize) -> usize {
    n.div_ceil(PER_CHAIN)
}

/// The handlers of chain `g`: `g * PER_CHAIN ..`, at most `n`.
fn chain_handlers(g: usize, n: usize) -> std::ops::Range<usize> {
    g * PER_CHAIN..((g + 1) * PER_CHAIN).min(n)
}

/// The `scopes!` declaration's entries (by hand: the catalogue's).
fn declared() -> String {
    POOL.iter()
        .map(|s| format!("{s:?} => \"The {s} scope.\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The DSL crate.
pub(crate) fn dsl_source(n: usize) -> String {
    let mut s = String::from(
        "//! Generated by the bench harness: secured handlers written with the DSL.\n\
         #![allow(missing_docs, clippy::all)]\n\n\
         use actix_web::http::StatusCode;\n\
         use actix_web::{web, HttpRequest};\n\
         use scopes_runtime::{dependency, scopes, AuthError, Authorized, Security, SecurityScopes, VerifiedToken};\n\n\
         #[derive(Clone)]\npub struct Principal {\n    pub name: String,\n    pub chain: u32,\n}\n\n",
    );
    for g in 0..chains(n) {
        let [group, member, active] = chain_scopes(g);
        let _ = writeln!(
            s,
            "scopes! {{\n    pub Declared{g} {{ {} }}\n}}\n",
            declared()
        );
        let token_user = if uses_authorized(g) {
            format!(
                "#[dependency(dependencies = [Declared{g}])]
pub async fn token_user_{g}(token: Security<Authorized>) -> Result<Principal, AuthError> {{
    Ok(Principal {{ name: token.sub().to_owned(), chain: {g} }})
}}
"
            )
        } else {
            format!(
                "#[dependency(dependencies = [Declared{g}])]
pub async fn token_user_{g}(security_scopes: SecurityScopes, req: HttpRequest) -> Result<Principal, AuthError> {{
    let token = VerifiedToken::authenticate(&req, security_scopes)?;
    token.require_scopes(security_scopes)?;
    Ok(Principal {{ name: token.sub().to_owned(), chain: {g} }})
}}
"
            )
        };
        let _ = write!(
            s,
            "{token_user}
#[dependency(scopes = [{active}])]
pub async fn active_user_{g}(user: Security<token_user_{g}>) -> Result<Principal, AuthError> {{
    if user.name.is_empty() {{
        return Err(AuthError::custom(StatusCode::BAD_REQUEST, \"Inactive user\"));
    }}
    Ok(user.into_inner())
}}

#[dependency(scopes = [{member}])]
pub async fn member_{g}(user: Security<active_user_{g}>) -> Result<Principal, AuthError> {{
    if user.chain != {g} {{
        return Err(AuthError::custom(StatusCode::FORBIDDEN, \"Wrong chain\"));
    }}
    Ok(user.into_inner())
}}

#[scopes_runtime::group(prefix = \"/g{g}\", scopes = [{group}], dependencies = [scopes_runtime::Authorized])]
pub mod chain_{g} {{
    use actix_web::{{get, HttpResponse}};
    use scopes_runtime::{{secured, Security}};

",
            active = dsl_list(&active),
            member = dsl_list(&member),
            group = dsl_list(&group),
        );
        for i in chain_handlers(g, n) {
            let _ = write!(
                s,
                "    #[secured(scopes = [{}])]
    #[get(\"/h{i}\")]
    pub async fn handler_{i}(user: Security<super::member_{g}>) -> HttpResponse {{
        HttpResponse::Ok().body(format!(\"{{}} {i}\", user.name))
    }}

",
                dsl_list(&handler_scopes(i))
            );
        }
        s.push_str("}\n\n");
    }
    s.push_str("pub fn configure(cfg: &mut web::ServiceConfig) {\n");
    for g in 0..chains(n) {
        let _ = writeln!(s, "    cfg.service(chain_{g}::SERVICES);");
    }
    s.push_str("}\n");
    s
}

/// The same handlers by hand: the same async dependency functions, called explicitly with
/// the alternatives of scopes worked out by the author.
pub(crate) fn hand_source(n: usize) -> String {
    let mut s = String::from(
        "//! Generated by the bench harness: the same handlers written by hand.\n\
         #![allow(missing_docs, clippy::all)]\n\n\
         use actix_web::http::header::WWW_AUTHENTICATE;\n\
         use actix_web::{web, HttpRequest, HttpResponse};\n\
         use scopes_runtime::{BearerToken, TokenConfig};\n\n\
         #[derive(Clone)]\npub struct Principal {\n    pub name: String,\n    pub chain: u32,\n}\n\n\
         fn reject(status: u16, detail: &'static str, challenge: &'static str) -> HttpResponse {\n    \
             HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())\n        \
                 .insert_header((WWW_AUTHENTICATE, challenge))\n        \
                 .json(serde_json::json!({ \"detail\": detail }))\n}\n\n\
         /// A valid token granting every scope of one of `alternatives`.\n\
         async fn verify(req: &HttpRequest, alternatives: &[&[&str]], challenge: &'static str) -> Result<String, HttpResponse> {\n    \
             let bearer = BearerToken::from_headers(req).map_err(|_| reject(401, \"Not authenticated\", \"Bearer\"))?;\n    \
             let config = req.app_data::<web::Data<TokenConfig>>().ok_or_else(|| reject(500, \"Internal Server Error\", \"Bearer\"))?;\n    \
             let claims = config.verify(bearer.as_str()).map_err(|_| reject(401, \"Could not validate credentials\", challenge))?;\n    \
             let granted = |scope: &&str| claims.scopes.iter().any(|g| g == scope);\n    \
             if !alternatives.iter().any(|alternative| alternative.iter().all(granted)) {\n        \
                 return Err(reject(401, \"Not enough permissions\", challenge));\n    \
             }\n    \
             Ok(claims.sub)\n}\n\n",
    );
    for g in 0..chains(n) {
        let _ = write!(
            s,
            "/// The scopes this chain's routes may require, with their descriptions.
pub const DECLARED_{g}: &[(&str, &str)] = &[{declared}];

pub async fn token_user_{g}(req: &HttpRequest, alternatives: &[&[&str]], challenge: &'static str) -> Result<Principal, HttpResponse> {{
    let name = verify(req, alternatives, challenge).await?;
    Ok(Principal {{ name, chain: {g} }})
}}

pub async fn active_user_{g}(req: &HttpRequest, alternatives: &[&[&str]], challenge: &'static str) -> Result<Principal, HttpResponse> {{
    let user = token_user_{g}(req, alternatives, challenge).await?;
    if user.name.is_empty() {{
        return Err(reject(400, \"Inactive user\", \"Bearer\"));
    }}
    Ok(user)
}}

pub async fn member_{g}(req: &HttpRequest, alternatives: &[&[&str]], challenge: &'static str) -> Result<Principal, HttpResponse> {{
    let user = active_user_{g}(req, alternatives, challenge).await?;
    if user.chain != {g} {{
        return Err(reject(403, \"Wrong chain\", \"Bearer\"));
    }}
    Ok(user)
}}

pub mod chain_{g} {{
    use actix_web::{{get, HttpRequest, HttpResponse}};

",
            declared = POOL
                .iter()
                .map(|s| format!("({s:?}, \"The {s} scope.\")"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        let [group, member, active] = chain_scopes(g);
        for i in chain_handlers(g, n) {
            // Handler first, then the group's, then the chain's, as the DSL unions them.
            let terms: Vec<Term> = [
                handler_scopes(i),
                group.clone(),
                member.clone(),
                active.clone(),
            ]
            .concat();
            let alts = alternatives(&terms);
            let challenge = format!("Bearer scope=\\\"{}\\\"", alts[0].join(" "));
            let alts = alts
                .iter()
                .map(|alt| {
                    format!(
                        "&[{}]",
                        alt.iter()
                            .map(|s| format!("{s:?}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let _ = write!(
                s,
                "    #[get(\"/g{g}/h{i}\")]
    pub async fn handler_{i}(req: HttpRequest) -> HttpResponse {{
        match super::member_{g}(&req, &[{alts}], \"{challenge}\").await {{
            Ok(user) => HttpResponse::Ok().body(format!(\"{{}} {i}\", user.name)),
            Err(res) => res,
        }}
    }}

"
            );
        }
        s.push_str("}\n\n");
    }
    s.push_str("pub fn configure(cfg: &mut web::ServiceConfig) {\n");
    for g in 0..chains(n) {
        for i in chain_handlers(g, n) {
            let _ = writeln!(s, "    cfg.service(chain_{g}::handler_{i});");
        }
    }
    s.push_str("}\n");
    s
}

fn manifest(name: &str, runtime: &Path) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n\
         scopes-runtime = {{ path = {:?}, default-features = false, features = [\"oauth2\"] }}\n\
         actix-web = {{ version = \"4.11\", default-features = false, features = [\"macros\"] }}\n\
         serde_json = \"1\"\n",
        runtime.display().to_string()
    )
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn cargo_build(ws: &Path, target: &Path, packages: &[String]) -> Result<Duration, String> {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(ws)
        .arg("build")
        .arg("--quiet")
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for package in packages {
        cmd.args(["-p", package]);
    }
    let started = Instant::now();
    let out = cmd.output().map_err(|e| format!("cargo: {e}"))?;
    let elapsed = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "cargo build of {packages:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(elapsed)
}

/// Runs the phase.
pub(crate) fn run(ctx: &Ctx) -> Result<CompileResults, String> {
    let sizes = &ctx.config.compile_sizes;
    let base = ctx.target.join("bench-compile");
    let ws = base.join("ws");
    let target: PathBuf = base.join("target");
    let runtime = ctx.root.join("scopes-runtime");
    let mut members = Vec::new();
    let mut lines = Vec::new();
    for &n in sizes {
        for (kind, source) in [("dsl", dsl_source(n)), ("hand", hand_source(n))] {
            let name = format!("{kind}_{n}");
            write(
                &ws.join(&name).join("Cargo.toml"),
                &manifest(&name, &runtime),
            )?;
            // Rewritten only when it changed, so that the deps build below stays cached.
            let lib = ws.join(&name).join("src/lib.rs");
            if std::fs::read_to_string(&lib).ok().as_deref() != Some(source.as_str()) {
                write(&lib, &source)?;
            }
            lines.push((name.clone(), source.lines().count()));
            members.push(name);
        }
    }
    write(
        &ws.join("Cargo.toml"),
        &format!(
            "[workspace]\nresolver = \"3\"\nmembers = [{}]\n",
            members
                .iter()
                .map(|m| format!("{m:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )?;
    if !ws.join("Cargo.lock").exists() {
        std::fs::copy(ctx.root.join("Cargo.lock"), ws.join("Cargo.lock"))
            .map_err(|e| format!("copying Cargo.lock: {e}"))?;
    }

    // Dependencies, once, untimed (and the smallest crates, whatever their state).
    eprintln!("[compile] building the dependencies of the generated crates (dev profile)");
    let deps_time = cargo_build(&ws, &target, &members[..2])?;
    eprintln!(
        "[compile] dependencies ready in {:.0} s",
        deps_time.as_secs_f64()
    );

    let mut results = Vec::new();
    for &n in sizes {
        let mut times = CrateTimes {
            n,
            dsl: Vec::new(),
            hand: Vec::new(),
            dsl_lines: 0,
            hand_lines: 0,
        };
        for (name, count) in &lines {
            if *name == format!("dsl_{n}") {
                times.dsl_lines = *count;
            } else if *name == format!("hand_{n}") {
                times.hand_lines = *count;
            }
        }
        for rep in 1..=ctx.config.compile_reps {
            for kind in ["dsl", "hand"] {
                let name = format!("{kind}_{n}");
                let lib = ws.join(&name).join("src/lib.rs");
                let file = std::fs::File::options()
                    .append(true)
                    .open(&lib)
                    .map_err(|e| format!("{}: {e}", lib.display()))?;
                file.set_modified(SystemTime::now())
                    .map_err(|e| format!("touch {}: {e}", lib.display()))?;
                let elapsed = cargo_build(&ws, &target, std::slice::from_ref(&name))?;
                eprintln!(
                    "[compile] N = {n:<4} {kind:<4} rep {rep}/{}: {:.2} s",
                    ctx.config.compile_reps,
                    elapsed.as_secs_f64()
                );
                if kind == "dsl" {
                    times.dsl.push(elapsed);
                } else {
                    times.hand.push(elapsed);
                }
            }
        }
        results.push(times);
    }
    Ok(CompileResults {
        sizes: results,
        deps_time,
        reps: ctx.config.compile_reps,
    })
}

#[cfg(test)]
mod tests {
    use super::{Term, alternatives};

    #[test]
    fn alternatives_are_the_minimal_products() {
        // (a | b) & c & (a | d) == ac | bcd
        let terms = [Term::Any("a", "b"), Term::Scope("c"), Term::Any("a", "d")];
        assert_eq!(alternatives(&terms), [vec!["a", "c"], vec!["b", "c", "d"]]);
        assert_eq!(alternatives(&[]), [Vec::<&str>::new()]);
    }
}
