//! The verdict page: every figure with its PNG, its claim and its verdicts, after a
//! statement of the rules the verdicts follow (written from the constants of
//! [`crate::verdict`], so the page cannot drift from the code).

use std::fmt::Write as _;
use std::path::Path;

use crate::verdict::{MAX_EXPONENT_HALF_WIDTH, MAX_SLOPE_HALF_WIDTH, MIN_SEEDS, RATIO_FACTOR};
use crate::{FigureError, FigureReport};

/// How P* is measured and when each kind of verdict holds, for the top of the page.
fn rules() -> String {
    format!(
        "How to read the verdicts. P* of a configuration is the median over seeds of the P \
         where the seed's test error crosses 10% (log-interpolated), with a bootstrap 95% \
         interval; a configuration whose median seed does not cross inside its P grid is \
         reported as a bound (\"P* > 6912\") and left out of fits. Runs that hit their step \
         cap are not converged: they are left out of every P*, crossing and exponent, and \
         named in the notes. All intervals are 95%.\n\n\
         - **Slope 1** (P* against a prediction, Eq. 5, P* against P*_S or P*_D, Appendix \
         C): the slope of log measured against log predicted (Student t, n − 2 degrees of \
         freedom) holds when 1 is inside its interval and the half-width is ≤ \
         {MAX_SLOPE_HALF_WIDTH}; does not hold when 1 is outside an interval that narrow; \
         otherwise, or when the interval reaches 0, undecided.\n\
         - **Exponent of (s0+1)** (`exponent:lcn`, `exponent:cnn`, the paper's central \
         claim): per seed, P*_j(s0)/P*_j(0) with that seed's own crossings (same rules at \
         every s0, so nc·m^L and the prefactor cancel), fitted as (s0+1)^b through the \
         origin; the estimate is the mean of b over seeds with a Student t interval (at \
         least {MIN_SEEDS} seeds). It holds when the interval contains the model's law \
         (L for an LCN, 2 for a CNN), excludes the other law and has half-width < \
         {MAX_EXPONENT_HALF_WIDTH}; does not hold when an interval that narrow excludes \
         the model's law; otherwise undecided. At L = 2 both laws are 2: a control.\n\
         - **Gap LCN − CNN** (`exponent-gap`, the same claim paired by seed): seed j's LCN \
         ratio over its CNN ratio on the same data, fitted as (s0+1)^g; the mean gap over \
         seeds (Student t) holds when its interval contains L − 2, excludes 0 (no effect of \
         weight sharing) and has half-width < {MAX_EXPONENT_HALF_WIDTH}; does not hold when \
         an interval that narrow excludes L − 2; otherwise undecided. At L = 2: a control, \
         0 expected.\n\
         - **Ratio within a factor {RATIO_FACTOR}** (P*/P*_S, P*/P*_D): the geometric mean \
         over configurations, t interval on the log ratios; holds when the whole interval \
         lies in [1/{RATIO_FACTOR}, {RATIO_FACTOR}], does not hold when it lies wholly \
         outside, undecided otherwise.\n\
         - **Per network** (sensitivities fall, big nets): checked seed by seed; holds when \
         every one of at least {MIN_SEEDS} seeds shows it, does not hold when none does, \
         undecided with k of n, or with fewer than {MIN_SEEDS} seeds.\n\
         - **Trend** (error against sensitivity): holds when the slope's interval lies \
         above 0, does not hold below 0, undecided when it contains 0.\n"
    )
}

/// Writes `<root>/README.md`: every figure with its PNG, the claim it checks and the
/// measured verdicts (written to a temporary file, then renamed).
/// The verdict page of a preset: `README.md` for the quick preset (the lab's page),
/// `README-<preset>.md` for the others, so that drawing one preset never overwrites
/// another's page.
pub fn index_file(preset: &str) -> String {
    if preset == "quick" {
        "README.md".into()
    } else {
        format!("README-{preset}.md")
    }
}

