//! Cross-crate and UI tests of the scopes workspace live in `tests/`.
