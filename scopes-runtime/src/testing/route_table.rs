//! The app's route table, read from the `Debug` of its root `ResourceMap` (actix-web keeps
//! its fields private and has no API that lists routes): the tree of scopes (`nodes` of a
//! container), each leaf resource with its name, patterns and the patterns of the scopes
//! above it. `named` repeats the leaves by name and is not read. Text that does not have
//! this shape is an error: [`unmarked_routes`](super::unmarked_routes) then fails, never
//! reading it as a table without routes.

use std::panic::{AssertUnwindSafe, catch_unwind};

use actix_web::dev::{ResourceDef, ResourceMap};

use super::debug_value::{self, Value};

/// A resource of the route table: a leaf of the tree.
pub(crate) struct TableResource {
    /// The scopes above it, the app's root first, as routing matches them.
    scopes: Vec<ResourceDef>,
    /// Their patterns concatenated: the start of each of this resource's full patterns.
    prefix: String,
    /// Its own patterns (one, or those of `web::resource(["/a", "/b"])`), each with its
    /// definition.
    patterns: Vec<(String, ResourceDef)>,
    /// Its name: route macros name it after the handler fn.
    pub(crate) name: Option<String>,
}

impl TableResource {
    /// How many patterns it has.
    pub(crate) fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Its `i`-th pattern from the app's root: `/admin/{id}` for `/{id}` under
    /// `web::scope("/admin")`.
    pub(crate) fn full_pattern(&self, i: usize) -> String {
        let own = self.patterns.get(i).map_or("", |(p, _)| p.as_str());
        format!("{}{own}", self.prefix)
    }

    /// What `ResourceMap::match_pattern` answers for a path this resource matches first: its
    /// first pattern from the root.
    pub(crate) fn reported_pattern(&self) -> String {
        self.full_pattern(0)
    }

    /// Whether `path` matches its `i`-th pattern, matched as routing does: each scope
    /// takes its prefix, the resource the rest.
    pub(crate) fn matches(&self, i: usize, path: &str) -> bool {
        let Some((_, own)) = self.patterns.get(i) else {
            return false;
        };
        let mut rest = path;
        for scope in &self.scopes {
            match scope.find_match(rest) {
                Some(len) => rest = &rest[len..],
                None => return false,
            }
        }
        own.find_match(rest).is_some()
    }
}

/// The resources of the app whose root resource map is `rmap`, in routing order.
///
/// # Errors
/// When its `Debug` does not read as a tree of resource maps: what did not.
pub(crate) fn read(rmap: &ResourceMap) -> Result<Vec<TableResource>, String> {
    parse(&format!("{rmap:?}"))
}

/// The resources of `text`, a root `ResourceMap`'s `Debug`.
pub(crate) fn parse(text: &str) -> Result<Vec<TableResource>, String> {
    let root = debug_value::parse(text).map_err(|e| format!("`{{:?}}` unreadable: {e}"))?;
    let mut out = Vec::new();
    let mut scopes = Vec::new();
    walk(&root, &mut scopes, &mut out)?;
    if !scopes.is_empty() {
        return Err("the tree walk lost its place".to_owned());
    }
    Ok(out)
}

/// A scope of the walk: its definition and first pattern.
type Scope = (ResourceDef, String);

fn walk(node: &Value, scopes: &mut Vec<Scope>, out: &mut Vec<TableResource>) -> Result<(), String> {
    if node.struct_name() != Some("ResourceMap") {
        return Err("a node is not a `ResourceMap { .. }`".to_owned());
    }
    let def = node
        .field("pattern")
        .ok_or("a `ResourceMap` has no `pattern`")?;
    let def = Def::read(def)?;
    let nodes = node
        .field("nodes")
        .and_then(Value::as_option)
        .ok_or("a `ResourceMap`'s `nodes` is not an `Option`")?;
    match nodes {
        Some(Value::List(children)) => {
            let first = def.patterns.first().cloned().unwrap_or_default();
            scopes.push((def.build()?, first));
            for child in children {
                walk(child, scopes, out)?;
            }
            scopes.pop();
            Ok(())
        }
        Some(_) => Err("a `ResourceMap`'s `nodes` is not a list".to_owned()),
        None => {
            let prefix = scopes.iter().map(|(_, p)| p.as_str()).collect();
            let patterns = def
                .patterns
                .iter()
                .map(|p| Ok((p.clone(), build(vec![p.clone()], def.is_prefix)?)))
                .collect::<Result<_, String>>()?;
            out.push(TableResource {
                scopes: scopes.iter().map(|(d, _)| d.clone()).collect(),
                prefix,
                patterns,
                name: def.name,
            });
            Ok(())
        }
    }
}

/// What the route table needs of a `ResourceDef { .. }`.
struct Def {
    name: Option<String>,
    patterns: Vec<String>,
    is_prefix: bool,
}

