//! [`Requirement`]: what a path (or a whole handler tree) requires, in disjunctive normal
//! form: alternatives, any one of which admits a request, each a set of scopes that are all
//! needed. A plain scope list is one alternative; `any(..)` adds alternatives.
//!
//! The compiler builds it: each alternative is a bit mask over the scopes of the handler's
//! tree ([`Requirement::names`], the handler's required scopes in order), so that the product
//! of two requirements (the scopes of a node and of the path above it) is a few `|`s, and a
//! request compares masks, never strings twice. The `Alts` builder is written for the const
//! evaluator, as `table.rs` is.

use core::fmt;

use super::part::Part;

/// How many alternatives one requirement may have, after normalisation.
pub const MAX_ALTERNATIVES: usize = 16;

/// A requirement in disjunctive normal form, `&'static` data the compiler computed.
///
/// ```
/// use scopes_runtime::{dependency, secured, SecurityScopes};
/// use scopes_runtime::graph::Handler;
///
/// #[dependency]
/// async fn authorize(scopes: SecurityScopes) -> Result<(), actix_web::Error> {
///     scopes.check(&["items:admin"]).map_err(|_| actix_web::error::ErrorForbidden("scope"))
/// }
///
/// #[secured(scopes = [any("items:read", "items:admin")], dependencies = [authorize])]
/// async fn read_items() -> &'static str { "[]" }
///
/// # fn main() {
/// let alternatives: Vec<Vec<&str>> = <read_items as Handler>::REQUIREMENT
///     .alternatives()
///     .map(|alternative| alternative.iter().collect())
///     .collect();
/// assert_eq!(alternatives, [["items:read"], ["items:admin"]]);
/// # }
/// ```
#[derive(Clone, Copy)]
pub struct Requirement {
    masks: Part<u32>,
    names: Part<&'static str>,
}

impl Requirement {
    /// No scope: one alternative, empty.
    pub(crate) const NONE: Self = Self {
        masks: Part::whole(&[0]),
        names: Part::whole(&[]),
    };

    pub(crate) const fn new(masks: Part<u32>, names: Part<&'static str>) -> Self {
        Self { masks, names }
    }

    /// The alternatives, in the order the compiler normalised them (declaration order, a
    /// plain list first).
    pub fn alternatives(&self) -> impl ExactSizeIterator<Item = Alternative> + use<> {
        let names = self.names();
        self.masks
            .get()
            .iter()
            .map(move |&mask| Alternative { mask, names })
    }

    /// Whether no scope is required (one alternative, empty).
    pub const fn is_empty(&self) -> bool {
        matches!(self.masks.get(), [0])
    }

    /// The scopes of the handler's tree, in order (optional dependencies' included, so not
    /// always `REQUIRED_SCOPES`): what the bits of the alternatives name.
    pub const fn names(&self) -> &'static [&'static str] {
        self.names.get()
    }

    /// The bits of [`Self::names`] that `granted` holds, among `within`.
    pub(crate) fn granted<S: AsRef<str>>(&self, within: u32, granted: &[S]) -> u32 {
        let mut bits = 0;
        for (bit, name) in self.names().iter().enumerate() {
            if within & (1 << bit) != 0 && granted.iter().any(|g| g.as_ref() == *name) {
                bits |= 1 << bit;
            }
        }
        bits
    }

    /// Whether some alternative needs no scope beyond `bits`.
    pub(crate) fn admits(&self, bits: u32) -> bool {
        self.masks.get().iter().any(|alt| alt & !bits == 0)
    }

    /// The alternative that needs the fewest scopes beyond `bits` (the first of those), and
    /// what it still needs.
    pub(crate) fn closest(&self, bits: u32) -> (Alternative, Alternative) {
        let names = self.names();
        let best = self
            .masks
            .get()
            .iter()
            .copied()
            .min_by_key(|alt| (alt & !bits).count_ones())
            .unwrap_or(0);
        (
            Alternative { mask: best, names },
            Alternative {
                mask: best & !bits,
                names,
            },
        )
    }

    /// The same alternatives, in any order (both of one handler's tree).
    pub(crate) fn same_as(&self, other: &Self) -> bool {
        let (mine, theirs) = (self.masks.get(), other.masks.get());
        mine.len() == theirs.len() && mine.iter().all(|mask| theirs.contains(mask))
    }
}

