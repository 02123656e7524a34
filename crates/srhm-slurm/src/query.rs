//! Talking to the scheduler: submit, the queue, the accounting of ended tasks, the
//! configuration. Every command inherits the environment (`SLURM_CONF` included).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::array::expand;
use crate::error::{Result, SlurmError};

/// One array task as the scheduler knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The array's job id.
    pub job: String,
    pub task: u64,
    /// Slurm's state name: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT,
    /// PREEMPTED, OUT_OF_MEMORY, NODE_FAIL, …
    pub state: String,
}

impl TaskRecord {
    /// Still to run or running: not to be submitted again.
    pub fn is_active(&self) -> bool {
        matches!(
            self.state.as_str(),
            "PENDING"
                | "RUNNING"
                | "CONFIGURING"
                | "COMPLETING"
                | "REQUEUED"
                | "REQUEUE_HOLD"
                | "REQUEUE_FED"
                | "RESIZING"
                | "SUSPENDED"
                | "STAGE_OUT"
                | "SIGNALING"
        )
    }
}

/// How long a Slurm command may take: a controller that does not answer (or a
/// missing configuration, which scontrol retries for a minute) must not hang a sweep.
const COMMAND_DEADLINE: Duration = Duration::from_secs(30);

fn run(program: &str, args: &[&str]) -> Result<String> {
    let shown = format!("{program} {}", args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| SlurmError::Missing {
            command: shown.clone(),
            source,
        })?;
    // Read both pipes on threads so a chatty command cannot block on a full pipe.
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|source| SlurmError::Missing {
            command: shown.clone(),
            source,
        })? {
            break status;
        }
        if started.elapsed() > COMMAND_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            return Err(SlurmError::Failed {
                command: shown,
                code: None,
                stderr: format!("no answer within {} s", COMMAND_DEADLINE.as_secs()),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        return Err(SlurmError::Failed {
            command: shown,
            code: status.code(),
            stderr: stderr.trim().to_string(),
        });
    }
    Ok(stdout)
}

/// Submits a script; returns the job id.
pub fn submit(script: &Path) -> Result<String> {
    let path = script.to_string_lossy();
    let out = run("sbatch", &["--parsable", &path])?;
    parse_job_id(&out).ok_or_else(|| SlurmError::Unparsable {
        command: format!("sbatch --parsable {path}"),
        output: out,
    })
}

/// `1234` or `1234;cluster` → `1234`.
pub fn parse_job_id(out: &str) -> Option<String> {
    let id = out.trim().split(';').next()?.trim();
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_digit())).then(|| id.to_string())
}

/// Array tasks of jobs named `job_name` still in the queue (pending, running, …).
pub fn queue(job_name: &str) -> Result<Vec<TaskRecord>> {
    let name = format!("--name={job_name}");
    let out = run("squeue", &["-h", "-r", &name, "-o", "%i|%T"])?;
    Ok(parse_pipe_table(&out))
}

/// `1234_5|RUNNING` lines (also `1234_[5-9%2]|PENDING`) → one record per task;
/// lines that are not array tasks are skipped.
pub fn parse_pipe_table(out: &str) -> Vec<TaskRecord> {
    let mut records = Vec::new();
    for line in out.lines() {
        let Some((id, state)) = line.trim().split_once('|') else {
            continue;
        };
        let state = state.split_whitespace().next().unwrap_or("").to_string();
        let Some((job, tasks)) = id.split_once('_') else {
            continue;
        };
        let tasks = tasks.trim_start_matches('[').trim_end_matches(']');
        // Job steps (`1234_5.batch`) repeat their task's line.
        if tasks.contains('.') {
            continue;
        }
        if let Ok(tasks) = expand(tasks) {
            records.extend(tasks.into_iter().map(|task| TaskRecord {
                job: job.to_string(),
                task,
                state: state.clone(),
            }));
        }
    }
    records
}

