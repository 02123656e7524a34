//! The SRHM's parameters (L, s, v, m, nc, sparsity), their validation and the exact counts
//! of distinct data (big integers: the counts overflow 64 bits quickly).

use num_bigint::BigUint;
use num_traits::{One, ToPrimitive};
use serde::{Deserialize, Serialize};

use crate::error::{GrammarError, Result};

/// Largest input length d we agree to build: one datum's one-hot encoding is
/// v·d floats, and a dataset holds many of them.
pub const MAX_INPUT_LEN: u64 = 1 << 22;

/// Largest number of stored production symbols over all levels
/// ((nc + v·(L−1)) · m · s): the rules live in memory.
pub const MAX_RULE_SYMBOLS: u64 = 1 << 27;

/// Largest vocabulary: tokens are stored as i32 and one-hot channels as f32 planes.
pub const MAX_VOCAB: u32 = 1 << 16;

/// How informative features are spread in space (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Sparsity {
    /// The plain Random Hierarchy Model: patches of s contiguous symbols.
    None,
    /// Each of the s children sits at a random offset of its own sub-patch of s0+1 slots.
    A { s0: u32 },
    /// The s children occupy any s of the s(s0+1) slots, keeping their order.
    B { s0: u32 },
}

impl Sparsity {
    /// Number of blank slots that accompany each informative child (0 without sparsity).
    pub fn s0(self) -> u32 {
        match self {
            Sparsity::None => 0,
            Sparsity::A { s0 } | Sparsity::B { s0 } => s0,
        }
    }
}

/// Parameters of an (S)RHM. Field names double as parameter names in errors
/// and as CLI flag names (`--levels`, `--patch`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Params {
    /// L: number of production levels (the input is level 1, the class sits above level L).
    pub levels: u32,
    /// s: number of children per production.
    pub patch: u32,
    /// v: vocabulary size of every level.
    pub vocab: u32,
    /// m: productions (synonyms) per symbol.
    pub synonyms: u32,
    /// nc: number of classes.
    pub classes: u32,
    pub sparsity: Sparsity,
}

impl Params {
    /// A plain RHM (no sparsity).
    pub fn rhm(levels: u32, patch: u32, vocab: u32, synonyms: u32, classes: u32) -> Self {
        Params {
            levels,
            patch,
            vocab,
            synonyms,
            classes,
            sparsity: Sparsity::None,
        }
    }

    /// Checks every constraint; the error names the first offending parameter.
    pub fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("levels", self.levels),
            ("patch", self.patch),
            ("vocab", self.vocab),
            ("synonyms", self.synonyms),
            ("classes", self.classes),
        ] {
            if value == 0 {
                return Err(GrammarError::invalid(name, "must be at least 1"));
            }
        }
        if self.vocab > MAX_VOCAB {
            return Err(GrammarError::invalid(
                "vocab",
                format!(
                    "v = {} exceeds the supported maximum {MAX_VOCAB}",
                    self.vocab
                ),
            ));
        }
        if self.classes > self.vocab {
            return Err(GrammarError::invalid(
                "classes",
                format!("nc = {} must not exceed v = {}", self.classes, self.vocab),
            ));
        }
        // m ≤ v^(s−1) guarantees that the m·v productions of a level are distinct s-tuples.
        let max_m = checked_pow(self.vocab as u64, self.patch - 1);
        if max_m.is_some_and(|max| self.synonyms as u64 > max) {
            return Err(GrammarError::invalid(
                "synonyms",
                format!(
                    "m = {} must not exceed v^(s-1) = {}",
                    self.synonyms,
                    max_m.unwrap()
                ),
            ));
        }
        let slots = (self.patch as u64) * (self.sparsity.s0() as u64 + 1);
        let too_long = || {
            GrammarError::invalid(
                "levels",
                format!(
                    "input length d = (s(s0+1))^L = {}^{} exceeds the supported maximum {MAX_INPUT_LEN}",
                    slots, self.levels
                ),
            )
        };
        if slots > MAX_INPUT_LEN {
            return Err(match self.sparsity {
                Sparsity::None => GrammarError::invalid("patch", "s is too large"),
                _ => GrammarError::invalid(
                    "s0",
                    format!("s(s0+1) = {slots} exceeds the supported maximum input length"),
                ),
            });
        }
        match checked_pow(slots, self.levels) {
            Some(d) if d <= MAX_INPUT_LEN => {}
            _ => return Err(too_long()),
        }
        let parents = self.classes as u64 + self.vocab as u64 * (self.levels as u64 - 1);
        let rule_symbols = parents * self.synonyms as u64 * self.patch as u64;
        if rule_symbols > MAX_RULE_SYMBOLS {
            return Err(GrammarError::invalid(
                "synonyms",
                format!(
                    "the rules would hold {rule_symbols} symbols (more than {MAX_RULE_SYMBOLS}); lower m or v"
                ),
            ));
        }
        Ok(())
    }

    /// s0 (0 without sparsity).
    pub fn s0(&self) -> u32 {
        self.sparsity.s0()
    }

    /// Slots of one patch, s(s0+1).
    pub fn slots_per_patch(&self) -> u32 {
        self.patch * (self.s0() + 1)
    }

    /// Input length d = (s(s0+1))^L. Call on validated parameters.
    pub fn input_len(&self) -> usize {
        (self.slots_per_patch() as usize).pow(self.levels)
    }

    /// Number of informative input positions, s^L.
    pub fn informative_len(&self) -> usize {
        (self.patch as usize).pow(self.levels)
    }

    /// Informative fraction F = s^L / d = (s0+1)^(−L).
    pub fn informative_fraction(&self) -> f64 {
        ((self.s0() + 1) as f64).powi(-(self.levels as i32))
    }

    /// Number of informative nodes at level `level` (1 = input, L+1 = the class).
    pub fn nodes_at_level(&self, level: u32) -> usize {
        (self.patch as usize).pow(self.levels + 1 - level)
    }

    /// Productions used by one datum: 1 + s + … + s^(L−1).
    pub fn productions_per_datum(&self) -> usize {
        (0..self.levels).map(|j| (self.patch as usize).pow(j)).sum()
    }

    /// Distinct placements of one production's children inside its patch:
    /// 1 without sparsity, (s0+1)^s for A, C(s(s0+1), s) for B.
    pub fn arrangements_per_patch(&self) -> BigUint {
        match self.sparsity {
            Sparsity::None => BigUint::one(),
            Sparsity::A { s0 } => BigUint::from(s0 + 1).pow(self.patch),
            Sparsity::B { .. } => binomial(self.slots_per_patch(), self.patch),
        }
    }

    /// Exact number of distinct inputs of one class: (m · arrangements)^(productions per datum).
    /// Distinct latent trees give distinct inputs because productions are disjoint and
    /// every slot choice is readable from the positions of the informative tokens.
    pub fn count_per_class(&self) -> BigUint {
        let per_node = BigUint::from(self.synonyms) * self.arrangements_per_patch();
        per_node.pow(self.productions_per_datum() as u32)
    }

    /// Exact number of distinct inputs over all classes.
    pub fn count_total(&self) -> BigUint {
        self.count_per_class() * BigUint::from(self.classes)
    }

    /// The total as u128, when it fits.
    pub fn count_total_u128(&self) -> Option<u128> {
        self.count_total().to_u128()
    }
}