impl fmt::Debug for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.alternatives()).finish()
    }
}

/// One alternative of a [`Requirement`]: scopes that are all needed.
#[derive(Clone, Copy)]
pub struct Alternative {
    mask: u32,
    names: &'static [&'static str],
}

impl Alternative {
    /// The scopes, in the order of the handler's required scopes.
    pub fn iter(&self) -> impl Iterator<Item = &'static str> + use<> {
        let (mask, names) = (self.mask, self.names);
        names
            .iter()
            .enumerate()
            .filter(move |(bit, _)| mask & (1 << bit) != 0)
            .map(|(_, name)| *name)
    }

    /// How many scopes it needs.
    pub fn len(&self) -> usize {
        self.mask.count_ones() as usize
    }

    /// Whether it needs no scope.
    pub fn is_empty(&self) -> bool {
        self.mask == 0
    }
}

impl fmt::Debug for Alternative {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The scopes joined by single spaces, as RFC 6749 writes a `scope` value.
impl fmt::Display for Alternative {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope)?;
        }
        Ok(())
    }
}

/// A requirement being built at compile time: up to [`MAX_ALTERNATIVES`] masks, none a
/// superset of another.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Alts {
    pub(super) masks: [u32; MAX_ALTERNATIVES],
    pub(super) len: usize,
}

impl Alts {
    /// One alternative, empty: what requires nothing.
    pub(crate) const ONE: Self = Self {
        masks: [0; MAX_ALTERNATIVES],
        len: 1,
    };

    /// No alternative yet (the start of a disjunction).
    pub(crate) const NONE: Self = Self {
        masks: [0; MAX_ALTERNATIVES],
        len: 0,
    };

    /// Adds the alternative `mask`, unless one it contains is there already; drops those
    /// that contain it.
    pub(crate) const fn or(&mut self, mask: u32) {
        assert!(
            absorb(&mut self.masks, &mut self.len, mask),
            "scopes: a requirement has more than MAX_ALTERNATIVES (16) alternatives"
        );
    }

    /// Both requirements: every alternative of one with every alternative of the other.
    /// The product is formed whole before it is held to [`MAX_ALTERNATIVES`], as absorption
    /// can shrink it again: `(q | p) & (a1 | .. | a15 | p)` is 16 alternatives, and
    /// 31 along the way.
    pub(crate) const fn and(&self, other: &Self) -> Self {
        let mut out = Self::NONE;
        if self.product_into(other, &mut out.masks, &mut out.len) {
            return out;
        }
        // Past 16 along the way: again, in a buffer that holds any product of two.
        let mut wide = [0; MAX_ALTERNATIVES * MAX_ALTERNATIVES];
        let mut len = 0;
        self.product_into(other, &mut wide, &mut len);
        assert!(
            len <= MAX_ALTERNATIVES,
            "scopes: a requirement has more than MAX_ALTERNATIVES (16) alternatives"
        );
        let mut out = Self::NONE;
        while out.len < len {
            out.masks[out.len] = wide[out.len];
            out.len += 1;
        }
        out
    }

    /// Both requirements, the other one alternative (`mask`): [`and`](Self::and) for a plain
    /// scope list, in place. Most nodes have one, most paths one alternative: their product is
    /// an `|`, which spares the evaluator the general product.
    pub(crate) const fn and_mask(&mut self, mask: u32) {
        if mask == 0 {
            return;
        }
        if self.len == 1 {
            self.masks[0] |= mask;
            return;
        }
        let old = *self;
        self.len = 0;
        let mut i = 0;
        while i < old.len {
            // No more alternatives than before: there is room.
            absorb(&mut self.masks, &mut self.len, old.masks[i] | mask);
            i += 1;
        }
    }