impl Def {
    fn read(value: &Value) -> Result<Self, String> {
        if value.struct_name() != Some("ResourceDef") {
            return Err("a `pattern` is not a `ResourceDef { .. }`".to_owned());
        }
        let name = match value.field("name").and_then(Value::as_option) {
            Some(None) => None,
            Some(Some(Value::Str(name))) => Some(name.clone()),
            _ => return Err("a `ResourceDef`'s `name` is not an `Option<String>`".to_owned()),
        };
        let patterns = value.field("patterns");
        let patterns = match (
            patterns.and_then(|p| p.variant("Single")),
            patterns.and_then(|p| p.variant("List")),
        ) {
            (Some([Value::Str(pattern)]), _) => vec![pattern.clone()],
            (_, Some([Value::List(list)])) => list
                .iter()
                .map(|p| p.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or("a `ResourceDef`'s `patterns` list holds a non-string")?,
            _ => {
                return Err(
                    "a `ResourceDef`'s `patterns` is neither `Single(..)` nor `List(..)`"
                        .to_owned(),
                );
            }
        };
        let is_prefix = value
            .field("is_prefix")
            .and_then(Value::as_bool)
            .ok_or("a `ResourceDef`'s `is_prefix` is not a `bool`")?;
        Ok(Self {
            name,
            patterns,
            is_prefix,
        })
    }

    fn build(&self) -> Result<ResourceDef, String> {
        build(self.patterns.clone(), self.is_prefix)
    }
}

/// The definition of `patterns`, as actix-web built it. It was built once from these
/// strings, so it cannot fail unless they were misread; actix-router panics then, which is
/// caught and reported.
fn build(patterns: Vec<String>, is_prefix: bool) -> Result<ResourceDef, String> {
    let first = patterns.first().cloned();
    let def = catch_unwind(AssertUnwindSafe(|| match is_prefix {
        true => ResourceDef::prefix(patterns),
        false => ResourceDef::new(patterns),
    }))
    .map_err(|_| format!("the pattern {first:?} does not build again"))?;
    match def.pattern().map(str::to_owned) == first {
        true => Ok(def),
        false => Err(format!("the pattern {first:?} builds into another")),
    }
}

/// A piece of an actix-web pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'p> {
    /// Text matched as written.
    Literal(&'p str),
    /// `{name}`, `{name:regex}` or a tail `{name}*`.
    Segment {
        name: &'p str,
        regex: Option<&'p str>,
        tail: bool,
    },
}

/// The pieces of `pattern`, in order. A brace never closed is literal text (actix-web would
/// have refused the pattern).
pub(crate) fn pieces(pattern: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Piece::Literal(&rest[..open]));
        }
        let after = &rest[open + 1..];
        // A regex may hold braces of its own (`{id:\d{3}}`): the segment ends at the brace
        // that closes the first.
        let mut depth = 1;
        let close = after.char_indices().find_map(|(i, c)| {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(i)
        });
        let Some(close) = close else {
            out.push(Piece::Literal(&rest[open..]));
            return out;
        };
        let inner = &after[..close];
        let (name, regex) = match inner.split_once(':') {
            Some((name, regex)) => (name.trim(), Some(regex)),
            None => (inner.trim(), None),
        };
        rest = &after[close + 1..];
        let tail = rest.starts_with('*');
        if tail {
            rest = &rest[1..];
        }
        out.push(Piece::Segment { name, regex, tail });
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use actix_web::test as atest;
    use actix_web::{App, HttpResponse, get, web};

    use super::*;

    #[get("/macro/{id}")]
    async fn by_macro() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    /// `(name, full patterns)` of each resource of the table `rmap`.
    fn table(rmap: &ResourceMap) -> Vec<(Option<String>, Vec<String>)> {
        read(rmap)
            .unwrap()
            .iter()
            .map(|r| {
                let patterns = (0..r.pattern_count()).map(|i| r.full_pattern(i)).collect();
                (r.name.clone(), patterns)
            })
            .collect()
    }

    fn named(name: Option<&str>, patterns: &[&str]) -> (Option<String>, Vec<String>) {
        (
            name.map(str::to_owned),
            patterns.iter().map(|p| (*p).to_owned()).collect(),
        )
    }

    #[actix_web::test]
    async fn reads_routes_resources_nested_scopes_macros_regexes_and_lists() {
        let ok = || web::to(HttpResponse::Ok);
        let app = atest::init_service(
            App::new()
                .route("/debug", web::get().to(HttpResponse::Ok))
                .service(
                    web::resource("/res")
                        .name("res")
                        .route(web::post().to(HttpResponse::Ok)),
                )
                .service(
                    web::scope("/admin")
                        .route("/{id}", web::delete().to(HttpResponse::Ok))
                        .service(
                            web::scope("/deep/{org}")
                                .route("", ok())
                                .route("/files/{tail:.*}", ok())
                                .service(web::scope("/empty")),
                        ),
                )
                .service(by_macro)
                .service(web::resource(["/a", "/b/{x:\\d{3}}"]).to(HttpResponse::Ok))
                .route("/static/{file}*", ok())
                .external_resource("docs", "https://example.com/{page}")
                .service(web::resource("/quoted \"\\ é").to(HttpResponse::Ok)),
        )
        .await;
        let res = atest::call_service(&app, atest::TestRequest::get().uri("/").to_request()).await;
        assert_eq!(
            table(res.request().resource_map()),
            [
                named(None, &["/debug"]),
                named(Some("res"), &["/res"]),
                named(None, &["/admin/{id}"]),
                named(None, &["/admin/deep/{org}"]),
                named(None, &["/admin/deep/{org}/files/{tail:.*}"]),
                named(Some("by_macro"), &["/macro/{id}"]),
                named(None, &["/a", "/b/{x:\\d{3}}"]),
                named(None, &["/static/{file}*"]),
                named(None, &["/quoted \"\\ é"]),
            ]
        );
    }

    #[actix_web::test]
    async fn matches_as_routing_does_through_the_scopes() {
        let app = atest::init_service(
            App::new().service(
                web::scope("/users/{uid}")
                    .route("/items/{id:\\d+}", web::get().to(HttpResponse::Ok))
                    .service(web::resource(["/a", "/b"]).to(HttpResponse::Ok)),
            ),
        )
        .await;
        let res = atest::call_service(&app, atest::TestRequest::get().uri("/").to_request()).await;
        let rmap = res.request().resource_map();
        let resources = read(rmap).unwrap();
        let [items, list] = &resources[..] else {
            panic!("two resources expected")
        };
        assert!(items.matches(0, "/users/7/items/42"));
        assert!(!items.matches(0, "/users/7/items/x"));
        assert!(!items.matches(0, "/users/7/items/42/more"));
        assert!(!items.matches(1, "/users/7/items/42"));
        assert_eq!(
            rmap.match_pattern("/users/7/items/42"),
            Some(items.reported_pattern())
        );
        assert!(list.matches(1, "/users/7/b") && !list.matches(0, "/users/7/b"));
        // `match_pattern` names a resource by its first pattern.
        assert_eq!(
            rmap.match_pattern("/users/7/b"),
            Some(list.reported_pattern())
        );
        assert_eq!(list.reported_pattern(), "/users/{uid}/a");
        assert_eq!(list.full_pattern(1), "/users/{uid}/b");
    }

    #[test]
    fn refuses_text_of_another_shape() {
        for text in [
            "",
            "ResourceMap",
            "Other { pattern: 1, nodes: None }",
            "ResourceMap { nodes: Some([]) }",
            "ResourceMap { pattern: ResourceDef { name: None, patterns: Single(\"\"), is_prefix: true }, nodes: 3 }",
            "ResourceMap { pattern: ResourceDef { name: None, patterns: Single(\"\"), is_prefix: true }, nodes: Some(3) }",
            "ResourceMap { pattern: ResourceDef { name: 1, patterns: Single(\"\"), is_prefix: true }, nodes: None }",
            "ResourceMap { pattern: ResourceDef { name: None, patterns: Many(\"\"), is_prefix: true }, nodes: None }",
            "ResourceMap { pattern: ResourceDef { name: None, patterns: List([1]), is_prefix: true }, nodes: None }",
            "ResourceMap { pattern: ResourceDef { name: None, patterns: Single(\"\"), is_prefix: maybe }, nodes: None }",
            "ResourceMap { pattern: ResourceDef { name: None, patterns: Single(\"/{open\"), is_prefix: false }, nodes: None }",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
        let leaf = "ResourceMap { pattern: ResourceDef { name: Some(\"x\"), patterns: Single(\"/x\"), is_prefix: false }, nodes: None }";
        let root = format!(
            "ResourceMap {{ pattern: ResourceDef {{ name: None, patterns: Single(\"\"), is_prefix: true }}, named: {{\"x\": {leaf}}}, parent: RefCell {{ value: (Weak) }}, nodes: Some([{leaf}]) }}"
        );
        let read = parse(&root).unwrap();
        assert_eq!((read.len(), read[0].name.as_deref()), (1, Some("x")));
    }

    #[test]
    fn splits_patterns_into_pieces() {
        use Piece::*;
        assert_eq!(pieces("/items/"), [Literal("/items/")]);
        assert_eq!(
            pieces("/u/{user}/items/{id:\\d{2}}/x"),
            [
                Literal("/u/"),
                Segment {
                    name: "user",
                    regex: None,
                    tail: false
                },
                Literal("/items/"),
                Segment {
                    name: "id",
                    regex: Some("\\d{2}"),
                    tail: false
                },
                Literal("/x"),
            ]
        );
        assert_eq!(
            pieces("{a}{b}*"),
            [
                Segment {
                    name: "a",
                    regex: None,
                    tail: false
                },
                Segment {
                    name: "b",
                    regex: None,
                    tail: true
                },
            ]
        );
        assert_eq!(pieces("/broken/{id"), [Literal("/broken/"), Literal("{id")]);
        assert_eq!(pieces(""), []);
    }
}
