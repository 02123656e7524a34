//! The sample complexities predicted by Tomasini & Wyart (ICML 2024) for the SRHM with
//! L levels, patch s, s0 blanks per informative child, m synonyms and nc classes.
//!
//! The paper predicts scalings, not constants: every prediction here is up to a prefactor
//! (C0 or C1, passed in, or none at all for Eq. 5) to be fitted with
//! [`crate::fit_prefactor`] or tested with [`crate::collapse`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Result, ScalingError};

/// The three architectures of the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Locally connected network.
    Lcn,
    /// Convolutional network.
    Cnn,
    /// Fully connected network.
    Fcn,
}

/// What P* is measured on: the test error (P*), or the sensitivities S_2 (synonyms, P*_S)
/// and D_2 (diffeomorphisms, P*_D) at the second level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Observable {
    Error,
    #[serde(alias = "S2")]
    S2,
    #[serde(alias = "D2")]
    D2,
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Model::Lcn => "lcn",
            Model::Cnn => "cnn",
            Model::Fcn => "fcn",
        })
    }
}

impl FromStr for Model {
    type Err = ScalingError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "lcn" => Ok(Model::Lcn),
            "cnn" => Ok(Model::Cnn),
            "fcn" => Ok(Model::Fcn),
            _ => Err(ScalingError::invalid(
                "model",
                format!("unknown model `{s}`; expected lcn, cnn or fcn"),
            )),
        }
    }
}

/// Written as in the paper: `error`, `S2`, `D2`.
impl fmt::Display for Observable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Observable::Error => "error",
            Observable::S2 => "S2",
            Observable::D2 => "D2",
        })
    }
}

impl FromStr for Observable {
    type Err = ScalingError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Ok(Observable::Error),
            "s2" => Ok(Observable::S2),
            "d2" => Ok(Observable::D2),
            _ => Err(ScalingError::invalid(
                "observable",
                format!("unknown observable `{s}`; expected error, S2 or D2"),
            )),
        }
    }
}

/// C0 ~ s^(L/2): the paper's estimate of the LCN's prefactor, from the number of
/// weights that must see each patch.
pub fn c0_paper(patch: u32, levels: u32) -> Result<f64> {
    at_least("patch", patch, 1)?;
    at_least("levels", levels, 1)?;
    Ok(f64::from(patch).powf(f64::from(levels) / 2.0))
}

/// Eq. 3, the LCN: P* = C0 · (s0+1)^L · nc · m^L. Without weight sharing every one of
/// the (s0+1)^L positions of an informative path must be learned separately, hence the
/// full power of the sparsity factor. (s enters only through `c0`: see [`c0_paper`].)
pub fn eq3_lcn(levels: u32, s0: u32, synonyms: u32, classes: u32, c0: f64) -> Result<f64> {
    check_shape(levels, synonyms, classes)?;
    positive("c0", c0)?;
    let l = f64::from(levels);
    Ok(c0 * (f64::from(s0) + 1.0).powf(l) * f64::from(classes) * f64::from(synonyms).powf(l))
}

/// Eq. 4, the CNN: P* = C1 · (s0+1)² · nc · m^L. Weight sharing makes a feature learned
/// at one position known at all, so the sparsity cost no longer grows with depth.
pub fn eq4_cnn(levels: u32, s0: u32, synonyms: u32, classes: u32, c1: f64) -> Result<f64> {
    check_shape(levels, synonyms, classes)?;
    positive("c1", c1)?;
    Ok(c1
        * (f64::from(s0) + 1.0).powi(2)
        * f64::from(classes)
        * f64::from(synonyms).powf(f64::from(levels)))
}

