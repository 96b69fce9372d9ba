//! The grammar of one OAuth2 scope token (RFC 6749 section 3.3).
//!
//! This file is the single definition of what a scope may look like. The runtime uses it to
//! read scopes from forms and tokens; `scopes-macros/src/scope_token.rs` is a symbolic link
//! to it (which `cargo package` replaces by the file itself), so the macros reject bad
//! scopes at compile time with the very same code, as Rocket's codegen reuses its runtime
//! URI parser. It depends on nothing but `core` and `std`.
//!
//! ```text
//! scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
//! ```

/// Why a string is not a valid scope token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeTokenError {
    /// The scope is the empty string.
    Empty,
    /// The scope contains whitespace (scopes are space-delimited on the wire).
    Whitespace,
    /// The scope contains a double quote, which cannot appear in a scope token.
    Quote,
    /// The scope contains a backslash, which cannot appear in a scope token.
    Backslash,
    /// The scope contains a control character or a non-ASCII character.
    NotVisibleAscii,
}

impl ScopeTokenError {
    /// A lowercase explanation, without trailing period, fit for a compiler message.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Empty => "a scope cannot be empty",
            Self::Whitespace => "a scope cannot contain whitespace",
            Self::Quote => "a scope cannot contain `\"`",
            Self::Backslash => "a scope cannot contain `\\`",
            Self::NotVisibleAscii => {
                "a scope may only contain visible ASCII characters (RFC 6749 section 3.3)"
            }
        }
    }
}

impl core::fmt::Display for ScopeTokenError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for ScopeTokenError {}

/// Checks that `scope` is one RFC 6749 `scope-token`.
///
/// Usable in `const` contexts.
///
/// ```
/// use scopes_runtime::graph::{check_scope_token, ScopeTokenError};
/// assert_eq!(check_scope_token("items:read"), Ok(()));
/// assert_eq!(check_scope_token("read users"), Err(ScopeTokenError::Whitespace));
/// ```
pub const fn check_scope_token(scope: &str) -> Result<(), ScopeTokenError> {
    let bytes = scope.as_bytes();
    if bytes.is_empty() {
        return Err(ScopeTokenError::Empty);
    }
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => return Err(ScopeTokenError::Whitespace),
            b'"' => return Err(ScopeTokenError::Quote),
            b'\\' => return Err(ScopeTokenError::Backslash),
            0x21..=0x7e => {}
            _ => return Err(ScopeTokenError::NotVisibleAscii),
        }
        i += 1;
    }
    Ok(())
}
