//! One datum as its latent tree (label, productions, placements), and the two directions
//! between a tree and its tokens: rendering the input and parsing it back.

use rand::Rng;

use crate::error::{GrammarError, Result};
use crate::params::{Params, Sparsity};
use crate::rules::Rules;

/// Token value of a blank (uninformative) input position.
pub const BLANK: i32 = -1;

/// One datum as its latent tree: the label, the production chosen at every
/// informative node, and where each child sits inside its patch. The input is a
/// deterministic function of this tree and the rules, and vice versa (see [`Datum::parse`]).
///
/// Nodes are listed level by level from the top (the class) down, left to right
/// among the informative nodes of a level.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Datum {
    levels: u32,
    patch: u32,
    label: u32,
    /// Level l (producing level-l symbols) holds s^(L−l) entries, in 0..m.
    productions: Vec<u32>,
    /// Level l holds s^(L−l+1) entries: the slot (0..s(s0+1)) of every level-l child in its patch.
    slots: Vec<u32>,
}

impl Datum {
    fn empty(params: &Params, label: u32) -> Self {
        let productions = params.productions_per_datum();
        Datum {
            levels: params.levels,
            patch: params.patch,
            label,
            productions: Vec::with_capacity(productions),
            slots: Vec::with_capacity(productions * params.patch as usize),
        }
    }

    /// A uniformly random datum: uniform class, uniform production at every node,
    /// uniform placement of every production's children.
    pub fn random(params: &Params, rng: &mut impl Rng) -> Self {
        let mut datum = Datum::empty(params, rng.random_range(0..params.classes));
        let s = params.patch as usize;
        for _ in 0..params.productions_per_datum() {
            datum.productions.push(rng.random_range(0..params.synonyms));
            let start = datum.slots.len();
            datum.slots.resize(start + s, 0);
            random_arrangement(params, rng, &mut datum.slots[start..]);
        }
        datum
    }

    /// The datum with mixed-radix identifier `id` in 0..count_total (digits: label,
    /// then for every node top-down its production and its arrangement).
    /// Requires `params.count_total() ≤ 2^64`; `id` is reduced modulo the total otherwise.
    pub fn from_id(params: &Params, id: u64) -> Self {
        let mut rest = id;
        let mut digit = |radix: u64| {
            let d = rest % radix;
            rest /= radix;
            d
        };
        let mut datum = Datum::empty(params, digit(params.classes as u64) as u32);
        let s = params.patch;
        let arrangements = params.arrangements_per_patch();
        let arrangements: u64 = arrangements.try_into().unwrap_or(u64::MAX);
        let mut scratch = Vec::with_capacity(s as usize);
        for _ in 0..params.productions_per_datum() {
            datum.productions.push(digit(params.synonyms as u64) as u32);
            let code = digit(arrangements);
            match params.sparsity {
                Sparsity::None => datum.slots.extend(0..s),
                Sparsity::A { s0 } => {
                    let mut code = code;
                    for k in 0..s {
                        datum
                            .slots
                            .push(k * (s0 + 1) + (code % (s0 as u64 + 1)) as u32);
                        code /= s0 as u64 + 1;
                    }
                }
                Sparsity::B { .. } => {
                    unrank_combination(code, params.slots_per_patch(), s, &mut scratch);
                    datum.slots.extend_from_slice(&scratch);
                }
            }
        }
        datum
    }

    pub fn label(&self) -> u32 {
        self.label
    }

    pub fn levels(&self) -> u32 {
        self.levels
    }

    fn nodes_above(&self, level: u32) -> usize {
        // Informative nodes of levels L+1 … l+1: 1 + s + … + s^(L−l−1).
        (0..self.levels - level)
            .map(|j| (self.patch as usize).pow(j))
            .sum()
    }

    fn level_range(&self, level: u32) -> Result<std::ops::Range<usize>> {
        if level == 0 || level > self.levels {
            return Err(GrammarError::invalid(
                "level",
                format!("must be in 1..={}, got {level}", self.levels),
            ));
        }
        let start = self.nodes_above(level);
        Ok(start..start + (self.patch as usize).pow(self.levels - level))
    }

    /// Production index (0..m) of every informative parent of level-`level` patches, left to right.
    pub fn productions(&self, level: u32) -> Result<&[u32]> {
        let r = self.level_range(level)?;
        Ok(&self.productions[r])
    }

