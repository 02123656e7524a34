//! Heatmaps with a colour bar.

use plotters::prelude::*;

use crate::PlotError;
use crate::error::render_err;
use crate::output::Area;
use crate::palette::viridis;
use crate::prepare::PHeatmap;
use plotters::style::text_anchor::{HPos, VPos};

use crate::render::{Frame, Look, Painter, title};
use crate::text::{self, anchor};
use crate::ticks::AxisCoord;

const MISSING: RGBColor = RGBColor(225, 225, 225);

pub(crate) fn draw_heatmap_in(area: &Area<'_>, p: &PHeatmap<'_>) -> Result<(), PlotError> {
    let h = p.heatmap;
    let look = Look::for_size(area.dim_in_pixel());
    area.fill(&WHITE).map_err(render_err)?;
    let body = title(area, &h.title, &look)?;
    let (bw, bh) = body.dim_in_pixel();

    // The colour bar's width depends on its tick labels, so its ticks are chosen first.
    let bar_h_estimate = bh as f64 * 0.75;
    let target = (bar_h_estimate / (look.tick.0 * 3.0)).floor() as usize;
    let cc = AxisCoord::new(h.color_scale, p.color_range.0, p.color_range.1, target);
    let mut label_w = 0.0f64;
    for l in cc.labels() {
        label_w = label_w.max(text::width(l, look.tick)?);
    }
    let label_w = label_w.ceil() as i32;
    let tick_len = look.px(5.0);
    let gap = look.px(4.0);
    let gap_left = look.px(18.0);
    let bar_w = look.px(22.0);
    let desc_w = if h.color_label.is_empty() {
        0
    } else {
        look.desc.0 as i32 + look.px(10.0)
    };
    let right_area = tick_len + gap + label_w + desc_w + look.px(4.0);
    let cb_total = gap_left + bar_w + right_area + look.px(6.0);
    let (main, cbar) = body.split_horizontally(bw as i32 - cb_total);

    let frame = Frame::layout(&main, &look, &h.x, &h.y, p.window)?;
    let ctx = frame.build(&main, &look, &h.x, &h.y)?;
    let win = p.window;
    let span = p.color_range.1 - p.color_range.0;
    for (j, row) in p.cells.iter().enumerate() {
        let (y0, y1) = (p.y_edges[j].max(win.y.0), p.y_edges[j + 1].min(win.y.1));
        if y1 <= y0 {
            continue;
        }
        for (i, cell) in row.iter().enumerate() {
            let (x0, x1) = (p.x_edges[i].max(win.x.0), p.x_edges[i + 1].min(win.x.1));
            if x1 <= x0 {
                continue;
            }
            let color = match cell {
                Some(t) => {
                    let (r, g, b) = viridis((t - p.color_range.0) / span);
                    RGBColor(r, g, b)
                }
                None => MISSING,
            };
            ctx.plotting_area()
                .draw(&Rectangle::new([(x0, y1), (x1, y0)], color.filled()))
                .map_err(render_err)?;
        }
    }
    let mut painter = Painter::new(&ctx, win, &look);
    for s in &p.overlay {
        painter.series(s)?;
    }
    painter.boxes(&h.notes, h.notes_at, h.legend_at)?;

    // Colour bar, aligned with the plot area vertically.
    let mut bar = ChartBuilder::on(&cbar)
        .margin_top(frame.top)
        .margin_bottom(frame.bottom + frame.x_area)
        .margin_left(gap_left)
        .margin_right(look.px(6.0))
        .right_y_label_area_size(right_area)
        .build_cartesian_2d(AxisCoord::bare(0.0, 1.0), cc)
        .map_err(render_err)?;
    bar.configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .y_labels(1000)
        .set_all_tick_mark_size(tick_len)
        .axis_style(BLACK.stroke_width(1))
        .draw()
        .map_err(render_err)?;
    let (xr, yr) = bar.plotting_area().get_pixel_range();
    for (t, label) in bar.as_coord_spec().y_spec().major() {
        let (_, py) = bar.backend_coord(&(0.0, *t));
        let at = (xr.end + tick_len + gap, py);
        text::draw(
            &cbar,
            label,
            look.tick,
            BLACK,
            at,
            anchor(HPos::Left, VPos::Center),
            true,
        )?;
    }
    if !h.color_label.is_empty() {
        let (cx, _) = cbar.get_base_pixel();
        let (cw, _) = cbar.dim_in_pixel();
        let at = (cx + cw as i32 - look.px(4.0), (yr.start + yr.end) / 2);
        let a = anchor(HPos::Center, VPos::Bottom);
        text::draw(&cbar, &h.color_label, look.desc, BLACK, at, a, false)?;
    }
    const STEPS: usize = 256;
    let (lo, hi) = p.color_range;
    for k in 0..STEPS {
        let (t0, t1) = (k as f64 / STEPS as f64, (k + 1) as f64 / STEPS as f64);
        let (r, g, b) = viridis((t0 + t1) / 2.0);
        bar.plotting_area()
            .draw(&Rectangle::new(
                [(0.0, lo + t1 * (hi - lo)), (1.0, lo + t0 * (hi - lo))],
                RGBColor(r, g, b).filled(),
            ))
            .map_err(render_err)?;
    }
    bar.plotting_area()
        .draw(&Rectangle::new(
            [(0.0, hi), (1.0, lo)],
            BLACK.stroke_width(1),
        ))
        .map_err(render_err)?;
    Ok(())
}