/// How the scheduler remembers ended tasks, when it does: `sacct` (with slurmdbd),
/// else the `jobcomp/filetxt` file named by the configuration, else `None`.
pub fn history(jobs: &[String]) -> Result<Option<Vec<TaskRecord>>> {
    if jobs.is_empty() {
        return Ok(Some(Vec::new()));
    }
    let list = jobs.join(",");
    if let Ok(out) = run(
        "sacct",
        &["-n", "-P", "-X", "-j", &list, "-o", "JobID,State"],
    ) {
        return Ok(Some(parse_pipe_table(&out)));
    }
    let config = config()?;
    if config.get("JobCompType").map(String::as_str) == Some("jobcomp/filetxt")
        && let Some(path) = config.get("JobCompLoc")
        && let Ok(text) = std::fs::read_to_string(path)
    {
        let wanted: std::collections::BTreeSet<&str> = jobs.iter().map(String::as_str).collect();
        return Ok(Some(
            parse_jobcomp(&text)
                .into_iter()
                .filter(|r| wanted.contains(r.job.as_str()))
                .collect(),
        ));
    }
    Ok(None)
}

/// Lines of a jobcomp/filetxt file (`JobId=… JobState=… ArrayJobId=… ArrayTaskId=…`)
/// → one record per array task, the last line of a task winning (a requeued task
/// ends more than once).
pub fn parse_jobcomp(text: &str) -> Vec<TaskRecord> {
    let mut last: BTreeMap<(String, u64), String> = BTreeMap::new();
    for line in text.lines() {
        let fields: BTreeMap<&str, &str> = line
            .split_whitespace()
            .filter_map(|f| f.split_once('='))
            .collect();
        let (Some(job), Some(task), Some(state)) = (
            fields.get("ArrayJobId"),
            fields
                .get("ArrayTaskId")
                .and_then(|t| t.parse::<u64>().ok()),
            fields.get("JobState"),
        ) else {
            continue;
        };
        last.insert((job.to_string(), task), state.to_string());
    }
    last.into_iter()
        .map(|((job, task), state)| TaskRecord { job, task, state })
        .collect()
}

/// `scontrol show config` as key → value.
pub fn config() -> Result<BTreeMap<String, String>> {
    let out = run("scontrol", &["show", "config"])?;
    Ok(out
        .lines()
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect())
}

/// Array task ids must stay below this (Slurm's default: 1001).
pub fn max_array_size() -> Result<u64> {
    Ok(config()?
        .get("MaxArraySize")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1001))
}

/// Cancels array tasks (`scancel JOB_TASK …`).
pub fn cancel(tasks: &[(String, u64)]) -> Result<()> {
    let ids: Vec<String> = tasks.iter().map(|(j, t)| format!("{j}_{t}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    run("scancel", &ids).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeue_and_sacct_tables() {
        let out = "12_3|RUNNING\n12_[4-6%2]|PENDING\n13|RUNNING\n12_1|CANCELLED by 0\n12_1.batch|CANCELLED\n";
        let r = parse_pipe_table(out);
        let got: Vec<(u64, &str)> = r.iter().map(|t| (t.task, t.state.as_str())).collect();
        assert_eq!(
            got,
            [
                (3, "RUNNING"),
                (4, "PENDING"),
                (5, "PENDING"),
                (6, "PENDING"),
                (1, "CANCELLED")
            ]
        );
        assert!(r[0].is_active() && !r[4].is_active());
        assert_eq!(parse_job_id("4321;cluster\n"), Some("4321".into()));
        assert_eq!(parse_job_id("Submitted batch job 4321"), None);
    }

    #[test]
    fn jobcomp_lines_keep_the_last_state_of_a_task() {
        let text = "JobId=20 UserId=root(0) Name=srhm JobState=PREEMPTED ArrayJobId=19 ArrayTaskId=1 ExitCode=0:0\n\
                    JobId=21 UserId=root(0) Name=srhm JobState=CANCELLED ArrayJobId=19 ArrayTaskId=2 ExitCode=0:0\n\
                    JobId=20 UserId=root(0) Name=srhm JobState=COMPLETED ArrayJobId=19 ArrayTaskId=1 ExitCode=0:0\n\
                    JobId=30 UserId=root(0) Name=other JobState=COMPLETED ExitCode=0:0\n";
        let r = parse_jobcomp(text);
        assert_eq!(
            r,
            [
                TaskRecord {
                    job: "19".into(),
                    task: 1,
                    state: "COMPLETED".into()
                },
                TaskRecord {
                    job: "19".into(),
                    task: 2,
                    state: "CANCELLED".into()
                },
            ]
        );
    }
}