    /// Mutable access for operators that rewrite the tree (srhm-transforms).
    pub fn productions_mut(&mut self, level: u32) -> Result<&mut [u32]> {
        let r = self.level_range(level)?;
        Ok(&mut self.productions[r])
    }

    /// Slot of every informative level-`level` node inside its patch, left to right
    /// (s entries per patch).
    pub fn slots(&self, level: u32) -> Result<&[u32]> {
        let r = self.level_range(level)?;
        let s = self.patch as usize;
        Ok(&self.slots[r.start * s..r.end * s])
    }

    pub fn slots_mut(&mut self, level: u32) -> Result<&mut [u32]> {
        let r = self.level_range(level)?;
        let s = self.patch as usize;
        Ok(&mut self.slots[r.start * s..r.end * s])
    }

    /// Informative symbols of every level: `symbols(rules)[l − 1]` lists the
    /// s^(L−l+1) level-l symbols left to right; index L holds the class alone.
    pub fn symbols(&self, rules: &Rules) -> Vec<Vec<u32>> {
        let mut out = vec![Vec::new(); self.levels as usize + 1];
        out[self.levels as usize] = vec![self.label];
        for level in (1..=self.levels).rev() {
            let level_rules = rules.level_unchecked(level);
            let productions = &self.productions[self.level_range(level).expect("valid level")];
            let parents = std::mem::take(&mut out[level as usize]);
            let mut children = Vec::with_capacity(parents.len() * self.patch as usize);
            for (&parent, &production) in parents.iter().zip(productions) {
                children.extend_from_slice(level_rules.production(parent, production));
            }
            out[level as usize] = parents;
            out[level as usize - 1] = children;
        }
        out
    }

    /// Input positions (0..d) of the s^L informative tokens, left to right.
    pub fn input_positions(&self, params: &Params) -> Vec<usize> {
        let slots_per_patch = params.slots_per_patch() as usize;
        let mut positions = vec![0usize];
        for level in (1..=self.levels).rev() {
            let slots = self.slots(level).expect("valid level");
            let s = self.patch as usize;
            positions = positions
                .iter()
                .enumerate()
                .flat_map(|(i, &p)| {
                    slots[i * s..(i + 1) * s]
                        .iter()
                        .map(move |&slot| p * slots_per_patch + slot as usize)
                })
                .collect();
        }
        positions
    }

    /// Writes the input tokens (length d, blanks = [`BLANK`]).
    pub fn write_tokens(&self, rules: &Rules, out: &mut [i32]) {
        let params = rules.params();
        debug_assert_eq!(out.len(), params.input_len());
        out.fill(BLANK);
        let symbols = self.symbols(rules);
        for (&position, &symbol) in self.input_positions(params).iter().zip(&symbols[0]) {
            out[position] = symbol as i32;
        }
    }

    /// The input tokens (length d, blanks = [`BLANK`]).
    pub fn tokens(&self, rules: &Rules) -> Vec<i32> {
        let mut out = vec![BLANK; rules.params().input_len()];
        self.write_tokens(rules, &mut out);
        out
    }

