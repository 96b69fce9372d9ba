//! [`Part`] and [`Text`]: a stretch of a handler's `'static` storage, cut when it is read.
//!
//! The compiler's const evaluator runs `split_at` interpreted, checks included, at tens of
//! microseconds a call: a handler's table would pay that for every slice of every row. So
//! the tables record where each row's data sits in the handler's storage, and the slice is
//! cut when it is read, a bounds check at run time.

use core::fmt;

/// `len` items of `items` from `at`.
pub(crate) struct Part<T: 'static> {
    items: &'static [T],
    at: u16,
    len: u16,
}

impl<T> Clone for Part<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Part<T> {}

impl<T> Part<T> {
    /// All of `items`.
    pub(crate) const fn whole(items: &'static [T]) -> Self {
        Self::new(items, 0, items.len())
    }

    /// `len` items of `items` from `at`, which must be within it.
    pub(crate) const fn new(items: &'static [T], at: usize, len: usize) -> Self {
        let (at, len) = bounds(items.len(), at, len);
        Self { items, at, len }
    }

    /// The items.
    pub(crate) const fn get(self) -> &'static [T] {
        match self.items.split_at_checked(self.at as usize) {
            Some((_, rest)) => match rest.split_at_checked(self.len as usize) {
                Some((part, _)) => part,
                None => &[],
            },
            None => &[],
        }
    }

    /// How many items.
    pub(crate) const fn len(self) -> usize {
        self.len as usize
    }
}

/// `len` bytes of `text` from `at`.
#[derive(Clone, Copy)]
pub(crate) struct Text {
    text: &'static str,
    at: u16,
    len: u16,
}

impl Text {
    /// All of `text`.
    pub(crate) const fn whole(text: &'static str) -> Self {
        Self::new(text, 0, text.len())
    }

    /// `len` bytes of `text` from `at`, which must be within it.
    pub(crate) const fn new(text: &'static str, at: usize, len: usize) -> Self {
        let (at, len) = bounds(text.len(), at, len);
        Self { text, at, len }
    }

    /// The text (empty if the bounds are not on character boundaries, which a table's, on
    /// ASCII scope tokens, always are).
    pub(crate) const fn get(self) -> &'static str {
        match self.text.split_at_checked(self.at as usize) {
            Some((_, rest)) => match rest.split_at_checked(self.len as usize) {
                Some((part, _)) => part,
                None => "",
            },
            None => "",
        }
    }
}

/// `at` and `len` as a part of storage `total` long keeps them; evaluation fails when they
/// are out of it.
const fn bounds(total: usize, at: usize, len: usize) -> (u16, u16) {
    assert!(
        at + len <= total && total <= u16::MAX as usize,
        "scopes: a part out of its table's storage"
    );
    (at as u16, len as u16)
}

impl<T: fmt::Debug> fmt::Debug for Part<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::{Part, Text};

    #[test]
    fn parts_cut_their_storage() {
        static ITEMS: [u32; 4] = [1, 2, 3, 4];
        assert_eq!(Part::new(&ITEMS, 1, 2).get(), [2, 3]);
        assert_eq!(Part::whole(&ITEMS).get(), ITEMS);
        assert_eq!(Part::new(&ITEMS, 4, 0).get(), [0u32; 0]);
        assert_eq!(Text::new("me items", 3, 5).get(), "items");
        assert_eq!(Text::whole("me").get(), "me");
    }
}
