//! Runs of the one-step analysis (Appendix C): no network, only the first gradient
//! step's update from P data against its exact expectation.

use std::time::Instant;

use srhm_grammar::{Rules, Sampler, SamplingMode};
use srhm_metrics::{PopulationUpdate, UpdateCounts, measure_update};
use srhm_store::{Record, Value};

use crate::error::{Result, RunnerError};
use crate::execute::identity_columns;
use crate::spec::{Experiment, Run};

/// Measures one-step runs that share their data model and seed (P may differ): seed
/// j's rules, the first P data of seed j's stream drawn with replacement (independent
/// data, as the expectation assumes), the update's signal, noise and the noise expected
/// at this P. One pass over the largest P serves every smaller one: a seed's curve is
/// one growing sample, as when the runs are done one by one.
pub fn one_step_records(runs: &[(usize, Run)], figure: &str) -> Result<Vec<Record>> {
    let Some((_, first)) = runs.first() else {
        return Ok(Vec::new());
    };
    if let Some((_, odd)) = runs.iter().find(|(_, r)| {
        r.experiment != Experiment::OneStep || r.params != first.params || r.seed != first.seed
    }) {
        return Err(RunnerError::invalid(
            "runs",
            format!(
                "run {} is not a one-step run of the data model and seed of run {}",
                odd.hash(),
                first.hash()
            ),
        ));
    }
    let started = Instant::now();
    let params = first.params;
    let rules = Rules::sample(&params, first.seed)?;
    let population = PopulationUpdate::exact(&rules)?;
    let sampler = Sampler::new(&rules, first.seed, SamplingMode::Replacement)?;
    let mut counts = UpdateCounts::new(&params)?;
    let mut tokens = vec![0; params.input_len()];
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by_key(|&i| runs[i].1.p);
    let mut records = vec![Record::new(); runs.len()];
    for i in order {
        let (index, run) = &runs[i];
        while counts.data() < run.p {
            let datum = sampler.datum(counts.data())?;
            datum.write_tokens(&rules, &mut tokens);
            counts.add(datum.label(), &tokens)?;
        }
        let measured = measure_update(&population, &counts)?;
        let mut record = identity_columns(run, *index, figure, "one-step");
        let mut put = |k: &str, v: f64| {
            record.insert(k.to_string(), Value::Float(v));
        };
        put("signal", measured.signal);
        put("noise", measured.noise);
        put("expected_noise", measured.expected_noise);
        put("noise_to_signal", measured.noise_to_signal());
        put(
            "expected_noise_to_signal",
            measured.expected_noise / measured.signal,
        );
        put("variance_per_datum", population.variance_per_datum());
        put("wall_s", started.elapsed().as_secs_f64());
        record.insert("experiment".into(), Value::Text("one-step".into()));
        record.insert("device".into(), Value::Text("cpu".into()));
        records[i] = record;
    }
    Ok(records)
}
