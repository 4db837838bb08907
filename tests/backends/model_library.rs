//! The code-string model library against independent results: Izhikevich's neuron
//! against a trace computed by hand in the test (the same update written out in plain
//! f32 arithmetic), and the Poisson source against the binomial statistics of its spike
//! counts; both backends give the same spikes.

use crate::common;

use kenyon::SimConfig;
use kenyon::model::code::VarInit;
use kenyon::model::{CurrentSourceModel, Network, NeuronModel, library};

/// Izhikevich's update of one neuron with input `i`, as the model's code strings say it,
/// with every product rounded on its own: true where it spikes.
fn izhikevich_step(
    v: &mut f32,
    u: &mut f32,
    i: f32,
    dt: f32,
    (a, b, c, d): (f32, f32, f32, f32),
) -> bool {
    if *v >= 30.0 {
        *v = c;
        *u += d;
    }
    for _ in 0..2 {
        let dv = 0.04f32 * *v * *v + 5.0 * *v + 140.0 - *u + i;
        *v += 0.5 * dv * dt;
    }
    *u += a * (b * *v - *u) * dt;
    *v >= 29.99
}

#[test]
fn izhikevich_neurons_follow_a_hand_computed_trace_on_every_backend() {
    let dt = 0.5f32;
    let currents = [0.0f32, 4.0, 10.0, 15.0];
    let mut net = Network::new(f64::from(dt));
    let pop = net.add_neuron_population(
        "rs",
        4,
        NeuronModel::Code(library::izhikevich_regular_spiking()),
    );
    net.set_spike_recording(pop, true).unwrap();
    let drive =
        net.add_current_source("drive", pop, CurrentSourceModel::Magnitude { initial: 0.0 });
    let built = net.build(1).unwrap();
    let steps = 400u32;
    // The hand-computed trace: spike steps per neuron, and the final V and U.
    let mut want_spikes = vec![Vec::new(); 4];
    let mut want_state = Vec::new();
    for (n, &i) in currents.iter().enumerate() {
        let (mut v, mut u) = (-65.0f32, -13.0f32);
        for step in 0..steps {
            if izhikevich_step(&mut v, &mut u, i, dt, (0.02, 0.2, -65.0, 8.0)) {
                want_spikes[n].push(step);
            }
        }
        want_state.push((v.to_bits(), u.to_bits()));
    }
    // Regular spiking: silent without input, faster with more (Izhikevich 2003, fig. 2).
    assert!(want_spikes[0].is_empty() && want_spikes[2].len() > 3);
    assert!(want_spikes[3].len() > want_spikes[2].len());
    common::on_every_backend(
        &built,
        SimConfig {
            recording_steps: steps,
            ..SimConfig::default()
        },
        |sim| {
            sim.set_magnitude(drive, &currents).unwrap();
            sim.step_time(steps).unwrap();
            let (times, ids) = sim
                .take_recording()
                .unwrap()
                .take_one(pop, 0)
                .unwrap()
                .decode();
            let mut got = vec![Vec::new(); 4];
            for (t, id) in times.iter().zip(ids) {
                got[id as usize].push((t / dt).round() as u32);
            }
            assert_eq!(got, want_spikes, "{}", sim.description());
            let v = sim.read_var_bits(pop, "V").unwrap();
            let u = sim.read_var_bits(pop, "U").unwrap();
            let state: Vec<(u32, u32)> = v.into_iter().zip(u).collect();
            assert_eq!(state, want_state, "{}", sim.description());
        },
    );
}