fn checked_pow(base: u64, exp: u32) -> Option<u64> {
    base.checked_pow(exp)
}

/// Binomial coefficient C(n, k), exact.
pub fn binomial(n: u32, k: u32) -> BigUint {
    if k > n {
        return BigUint::ZERO;
    }
    let k = k.min(n - k);
    let mut acc = BigUint::one();
    for i in 0..k {
        acc *= n - i;
        acc /= i + 1;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(levels: u32, patch: u32, v: u32, m: u32, nc: u32, sparsity: Sparsity) -> Params {
        Params {
            levels,
            patch,
            vocab: v,
            synonyms: m,
            classes: nc,
            sparsity,
        }
    }

    #[test]
    fn rhm_count_matches_the_paper() {
        // Per class m^((d−1)/(s−1)) with d = s^L.
        let p = params(2, 2, 4, 4, 4, Sparsity::None);
        assert_eq!(p.count_per_class(), BigUint::from(4u32.pow(3)));
        assert_eq!(p.count_total(), BigUint::from(4u32.pow(4)));
        let p = params(3, 3, 9, 9, 2, Sparsity::None);
        assert_eq!(p.count_per_class(), BigUint::from(9u64).pow(13));
    }

    #[test]
    fn sparse_counts_and_sizes() {
        let a = params(2, 2, 10, 10, 10, Sparsity::A { s0: 2 });
        assert_eq!(a.input_len(), 36);
        assert_eq!(a.informative_len(), 4);
        assert!((a.informative_fraction() - 1.0 / 9.0).abs() < 1e-15);
        assert_eq!(a.arrangements_per_patch(), BigUint::from(9u32));
        assert_eq!(a.count_per_class(), BigUint::from(90u32).pow(3));
        let b = params(2, 2, 10, 10, 10, Sparsity::B { s0: 2 });
        assert_eq!(b.arrangements_per_patch(), BigUint::from(15u32));
        assert_eq!(b.count_total(), BigUint::from(150u32).pow(3) * 10u32);
    }

    #[test]
    fn astronomically_large_counts_are_exact() {
        let p = params(4, 4, 64, 4096, 64, Sparsity::A { s0: 1 });
        p.validate().unwrap();
        assert!(p.count_total_u128().is_none());
        let expected = BigUint::from(4096u32 * 16).pow(85) * 64u32;
        assert_eq!(p.count_total(), expected);
    }

    #[test]
    fn validation_names_the_parameter() {
        let ok = params(2, 2, 4, 4, 4, Sparsity::A { s0: 1 });
        ok.validate().unwrap();
        let cases = [
            (params(0, 2, 4, 4, 4, Sparsity::None), "levels"),
            (params(2, 0, 4, 4, 4, Sparsity::None), "patch"),
            (params(2, 2, 0, 4, 4, Sparsity::None), "vocab"),
            (params(2, 2, 4, 0, 4, Sparsity::None), "synonyms"),
            (params(2, 2, 4, 4, 0, Sparsity::None), "classes"),
            (params(2, 2, 4, 4, 5, Sparsity::None), "classes"),
            (params(2, 2, 4, 5, 4, Sparsity::None), "synonyms"),
            (params(30, 2, 4, 4, 4, Sparsity::None), "levels"),
            (
                params(2, 2, 4, 4, 4, Sparsity::A { s0: u32::MAX - 1 }),
                "s0",
            ),
            (params(2, 2, 100_000, 4, 4, Sparsity::None), "vocab"),
            (params(2, 8, 4096, 40_000, 4096, Sparsity::None), "synonyms"),
        ];
        for (p, name) in cases {
            let err = p.validate().unwrap_err();
            assert_eq!(err.param(), Some(name), "{p:?}: {err}");
            assert!(err.to_string().contains(name));
        }
    }

    #[test]
    fn binomial_small_values() {
        assert_eq!(binomial(6, 2), BigUint::from(15u32));
        assert_eq!(binomial(4, 0), BigUint::one());
        assert_eq!(binomial(3, 4), BigUint::ZERO);
        assert_eq!(binomial(52, 5), BigUint::from(2_598_960u32));
    }
}
