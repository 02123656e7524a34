//! `srhm`: the command line of SRHM lab.

mod args;
mod figures;
mod generate;
mod pstar;
mod run;
mod sweep;
mod train;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use srhm_grammar::GrammarError;
use srhm_models::ModelError;
use srhm_store::StoreError;
use srhm_transforms::TransformError;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(
    name = "srhm",
    version,
    about = "Sparse Random Hierarchy Model lab",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sample a training and a test set and write them to a Parquet file.
    Generate(generate::GenerateArgs),
    /// Print the sizes and exact counts of a generative model as JSON.
    Info(generate::InfoArgs),
    /// Train LCN/CNN/FCN networks (several at once as an ensemble); one JSON line each.
    Train(Box<train::TrainArgs>),
    /// Find the sample complexity P* by training at adaptively chosen P; one JSON line.
    Pstar(Box<pstar::PStarArgs>),
    /// Run a figure's spec (or one run of it) into its resumable store.
    Run(run::RunArgs),
    /// Run the figures' specs (resumable), draw every figure and write paper-figures/README.md.
    Figures(figures::FiguresArgs),
    /// A figure's runs on a Slurm cluster: submit job arrays (--slurm) or report (--status).
    Sweep(Box<sweep::SweepArgs>),
}

/// Errors a user can fix by changing the command line; they exit with code 2.
/// Library errors that name a parameter are shown with the flag that sets it.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("{}", with_flag(.0, .0.param()))]
    Grammar(#[from] GrammarError),
    #[error("{}", with_flag(.0, .0.param()))]
    Transform(#[from] TransformError),
    #[error("{0}")]
    File(StoreError),
    #[error("{}", with_flag(.0, .0.param()))]
    Model(#[from] ModelError),
    #[error("{}", with_flag(.0, .0.param()))]
    Runner(srhm_runner::RunnerError),
    /// Flags that do not go together, or a value out of range, described in full.
    #[error("{0}")]
    Conflict(String),
}

fn with_flag(error: &dyn std::fmt::Display, param: Option<&str>) -> String {
    match param {
        Some(param) => format!("{error} (flag {})", args::flag_of(param)),
        None => error.to_string(),
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("SRHM_LOG").unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => {
            // --help and --version: print as clap formats them.
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            // Bad input is reported on one line: clap's first paragraph (the message and
            // e.g. the missing flags listed under it), joined.
            let rendered = error.render().to_string();
            let first: Vec<&str> = rendered
                .lines()
                .skip_while(|l| l.trim().is_empty())
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let first = if first.is_empty() {
                "invalid arguments".to_string()
            } else {
                first.join(" ")
            };
            eprintln!("{first} (see `srhm --help`)");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Generate(args) => generate::run(&args),
        Command::Info(args) => generate::info(&args),
        Command::Train(args) => train::run(&args),
        Command::Pstar(args) => pstar::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Figures(args) => figures::run(&args),
        Command::Sweep(args) => sweep::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let code = if error.downcast_ref::<UsageError>().is_some() {
                2
            } else {
                1
            };
            // One line: the chain of causes joined, as a user reads it.
            eprintln!("error: {}", format!("{error:#}").replace('\n', " "));
            ExitCode::from(code)
        }
    }
}
