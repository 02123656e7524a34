//! The adaptive P* search of `srhm pstar`: train seeds at the P the search asks for until
//! the observable's crossing is bracketed to the requested precision.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use srhm_grammar::{Params, Rules, Sampler, SamplingMode};
use srhm_models::tch::Device;
use srhm_models::{Architecture, MemberSpec, NetConfig, TrainConfig, test_errors, train_ensemble};
use srhm_scaling::{AdaptiveSearch, Model, Observable, SearchError, SeedsSearchResult, predict};

use crate::error::{Result, RunnerError};
use crate::inputs::InputFormat;
use crate::sensitivity::{Representation, SensitivityConfig, sensitivities};

/// Everything a P* search trains: the data model and its seeds, the network, how to
/// train it, which observable must fall below which threshold, and the search bounds.
#[derive(Debug, Clone)]
pub struct PStarConfig {
    pub params: Params,
    pub rules_seed: u64,
    pub sample_seed: u64,
    pub sampling: SamplingMode,
    pub format: InputFormat,
    /// The network; its parametrisation and width are kept, its sizes follow `params`.
    pub net: NetConfig,
    pub train: TrainConfig,
    /// One network seed per replica; P* is their median with a bootstrap interval.
    pub seeds: Vec<u64>,
    /// Test inputs for the error or the sensitivities (the same at every P).
    pub test: usize,
    pub observable: Observable,
    pub search: AdaptiveSearch,
    pub sensitivity: SensitivityConfig,
    pub device: Device,
    pub bootstrap_resamples: usize,
}

/// One P the search trained at: the observable of every seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedPoint {
    pub p: u64,
    pub values: Vec<f64>,
    pub steps: Vec<u64>,
    pub hit_step_cap: Vec<bool>,
    pub wall_s: f64,
}

/// What a P* search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PStarReport {
    pub result: SeedsSearchResult,
    pub points: Vec<TrainedPoint>,
    pub wall_s: f64,
}

/// The architecture as srhm-scaling names it.
pub fn scaling_model(architecture: Architecture) -> Model {
    match architecture {
        Architecture::Lcn => Model::Lcn,
        Architecture::Cnn => Model::Cnn,
        Architecture::Fcn => Model::Fcn,
    }
}

/// The paper's prediction of P* for this network and data: Eq. 4 (C1 = 1) for the
/// CNN, Eq. 3 with C0 = s^(L/2) for the LCN and the FCN (the paper compares the FCN
/// with the LCN's law).
pub fn predicted_p_star(architecture: Architecture, params: &Params) -> Result<f64> {
    predict::paper_prediction(
        scaling_model(architecture),
        params.levels,
        params.patch,
        params.s0(),
        params.synonyms,
        params.classes,
    )
    .map_err(|e| RunnerError::invalid("params", e.to_string()))
}

/// Searches P* adaptively: at each P it trains one network per seed on the first P
/// training data (nested as P grows; the test set never changes) and measures the
/// observable; bisection in log P stops at the requested precision. `progress` hears
/// of every trained point.
pub fn search_p_star(
    config: &PStarConfig,
    progress: &mut dyn FnMut(&TrainedPoint),
) -> Result<PStarReport> {
    if config.seeds.is_empty() {
        return Err(RunnerError::invalid("seeds", "needs at least one seed"));
    }
    if matches!(config.observable, Observable::S2 | Observable::D2) && config.params.levels < 2 {
        return Err(RunnerError::invalid(
            "observable",
            "S2 and D2 are measured on hidden layer 2: they need L ≥ 2",
        ));
    }
    let started = Instant::now();
    let params = config.params;
    let rules = Rules::sample(&params, config.rules_seed)?;
    let sampler = Sampler::new(&rules, config.sample_seed, config.sampling)?;
    let mut points = Vec::new();
    let result = config.search.run_seeds(
        config.bootstrap_resamples,
        config.sample_seed,
        |p| -> Result<Vec<f64>> {
            let point = train_at(config, &rules, &sampler, p)?;
            progress(&point);
            let values = point.values.clone();
            points.push(point);
            Ok(values)
        },
    );
    let result = result.map_err(|e| match e {
        SearchError::Evaluation { source, .. } => source,
        SearchError::Invalid(e) => RunnerError::Scaling(e),
    })?;
    Ok(PStarReport {
        result,
        points,
        wall_s: started.elapsed().as_secs_f64(),
    })
}

fn train_at(
    config: &PStarConfig,
    rules: &Rules,
    sampler: &Sampler,
    p: u64,
) -> Result<TrainedPoint> {
    let started = Instant::now();
    let params = rules.params();
    let data = sampler.sample(p as usize, config.test)?;
    let format = config.format;
    let train = format.labelled(
        data.train.tokens.view(),
        &data.train.labels,
        params,
        config.device,
    )?;
    let test = format.labelled(
        data.test.tokens.view(),
        &data.test.labels,
        params,
        config.device,
    )?;
    let members: Vec<MemberSpec> = config
        .seeds
        .iter()
        .map(|&seed| MemberSpec {
            seed,
            set: 0,
            train_size: p as usize,
        })
        .collect();
    let (ensemble, results) = train_ensemble(
        config.net,
        &config.train,
        &members,
        &[train],
        None,
        config.device,
        &mut |_| {},
    )?;
    let values = match config.observable {
        Observable::Error => test_errors(&ensemble, &test)?,
        Observable::S2 | Observable::D2 => {
            let measured =
                sensitivities(&ensemble, rules, &data.test, format, &config.sensitivity)?;
            measured
                .iter()
                .map(|member| {
                    let entry = member
                        .iter()
                        .find(|e| e.representation == Representation::Hidden(2) && e.level == 1)
                        .expect("L ≥ 2 has S_{2,1}");
                    let estimate = match config.observable {
                        Observable::S2 => entry.s,
                        _ => entry.d,
                    };
                    estimate
                        .map(|e| e.value)
                        .ok_or_else(|| RunnerError::invalid("observable", entry.notes.join("; ")))
                })
                .collect::<Result<Vec<f64>>>()?
        }
    };
    Ok(TrainedPoint {
        p,
        values,
        steps: results.iter().map(|r| r.steps).collect(),
        hit_step_cap: results.iter().map(|r| r.hit_step_cap).collect(),
        wall_s: started.elapsed().as_secs_f64(),
    })
}
