//! Array index lists in Slurm's syntax: `0-5,7,9-12%4`.

use crate::error::{Result, SlurmError};

/// Compresses indices (any order, repeats allowed) into Slurm's range list, e.g.
/// `[0, 1, 2, 5, 7, 8]` → `0-2,5,7-8`.
pub fn compress(indices: &[u64]) -> Result<String> {
    if indices.is_empty() {
        return Err(SlurmError::invalid("indices", "no array index to submit"));
    }
    let mut sorted = indices.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut parts = Vec::new();
    let mut start = sorted[0];
    let mut end = start;
    for &i in &sorted[1..] {
        if i == end + 1 {
            end = i;
        } else {
            parts.push(range(start, end));
            start = i;
            end = i;
        }
    }
    parts.push(range(start, end));
    Ok(parts.join(","))
}

fn range(start: u64, end: u64) -> String {
    if start == end {
        start.to_string()
    } else {
        format!("{start}-{end}")
    }
}

/// Expands a range list (`0-2,5`, optionally with a `%K` limit and `:step`) back into
/// indices.
pub fn expand(list: &str) -> Result<Vec<u64>> {
    let bad = || SlurmError::invalid("array", format!("`{list}` is not an index list"));
    let list = list.split('%').next().unwrap_or("");
    let mut out = Vec::new();
    for part in list.split(',').filter(|p| !p.is_empty()) {
        let (span, step) = match part.split_once(':') {
            Some((span, step)) => (span, step.parse::<u64>().map_err(|_| bad())?),
            None => (part, 1),
        };
        if step == 0 {
            return Err(bad());
        }
        match span.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (
                    a.parse::<u64>().map_err(|_| bad())?,
                    b.parse::<u64>().map_err(|_| bad())?,
                );
                if a > b {
                    return Err(bad());
                }
                out.extend((a..=b).step_by(step as usize));
            }
            None => out.push(span.parse().map_err(|_| bad())?),
        }
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_lists() {
        assert_eq!(compress(&[0, 1, 2, 5, 7, 8]).unwrap(), "0-2,5,7-8");
        assert_eq!(compress(&[3]).unwrap(), "3");
        assert_eq!(compress(&[9, 3, 4, 3]).unwrap(), "3-4,9");
        assert_eq!(expand("0-2,5,7-8%4").unwrap(), vec![0, 1, 2, 5, 7, 8]);
        assert_eq!(expand("0-6:3").unwrap(), vec![0, 3, 6]);
        assert_eq!(compress(&[]).unwrap_err().param(), Some("indices"));
        for bad in ["", "a", "3-1", "1-", "0-4:0"] {
            assert_eq!(expand(bad).unwrap_err().param(), Some("array"), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn expand_inverts_compress(indices in proptest::collection::vec(0u64..300, 1..80)) {
            let mut expected = indices.clone();
            expected.sort_unstable();
            expected.dedup();
            prop_assert_eq!(expand(&compress(&indices).unwrap()).unwrap(), expected);
        }
    }
}
