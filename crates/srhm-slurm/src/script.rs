//! The sbatch script of a job array whose task i runs `argv… (i + offset)`.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::array::compress;
use crate::error::{Result, SlurmError};

/// What the scheduler is asked for. `None` leaves the cluster's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SbatchOptions {
    /// No whitespace: it is how this array's tasks are found in the queue.
    pub job_name: String,
    pub partition: Option<String>,
    /// Per task, in a Slurm time format: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`,
    /// `D-HH:MM:SS`.
    pub time: Option<String>,
    pub gpus_per_task: Option<u32>,
    pub cpus_per_task: Option<u32>,
    /// Memory per node, e.g. `8G`.
    pub mem: Option<String>,
    /// At most this many tasks at once (`%K`).
    pub max_concurrent: Option<u32>,
    /// Log file pattern of every task, e.g. `/store/fig04/slurm/%A_%a.out`.
    pub output: String,
    /// Further `#SBATCH` arguments as given, e.g. `--account=abc`.
    pub extra: Vec<String>,
}

impl SbatchOptions {
    pub fn validate(&self) -> Result<()> {
        let word = |param: &'static str, value: &str| {
            if value.is_empty() || value.chars().any(char::is_whitespace) {
                Err(SlurmError::invalid(
                    param,
                    format!("`{value}` must be one word, not empty"),
                ))
            } else {
                Ok(())
            }
        };
        word("job_name", &self.job_name)?;
        word("output", &self.output)?;
        if let Some(p) = &self.partition {
            word("partition", p)?;
        }
        if let Some(m) = &self.mem {
            word("mem", m)?;
        }
        if let Some(t) = &self.time
            && !is_time(t)
        {
            return Err(SlurmError::invalid(
                "time",
                format!(
                    "`{t}` is not a Slurm time (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS)"
                ),
            ));
        }
        for (param, value) in [
            ("cpus_per_task", self.cpus_per_task),
            ("max_concurrent", self.max_concurrent),
        ] {
            if value == Some(0) {
                return Err(SlurmError::invalid(param, "must be at least 1"));
            }
        }
        for e in &self.extra {
            if !e.starts_with('-') || e.contains('\n') {
                return Err(SlurmError::invalid(
                    "extra",
                    format!("`{e}` is not an sbatch option"),
                ));
            }
        }
        Ok(())
    }
}

fn is_time(t: &str) -> bool {
    let numbers = |s: &str, max_parts: usize| {
        let parts: Vec<&str> = s.split(':').collect();
        parts.len() <= max_parts
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    };
    match t.split_once('-') {
        Some((days, rest)) => {
            !days.is_empty() && days.chars().all(|c| c.is_ascii_digit()) && numbers(rest, 3)
        }
        None => numbers(t, 3),
    }
}