/// Eq. 5, the LCN in terms of the input dimension d = (s(s0+1))^L and the informative
/// fraction F = (s0+1)^(−L): P* ~ F^(ln m/ln s − 1/2) · d^(ln m/ln s + 1/2), which is
/// Eq. 3 with C0 = s^(L/2) rewritten, up to a constant (the factor nc is dropped). It
/// shows that sparser data (smaller F) at fixed d are *easier*.
pub fn eq5_lcn(d: f64, f: f64, synonyms: u32, patch: u32) -> Result<f64> {
    positive("d", d)?;
    if !(f.is_finite() && f > 0.0 && f <= 1.0) {
        return Err(ScalingError::invalid(
            "f",
            format!("the informative fraction must be in (0, 1], got {f}"),
        ));
    }
    at_least("synonyms", synonyms, 1)?;
    // ln s is a denominator.
    at_least("patch", patch, 2)?;
    let ratio = f64::from(synonyms).ln() / f64::from(patch).ln();
    Ok(f.powf(ratio - 0.5) * d.powf(ratio + 0.5))
}

/// The threshold the paper used to read P* off each observable's curve.
///
/// The thresholds are the paper's choices per figure, not a principle: a sensitivity's
/// plateau value depends on the architecture and on (L, s), so the level at which it is
/// "learned" is set per case. Error: 10%. S2: LCN and FCN 0.30 for s = 2 and 0.50 for
/// s = 3 (Fig. 11, LCN; the FCN is assumed to follow the LCN), CNN 0.40 for L = 2, s = 2,
/// 0.50 for L = 2, s = 3, and 0.20 for L = 3. D2: LCN and FCN 0.10, CNN 0.20. Cases the
/// paper did not run are errors naming the parameter out of range.
/// The paper's prediction of P* for `model`: Eq. 4 with C1 = 1 for the CNN, Eq. 3 with
/// C0 = s^(L/2) for the LCN and the FCN (the paper compares the FCN with the LCN's law).
pub fn paper_prediction(
    model: Model,
    levels: u32,
    patch: u32,
    s0: u32,
    synonyms: u32,
    classes: u32,
) -> Result<f64> {
    match model {
        Model::Cnn => eq4_cnn(levels, s0, synonyms, classes, 1.0),
        Model::Lcn | Model::Fcn => {
            c0_paper(patch, levels).and_then(|c0| eq3_lcn(levels, s0, synonyms, classes, c0))
        }
    }
}

pub fn paper_threshold(
    observable: Observable,
    model: Model,
    levels: u32,
    patch: u32,
) -> Result<f64> {
    at_least("levels", levels, 1)?;
    at_least("patch", patch, 2)?;
    let no_threshold = |param: &'static str| {
        Err(ScalingError::invalid(
            param,
            format!(
                "the paper gives no {observable} threshold for {model} with L = {levels}, s = {patch}"
            ),
        ))
    };
    match (observable, model) {
        (Observable::Error, _) => Ok(0.10),
        (Observable::D2, Model::Lcn | Model::Fcn) => Ok(0.10),
        (Observable::D2, Model::Cnn) => Ok(0.20),
        (Observable::S2, Model::Lcn | Model::Fcn) => match patch {
            2 => Ok(0.30),
            3 => Ok(0.50),
            _ => no_threshold("patch"),
        },
        (Observable::S2, Model::Cnn) => match (levels, patch) {
            (2, 2) => Ok(0.40),
            (2, 3) => Ok(0.50),
            (2, _) => no_threshold("patch"),
            (3, _) => Ok(0.20),
            _ => no_threshold("levels"),
        },
    }
}

fn check_shape(levels: u32, synonyms: u32, classes: u32) -> Result<()> {
    at_least("levels", levels, 1)?;
    at_least("synonyms", synonyms, 1)?;
    at_least("classes", classes, 1)
}

fn at_least(param: &'static str, value: u32, min: u32) -> Result<()> {
    if value < min {
        return Err(ScalingError::invalid(
            param,
            format!("must be at least {min}, got {value}"),
        ));
    }
    Ok(())
}

fn positive(param: &'static str, value: f64) -> Result<()> {
    if !(value.is_finite() && value > 0.0) {
        return Err(ScalingError::invalid(
            param,
            format!("must be finite and > 0, got {value}"),
        ));
    }
    Ok(())
}
