use std::fmt::Write as _;
use std::path::Path;

use crate::{FigureError, FigureReport};

/// Writes `<root>/README.md`: every figure with its PNG, the claim it checks and the
/// measured verdicts (written to a temporary file, then renamed).
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
         `runs.parquet`); `--plot-only` redraws without training. A claim \"holds\" when the \
         fitted slope of log measured against log predicted has 1 inside its 95% interval \
         (t-distribution), P* being the median over seeds of the P where the curve crosses its \
         threshold (log-interpolated), with a bootstrap 95% interval.\n"
    );
    let held = reports
        .iter()
        .flat_map(|r| &r.verdicts)
        .filter(|v| v.holds == Some(true))
        .count();
    let total = reports.iter().map(|r| r.verdicts.len()).sum::<usize>();
    let _ = writeln!(page, "**{held} of {total} checks hold.**\n");
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
    let path = root.join("README.md");
    let temp = root.join(".README.md.tmp");
    let io = |source| FigureError::Io {
        path: path.clone(),
        source,
    };
    std::fs::write(&temp, page).map_err(io)?;
    std::fs::rename(&temp, &path).map_err(io)?;
    Ok(())
}
