// `kenyon view`'s raster panels, stage 2 of 2: two triangles over the pixels of each
// lit cell that `raster_cells.wgsl` listed, in the panel's colour, drawn over the
// overlay (the CPU-drawn text, axes and digit) already copied into the target.

const MAX_PANELS: u32 = 4u;

struct PanelCells {
    // Left, top, width, height of the panel in pixels of the target.
    rect: vec4<u32>,
    // `cols` cells per pixel row, one row per pixel row counted up from the panel's
    // bottom, numbered from `first_cell` on.
    cols: u32,
    first_cell: u32,
    _pad0: u32,
    _pad1: u32,
    color: vec4<f32>,
}

struct Panels {
    frame_size: vec2<u32>,
    n_panels: u32,
    _pad: u32,
    panels: array<PanelCells, MAX_PANELS>,
}

@group(0) @binding(0) var<uniform> panels: Panels;
@group(0) @binding(1) var<storage, read> lit: array<u32>;

struct Corner {
    @builtin(position) position: vec4<f32>,
    @location(0) @interpolate(flat) panel: u32,
}

// Cell column c of C in a panel w pixels wide covers the pixel columns x with
// floor(x C / w) = c, that is [ceil(c w / C), ceil((c + 1) w / C)): one column each
// where C = w, the cell spread over its pixels where there are fewer timesteps.
@vertex
fn vs_cell(@builtin(vertex_index) v: u32, @builtin(instance_index) i: u32) -> Corner {
    let cell = lit[i];
    var k = 0u;
    for (var j = 1u; j < min(panels.n_panels, MAX_PANELS); j++) {
        if (cell >= panels.panels[j].first_cell) {
            k = j;
        }
    }
    let p = panels.panels[k];
    let n = cell - p.first_cell;
    let col = n % p.cols;
    let row = n / p.cols;
    let x0 = p.rect.x + (col * p.rect.z + p.cols - 1u) / p.cols;
    let x1 = p.rect.x + ((col + 1u) * p.rect.z + p.cols - 1u) / p.cols;
    let y0 = p.rect.y + p.rect.w - 1u - row;
    let corners = array<vec2<u32>, 6>(
        vec2(x0, y0), vec2(x1, y0), vec2(x0, y0 + 1u),
        vec2(x0, y0 + 1u), vec2(x1, y0), vec2(x1, y0 + 1u),
    );
    let px = vec2<f32>(corners[v]);
    let t = vec2<f32>(panels.frame_size);
    var out: Corner;
    out.position = vec4<f32>(px.x / t.x * 2.0 - 1.0, 1.0 - px.y / t.y * 2.0, 0.0, 1.0);
    out.panel = k;
    return out;
}

@fragment
fn fs_cell(in: Corner) -> @location(0) vec4<f32> {
    return panels.panels[min(in.panel, MAX_PANELS - 1u)].color;
}
