//! What a kernel's WGSL declares, read with naga: its bindings by variable name and its
//! override constants. The host binds buffers and supplies constants by name and checks
//! them against this, so no binding number or constant name is written twice.

/// How a kernel binds one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BindingKind {
    /// The per-block parameters (`params`), bound with a dynamic offset.
    Uniform,
    /// A storage buffer.
    Storage {
        /// The kernel only reads it.
        read_only: bool,
    },
}

/// One binding of a kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Binding {
    /// The WGSL variable's name.
    pub name: String,
    /// Its binding number in group 0.
    pub binding: u32,
    /// Uniform or storage, and how the kernel accesses it.
    pub kind: BindingKind,
}

/// What a kernel declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reflection {
    /// Every binding, in declaration order.
    pub bindings: Vec<Binding>,
    /// The names of its override constants.
    pub overrides: Vec<String>,
    /// Threads of its entry point's workgroup.
    pub workgroup_size: [u32; 3],
}

/// Reads the bindings and override constants of a WGSL kernel; the error is naga's
/// message, naming the line.
pub(crate) fn reflect(source: &str) -> Result<Reflection, String> {
    let module = naga::front::wgsl::parse_str(source).map_err(|e| e.emit_to_string(source))?;
    let mut bindings = Vec::new();
    for (_, var) in module.global_variables.iter() {
        let Some(binding) = &var.binding else {
            continue;
        };
        let kind = match var.space {
            naga::AddressSpace::Uniform => BindingKind::Uniform,
            naga::AddressSpace::Storage { access } => BindingKind::Storage {
                read_only: !access.contains(naga::StorageAccess::STORE),
            },
            other => return Err(format!("binding {} is in {other:?}", binding.binding)),
        };
        if binding.group != 0 {
            return Err(format!(
                "binding {} is in group {}",
                binding.binding, binding.group
            ));
        }
        bindings.push(Binding {
            name: var.name.clone().unwrap_or_default(),
            binding: binding.binding,
            kind,
        });
    }
    let overrides = module
        .overrides
        .iter()
        .filter_map(|(_, o)| o.name.clone())
        .collect();
    let workgroup_size = match module.entry_points.as_slice() {
        [entry] => entry.workgroup_size,
        entries => return Err(format!("{} entry points, not one", entries.len())),
    };
    Ok(Reflection {
        bindings,
        overrides,
        workgroup_size,
    })
}
