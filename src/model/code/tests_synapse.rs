//! Weight-update models written as code strings: the library's compile into synapse
//! functions and sides, and mistakes are told in the user's text.

use std::sync::Arc;

use super::assemble::CodeString;
use super::{CodeWeightUpdate, Var, VarInit, WeightUpdateModelDef};
use crate::model::library;
use crate::model::{
    Connectivity, ModelError, Network, NeuronModel, PostsynapticModel, SynapseGroup,
    WeightUpdateModel,
};

/// Two populations of spike sources joined by `model`, all to all.
fn network(model: CodeWeightUpdate) -> Network {
    let mut net = Network::new(0.1);
    let times = vec![vec![1.0f32]; 4];
    let pre = net.add_neuron_population(
        "pre",
        4,
        NeuronModel::Code(library::spike_source_array_from(&times)),
    );
    let post = net.add_neuron_population(
        "post",
        3,
        NeuronModel::Code(library::spike_source_array_from(&times[..3])),
    );
    net.add_synapse_group(SynapseGroup {
        name: "syn".into(),
        pre,
        post,
        weight_update: WeightUpdateModel::Code(model),
        postsynaptic: PostsynapticModel::ExpCurr { tau: 5.0 },
        connectivity: Connectivity::Dense,
    });
    net
}

fn additive() -> CodeWeightUpdate {
    CodeWeightUpdate::new(library::stdp_additive())
        .param("tauPlus", 20.0)
        .param("tauMinus", 20.0)
        .param("Aplus", 0.01)
        .param("Aminus", 0.012)
        .param("wMin", 0.0)
        .param("wMax", 1.0)
        .init("g", VarInit::Uniform { min: 0.0, max: 1.0 })
        .pre_init("preTrace", VarInit::Constant(0.0))
        .post_init("postTrace", VarInit::Constant(0.0))
        .max_add_to_post(1.0)
}

#[test]
fn the_library_weight_update_models_compile() {
    let built = network(additive()).build(1).unwrap();
    let code = built.synapse_groups[0].code.as_ref().unwrap();
    assert!(code.plastic);
    assert!(code.pre_spike_syn.is_some() && code.post_spike_syn.is_some());
    assert_eq!(code.init[0].len(), 12);
    // The traces are the populations' variables, named for the group.
    let crate::model::PopulationModel::Code(pre) = &built.populations[0].model else {
        panic!("the presynaptic population runs code");
    };
    assert!(pre.var_index("syn.preTrace").is_some());
    let static_pulse = library::static_pulse_from(&[0.5; 12]);
    let built = network(static_pulse).build(1).unwrap();
    let code = built.synapse_groups[0].code.as_ref().unwrap();
    assert!(!code.plastic && code.post_spike_syn.is_none());
    assert_eq!(code.max_add_to_post, 0.5);
    for drive in [false, true] {
        let mut params = crate::tutorial::KC_MBON_STDP;
        params.drive_post = drive;
        network(library::stdp_symmetric_from(&params))
            .build(1)
            .unwrap();
    }
}

#[test]
fn a_mistake_in_synapse_code_is_placed_in_the_users_text() {
    let model = WeightUpdateModelDef {
        name: "Broken".into(),
        vars: vec![Var::f32("g")],
        pre_spike_syn_code: "addToPost(g);\ng = g + nope;".into(),
        ..Default::default()
    };
    let code = CodeWeightUpdate::new(Arc::new(model))
        .init("g", VarInit::Constant(0.1))
        .max_add_to_post(1.0);
    let Err(ModelError::Code(e)) = network(code).build(1) else {
        panic!("the code is wrong");
    };
    assert_eq!(e.code_string, Some(CodeString::PreSpikeSyn));
    assert_eq!((e.line, e.column), (2, 9), "{e}");
    assert!(e.owner.contains("syn"), "{e}");
}

#[test]
fn a_plastic_group_must_bound_its_add_to_post_inputs() {
    let mut code = additive();
    code.max_add_to_post = None;
    let e = network(code).build(1).unwrap_err().to_string();
    assert!(e.contains("max_add_to_post"), "{e}");
}

#[test]
fn a_read_only_synapse_variable_cant_be_assigned() {
    let model = WeightUpdateModelDef {
        name: "Fixed".into(),
        vars: vec![Var::f32("g").read_only()],
        pre_spike_syn_code: "g = 1.0;".into(),
        ..Default::default()
    };
    let code = CodeWeightUpdate::new(Arc::new(model)).init("g", VarInit::Constant(0.1));
    let Err(ModelError::Code(e)) = network(code).build(1) else {
        panic!("g is read-only");
    };
    assert_eq!(e.code_string, Some(CodeString::PreSpikeSyn), "{e}");
}

#[test]
fn a_mistake_in_trace_code_is_placed_in_the_users_text() {
    let model = WeightUpdateModelDef {
        pre_spike_code: "preTrace += 1.0;\npreTrace += nope;".into(),
        ..(*library::stdp_additive()).clone()
    };
    let mut code = additive();
    code.model = Arc::new(model);
    let Err(ModelError::Code(e)) = network(code).build(1) else {
        panic!("the code is wrong");
    };
    assert_eq!(e.code_string, Some(CodeString::PreSpike), "{e}");
    assert_eq!((e.line, e.column), (2, 13), "{e}");
}
