//! Sample complexity and scaling laws for the SRHM lab: pure functions on plain `f64`
//! slices, no I/O, no libtorch.
//!
//! - [`crossing()`]: P* of one error curve (interpolated where it falls to a threshold),
//!   or the reason it has none.
//! - [`p_star_over_seeds`]: the median P* over seeds with a bootstrap 95% interval.
//! - [`AdaptiveSearch`]: finds P* with few evaluations of a caller's training closure,
//!   for one seed ([`AdaptiveSearch::run`]) or several ([`AdaptiveSearch::run_seeds`]).
//! - [`fit_power_law`], [`collapse`], [`fit_prefactor`]: log-log fits with t intervals;
//!   [`fit_exponent_through_origin`] for ratios to a reference, [`mean_interval`] for a
//!   mean over seeds.
//! - [`predict`]: the paper's Eq. 3–5 and its thresholds.
//!
//! ```
//! use srhm_scaling::{AdaptiveSearch, crossing, fit_power_law};
//!
//! let curve = [(100.0, 0.5), (1000.0, 0.2), (10000.0, 0.02)];
//! let p_star = crossing(&curve, 0.1)?.p_star().unwrap();
//! assert!(1000.0 < p_star && p_star < 10000.0);
//!
//! // A learning curve that reaches 10% error at P = 1234.
//! let search = AdaptiveSearch { start: 10, ..AdaptiveSearch::new(0.1, 1, 1 << 20) };
//! let found = search.run(|p| Ok::<_, String>(0.1 * (p as f64 / 1234.0).powf(-0.7))).unwrap();
//! assert!((found.p_star.unwrap() / 1234.0 - 1.0).abs() < 1e-9);
//!
//! let fit = fit_power_law(&[1.0, 2.0, 4.0], &[3.0, 6.0, 12.0])?;
//! assert!((fit.slope - 1.0).abs() < 1e-12);
//! # Ok::<(), srhm_scaling::ScalingError>(())
//! ```

mod crossing;
mod error;
mod fit;
pub mod predict;
mod search;
mod seeds;

pub use crossing::{Crossing, Outcome, crossing};
pub use error::{Result, ScalingError, SearchError};
pub use fit::{
    Collapse, MeanInterval, PowerLawFit, Prefactor, collapse, fit_exponent_through_origin,
    fit_power_law, fit_prefactor, mean_interval,
};
pub use predict::{Model, Observable, c0_paper, eq3_lcn, eq4_cnn, eq5_lcn, paper_threshold};
pub use search::{AdaptiveSearch, SearchResult, SeedsSearchResult};
pub use seeds::{MedianInterval, PStarEstimate, bootstrap_median, p_star_over_seeds};