#[test]
fn poisson_spike_counts_follow_binomial_statistics_and_every_backend_draws_the_same() {
    let n = 2000u32;
    let steps = 2000u32;
    let dt = 0.1;
    let rates: Vec<f64> = (0..n).map(|i| [5.0, 20.0, 80.0][i as usize % 3]).collect();
    let mut net = Network::new(dt);
    let source = library::poisson();
    let pop = net.add_neuron_population(
        "poisson",
        n,
        NeuronModel::Code(
            kenyon::model::code::CodeNeuron::new(source)
                .init("rate", VarInit::Values(rates.clone())),
        ),
    );
    net.set_spike_recording(pop, true).unwrap();
    let built = net.build(7).unwrap();
    let config = SimConfig {
        recording_steps: steps,
        batch_size: 2,
        ..SimConfig::default()
    };
    let mut runs = Vec::new();
    common::on_every_backend(&built, config, |sim| {
        sim.step_time(steps).unwrap();
        let mut recordings = sim.take_recording().unwrap();
        let entries: Vec<_> = (0..2)
            .map(|e| recordings.take_one(pop, e).unwrap().decode())
            .collect();
        runs.push(entries);
    });
    let reference = &runs[0];
    for run in &runs[1..] {
        assert_eq!(run, reference, "the GPU draws the CPU's numbers");
    }
    assert_ne!(reference[0], reference[1], "batch entries draw apart");
    for entry in reference {
        let mut counts = vec![0u64; n as usize];
        for &id in &entry.1 {
            counts[id as usize] += 1;
        }
        // Per rate: the total count against its binomial mean and spread.
        for (k, rate) in [5.0, 20.0, 80.0].into_iter().enumerate() {
            let p = f64::from((rate * (dt / 1000.0)) as f32);
            let trials = (steps as usize * counts.iter().skip(k).step_by(3).count()) as f64;
            let total: u64 = counts.iter().skip(k).step_by(3).sum();
            let (mean, sd) = (trials * p, (trials * p * (1.0 - p)).sqrt());
            let z = (total as f64 - mean) / sd;
            assert!(
                z.abs() < 4.5,
                "rate {rate} Hz: {total} spikes, expected {mean:.0} ± {sd:.0}"
            );
            // Per neuron, the counts' variance is the binomial one (independence in time).
            let per: Vec<f64> = counts
                .iter()
                .skip(k)
                .step_by(3)
                .map(|&c| c as f64)
                .collect();
            let m = per.iter().sum::<f64>() / per.len() as f64;
            let var = per.iter().map(|c| (c - m).powi(2)).sum::<f64>() / (per.len() - 1) as f64;
            let want = f64::from(steps) * p * (1.0 - p);
            assert!(
                (var / want - 1.0).abs() < 0.25,
                "rate {rate} Hz: count variance {var:.1}, binomial {want:.1}"
            );
        }
    }
}