/// Quotes one shell word.
pub fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The sbatch script of an array over `task_ids`; task i runs `argv` followed by the
/// index i + `offset` (arrays are limited to ids below the cluster's MaxArraySize, so
/// large index ranges are submitted as several arrays with offsets). Threads of
/// OpenMP/MKL default to the CPUs granted, so tasks sharing a node do not oversubscribe it.
pub fn render(
    options: &SbatchOptions,
    task_ids: &[u64],
    offset: u64,
    argv: &[String],
) -> Result<String> {
    options.validate()?;
    if argv.is_empty() {
        return Err(SlurmError::invalid("argv", "no command to run"));
    }
    let mut array = compress(task_ids)?;
    if let Some(k) = options.max_concurrent {
        array += &format!("%{k}");
    }
    let mut s = String::from("#!/bin/bash\n");
    let mut directive = |text: String| writeln!(s, "#SBATCH {text}").expect("writing to a String");
    directive(format!("--job-name={}", options.job_name));
    directive(format!("--array={array}"));
    directive(format!("--output={}", options.output));
    directive("--ntasks=1".into());
    // Preempted tasks go back to the queue rather than failing.
    directive("--requeue".into());
    if let Some(p) = &options.partition {
        directive(format!("--partition={p}"));
    }
    if let Some(t) = &options.time {
        directive(format!("--time={t}"));
    }
    if let Some(g) = options.gpus_per_task.filter(|&g| g > 0) {
        directive(format!("--gpus-per-task={g}"));
    }
    if let Some(c) = options.cpus_per_task {
        directive(format!("--cpus-per-task={c}"));
    }
    if let Some(m) = &options.mem {
        directive(format!("--mem={m}"));
    }
    for e in &options.extra {
        directive(e.clone());
    }
    s.push_str("set -euo pipefail\n");
    s.push_str("export OMP_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\" MKL_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n");
    s.push_str(&format!("index=$((SLURM_ARRAY_TASK_ID + {offset}))\n"));
    s.push_str("echo \"task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}: index $index on $(hostname) at $(date -Is)\"\n");
    let words: Vec<String> = argv.iter().map(|w| shell_quote(w)).collect();
    s.push_str(&format!("exec {} \"$index\"\n", words.join(" ")));
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> SbatchOptions {
        SbatchOptions {
            job_name: "srhm-fig04-paper".into(),
            output: "/store/fig04/slurm/%A_%a.out".into(),
            ..SbatchOptions::default()
        }
    }

    #[test]
    fn a_script_has_every_directive_asked_for() {
        let o = SbatchOptions {
            partition: Some("gpu".into()),
            time: Some("1-02:00:00".into()),
            gpus_per_task: Some(1),
            cpus_per_task: Some(4),
            max_concurrent: Some(8),
            extra: vec!["--account=lab".into()],
            ..options()
        };
        let argv: Vec<String> = ["/opt/srhm", "run", "--spec", "/a b/fig04.toml", "--index"]
            .map(String::from)
            .to_vec();
        let s = render(&o, &[0, 1, 2, 7], 1000, &argv).unwrap();
        for line in [
            "#SBATCH --array=0-2,7%8",
            "#SBATCH --job-name=srhm-fig04-paper",
            "#SBATCH --partition=gpu",
            "#SBATCH --time=1-02:00:00",
            "#SBATCH --gpus-per-task=1",
            "#SBATCH --cpus-per-task=4",
            "#SBATCH --account=lab",
            "#SBATCH --output=/store/fig04/slurm/%A_%a.out",
            "index=$((SLURM_ARRAY_TASK_ID + 1000))",
            "exec /opt/srhm run --spec '/a b/fig04.toml' --index \"$index\"",
        ] {
            assert!(s.lines().any(|l| l == line), "no `{line}` in\n{s}");
        }
        assert!(s.starts_with("#!/bin/bash\n"));
    }

    #[test]
    fn bad_options_are_refused_by_name() {
        let argv = vec!["srhm".to_string()];
        let cases: Vec<(SbatchOptions, &str)> = vec![
            (
                SbatchOptions {
                    job_name: "a b".into(),
                    ..options()
                },
                "job_name",
            ),
            (
                SbatchOptions {
                    time: Some("1h".into()),
                    ..options()
                },
                "time",
            ),
            (
                SbatchOptions {
                    time: Some("1-".into()),
                    ..options()
                },
                "time",
            ),
            (
                SbatchOptions {
                    partition: Some(String::new()),
                    ..options()
                },
                "partition",
            ),
            (
                SbatchOptions {
                    max_concurrent: Some(0),
                    ..options()
                },
                "max_concurrent",
            ),
            (
                SbatchOptions {
                    cpus_per_task: Some(0),
                    ..options()
                },
                "cpus_per_task",
            ),
            (
                SbatchOptions {
                    extra: vec!["account=x".into()],
                    ..options()
                },
                "extra",
            ),
        ];
        for (o, param) in cases {
            assert_eq!(render(&o, &[0], 0, &argv).unwrap_err().param(), Some(param));
        }
        assert_eq!(
            render(&options(), &[], 0, &argv).unwrap_err().param(),
            Some("indices")
        );
        assert_eq!(
            render(&options(), &[0], 0, &[]).unwrap_err().param(),
            Some("argv")
        );
        for good in ["30", "30:00", "12:00:00", "2-0", "2-12:30", "2-12:30:00"] {
            assert!(is_time(good), "{good}");
        }
    }

    #[test]
    fn quoting_survives_the_shell() {
        for word in ["plain", "with space", "it's", "$HOME", "a\"b", ""] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", shell_quote(word)))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), word);
        }
    }
}
