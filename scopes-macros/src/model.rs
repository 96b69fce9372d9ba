//! The typed model of a `#[secured]` handler or `#[dependency]` fn, as validation leaves it:
//! closed types only, so that expansion never has to unwrap.

use syn::{ItemFn, LitStr, Type};

use crate::route::Route;

/// Which macro is expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// `#[secured]` on an actix-web handler.
    Handler,
    /// `#[public]` on an actix-web handler open on purpose.
    Public,
    /// `#[dependency]` on an async fn.
    Dependency,
}

impl NodeKind {
    /// The attribute as users write it, for messages.
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Self::Handler => "#[secured]",
            Self::Public => "#[public]",
            Self::Dependency => "#[dependency]",
        }
    }

    /// Whether the node is a handler, secured or public.
    pub(crate) fn is_handler(self) -> bool {
        matches!(self, Self::Handler | Self::Public)
    }
}

/// A scope literal that is a valid RFC 6749 scope token, unique in its list.
pub(crate) struct Scope {
    /// The literal, with its span, as the user wrote it.
    pub(crate) lit: LitStr,
}

/// A validated node of the dependency graph.
pub(crate) struct Node {
    /// Handler or dependency.
    pub(crate) kind: NodeKind,
    /// `scopes = [..]`: the node's own scopes, in order.
    pub(crate) scopes: Vec<Scope>,
    /// How they combine when the list holds `any(..)` / `all(..)`: the alternatives (each
    /// all needed, one of them enough), in disjunctive normal form; empty for a plain list.
    pub(crate) alternatives: Vec<Vec<String>>,
    /// `dependencies = [..]`: run before the parameters for their checks, their values
    /// discarded (the runtime's `NodeInfo::decorator_count` counts them).
    pub(crate) decorators: Vec<syn::Path>,
    /// The function's parameters, in order.
    pub(crate) params: Vec<Param>,
    /// What the function returns.
    pub(crate) output: Output,
    /// The routes the actix-web route macros below register, for the OpenAPI document and
    /// route tables.
    pub(crate) routes: Vec<Route>,
    /// Whether an actix-web route macro follows, which turns the fn into a unit struct.
    pub(crate) route_macro: bool,
    /// The user's function, untouched.
    pub(crate) func: ItemFn,
}

impl Node {
    /// Whether the node takes `SecurityScopes`, and so can check its path's scopes (the
    /// runtime's `NodeInfo::checks_scopes`).
    pub(crate) fn takes_scopes(&self) -> bool {
        self.params
            .iter()
            .any(|param| matches!(param.kind, ParamKind::SecurityScopes))
    }

    /// Whether the node takes an extractor that may read the request's extensions (the
    /// runtime's `NodeInfo::reads_extensions`; see [`ParamKind::Extractor`]).
    pub(crate) fn reads_extensions(&self) -> bool {
        self.params.iter().any(|param| {
            matches!(
                param.kind,
                ParamKind::Extractor {
                    reads_extensions: true
                }
            )
        })
    }
}

/// One parameter of the user's function.
pub(crate) struct Param {
    /// Its type, as written (the generated code names it, spanned there).
    pub(crate) ty: Type,
    /// What the type says the parameter is.
    pub(crate) kind: ParamKind,
    /// `#[scopes(..)]` on a dependency parameter: scopes given at the use site.
    pub(crate) use_site: Option<UseSite>,
}

/// Scopes given to a dependency where it is used, `#[scopes("items")] user: Security<dep>`
/// (FastAPI's `Security(dep, scopes=["items"])`): a hidden node between the user and the
/// dependency, with those scopes and the dependency as its one child.
pub(crate) struct UseSite {
    /// The scopes, checked as a node's are.
    pub(crate) scopes: Vec<Scope>,
    /// Their alternatives, when they hold `any(..)` / `all(..)`.
    pub(crate) alternatives: Vec<Vec<String>>,
    /// The hidden node's marker type.
    pub(crate) marker: syn::Ident,
}

/// How a parameter is obtained.
pub(crate) enum ParamKind {
    /// `Security<dep>` or `Depends<dep>`: resolve the dependency below this node.
    Dependency(syn::Path),
    /// `Option<Security<dep>>`: the dependency, or `None` where it refuses the request (a
    /// client error; FastAPI's `auto_error=False`). Its scopes are not required.
    OptionalDependency(syn::Path),
    /// `SecurityScopes`: the union of the path down to this node.
    SecurityScopes,
    /// Any other type: an actix-web extractor. It `reads_extensions` unless it is one of
    /// actix-web's `Data`, `Path`, `Query`, `Json` and `Form` or the runtime's
    /// `OAuth2PasswordBearer`, which run no code of the user's on the request. Recognised by name, so a type of the user's under one of those
    /// names is taken for actix-web's: that costs at most a token verified twice in a
    /// request that also reads it through the request.
    Extractor {
        /// Whether the extractor may read the request's extensions.
        reads_extensions: bool,
    },
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
