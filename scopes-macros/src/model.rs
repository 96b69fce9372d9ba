//! The typed model of a `#[secured]` handler or `#[dependency]` fn, as validation leaves it:
//! closed types only, so that expansion never has to unwrap.

use syn::{ItemFn, LitStr, Type};

use crate::route::Route;

/// Which macro is expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Handler,
    Dependency,
}

impl NodeKind {
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Self::Handler => "#[secured]",
            Self::Dependency => "#[dependency]",
        }
    }
}

/// A scope literal that is a valid RFC 6749 scope token, unique in its list.
pub(crate) struct Scope {
    pub(crate) lit: LitStr,
}

/// A validated node of the dependency graph.
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    pub(crate) scopes: Vec<Scope>,
    /// `dependencies = [..]`: run for their checks, values discarded.
    pub(crate) decorators: Vec<syn::Path>,
    pub(crate) params: Vec<Param>,
    pub(crate) output: Output,
    pub(crate) routes: Vec<Route>,
    /// Whether an actix-web route macro follows, which turns the fn into a unit struct.
    pub(crate) route_macro: bool,
    /// The user's function, untouched.
    pub(crate) func: ItemFn,
}

impl Node {
    /// Whether the node takes an extractor that may read the request's extensions: anything
    /// but `Security`, `SecurityScopes` and actix-web's `Data`, `Path`, `Query`, `Json` and
    /// `Form`. Recognised by name, so a type of the user's under one of those
    /// names is taken for actix-web's; that only costs a token verified twice in a request
    /// that also reads it through the request.
    pub(crate) fn opaque(&self) -> bool {
        self.params
            .iter()
            .any(|param| matches!(param.kind, ParamKind::Extractor { opaque: true }))
    }
}

/// One parameter of the user's function.
pub(crate) struct Param {
    pub(crate) ty: Type,
    pub(crate) kind: ParamKind,
}

/// How a parameter is obtained.
pub(crate) enum ParamKind {
    /// `Security<dep>` or `Depends<dep>`: resolve the dependency below this node.
    Dependency(syn::Path),
    /// `SecurityScopes`: the union of the path down to this node.
    SecurityScopes,
    /// Any other type: an actix-web extractor; `opaque` unless it is one of actix-web's
    /// extractors that run no code of the user's on the request (see [`Node::opaque`]).
    Extractor { opaque: bool },
}

/// A dependency's return type.
pub(crate) enum Output {
    /// No return type: the dependency gives `()`.
    Unit,
    /// `T`: the dependency gives `T`.
    Plain(Type),
    /// `Result<T, E>` (any path ending in `Result`): gives `T`, an `Err` becomes the response.
    Fallible(Type),
}
