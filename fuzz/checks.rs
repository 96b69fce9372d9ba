//! What each fuzz target checks, shared by the targets (`fuzz_targets/*.rs`, nightly,
//! libFuzzer) and by `tests/tests/fuzz_regressions.rs`, which replays the corpus and every
//! regression on stable in `cargo test`.
//!
//! Each check compares the runtime with a model written here from the specification, so
//! that a wrong answer fails as surely as a panic:
//! - `Authorization` header: RFC 6750 section 2.1's `Bearer` credentials with RFC 7235's
//!   token68, case-insensitive scheme, any run of spaces between;
//! - token verification: a token is accepted only if the JWT library alone (another code
//!   path) accepts it with the same key and HS256, with the same `sub` and `exp`, and what
//!   is accepted re-issues to the same claims;
//! - the password form: FastAPI's `OAuth2PasswordRequestForm` (the last non-empty occurrence
//!   of a field wins, `scope` split like Python's `str.split()`), never a 5xx;
//! - a scope token: RFC 6749 section 3.3's `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`;
//! - a scope expression: the macros' normal form and the runtime's product of requirements,
//!   against the expression evaluated on every set of granted scopes ([`Expr::holds`]).
//!
//! The expression code is the real one, compiled in from its sources below; the macros'
//! `scope_expr.rs` names `crate::errors`, so each crate that includes this file has
//! `use checks::errors;` at its root.
#![allow(dead_code)]

use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use actix_web::test::TestRequest;
use actix_web::{FromRequest, ResponseError};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use scopes_runtime::graph::check_scope_token;
use scopes_runtime::{BearerToken, JwtKeys, OAuth2PasswordRequestForm, TokenConfig};

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use proc_macro2::Span;
use quote::ToTokens;

#[path = "../scopes-macros/src/errors.rs"]
pub(crate) mod errors;
#[path = "../scopes-runtime/src/graph/part.rs"]
mod part;
#[path = "../scopes-runtime/src/graph/requirement.rs"]
#[allow(unreachable_pub)]
mod requirement;
#[path = "../scopes-macros/src/scope_expr.rs"]
mod scope_expr;

use errors::Errors;
use part::Part;
use requirement::{Alts, MAX_ALTERNATIVES, Requirement};

const _: () = assert!(scope_expr::MAX_ALTERNATIVES == MAX_ALTERNATIVES);

/// The key the token corpus is signed with (`fuzz/seed.py`).
pub(crate) const KEY: &[u8] = b"fuzzing-key-0123456789abcdefghijklmnopqrstuv";

/// `Authorization: <data>` through [`BearerToken::from_headers`].
pub(crate) fn authorization_header(data: &[u8]) {
    // Bytes a header value cannot hold never reach the parser.
    let Ok(value) = HeaderValue::from_bytes(data) else {
        return;
    };
    let req = TestRequest::default()
        .insert_header((AUTHORIZATION, value))
        .to_http_request();
    let expected = bearer_model(data);
    match BearerToken::from_headers(&req) {
        Ok(token) => assert_eq!(Some(token.as_str().as_bytes()), expected, "{data:?}"),
        Err(error) => {
            assert_eq!(expected, None, "refused: {data:?}");
            assert!(error.status_code().is_client_error(), "{error:?}");
        }
    }
}

/// The token68 of `Bearer` credentials, read from the grammar.
fn bearer_model(value: &[u8]) -> Option<&[u8]> {
    let value = value.trim_ascii();
    if value.len() < 7 || !value[..6].eq_ignore_ascii_case(b"bearer") || value[6] != b' ' {
        return None;
    }
    let token = value[7..].trim_ascii_start();
    let padding = token.iter().rev().take_while(|b| **b == b'=').count();
    let body = &token[..token.len() - padding];
    let token68 = !body.is_empty()
        && body
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(b));
    token68.then_some(token)
}

