// `kenyon view`'s raster panels, stage 1 of 2: the cells a panel's spikes light. A
// panel has one cell per pixel row and drawn column; columns are min(panel width,
// timesteps), so a cell is listed once however wide the panel is drawn. The lit cells
// are listed (in no particular order: drawing them is order-independent) and counted
// into the instance count of `lit_cells.wgsl`'s indirect draw, which covers each one's
// pixels.
//
// The spikes are the recording's bitfield words, GeNN's layout: row `step` of a
// population of n neurons holds ceil(n / 32) words, neuron i in bit i % 32 of word
// i / 32. One invocation reads one word; most are zero, and cost nothing more.

struct Panel {
    n_neurons: u32,
    n_steps: u32,
    // Words from one recorded timestep's row to the next's (more than the population
    // needs when a batch's entries are interleaved), and the first word of step 0.
    row_stride: u32,
    first_word: u32,
    // The panel's cells: `cols` per row, `rows` rows (row 0 at the bottom: neuron 0 is
    // at the bottom, as in the PNG rasters), numbered from `first_cell` on.
    cols: u32,
    rows: u32,
    first_cell: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> panel: Panel;
@group(0) @binding(1) var<storage, read> spikes: array<u32>;
// Whether each cell is listed yet: cleared before the first panel.
@group(0) @binding(2) var<storage, read_write> listed: array<atomic<u32>>;
// The lit cells' numbers: room for every cell of every panel.
@group(0) @binding(3) var<storage, read_write> lit: array<u32>;

// `lit_cells.wgsl`'s draw: 6 vertices (two triangles) per lit cell.
struct DrawArgs {
    vertex_count: u32,
    instance_count: atomic<u32>,
    first_vertex: u32,
    first_instance: u32,
}
@group(0) @binding(4) var<storage, read_write> draw: DrawArgs;

// Column c of C covers timesteps [c S / C, (c + 1) S / C) (C <= S), so step s is in
// the last column starting at or before it: ((s + 1) C - 1) / S. Likewise row r of R
// covers neurons [r N / R, (r + 1) N / R) where N >= R; where N < R, row r shows
// neuron r N / R alone, so neuron n fills rows [ceil(n R / N), ceil((n + 1) R / N)).
// With C = S and R = N every cell is one neuron in one timestep.
fn light(row: u32, col: u32) {
    let cell = panel.first_cell + row * panel.cols + col;
    if (atomicExchange(&listed[cell], 1u) == 0u) {
        lit[atomicAdd(&draw.instance_count, 1u)] = cell;
    }
}

@compute @workgroup_size(64)
fn raster_cells(@builtin(global_invocation_id) id: vec3<u32>) {
    let word = id.x;
    let step = id.y;
    let n = panel.n_neurons;
    let r = panel.rows;
    if (word >= (n + 31u) / 32u || step >= panel.n_steps) {
        return;
    }
    var bits = spikes[panel.first_word + step * panel.row_stride + word];
    let col = ((step + 1u) * panel.cols - 1u) / panel.n_steps;
    while (bits != 0u) {
        let neuron = word * 32u + firstTrailingBit(bits);
        bits &= bits - 1u;
        if (neuron >= n) {
            break;
        }
        if (n >= r) {
            light(((neuron + 1u) * r - 1u) / n, col);
        } else {
            for (var row = (neuron * r + n - 1u) / n; row < ((neuron + 1u) * r + n - 1u) / n; row++) {
                light(row, col);
            }
        }
    }
}