pub fn write_index(
    root: &Path,
    preset: &str,
    reports: &[FigureReport],
    command: &str,
) -> Result<(), FigureError> {
    let mut page = String::new();
    let _ = writeln!(page, "# Paper figures: preset `{preset}`\n");
    let _ = writeln!(
        page,
        "Regenerate with `{command}`. Each figure is drawn from the results store under \
         `paper-figures/<figure>/` (one Parquet file per run in `runs/`, all of them merged in \
         `runs.parquet`); `--plot-only` redraws without training.\n"
    );
    let _ = writeln!(page, "{}", rules());
    let count = |holds: Option<bool>| {
        reports
            .iter()
            .flat_map(|r| &r.verdicts)
            .filter(|v| v.holds == holds)
            .count()
    };
    let total = reports.iter().map(|r| r.verdicts.len()).sum::<usize>();
    let _ = writeln!(
        page,
        "**{} of {total} checks hold, {} do not hold, {} are undecided.**\n",
        count(Some(true)),
        count(Some(false)),
        count(None)
    );
    for report in reports {
        let _ = writeln!(page, "## {}\n", report.title);
        let _ = writeln!(page, "Claim: {}\n", report.claim.replace('\n', " "));
        if let Some(png) = &report.png {
            let _ = writeln!(page, "![{}]({})\n", report.figure, png.display());
        }
        for v in &report.verdicts {
            let mark = match v.holds {
                Some(true) => "✅ holds",
                Some(false) => "❌ does not hold",
                None => "⚠️ undecided",
            };
            let _ = writeln!(page, "- {mark}: {} — {}", v.claim, v.measured);
        }
        let _ = writeln!(page, "- drawn from {} runs", report.runs);
        for note in &report.notes {
            let _ = writeln!(page, "- note: {note}");
        }
        let _ = writeln!(page);
    }
    let name = index_file(preset);
    let path = root.join(&name);
    let temp = root.join(format!(".{name}.tmp"));
    let io = |source| FigureError::Io {
        path: path.clone(),
        source,
    };
    std::fs::write(&temp, page).map_err(io)?;
    std::fs::rename(&temp, &path).map_err(io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Config, FACTORS, grid, jitter, learning_curve};
    use crate::{FigureInput, build};

    /// LCN and CNN at L = 3 over s0 = 0..=2 and 5 seeds, both planted with Eq. 3's
    /// (s0+1)^3: the LCN's exponent check holds, the CNN's does not, and the page says so
    /// under rules that quote the code's limits.
    #[test]
    fn the_page_states_the_rules_and_the_verdicts() {
        let mut rows = Vec::new();
        for model in ["lcn", "cnn"] {
            for vocab in [3u32, 4] {
                for s0 in 0..=2u32 {
                    let centre = f64::from(vocab).powi(4) * f64::from(s0 + 1).powi(3);
                    for seed in 0..5 {
                        let p_star = centre * (0.03 * jitter(seed, s0.into())).exp();
                        let config = Config::new(model, 3, s0, vocab);
                        rows.extend(learning_curve(
                            config,
                            seed as i64,
                            p_star,
                            &grid(centre, &FACTORS),
                        ));
                    }
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let panels: Vec<String> = ["curves:lcn", "pstar:lcn", "exponent:lcn", "exponent:cnn"]
            .map(String::from)
            .to_vec();
        let report = build(&FigureInput {
            figure: "fig04",
            title: "Fig. 4",
            claim: "Eq. 3 and Eq. 4",
            preset: "test",
            rows: &rows,
            root: dir.path(),
            panels: &panels,
        })
        .unwrap();
        assert!(dir.path().join(report.png.as_ref().unwrap()).exists());
        let exponents: Vec<Option<bool>> = report
            .verdicts
            .iter()
            .filter(|v| v.claim.contains("P*(s0)/P*(0)"))
            .map(|v| v.holds)
            .collect();
        assert_eq!(
            exponents,
            [Some(true), Some(true), Some(false), Some(false)]
        );
        write_index(dir.path(), "test", &[report], "cargo xtask figures").unwrap();
        let page = std::fs::read_to_string(dir.path().join("README-test.md")).unwrap();
        assert!(
            !dir.path().join("README.md").exists(),
            "only the quick page is README.md"
        );
        assert!(page.contains("half-width is ≤ 0.35"), "{page}");
        assert!(page.contains("half-width < 0.4"), "{page}");
        assert!(page.contains("at least 3 seeds"), "{page}");
        assert!(page.contains("[1/2, 2]"), "{page}");
        assert!(page.contains("checks hold, 2 do not hold"), "{page}");
    }
}