/// `data` as a JWT through [`TokenConfig::verify`] with [`KEY`].
pub(crate) fn token_verify(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let config = TokenConfig::new(JwtKeys::hs256(KEY).expect("a 32-byte key"));
    let Ok(claims) = config.verify(token) else {
        return;
    };
    let header = jsonwebtoken::decode_header(token).expect("an accepted token has a header");
    assert_eq!(header.alg, Algorithm::HS256, "{token}");
    let plain = jsonwebtoken::decode::<serde_json::Value>(
        token,
        &DecodingKey::from_secret(KEY).expect("an HMAC key"),
        &Validation::new(Algorithm::HS256),
    )
    .unwrap_or_else(|e| panic!("accepted by the runtime, refused by the library ({e}): {token}"));
    assert_eq!(plain.claims["sub"].as_str(), Some(claims.sub.as_str()));
    // A NumericDate may have a fraction (RFC 7519 section 2): whole seconds are kept.
    let exp = &plain.claims["exp"];
    let exp = exp
        .as_u64()
        .or_else(|| exp.as_f64().map(|e| e.floor() as u64));
    assert_eq!(exp, Some(claims.exp), "{token}");
    let reissued = config
        .issue_claims(&claims)
        .expect("accepted claims re-issue");
    assert_eq!(
        config.verify(&reissued).ok().as_ref(),
        Some(&claims),
        "{token}"
    );
}

/// `data` as an `application/x-www-form-urlencoded` body, lax and strict.
pub(crate) fn password_form_urlencoded(data: &[u8]) {
    let model =
        FormModel::of(form_urlencoded::parse(data).map(|(n, v)| (n.into_owned(), v.into_owned())));
    for strict in [false, true] {
        let parsed = OAuth2PasswordRequestForm::parse(data, strict);
        model.assert_same(parsed.as_ref().map_err(|e| e.issues().len()), strict, data);
    }
}

/// `data` as a `multipart/form-data` body with the boundary `b`, through the extractor.
pub(crate) fn password_form_multipart(data: &[u8]) {
    let (req, mut payload) = TestRequest::post()
        .insert_header((CONTENT_TYPE, "multipart/form-data; boundary=b"))
        .set_payload(data.to_vec())
        .to_http_parts();
    let parsed = runtime().block_on(OAuth2PasswordRequestForm::from_request(&req, &mut payload));
    match parsed {
        Ok(form) => {
            assert!(!form.username.is_empty() && !form.password.is_empty());
            assert!(form.grant_type.as_deref().is_none_or(|g| g == "password"));
            for scope in &form.scopes {
                assert!(scope_token_model(scope), "{scope:?} in {data:?}");
            }
        }
        Err(error) => assert!(
            error.status_code().is_client_error(),
            "{error} ({}) for {data:?}",
            error.status_code()
        ),
    }
}

/// One actix runtime per thread, for the multipart extractor.
fn runtime() -> &'static actix_rt::Runtime {
    thread_local! {
        static RUNTIME: &'static actix_rt::Runtime =
            Box::leak(Box::new(actix_rt::Runtime::new().expect("a runtime")));
    }
    RUNTIME.with(|rt| *rt)
}

/// `data` as a scope token through [`check_scope_token`].
pub(crate) fn scope_token(data: &[u8]) {
    let Ok(scope) = std::str::from_utf8(data) else {
        return;
    };
    assert_eq!(
        check_scope_token(scope).is_ok(),
        scope_token_model(scope),
        "{scope:?}"
    );
}