    /// Adds every alternative of one with every alternative of the other to the first `len`
    /// of `masks`; `false` when it runs out of room.
    const fn product_into<const C: usize>(
        &self,
        other: &Self,
        masks: &mut [u32; C],
        len: &mut usize,
    ) -> bool {
        let mut i = 0;
        while i < self.len {
            let mut j = 0;
            while j < other.len {
                if !absorb(masks, len, self.masks[i] | other.masks[j]) {
                    return false;
                }
                j += 1;
            }
            i += 1;
        }
        true
    }

    /// Whether some alternative needs no scope beyond `bits`.
    pub(crate) const fn admits(&self, bits: u32) -> bool {
        let mut i = 0;
        while i < self.len {
            if self.masks[i] & !bits == 0 {
                return true;
            }
            i += 1;
        }
        false
    }

    /// Whether both hold the same alternatives, in the same order.
    pub(crate) const fn eq(&self, other: &Self) -> bool {
        if self.len != other.len {
            return false;
        }
        let mut i = 0;
        while i < self.len {
            if self.masks[i] != other.masks[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    #[cfg(test)]
    /// The masks. A `&'static Alts` (in a `const`) gives a `'static` slice.
    pub(crate) const fn as_slice(&self) -> &[u32] {
        self.masks.split_at(self.len).0
    }
}

/// Adds the alternative `mask` to the first `len` of `masks`, unless one it contains is
/// there already, dropping those that contain it; `false` when there is no room for it.
const fn absorb<const C: usize>(masks: &mut [u32; C], len: &mut usize, mask: u32) -> bool {
    let mut i = 0;
    while i < *len {
        if masks[i] & mask == masks[i] {
            return true;
        }
        i += 1;
    }
    let mut kept = 0;
    let mut i = 0;
    while i < *len {
        if masks[i] & mask != mask {
            masks[kept] = masks[i];
            kept += 1;
        }
        i += 1;
    }
    if kept == C {
        return false;
    }
    masks[kept] = mask;
    *len = kept + 1;
    true
}

#[cfg(test)]
mod tests {
    use super::Alts;

    #[test]
    fn products_absorb_supersets() {
        let mut any = Alts::NONE;
        any.or(0b01);
        any.or(0b10);
        // (a | b) & a == a
        let mut a = Alts::NONE;
        a.or(0b01);
        assert_eq!(any.and(&a).as_slice(), [0b01]);
        // (a | b) & c == ac | bc
        let mut c = Alts::NONE;
        c.or(0b100);
        assert_eq!(any.and(&c).as_slice(), [0b101, 0b110]);
        // a | ab == a
        let mut absorbed = Alts::NONE;
        absorbed.or(0b11);
        absorbed.or(0b01);
        assert_eq!(absorbed.as_slice(), [0b01]);
    }

    #[test]
    fn and_mask_is_the_product_with_one_alternative() {
        for masks in [&[0b01][..], &[0b01, 0b10], &[0b011, 0b101, 0b110], &[]] {
            let mut alts = Alts::NONE;
            for &mask in masks {
                alts.or(mask);
            }
            for mask in [0, 0b1000, 0b001, 0b011] {
                let mut one = Alts::NONE;
                one.or(mask);
                let mut in_place = alts;
                in_place.and_mask(mask);
                assert_eq!(
                    in_place.as_slice(),
                    alts.and(&one).as_slice(),
                    "{masks:?} & {mask}"
                );
            }
        }
    }

    #[test]
    fn a_product_may_grow_past_the_limit_and_shrink_back() {
        // (q | p) & (a1 | .. | a15 | p): 31 products, of which 16 remain (p absorbs the
        // q-p one and every a_i-p one).
        let (q, p) = (1 << 16, 1 << 17);
        let mut left = Alts::NONE;
        left.or(q);
        left.or(p);
        let mut right = Alts::NONE;
        for a in 0..15 {
            right.or(1 << a);
        }
        right.or(p);
        let product = left.and(&right);
        assert_eq!(product.as_slice().len(), 16);
        assert!(product.admits(p));
        assert!(product.admits(q | 1));
        assert!(!product.admits(q));
    }
}
