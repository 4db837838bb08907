//! `kenyon bench --network coba|cuba|brunel`: a benchmark network (the Vogels-Abbott
//! networks of Brette et al. 2007, Brunel's 2000 model A) timed per biological second on
//! each backend, the figure simulators are compared by (`benches/peers/brian2_*.py` time
//! Brian2 the same way).

use std::time::Instant;

use anyhow::{Context, Result, bail};
use kenyon::networks::{self, BenchmarkNetwork};
use kenyon::{SimConfig, Simulator};

use crate::bench::{BenchArgs, backends};

/// Times `net` as `args` asks: for each backend, the median of `--repeat` runs of
/// `--seconds` of model time from the initial state (after a 100 ms warm-up run).
pub(crate) fn bench(args: &BenchArgs, net: &BenchmarkNetwork) -> Result<()> {
    if args.batch.iter().any(|&b| b != 1) {
        bail!(
            "--network {}: the benchmark networks are timed at batch size 1 only",
            net.name.to_lowercase()
        );
    }
    let steps = args.seconds() * 1000.0 / networks::DT;
    if !(steps >= 1.0 && steps <= f64::from(u32::MAX)) {
        let most = f64::from(u32::MAX) * networks::DT / 1000.0;
        bail!(
            "--seconds {}: give from one timestep ({} s) to {most:.0} s of model time",
            args.seconds(),
            networks::DT / 1000.0
        );
    }
    let steps = steps.round() as u32;
    let started = Instant::now();
    let built = net
        .network
        .build(args.seed)
        .with_context(|| format!("building the {} network", net.name))?;
    let synapses: usize = built
        .synapse_groups
        .iter()
        .map(|s| s.connectivity.len())
        .sum();
    println!(
        "{} network ({}): {} neurons, {synapses} synapses (built in {:.2} s), seed {}, {} ms of \
         model time per run; wall-clock time from the first timestep to the last spike \
         decoded, median of {} runs after a warm-up run",
        net.name,
        net.source,
        net.sizes.iter().sum::<u32>(),
        started.elapsed().as_secs_f64(),
        args.seed,
        f64::from(steps) * networks::DT,
        args.repeat
    );
    println!(
        "{:<64} {:>12} {:>10} {:>7} {:>9} {:>9}",
        "backend", "s/bio-s", "x realtime", "load s", "exc Hz", "inh Hz"
    );
    for backend in backends(args) {
        let config = SimConfig {
            recording_steps: networks::RECORDING_CHUNK,
            batch_size: 1,
            threads: args.source.threads,
        };
        let loading = Instant::now();
        let mut sim = kenyon::load(
            &built,
            backend.into(),
            args.source.adapter.as_deref(),
            config,
        )
        .with_context(|| format!("loading the {} network", net.name))?;
        let load_secs = loading.elapsed().as_secs_f64();
        let (secs, rates) = time(sim.as_mut(), net, steps, args.repeat)?;
        let per_bio_second = secs / (f64::from(steps) * networks::DT / 1000.0);
        println!(
            "{:<64} {:>12.4} {:>10.2} {:>7.2} {:>9.2} {:>9.2}",
            sim.description(),
            per_bio_second,
            1.0 / per_bio_second,
            load_secs,
            rates[0],
            rates[1]
        );
    }
    println!("s/bio-s: wall-clock seconds per second of model time");
    Ok(())
}

/// The median wall-clock time of `repeat` runs of `steps` from the initial state, and
/// the excitatory and inhibitory mean rates (Hz) of the last.
fn time(
    sim: &mut dyn Simulator,
    net: &BenchmarkNetwork,
    steps: u32,
    repeat: u32,
) -> Result<(f64, [f64; 2])> {
    // The warm-up: first-touch allocation, and on a GPU the pipelines' first use.
    networks::simulate(sim, net, steps.min(networks::RECORDING_CHUNK))?;
    let mut times = Vec::new();
    let mut rates = [0.0; 2];
    for _ in 0..repeat {
        sim.reset()?;
        let started = Instant::now();
        let trains = networks::simulate(sim, net, steps)?;
        times.push(started.elapsed().as_secs_f64());
        let duration_ms = f64::from(steps) * networks::DT;
        rates = trains.map(|t| networks::activity(&t, duration_ms).rate_hz);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], rates))
}