    /// Recovers the latent tree (and so the label) from input tokens by parsing
    /// bottom-up with the rules. Fails if the tokens are not a datum of these rules:
    /// wrong length, a patch whose informative symbols are not placed as the
    /// sparsity allows, or a tuple that no symbol produces.
    pub fn parse(rules: &Rules, tokens: &[i32]) -> Result<Datum> {
        let params = rules.params();
        let d = params.input_len();
        if tokens.len() != d {
            return Err(GrammarError::Unparsable {
                reason: format!("expected {d} tokens, got {}", tokens.len()),
            });
        }
        let slots_per_patch = params.slots_per_patch() as usize;
        let s = params.patch as usize;
        let s0 = params.s0() as usize;
        let mut current: Vec<Option<u32>> = tokens
            .iter()
            .map(|&t| match t {
                BLANK => Ok(None),
                t if t >= 0 && (t as u32) < params.vocab => Ok(Some(t as u32)),
                t => Err(GrammarError::Unparsable {
                    reason: format!("token {t} is neither blank nor in 0..{}", params.vocab),
                }),
            })
            .collect::<Result<_>>()?;
        // Per level, bottom-up: (productions, slots) of the informative patches.
        let mut per_level: Vec<(Vec<u32>, Vec<u32>)> = Vec::with_capacity(params.levels as usize);
        let mut tuple = Vec::with_capacity(s);
        let mut slots = Vec::with_capacity(s);
        for level in 1..=params.levels {
            let level_rules = rules.level_unchecked(level);
            let mut parents = Vec::with_capacity(current.len() / slots_per_patch);
            let (mut productions, mut level_slots) = (Vec::new(), Vec::new());
            for (patch_index, patch) in current.chunks_exact(slots_per_patch).enumerate() {
                tuple.clear();
                slots.clear();
                for (slot, symbol) in patch.iter().enumerate() {
                    if let Some(symbol) = symbol {
                        tuple.push(*symbol);
                        slots.push(slot as u32);
                    }
                }
                if tuple.is_empty() {
                    parents.push(None);
                    continue;
                }
                let bad = |why: String| GrammarError::Unparsable {
                    reason: format!("level {level}, patch {patch_index}: {why}"),
                };
                if tuple.len() != s {
                    return Err(bad(format!(
                        "{} informative symbols instead of {s}",
                        tuple.len()
                    )));
                }
                if matches!(params.sparsity, Sparsity::A { .. })
                    && slots
                        .iter()
                        .enumerate()
                        .any(|(k, &slot)| slot as usize / (s0 + 1) != k)
                {
                    return Err(bad("children not one per sub-patch".into()));
                }
                let (parent, production) = level_rules
                    .parse(&tuple)
                    .ok_or_else(|| bad(format!("no symbol produces {tuple:?}")))?;
                parents.push(Some(parent));
                productions.push(production);
                level_slots.extend_from_slice(&slots);
            }
            per_level.push((productions, level_slots));
            current = parents;
        }
        let label = match current.as_slice() {
            [Some(label)] => *label,
            _ => {
                return Err(GrammarError::Unparsable {
                    reason: "the top patch is blank".into(),
                });
            }
        };
        let mut datum = Datum::empty(params, label);
        for (productions, slots) in per_level.into_iter().rev() {
            datum.productions.extend(productions);
            datum.slots.extend(slots);
        }
        Ok(datum)
    }
}

/// A uniformly random placement of one production's s children, as the sparsity
/// prescribes: their slots in 0..s(s0+1), increasing, written to `out` (length s).
pub fn random_arrangement(params: &Params, rng: &mut impl Rng, out: &mut [u32]) {
    debug_assert_eq!(out.len(), params.patch as usize);
    match params.sparsity {
        Sparsity::None => out.iter_mut().zip(0..).for_each(|(x, k)| *x = k),
        Sparsity::A { s0 } => out
            .iter_mut()
            .zip(0..)
            .for_each(|(x, k)| *x = k * (s0 + 1) + rng.random_range(0..=s0)),
        Sparsity::B { .. } => random_combination(rng, params.slots_per_patch(), out),
    }
}

/// A uniformly random increasing k-subset of 0..n, k = `out.len()` (Floyd's algorithm).
fn random_combination(rng: &mut impl Rng, n: u32, out: &mut [u32]) {
    let k = out.len() as u32;
    for (filled, j) in (n - k..n).enumerate() {
        let t = rng.random_range(0..=j);
        out[filled] = if out[..filled].contains(&t) { j } else { t };
    }
    out.sort_unstable();
}

/// Binomial C(n, k) in u128, saturating (only compared against ranks < 2^64).
fn binomial_saturating(n: u64, k: u64) -> u128 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut acc: u128 = 1;
    for i in 0..k {
        acc = match acc.checked_mul((n - i) as u128) {
            Some(x) => x / (i + 1) as u128,
            None => return u128::MAX,
        };
    }
    acc
}

/// The increasing k-subset of 0..n with colexicographic rank `rank` (combinatorial number system).
fn unrank_combination(mut rank: u64, n: u32, k: u32, out: &mut Vec<u32>) {
    out.clear();
    out.resize(k as usize, 0);
    let mut upper = n as u64; // candidates are < upper
    for i in (1..=k as u64).rev() {
        // Largest c < upper with C(c, i) ≤ rank.
        let (mut lo, mut hi) = (i - 1, upper - 1);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if binomial_saturating(mid, i) <= rank as u128 {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        out[i as usize - 1] = lo as u32;
        rank -= binomial_saturating(lo, i) as u64;
        upper = lo;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unranking_lists_every_combination_once() {
        let (n, k) = (7u32, 3u32);
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for rank in 0..35 {
            unrank_combination(rank, n, k, &mut out);
            assert!(out.windows(2).all(|w| w[0] < w[1]), "{out:?}");
            assert!(out.iter().all(|&x| x < n));
            assert!(seen.insert(out.clone()));
        }
        assert_eq!(seen.len(), 35);
    }
}