fn scope_token_model(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// Python's `str.split()` with no argument: runs of whitespace as `str.isspace` sees it,
/// which is Unicode's White_Space plus the separators U+001C..U+001F.
pub(crate) fn python_split(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What FastAPI makes of a form's fields.
struct FormModel {
    grant_type: Option<String>,
    username: Option<String>,
    password: Option<String>,
    scopes: Vec<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

impl FormModel {
    fn of(fields: impl Iterator<Item = (String, String)>) -> Self {
        let mut last = std::collections::HashMap::new();
        for (name, value) in fields {
            last.insert(name, value);
        }
        let mut field = |name: &str| last.remove(name).filter(|v| !v.is_empty());
        Self {
            grant_type: field("grant_type"),
            username: field("username"),
            password: field("password"),
            scopes: python_split(&field("scope").unwrap_or_default()),
            client_id: field("client_id"),
            client_secret: field("client_secret"),
        }
    }

    fn assert_same(
        &self,
        parsed: Result<&OAuth2PasswordRequestForm, usize>,
        strict: bool,
        data: &[u8],
    ) {
        let grant_ok = match &self.grant_type {
            Some(g) => g == "password",
            None => !strict,
        };
        let valid = grant_ok
            && self.username.is_some()
            && self.password.is_some()
            && self.scopes.iter().all(|s| scope_token_model(s));
        match parsed {
            Ok(form) => {
                assert!(
                    valid,
                    "accepted an invalid form (strict: {strict}): {data:?}"
                );
                assert_eq!(Some(&form.username), self.username.as_ref());
                assert_eq!(Some(&form.password), self.password.as_ref());
                assert_eq!(form.grant_type, self.grant_type);
                assert_eq!(form.scopes, self.scopes, "{data:?}");
                assert_eq!(form.client_id, self.client_id);
                assert_eq!(form.client_secret, self.client_secret);
            }
            Err(issues) => {
                assert!(!valid, "refused a valid form (strict: {strict}): {data:?}");
                assert!(issues > 0, "a refusal names its issues: {data:?}");
            }
        }
    }
}

/// A scope expression (`scopes = [..]`, `#[scopes(..)]`) as the fuzzer's bytes write it: the
/// first byte picks the reading, `% 8 == 0` the rest as Rust source ([`expression_source`]),
/// otherwise a [`Program`] writing a node's list and the list of the path above it.
pub(crate) fn scope_expression(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 8 == 0 {
        return expression_source(rest);
    }
    let mut program = Program {
        bytes: rest,
        leaves: 0,
    };
    let lists = [program.list(), program.list()];
    let [Some(node), Some(above)] = lists.map(|list| {
        let source = list_source(&list);
        let parsed: syn::ExprArray =
            syn::parse_str(&source).unwrap_or_else(|e| panic!("{e}: {source}"));
        checked_node(&parsed.elems.into_iter().collect::<Vec<_>>(), Some(list))
    }) else {
        return;
    };
    runtime_product(&node, &above);
}

/// `text` as the tokens the macro is handed after `scopes = `: a list, or one element.
fn expression_source(text: &[u8]) {
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    // Deep nesting tests the stack, not the grammar: syn's parser recurses per bracket and
    // per prefix operator (`----x`), the macro per bracket. Short and shallow, then.
    if text.len() > MAX_SOURCE {
        return;
    }
    let depth = text.chars().scan(0i32, |depth, c| {
        *depth += match c {
            '(' | '[' | '{' => 1,
            ')' | ']' | '}' => -1,
            _ => 0,
        };
        Some(*depth)
    });
    if depth.max().unwrap_or(0) > 16 {
        return;
    }
    let expr = match syn::parse_str::<syn::Expr>(text) {
        Ok(expr) => expr,
        Err(error) => return drop(error.to_compile_error()),
    };
    let elements: Vec<syn::Expr> = match expr {
        syn::Expr::Array(list) => list.elems.into_iter().collect(),
        other => vec![other],
    };
    let model = elements.iter().map(Model::read).collect();
    if let Some(node) = checked_node(&elements, model) {
        runtime_product(&node, &Node::default());
    }
}

/// What a scope expression means, as the documentation says it: a scope is needed, `any`
/// needs one of its arguments, `all` every one; a list is the `All` of its elements. `L`
/// is a scope's name (or its bit).
#[derive(Clone, Debug)]
enum Model<L> {
    Scope(L),
    Any(Vec<Model<L>>),
    All(Vec<Model<L>>),
}

impl<L> Model<L> {
    /// Whether a token granting the scopes `has` admits satisfies it.
    fn holds(&self, has: &impl Fn(&L) -> bool) -> bool {
        match self {
            Self::Scope(scope) => has(scope),
            Self::Any(parts) => parts.iter().any(|part| part.holds(has)),
            Self::All(parts) => parts.iter().all(|part| part.holds(has)),
        }
    }

    /// Whether it is accepted: no `any()` or `all()` without arguments.
    fn well_formed(&self) -> bool {
        match self {
            Self::Scope(_) => true,
            Self::Any(parts) | Self::All(parts) => {
                !parts.is_empty() && parts.iter().all(Self::well_formed)
            }
        }
    }

    /// Its scopes, in the order written.
    fn leaves<'a>(&'a self, out: &mut Vec<&'a L>) {
        match self {
            Self::Scope(scope) => out.push(scope),
            Self::Any(parts) | Self::All(parts) => parts.iter().for_each(|p| p.leaves(out)),
        }
    }

    /// How many alternatives its minimal disjunctive normal form has when no scope is
    /// written twice (then no alternative contains another): one per scope, `any` adds
    /// its arguments' and `all` multiplies them.
    fn read_once_alternatives(&self) -> usize {
        let parts = match self {
            Self::Scope(_) => return 1,
            Self::Any(parts) | Self::All(parts) => parts.iter().map(Self::read_once_alternatives),
        };
        match self {
            Self::Any(_) => parts.fold(0, usize::saturating_add),
            _ => parts.fold(1, usize::saturating_mul),
        }
    }

    fn map<M>(&self, f: &impl Fn(&L) -> M) -> Model<M> {
        let map = |parts: &[Self]| parts.iter().map(|part| part.map(f)).collect();
        match self {
            Self::Scope(scope) => Model::Scope(f(scope)),
            Self::Any(parts) => Model::Any(map(parts)),
            Self::All(parts) => Model::All(map(parts)),
        }
    }
}

impl Model<String> {
    /// What the macro reads in `expr`: a string literal, or a call of `any` or `all`, the
    /// name a bare identifier (the macro, too, ignores attributes, a literal's suffix and a
    /// `<T>::` qualifier); `None` for any other token.
    fn read(expr: &syn::Expr) -> Option<Self> {
        match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) => Some(Self::Scope(lit.value())),
            syn::Expr::Call(call) => {
                let syn::Expr::Path(func) = &*call.func else {
                    return None;
                };
                let name = func.path.get_ident()?.to_string();
                let parts = call.args.iter().map(Self::read).collect::<Option<_>>()?;
                match name.as_str() {
                    "any" => Some(Self::Any(parts)),
                    "all" => Some(Self::All(parts)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// As Rust source (`Debug` writes a string literal).
    fn source(&self) -> String {
        match self {
            Self::Scope(scope) => format!("{scope:?}"),
            Self::Any(parts) => format!("any({})", join(parts)),
            Self::All(parts) => format!("all({})", join(parts)),
        }
    }
}

/// `list` as the source of `scopes = [..]`'s value.
fn list_source(list: &[Model<String>]) -> String {
    format!("[{}]", join(list))
}

fn join(list: &[Model<String>]) -> String {
    list.iter()
        .map(Model::source)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The scopes written in `list`, in order.
fn leaves(list: &[Model<String>]) -> Vec<&String> {
    let mut out = Vec::new();
    list.iter().for_each(|element| element.leaves(&mut out));
    out
}

/// The fuzzer's bytes as a program writing two scope lists, 0 once they run out. A list
/// has `byte % 5` elements; an element is one byte `op` and what follows: `op % 4` is 2 for
/// `any`, 3 for `all`, with `ARGS[op >> 2 & 7]` arguments (none at times: an error), and
/// otherwise a scope, `POOL[(op >> 2) % 6]`, or for `op >> 2 >= 60` the next byte `% 16`
/// bytes as Latin-1 characters. At most [`MAX_DEPTH`] levels and about [`MAX_LEAVES`]
/// scopes a list. `fuzz/seed.py` writes programs.
struct Program<'a> {
    bytes: &'a [u8],
    leaves: usize,
}

const POOL: [&str; 6] = ["me", "items", "items:read", "items:admin", "users", "admin"];
const ARGS: [usize; 8] = [2, 1, 2, 3, 4, 2, 3, 0];
const MAX_DEPTH: usize = 4;
const MAX_LEAVES: usize = 16;
/// The longest source text tried: a `scopes = [..]` value is shorter.
const MAX_SOURCE: usize = 256;
/// Up to how many scopes every set of granted scopes is tried.
const EXHAUSTIVE: usize = 10;

impl Program<'_> {
    fn byte(&mut self) -> u8 {
        let (&byte, rest) = self.bytes.split_first().unwrap_or((&0, &[]));
        self.bytes = rest;
        byte
    }

    fn list(&mut self) -> Vec<Model<String>> {
        self.leaves = 0;
        let len = self.byte() % 5;
        self.models(usize::from(len), 0)
    }

    fn models(&mut self, len: usize, depth: usize) -> Vec<Model<String>> {
        let mut out = Vec::new();
        while out.len() < len && self.leaves < MAX_LEAVES {
            out.push(self.model(depth));
        }
        out
    }

    fn model(&mut self, depth: usize) -> Model<String> {
        let op = self.byte();
        let arg = usize::from(op >> 2);
        match op % 4 {
            2 if depth < MAX_DEPTH => Model::Any(self.models(ARGS[arg & 7], depth + 1)),
            3 if depth < MAX_DEPTH => Model::All(self.models(ARGS[arg & 7], depth + 1)),
            _ => {
                self.leaves += 1;
                Model::Scope(if arg < 60 {
                    POOL[arg % 6].to_owned()
                } else {
                    let len = self.byte() % 16;
                    (0..len).map(|_| char::from(self.byte())).collect()
                })
            }
        }
    }
}

/// A node's scopes as the macro accepted them: the list, its disjunctive normal form.
#[derive(Default)]
struct Node {
    list: Vec<Model<String>>,
    alternatives: Vec<Vec<String>>,
}

/// `elements` through the macro's `scope_expr::parse_list`, against `model`, what they mean
/// (`None` if they are not an expression); the node if the macro accepts it and so would
/// `validate.rs`, which refuses a list naming a scope twice.
///
/// With no scope repeated: refused exactly when malformed or when the minimal normal form
/// has more than [`MAX_ALTERNATIVES`] alternatives, and otherwise the form is that one. The
/// macro counts part way through its products and stops past the limit, but with no repeat
/// nothing is ever absorbed, so no partial count exceeds the final one. With a repeat the
/// form is not checked: absorption can shrink a product after the limit was passed, so a
/// product stopped part way can come back under it, wrong and not refused
/// (`regressions/scope_expression/repeat-*`); only `validate.rs` makes that unreachable.
fn checked_node(elements: &[syn::Expr], model: Option<Vec<Model<String>>>) -> Option<Node> {
    let mut errors = Errors::default();
    let (literals, alternatives) = scope_expr::parse_list(elements, Span::call_site(), &mut errors);
    let refused = errors.finish().map_err(|e| e.to_compile_error()).is_err();
    let source = || {
        let tokens: Vec<String> = elements
            .iter()
            .map(|e| e.to_token_stream().to_string())
            .collect();
        tokens.join(", ")
    };
    let list = match model {
        Some(list) if list.iter().all(Model::well_formed) => list,
        _ => {
            assert!(refused, "accepted: {}", source());
            return None;
        }
    };
    let scopes = leaves(&list);
    let literals: Vec<String> = literals.iter().map(syn::LitStr::value).collect();
    assert_eq!(literals.iter().collect::<Vec<_>>(), scopes, "{}", source());
    let distinct = scopes.iter().collect::<BTreeSet<_>>().len() == scopes.len();
    let all = Model::All(list.clone());
    if list
        .iter()
        .all(|element| matches!(element, Model::Scope(_)))
    {
        // A plain list: the runtime reads no alternatives as one of them all.
        assert!(!refused && alternatives.is_empty(), "{}", source());
        return distinct.then_some(Node { list, alternatives });
    }
    // Once refused, the form is a product stopped part way: a compile error, never used;
    // so is one with a scope repeated.
    let accepted = if refused || !distinct {
        &[][..]
    } else {
        &alternatives[..]
    };
    for (i, alternative) in accepted.iter().enumerate() {
        let set: BTreeSet<&String> = alternative.iter().collect();
        assert!(
            !set.is_empty() && set.len() == alternative.len(),
            "{alternative:?}"
        );
        assert!(
            all.holds(&|s| set.contains(s)),
            "{alternative:?} admits too much: {}",
            source()
        );
        for other in &accepted[..i] {
            let contains = |big: &[String], small: &[String]| small.iter().all(|s| big.contains(s));
            assert!(
                !contains(alternative, other) && !contains(other, alternative),
                "{other:?} and {alternative:?}: not minimal in {}",
                source()
            );
        }
    }
    if !distinct {
        return None;
    }
    let expected = all.read_once_alternatives();
    assert_eq!(
        refused,
        expected > MAX_ALTERNATIVES,
        "{expected} alternatives: {}",
        source()
    );
    if refused {
        return None;
    }
    assert_eq!(alternatives.len(), expected, "{}", source());
    if scopes.len() <= EXHAUSTIVE {
        let bit = |s: &String| 1u32 << scopes.iter().position(|scope| *scope == s).unwrap();
        let all = all.map(&bit);
        let masks: Vec<u32> = alternatives
            .iter()
            .map(|a| a.iter().map(bit).fold(0, |m, b| m | b))
            .collect();
        for granted in 0..1u32 << scopes.len() {
            assert_eq!(
                all.holds(&|bit| granted & bit != 0),
                masks.iter().any(|alternative| alternative & !granted == 0),
                "granted {granted:#b} of {scopes:?}: {}",
                source()
            );
        }
    }
    Some(Node { list, alternatives })
}

/// The runtime's side, `node` below the path `above`: each list's alternatives as bit
/// masks over the scopes of both (`own_alts` in `table.rs`), their product `Alts::and`
/// against its definition (the minimal unions of one of each) and against the expressions
/// on every set of granted scopes (up to [`EXHAUSTIVE`] scopes), and the handler's
/// [`Requirement`] of it on tokens near each alternative.
fn runtime_product(node: &Node, above: &Node) {
    let mut names: Vec<&String> = Vec::new();
    for scope in leaves(&node.list).into_iter().chain(leaves(&above.list)) {
        if !names.contains(&scope) {
            names.push(scope);
        }
    }
    if names.len() > BIT_NAMES.len() {
        return;
    }
    let bit = |s: &String| 1u32 << names.iter().position(|name| *name == s).unwrap();
    let mask = |scopes: &[&String]| scopes.iter().fold(0, |mask, s| mask | bit(s));
    let alts = |node: &Node| {
        let mut alts = Alts::NONE;
        if node.alternatives.is_empty() {
            alts.or(mask(&leaves(&node.list)));
        }
        for alternative in &node.alternatives {
            alts.or(mask(&alternative.iter().collect::<Vec<_>>()));
        }
        alts
    };
    let (a, b) = (alts(node), alts(above));
    let masks = |alts: &Alts| alts.masks[..alts.len].to_vec();
    let unions: Vec<u32> = masks(&a)
        .iter()
        .flat_map(|x| masks(&b).into_iter().map(move |y| x | y))
        .collect();
    let mut minimal: Vec<u32> = unions
        .iter()
        .copied()
        .filter(|&u| !unions.iter().any(|&v| v != u && v & u == v))
        .collect();
    minimal.sort_unstable();
    minimal.dedup();
    if minimal.len() > MAX_ALTERNATIVES {
        // `and` panics: in the compiler's const evaluation, the handler does not compile.
        return;
    }
    let product = a.and(&b);
    let kept = masks(&product);
    let mut sorted = kept.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, minimal, "{:?} and {:?}", masks(&a), masks(&b));

    let n = names.len();
    let names = &BIT_NAMES[..n];
    let requirement = Requirement::new(Part::whole(stored(&kept)), Part::whole(names));
    let reversed: Vec<u32> = kept.iter().rev().copied().collect();
    assert!(requirement.same_as(&Requirement::new(
        Part::whole(stored(&reversed)),
        Part::whole(names)
    )));
    let alternatives: Vec<Vec<&str>> = requirement
        .alternatives()
        .map(|a| a.iter().collect())
        .collect();
    assert_eq!(
        alternatives,
        kept.iter().map(|&m| named(names, m)).collect::<Vec<_>>()
    );
    assert_eq!(requirement.is_empty(), requirement.admits(0));
    let everything = ((1u64 << n) - 1) as u32;
    if n <= EXHAUSTIVE {
        let (node, above) = (
            Model::All(node.list.clone()),
            Model::All(above.list.clone()),
        );
        let (node, above) = (node.map(&bit), above.map(&bit));
        for granted in 0..=everything {
            let has = |bit: &u32| granted & bit != 0;
            let (x, y) = (node.holds(&has), above.holds(&has));
            assert_eq!(
                (a.admits(granted), b.admits(granted)),
                (x, y),
                "{granted:#b}"
            );
            assert_eq!(product.admits(granted), x && y, "{granted:#b}");
        }
    }
    // Nothing, everything, and for each alternative all of it, all but it, all but one of it.
    let mut tokens = vec![0, everything];
    for &mask in &kept {
        let lowest = mask & mask.wrapping_neg();
        tokens.extend([
            mask,
            everything & !mask,
            mask & !lowest,
            everything & !lowest,
        ]);
    }
    for granted in tokens {
        closest(&requirement, &kept, granted);
    }
}

/// The scopes of `requirement` a token granting `granted` holds, and the alternative it
/// comes closest to: the first of those needing the fewest more scopes, and those.
fn closest(requirement: &Requirement, masks: &[u32], granted: u32) {
    let names = requirement.names();
    let lacks = |mask: u32| (mask & !granted).count_ones();
    let fewest = masks
        .iter()
        .map(|&m| lacks(m))
        .min()
        .expect("an alternative");
    let best = *masks.iter().find(|&&m| lacks(m) == fewest).unwrap();
    let (alternative, missing) = requirement.closest(granted);
    assert_eq!(alternative.iter().collect::<Vec<_>>(), named(names, best));
    assert_eq!(alternative.to_string(), named(names, best).join(" "));
    assert_eq!(
        missing.iter().collect::<Vec<_>>(),
        named(names, best & !granted)
    );
    assert_eq!(missing.len(), fewest as usize);
    assert_eq!(requirement.admits(granted), fewest == 0);
    let token: Vec<&str> = named(names, granted)
        .into_iter()
        .chain(["not-a-scope"])
        .collect();
    assert_eq!(requirement.granted(best, &token), best & granted);
}

/// The names of the bits of `mask`.
fn named(names: &'static [&'static str], mask: u32) -> Vec<&'static str> {
    let bits = names
        .iter()
        .enumerate()
        .filter(|(bit, _)| mask >> bit & 1 != 0);
    bits.map(|(_, name)| *name).collect()
}

/// Names for a [`Requirement`]'s bits: their meaning is in the bits.
static BIT_NAMES: [&str; 32] = [
    "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14",
    "s15", "s16", "s17", "s18", "s19", "s20", "s21", "s22", "s23", "s24", "s25", "s26", "s27",
    "s28", "s29", "s30", "s31",
];

/// `masks` as `'static` storage, as the compiler's tables are: kept once per content, so
/// that a long run holds each distinct product once rather than leaking one per input.
fn stored(masks: &[u32]) -> &'static [u32] {
    static STORED: Mutex<BTreeSet<&'static [u32]>> = Mutex::new(BTreeSet::new());
    let mut stored = STORED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(kept) = stored.get(masks) {
        return kept;
    }
    let kept: &'static [u32] = Box::leak(masks.into());
    stored.insert(kept);
    kept
}