#[test]
fn code_strings_draw_the_same_normal_and_exponential_numbers_on_every_backend() {
    use kenyon::model::code::{CodeNeuron, NeuronModelDef};
    use std::sync::Arc;
    // Each neuron keeps its latest draws: the state after a few steps is one sample per
    // neuron of each distribution, keyed on the neuron, entry and timestep. Half the
    // neurons draw twice more first (their draws then count from 2), and a branch no
    // neuron takes draws too.
    let model = Arc::new(NeuronModelDef {
        name: "Draws".into(),
        vars: ["u", "z", "e", "w"]
            .map(kenyon::model::code::Var::f32)
            .to_vec(),
        sim_code: "\
            if (id % 2u == 1u) { w = rand_normal() + rand_uniform(); }
            if (t < -1.0) { w = rand_exponential(); }
            u = rand_uniform();
            z = rand_normal();
            e = rand_exponential();"
            .into(),
        threshold_condition_code: "z > 3.0".into(),
        ..NeuronModelDef::default()
    });
    let n = 20_000;
    let mut code = CodeNeuron::new(model);
    for v in ["u", "z", "e", "w"] {
        code = code.init(v, VarInit::Constant(0.0));
    }
    let mut net = Network::new(0.1);
    let pop = net.add_neuron_population("draws", n, NeuronModel::Code(code));
    let built = net.build(3).unwrap();
    let mut runs = Vec::new();
    let mut draws = |sim: &mut dyn kenyon::Simulator| {
        sim.step_time(3).unwrap();
        let read = |sim: &mut dyn kenyon::Simulator, v| sim.read_var(pop, v).unwrap();
        runs.push([
            read(sim, "u"),
            read(sim, "z"),
            read(sim, "e"),
            read(sim, "w"),
        ]);
    };
    // Three batch entries: the entry is the counter's second word.
    let config = SimConfig {
        batch_size: 3,
        ..SimConfig::default()
    };
    common::on_every_backend(&built, config, &mut draws);
    // The CPU's code strings interpreted too (the first run's compiled on CI, where a C
    // compiler must be).
    let mut interpreted = kenyon::CpuSimulation::new(&built, config).unwrap();
    if common::compiler_required() {
        assert!(interpreted.code_compiled().all(|(_, why)| why.is_none()));
    }
    interpreted.interpret_code_strings();
    draws(&mut interpreted);
    let bits = |x: &[f32]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for run in &runs[1..] {
        for (got, want) in run.iter().zip(&runs[0]) {
            assert_eq!(
                bits(got),
                bits(want),
                "every backend draws the same numbers"
            );
        }
    }
    let entry = |x: &[f32], k: usize| x[k * n as usize..(k + 1) * n as usize].to_vec();
    assert_ne!(
        entry(&runs[0][0], 0),
        entry(&runs[0][0], 1),
        "entries differ"
    );
    let runs: Vec<[Vec<f32>; 3]> = runs
        .iter()
        .map(|[u, z, e, _]| [u, z, e].map(|x| entry(x, 2)))
        .collect();
    let moments = |x: &[f32]| {
        let m = x.iter().map(|&x| f64::from(x)).sum::<f64>() / x.len() as f64;
        let v = x.iter().map(|&x| (f64::from(x) - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64;
        (m, v)
    };
    let [u, z, e] = &runs[0];
    let se = (1.0 / f64::from(n)).sqrt();
    let (m, v) = moments(u);
    assert!(
        (m - 0.5).abs() < 5.0 * se * (1.0f64 / 12.0).sqrt() && (v - 1.0 / 12.0).abs() < 0.005,
        "uniform: {m} {v}"
    );
    let (m, v) = moments(z);
    assert!(
        m.abs() < 5.0 * se && (v - 1.0).abs() < 0.05,
        "normal: mean {m}, variance {v}"
    );
    let (m, v) = moments(e);
    assert!(
        (m - 1.0).abs() < 5.0 * se && (v - 1.0).abs() < 0.1,
        "exponential: mean {m}, variance {v}"
    );
    assert!(e.iter().all(|&x| x > 0.0) && u.iter().all(|&x| (0.0..1.0).contains(&x)));
}

#[test]
fn a_model_using_every_built_in_name_gives_the_same_state_on_every_backend() {
    use kenyon::model::code::{CodeNeuron, DerivedParam, NeuronModelDef, Var, VarType};
    use std::sync::Arc;
    // Integer variables, t, id, batch, every draw, a call naga folds into a constant and
    // a loop, in a feed-forward network (blocks of timesteps on the GPU) of a partial
    // last word, in three batch entries, across a reset.
    let model = Arc::new(NeuronModelDef {
        name: "Everything".into(),
        extra_global_params: vec![],
        additional_input_vars: vec![],
        params: vec!["tau".into()],
        derived_params: vec![DerivedParam::new("decay", |p, dt| (-dt / p["tau"]).exp())],
        vars: vec![
            Var::f32("V"),
            Var::new("count", VarType::I32),
            Var::new("seen", VarType::U32),
            Var::f32("phase").read_only(),
        ],
        sim_code: "
            V = product(V, decay) + Isyn + product(0.1, rand_normal()) + exp(-dt / tau);
            var k = 0u;
            loop {
                if k >= id % 3u { break; }
                V += product(0.01, rand_uniform());
                k++;
            }
            seen = seen + batch + u32(t > phase);
            if rand_exponential() > 2.0 { count -= 1; }"
            .into(),
        threshold_condition_code: "V > 1.0 || rand_uniform() < 0.01".into(),
        reset_code: "V = 0.0; count += 2;".into(),
    });
    let mut net = Network::new(0.1);
    let input = net.add_neuron_population(
        "input",
        40,
        NeuronModel::Code(library::examples().pop().unwrap()),
    );
    let cells = CodeNeuron::new(model)
        .param("tau", 10.0)
        .init("V", VarInit::Normal { mean: 0.5, sd: 0.2 })
        .init("count", VarInit::Constant(-3.0))
        .init("seen", VarInit::Constant(7.0))
        .init("phase", VarInit::Uniform { min: 0.0, max: 5.0 });
    let out = net.add_neuron_population("cells", 37, NeuronModel::Code(cells));
    net.set_spike_recording(out, true).unwrap();
    net.add_synapse_group(kenyon::SynapseGroup {
        name: "input_cells".into(),
        pre: input,
        post: out,
        weight_update: kenyon::WeightUpdateModel::StaticPulseConstantWeight { g: 0.3 },
        postsynaptic: kenyon::PostsynapticModel::ExpCurr { tau: 2.0 },
        connectivity: kenyon::Connectivity::FixedNumberPreWithReplacement { num: 5 },
    });
    let built = net.build(11).unwrap();
    let config = SimConfig {
        recording_steps: 73,
        batch_size: 3,
        ..SimConfig::default()
    };
    let mut runs = Vec::new();
    common::on_every_backend(&built, config, |sim| {
        let mut run = Vec::new();
        for _ in 0..2 {
            sim.step_time(73).unwrap();
            let mut recording = sim.take_recording().unwrap();
            run.push(format!(
                "{:?}",
                (0..3)
                    .map(|e| recording.take_one(out, e).unwrap().decode())
                    .collect::<Vec<_>>()
            ));
            for var in ["V", "count", "seen", "phase"] {
                run.push(format!("{var} {:?}", sim.read_var_bits(out, var).unwrap()));
            }
            sim.reset().unwrap();
        }
        runs.push(run);
    });
    assert!(runs[0][0].len() > 100, "the cells spike");
    for run in &runs[1..] {
        assert_eq!(run, &runs[0]);
    }
}

#[test]
fn exp_cond_follows_a_hand_computed_trace_on_every_backend() {
    use kenyon::model::code::{
        CodeNeuron, CodePostsynaptic, DerivedParam, NeuronModelDef, Var, VarType,
    };
    use std::sync::Arc;
    // One presynaptic neuron spiking at steps 4, 44, 84, ...; three passive targets at
    // -70, -40 and 10 mV, through ExpCond (tau 5 ms, E 0 mV) with weight 0.5.
    let clock = Arc::new(NeuronModelDef {
        name: "Clock".into(),
        vars: vec![Var::new("count", VarType::U32)],
        sim_code: "count += 1u;".into(),
        threshold_condition_code: "count % 40u == 5u".into(),
        ..NeuronModelDef::default()
    });
    let passive = Arc::new(NeuronModelDef {
        name: "Passive".into(),
        params: vec!["C".into()],
        derived_params: vec![DerivedParam::new("DT_C", |p, dt| dt / p["C"])],
        vars: vec![Var::f32("V")],
        sim_code: "V += product(Isyn, DT_C);".into(),
        ..NeuronModelDef::default()
    });
    let v0 = [-70.0f32, -40.0, 10.0];
    let mut net = Network::new(0.1);
    let pre = net.add_neuron_population(
        "pre",
        1,
        NeuronModel::Code(CodeNeuron::new(clock).init("count", VarInit::Constant(0.0))),
    );
    let post = net.add_neuron_population(
        "post",
        3,
        NeuronModel::Code(CodeNeuron::new(passive).param("C", 0.25).init(
            "V",
            VarInit::Values(v0.iter().map(|&v| f64::from(v)).collect()),
        )),
    );
    let g = net.add_synapse_group(kenyon::SynapseGroup {
        name: "pre_post".into(),
        pre,
        post,
        weight_update: kenyon::WeightUpdateModel::StaticPulseConstantWeight { g: 0.5 },
        postsynaptic: kenyon::PostsynapticModel::Code(
            CodePostsynaptic::new(library::exp_cond())
                .param("tau", 5.0)
                .param("E", 0.0),
        ),
        connectivity: kenyon::Connectivity::Dense,
    });
    let built = net.build(1).unwrap();
    let steps = 300;
    // By hand, in f32, as the code strings say.
    let (decay, dt_c) = ((-0.1f64 / 5.0).exp() as f32, (0.1f64 / 0.25) as f32);
    let mut want: Vec<(f32, f32)> = v0.iter().map(|&v| (v, 0.0)).collect();
    for step in 0..steps {
        // A spike at step s arrives at step s + 1.
        let input = if step > 0 && (step - 1) % 40 == 4 {
            0.5f32
        } else {
            0.0
        };
        for (v, in_syn) in &mut want {
            let s = *in_syn + input;
            let isyn = 0.0f32 + s * (0.0 - *v);
            *in_syn = s * decay;
            *v += isyn * dt_c;
        }
    }
    assert!(
        want[0].0 > -70.0 && want[2].0 < 10.0,
        "the conductance pulls V toward E"
    );
    common::on_every_backend(&built, SimConfig::default(), |sim| {
        sim.step_time(steps).unwrap();
        let v = sim.read_var_bits(post, "V").unwrap();
        let in_syn = sim.read_in_syn(g).unwrap();
        let got: Vec<(u32, u32)> = v
            .into_iter()
            .zip(in_syn.iter().map(|x| x.to_bits()))
            .collect();
        let want: Vec<(u32, u32)> = want
            .iter()
            .map(|(v, s)| (v.to_bits(), s.to_bits()))
            .collect();
        assert_eq!(got, want, "{}", sim.description());
    });
}

#[test]
fn a_code_current_source_drives_a_built_in_neuron_as_its_closed_form_says() {
    use kenyon::model::code::{CodeCurrentSource, CurrentSourceModelDef, Var};
    use kenyon::{CurrentSourceModel, IfParams};
    use std::sync::Arc;
    // A DC source with a per-neuron amplitude into integrate-and-fire neurons (a built-in
    // model, run as its code-string twin): V += amp every step, so a neuron spikes
    // every ceil(Vthresh / amp) steps. A second source adds noise that the first
    // neuron's amplitude of 0 shows alone.
    let dc = Arc::new(CurrentSourceModelDef {
        name: "DC".into(),
        vars: vec![Var::f32("amp").read_only()],
        injection_code: "injectCurrent(amp);".into(),
        ..CurrentSourceModelDef::default()
    });
    let noise = Arc::new(CurrentSourceModelDef {
        name: "Noise".into(),
        params: vec!["sigma".into()],
        vars: vec![Var::f32("last")],
        injection_code: "last = product(sigma, rand_normal());\ninjectCurrent(last);".into(),
        ..CurrentSourceModelDef::default()
    });
    let amps = [0.25f64, 0.5, 0.3, 1.0];
    let mut net = Network::new(0.1);
    let pop = net.add_neuron_population("if", 4, NeuronModel::If(IfParams { v_thresh: 1.0 }));
    net.set_spike_recording(pop, true).unwrap();
    net.add_current_source(
        "dc",
        pop,
        CurrentSourceModel::Code(
            CodeCurrentSource::new(dc).init("amp", VarInit::Values(amps.to_vec())),
        ),
    );
    let built = net.build(1).unwrap();
    let steps = 120;
    common::on_every_backend(&built, SimConfig::default(), |sim| {
        sim.step_time(steps).unwrap();
        let spikes = sim.take_recording().unwrap().take_one(pop, 0).unwrap();
        let (_, ids) = spikes.decode();
        for (n, &amp) in amps.iter().enumerate() {
            // f32 sums of amp reach 1.0 after this many steps.
            let mut v = 0.0f32;
            let mut period = 0;
            while v < 1.0 {
                v += amp as f32;
                period += 1;
            }
            let count = ids.iter().filter(|&&i| i as usize == n).count();
            assert_eq!(
                count,
                steps as usize / period,
                "neuron {n}, {}",
                sim.description()
            );
        }
        assert_eq!(
            sim.read_var(pop, "dc.amp").unwrap(),
            amps.map(|a| a as f32).to_vec()
        );
    });
    // With noise added, every backend still agrees, and the noise is what it says.
    let noise = net.add_current_source(
        "noise",
        pop,
        CurrentSourceModel::Code(
            CodeCurrentSource::new(noise)
                .param("sigma", 0.1)
                .init("last", VarInit::Constant(0.0)),
        ),
    );
    let built = net.build(1).unwrap();
    let mut runs = Vec::new();
    common::on_every_backend(
        &built,
        SimConfig {
            batch_size: 2,
            ..SimConfig::default()
        },
        |sim| {
            sim.step_time(steps).unwrap();
            let mut r = sim.take_recording().unwrap();
            let spikes: Vec<_> = (0..2)
                .map(|e| r.take_one(pop, e).unwrap().decode())
                .collect();
            runs.push((
                spikes,
                sim.read_var_bits(pop, "noise.last").unwrap(),
                sim.read_var_bits(pop, "V").unwrap(),
            ));
            assert!(sim.set_magnitude(noise, &[0.0; 8]).is_err());
        },
    );
    for run in &runs[1..] {
        assert_eq!(run, &runs[0]);
    }
    assert!(runs[0].1.iter().any(|&b| b != 0), "the noise source drew");
}

#[test]
fn the_magnitude_source_as_a_code_string_set_with_write_var_gives_the_built_in_spikes() {
    use kenyon::CurrentSourceModel;
    // The same LIF population driven by the built-in magnitude source (set_magnitude)
    // and by the library's code-string twin (write_var), through three stimuli with
    // resets between them, in two batch entries.
    let run = |code: bool| {
        let mut net = Network::new(0.1);
        let pop =
            net.add_neuron_population("cells", 70, NeuronModel::Lif(kenyon::LifParams::TUTORIAL));
        net.set_spike_recording(pop, true).unwrap();
        let model = if code {
            CurrentSourceModel::Code(library::magnitude_from(0.0))
        } else {
            CurrentSourceModel::Magnitude { initial: 0.0 }
        };
        let source = net.add_current_source("drive", pop, model);
        let built = net.build(1).unwrap();
        let mut runs = Vec::new();
        let config = SimConfig {
            batch_size: 2,
            ..SimConfig::default()
        };
        common::on_every_backend(&built, config, |sim| {
            let mut spikes = Vec::new();
            for stimulus in 0..3 {
                let values: Vec<f32> = (0..140)
                    .map(|i| 0.05 * ((i * 7 + stimulus * 3) % 11) as f32)
                    .collect();
                if code {
                    sim.write_var(pop, "drive.magnitude", &values).unwrap();
                    assert_eq!(sim.read_var(pop, "drive.magnitude").unwrap(), values);
                } else {
                    sim.set_magnitude(source, &values).unwrap();
                }
                sim.step_time(200).unwrap();
                let mut r = sim.take_recording().unwrap();
                spikes.push(
                    (0..2)
                        .map(|e| r.take_one(pop, e).unwrap().decode())
                        .collect::<Vec<_>>(),
                );
                sim.reset().unwrap();
            }
            runs.push(spikes);
        });
        runs
    };
    let (builtin, code) = (run(false), run(true));
    assert!(
        builtin[0].iter().flatten().any(|(t, _)| !t.is_empty()),
        "the cells spike"
    );
    for r in builtin.iter().chain(&code) {
        assert_eq!(r, &builtin[0]);
    }
}

#[test]
fn state_written_between_runs_is_what_the_next_run_starts_from() {
    // write_var on a built-in and a code model, after a reset still to be carried out,
    // and refusals of the wrong length, a value an integer can't hold, an unknown name.
    use kenyon::model::code::{CodeNeuron, NeuronModelDef, Var, VarType};
    use std::sync::Arc;
    let counter = Arc::new(NeuronModelDef {
        name: "Counter".into(),
        vars: vec![Var::new("n", VarType::I32)],
        sim_code: "n += 1;".into(),
        ..NeuronModelDef::default()
    });
    let mut net = Network::new(0.1);
    let lif = net.add_neuron_population("lif", 5, NeuronModel::Lif(kenyon::LifParams::TUTORIAL));
    let count = net.add_neuron_population(
        "count",
        5,
        NeuronModel::Code(CodeNeuron::new(counter).init("n", VarInit::Constant(0.0))),
    );
    let built = net.build(1).unwrap();
    common::on_every_backend(&built, SimConfig::default(), |sim| {
        sim.step_time(3).unwrap();
        sim.reset().unwrap();
        sim.write_var(count, "n", &[10.0, -2.0, 0.0, 7.0, 1.0])
            .unwrap();
        sim.write_var(lif, "V", &[-55.0; 5]).unwrap();
        sim.step_time(2).unwrap();
        assert_eq!(
            sim.read_var(count, "n").unwrap(),
            vec![12.0, 0.0, 2.0, 9.0, 3.0]
        );
        let v = sim.read_var(lif, "V").unwrap();
        assert!(v.iter().all(|&v| v < -55.0 && v > -56.0), "{v:?}");
        assert!(sim.write_var(count, "n", &[0.0; 4]).is_err());
        assert!(
            sim.write_var(count, "n", &[3e9, 0.0, 0.0, 0.0, 0.0])
                .is_err()
        );
        assert!(sim.write_var(count, "m", &[0.0; 5]).is_err());
        assert!(sim.write_var(lif, "V", &[f32::NAN; 5]).is_err());
    });
}

#[test]
fn a_spike_source_array_spikes_at_the_first_timestep_reaching_each_time() {
    // Times on, between and before timesteps, two in one timestep (the second waits a
    // step), a neuron without spikes, and the times reached again after a reset.
    let times = vec![vec![0.0f32, 0.25, 1.0, 1.0], vec![], vec![2.05, 0.31, 5.0]];
    let mut net = Network::new(0.1);
    let pop = net.add_neuron_population(
        "source",
        3,
        NeuronModel::Code(library::spike_source_array_from(&times)),
    );
    net.set_spike_recording(pop, true).unwrap();
    let built = net.build(1).unwrap();
    let steps = 40u32;
    // By hand: t = f32(step) * dt, a spike where t reaches the next time.
    let mut want: Vec<(u32, u32)> = Vec::new();
    for (n, neuron) in times.iter().enumerate() {
        let mut sorted = neuron.clone();
        sorted.sort_by(f32::total_cmp);
        let mut next = 0;
        for step in 0..steps {
            let t = step as f32 * 0.1f32;
            if next < sorted.len() && t >= sorted[next] {
                want.push((step, n as u32));
                next += 1;
            }
        }
    }
    want.sort();
    assert_eq!(want.len(), 6, "the time 5.0 lies past the run");
    common::on_every_backend(&built, SimConfig::default(), |sim| {
        for _ in 0..2 {
            sim.step_time(steps).unwrap();
            let (t, ids) = sim
                .take_recording()
                .unwrap()
                .take_one(pop, 0)
                .unwrap()
                .decode();
            let mut got: Vec<(u32, u32)> = t
                .iter()
                .zip(ids)
                .map(|(t, i)| ((t / 0.1).round() as u32, i))
                .collect();
            got.sort();
            assert_eq!(got, want, "{}", sim.description());
            sim.reset().unwrap();
        }
    });
}

#[test]
fn alpha_curr_follows_the_alpha_function_on_every_backend() {
    let (dt, tau) = (0.1f64, 2.0f64);
    let weights = [1.0f32, 0.5, 2.0];
    let mut net = Network::new(dt);
    let pre = net.add_neuron_population(
        "pre",
        1,
        NeuronModel::Code(library::spike_source_array_from(&[vec![0.0]])),
    );
    let post = net.add_neuron_population(
        "post",
        3,
        NeuronModel::If(kenyon::IfParams { v_thresh: 1e9 }),
    );
    net.add_synapse_group(kenyon::SynapseGroup {
        name: "syn".into(),
        pre,
        post,
        weight_update: kenyon::WeightUpdateModel::StaticPulse {
            g: weights.to_vec(),
        },
        postsynaptic: kenyon::PostsynapticModel::Code(
            kenyon::model::code::CodePostsynaptic::new(library::alpha_curr())
                .param("tau", tau)
                .init("x", VarInit::Constant(0.0)),
        ),
        connectivity: kenyon::Connectivity::Dense,
    });
    let built = net.build(1).unwrap();
    common::on_every_backend(&built, SimConfig::DEFAULT, |sim| {
        for k in 0..60u32 {
            sim.step_time(1).unwrap();
            let x = sim.read_var(post, "syn.x").unwrap();
            // The spike of timestep 0 arrives in timestep 1; after timestep k, x is the
            // alpha function k timesteps after the spike.
            let t = f64::from(k) * dt;
            let alpha = std::f64::consts::E * t / tau * (-t / tau).exp();
            for (xi, w) in x.iter().zip(weights) {
                let want = f64::from(w) * alpha;
                assert!(
                    (f64::from(*xi) - want).abs() <= 1e-5 * want.abs().max(1e-3),
                    "{}: timestep {k}: x {xi}, want {want}",
                    sim.description()
                );
            }
        }
        // A reset restarts the variable.
        sim.reset().unwrap();
        sim.step_time(1).unwrap();
        assert!(
            sim.read_var(post, "syn.x")
                .unwrap()
                .iter()
                .all(|&x| x == 0.0)
        );
    });
}

#[test]
fn a_postsynaptic_model_can_inject_into_an_additional_input_variable_on_every_backend() {
    use kenyon::model::code::{CodeNeuron, NeuronModelDef, Var};
    use std::sync::Arc;
    // V sums Isyn and W sums IsynInh, which starts every timestep at 0.25.
    let model = Arc::new(NeuronModelDef {
        name: "TwoInputs".into(),
        vars: vec![Var::f32("V"), Var::f32("W")],
        additional_input_vars: vec![("IsynInh".into(), 0.25)],
        sim_code: "V += Isyn;\nW += IsynInh;".into(),
        ..NeuronModelDef::default()
    });
    let mut net = Network::new(0.1);
    let pre = net.add_neuron_population(
        "pre",
        1,
        NeuronModel::Code(library::spike_source_array_from(&[vec![0.0]])),
    );
    let post = net.add_neuron_population(
        "post",
        2,
        NeuronModel::Code(
            CodeNeuron::new(model)
                .init("V", VarInit::Constant(0.0))
                .init("W", VarInit::Constant(0.0)),
        ),
    );
    for (name, g, target) in [("exc", 1.0, None), ("inh", 2.0, Some("IsynInh"))] {
        let mut psm = kenyon::model::code::CodePostsynaptic::new(library::delta_curr());
        if let Some(target) = target {
            psm = psm.target(target);
        }
        net.add_synapse_group(kenyon::SynapseGroup {
            name: name.into(),
            pre,
            post,
            weight_update: kenyon::WeightUpdateModel::StaticPulseConstantWeight { g },
            postsynaptic: kenyon::PostsynapticModel::Code(psm),
            connectivity: kenyon::Connectivity::Dense,
        });
    }
    let built = net.build(1).unwrap();
    common::on_every_backend(&built, SimConfig::DEFAULT, |sim| {
        sim.step_time(10).unwrap();
        // The spike of timestep 0 arrives in timestep 1: 1 into Isyn, 2 into IsynInh.
        assert_eq!(
            sim.read_var(post, "V").unwrap(),
            [1.0, 1.0],
            "{}",
            sim.description()
        );
        assert_eq!(
            sim.read_var(post, "W").unwrap(),
            [4.5, 4.5],
            "{}",
            sim.description()
        );
    });
    // A target the neuron model doesn't have is refused, naming what it has.
    let mut wrong = net.clone();
    if let kenyon::PostsynapticModel::Code(psm) = &mut wrong.synapse_groups[1].postsynaptic {
        psm.target = Some("IsynGaba".into());
    }
    let e = wrong.build(1).unwrap_err().to_string();
    assert!(e.contains("IsynGaba") && e.contains("IsynInh"), "{e}");
}

#[test]
fn delta_curr_as_code_injects_each_spike_once_compiled_interpreted_and_on_every_backend() {
    use kenyon::model::code::{CodeNeuron, NeuronModelDef, Var};
    use std::sync::Arc;
    // Its code ends every timestep with `inSyn = 0.0`, so the compiled step takes `inSyn`
    // as that constant instead of loading and storing it (`ParamKind::Steady`): V counts
    // each spike's weight once, in the timestep after the spike, and `inSyn` reads 0.
    let model = Arc::new(NeuronModelDef {
        name: "Sum".into(),
        vars: vec![Var::f32("V")],
        sim_code: "V += Isyn;".into(),
        ..NeuronModelDef::default()
    });
    let mut net = Network::new(0.1);
    let times = vec![0.0, 0.3, 0.35, 1.0];
    let source = library::spike_source_array_from(&[times]);
    let pre = net.add_neuron_population("pre", 1, NeuronModel::Code(source));
    let neuron = CodeNeuron::new(model).init("V", VarInit::Constant(0.0));
    let post = net.add_neuron_population("post", 3, NeuronModel::Code(neuron));
    let group = net.add_synapse_group(kenyon::SynapseGroup {
        name: "delta".into(),
        pre,
        post,
        weight_update: kenyon::WeightUpdateModel::StaticPulseConstantWeight { g: 1.5 },
        postsynaptic: kenyon::PostsynapticModel::Code(kenyon::model::code::CodePostsynaptic::new(
            library::delta_curr(),
        )),
        connectivity: kenyon::Connectivity::Dense,
    });
    let built = net.build(1).unwrap();
    // Spikes in timesteps 0, 3, 4 (0.35 ms rounds up) and 10, each arriving one later:
    // V after each of the first 12 timesteps.
    let arrivals = [1, 4, 5, 11];
    let want: Vec<f32> = (0..12)
        .map(|k| 1.5 * arrivals.iter().filter(|&&a| a <= k).count() as f32)
        .collect();
    let mut check = |sim: &mut dyn kenyon::Simulator| {
        for (k, &v) in want.iter().enumerate() {
            sim.step_time(1).unwrap();
            let what = format!("{}, timestep {k}", sim.description());
            assert_eq!(sim.read_var(post, "V").unwrap(), [v; 3], "{what}");
            assert_eq!(sim.read_in_syn(group).unwrap(), [0.0; 3], "{what}");
        }
    };
    common::on_every_backend(&built, SimConfig::DEFAULT, &mut check);
    // The summing neurons compiled (on CI, where a C compiler must be), then interpreted.
    let mut interpreted = kenyon::CpuSimulation::new(&built, SimConfig::DEFAULT).unwrap();
    if common::compiler_required() {
        let mut compiled = interpreted.code_compiled();
        assert!(compiled.any(|(name, why)| name == "post" && why.is_none()));
    }
    interpreted.interpret_code_strings();
    check(&mut interpreted);
}
