//! Drawing a prepared chart (or the plot part of a heatmap) onto a plotters area.

use plotters::coord::CoordTranslate;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::error::render_err;
use crate::geom::{P, Window, dash};
use crate::output::Area;
use crate::palette::{marker_shape_index, palette_color};
use crate::prepare::{PChart, PSeries};
use crate::text::{self, Px, anchor};
use crate::ticks::{AxisCoord, from_axis, to_axis};
use crate::{Axis, FunctionLine, Placement, PlotError, RefLine, Scale, SeriesStyle};

pub(crate) type Ctx<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<AxisCoord, AxisCoord>>;

/// Sizes that scale with the image, so a 1000×700 figure and a small panel are both legible.
/// Text grows more slowly than the image: a panel half as wide keeps most of its text size (it
/// is still read at the same distance) while leaving room for the data.
pub(crate) struct Look {
    pub s: f64,
    pub title: Px,
    pub desc: Px,
    pub tick: Px,
    pub text: Px,
}

impl Look {
    pub fn for_size((w, h): (u32, u32)) -> Self {
        let s = (w as f64 / 1000.0)
            .min(h as f64 / 700.0)
            .powf(0.35)
            .clamp(0.75, 2.5);
        Self {
            s,
            title: Px::new(28.0 * s),
            desc: Px::new(22.0 * s),
            tick: Px::new(18.0 * s),
            text: Px::new(18.0 * s),
        }
    }

    pub fn px(&self, base: f64) -> i32 {
        (base * self.s).round().max(1.0) as i32
    }
}

fn rgb(i: usize) -> RGBColor {
    let (r, g, b) = palette_color(i);
    RGBColor(r, g, b)
}

const REF_GREY: RGBColor = RGBColor(90, 90, 90);

/// Draws the title (if any) and returns the area below it.
pub(crate) fn title<'b>(area: &Area<'b>, title: &str, look: &Look) -> Result<Area<'b>, PlotError> {
    if title.is_empty() {
        return Ok(area.margin(look.px(8.0), 0, 0, 0));
    }
    let (w, _) = area.dim_in_pixel();
    let (bx, by) = area.get_base_pixel();
    let pad = look.px(10.0);
    let at = (bx + w as i32 / 2, by + pad);
    text::draw(
        area,
        title,
        look.title,
        BLACK,
        at,
        anchor(HPos::Center, VPos::Top),
        true,
    )?;
    Ok(area.split_vertically(look.title.0 as i32 + 2 * pad).1)
}

fn max_width<'s>(labels: impl Iterator<Item = &'s str>, size: Px) -> Result<i32, PlotError> {
    let mut w = 0.0f64;
    for l in labels {
        w = w.max(text::width(l, size)?);
    }
    Ok(w.ceil() as i32)
}

/// Pixel layout of a plot: tick sets and the room around the plot area.
pub(crate) struct Frame {
    pub xc: AxisCoord,
    pub yc: AxisCoord,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
    pub left: i32,
    pub x_area: i32,
    pub y_area: i32,
}

impl Frame {
    /// Chooses tick sets that fit the available pixels, then sizes the label areas from the
    /// actual labels, so long tick labels (`2×10⁻³`) are neither clipped nor overlapping.
    pub fn layout(
        body: &Area<'_>,
        look: &Look,
        x: &Axis,
        y: &Axis,
        win: Window,
    ) -> Result<Self, PlotError> {
        let (w, h) = body.dim_in_pixel();
        let (w, h) = (w as i32, h as i32);
        let tick_h = look.tick.0 as i32;
        let desc_h = look.desc.0 as i32;
        let tick_len = look.px(5.0);
        let gap = look.px(4.0);

        let x_area = tick_len
            + gap
            + tick_h
            + if x.label.is_empty() {
                gap
            } else {
                look.px(8.0) + desc_h
            };
        let (top, bottom, left) = (look.px(12.0), look.px(6.0), look.px(8.0));

        let plot_h = (h - top - bottom - x_area).max(40);
        let target_y = (plot_h as f64 / (tick_h as f64 * 3.0)).floor() as usize;
        let yc = AxisCoord::new(y.scale, win.y.0, win.y.1, target_y);
        let label_w = max_width(yc.labels(), look.tick)?;
        let y_area = tick_len
            + gap
            + label_w
            + if y.label.is_empty() {
                gap
            } else {
                look.px(10.0) + desc_h
            };

        // x ticks: start generous and thin out until the labels have room between them.
        let mut right = look.px(25.0);
        let plot_w = (w - left - right - y_area).max(40);
        let mut target_x = (plot_w as f64 / (tick_h as f64 * 4.0)).floor() as usize;
        let xc = loop {
            let xc = AxisCoord::new(x.scale, win.x.0, win.x.1, target_x);
            let mut placed = Vec::with_capacity(xc.major().len());
            for (t, label) in xc.major() {
                placed.push((xc.frac(*t) * plot_w as f64, text::width(label, look.tick)?));
            }
            if let Some((_, last_w)) = placed.last() {
                right = right.max((last_w / 2.0).ceil() as i32 + look.px(6.0));
            }
            // Log axes space ticks unevenly, so check each neighbouring pair.
            let min_gap = look.px(12.0) as f64;
            let fits = placed
                .windows(2)
                .all(|w| w[1].0 - w[0].0 >= (w[0].1 + w[1].1) / 2.0 + min_gap);
            if fits || target_x <= 2 {
                break xc;
            }
            target_x -= 1;
        };
        Ok(Self {
            xc,
            yc,
            top,
            right,
            bottom,
            left,
            x_area,
            y_area,
        })
    }

    /// Builds the plotters chart and draws axes, grid, ticks, tick labels and axis titles.
    pub fn build<'a, 'b>(
        &self,
        body: &'a Area<'b>,
        look: &Look,
        x: &Axis,
        y: &Axis,
    ) -> Result<Ctx<'a, 'b>, PlotError> {
        let mut ctx = ChartBuilder::on(body)
            .margin_top(self.top)
            .margin_right(self.right)
            .margin_bottom(self.bottom)
            .margin_left(self.left)
            .x_label_area_size(self.x_area)
            .y_label_area_size(self.y_area)
            .build_cartesian_2d(self.xc.clone(), self.yc.clone())
            .map_err(render_err)?;
        ctx.configure_mesh()
            .x_labels(1000)
            .y_labels(1000)
            .set_all_tick_mark_size(look.px(5.0))
            .light_line_style(RGBColor(242, 242, 242))
            .bold_line_style(RGBColor(210, 210, 210))
            .axis_style(BLACK.stroke_width(1))
            .draw()
            .map_err(render_err)?;
        let (xr, yr) = ctx.plotting_area().get_pixel_range();
        // A thin frame on the open sides makes panels read as separate plots.
        let (bx, by) = body.get_base_pixel();
        let frame = PathElement::new(
            vec![
                (xr.start - bx, yr.start - by),
                (xr.end - 1 - bx, yr.start - by),
                (xr.end - 1 - bx, yr.end - 1 - by),
            ],
            RGBColor(150, 150, 150).stroke_width(1),
        );
        body.draw(&frame).map_err(render_err)?;

        let tick_len = look.px(5.0);
        let gap = look.px(4.0);
        for (t, label) in self.xc.major() {
            let (px, _) = ctx.backend_coord(&(*t, self.yc.lo));
            let at = (px, yr.end + tick_len + gap);
            text::draw(
                body,
                label,
                look.tick,
                BLACK,
                at,
                anchor(HPos::Center, VPos::Top),
                true,
            )?;
        }
        for (t, label) in self.yc.major() {
            let (_, py) = ctx.backend_coord(&(self.xc.lo, *t));
            let at = (xr.start - tick_len - gap, py);
            text::draw(
                body,
                label,
                look.tick,
                BLACK,
                at,
                anchor(HPos::Right, VPos::Center),
                true,
            )?;
        }
        let pad = look.px(2.0);
        if !x.label.is_empty() {
            let at = ((xr.start + xr.end) / 2, yr.end + self.x_area - pad);
            text::draw(
                body,
                &x.label,
                look.desc,
                BLACK,
                at,
                anchor(HPos::Center, VPos::Bottom),
                true,
            )?;
        }
        if !y.label.is_empty() {
            let at = (xr.start - self.y_area + pad, (yr.start + yr.end) / 2);
            text::draw(
                body,
                &y.label,
                look.desc,
                BLACK,
                at,
                anchor(HPos::Center, VPos::Top),
                false,
            )?;
        }
        Ok(ctx)
    }
}

/// What a legend row shows next to its label.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Glyph {
    Series {
        color: usize,
        line: bool,
        marker: bool,
    },
    Dashed {
        color: RGBColor,
        on: f64,
        off: f64,
    },
}

/// Draws data onto a built chart, remembering where it drew (for placing text boxes) and what
/// belongs in the legend.
pub(crate) struct Painter<'c, 'a, 'b> {
    ctx: &'c Ctx<'a, 'b>,
    pub win: Window,
    /// Pixels per axis unit along x and y.
    px: (f64, f64),
    look: &'c Look,
    /// Drawn positions as fractions of the plot area, y upwards.
    pub occupied: Vec<(f64, f64)>,
    pub legend: Vec<(Glyph, String)>,
}

impl<'c, 'a, 'b> Painter<'c, 'a, 'b> {
    pub fn new(ctx: &'c Ctx<'a, 'b>, win: Window, look: &'c Look) -> Self {
        let (pw, ph) = ctx.plotting_area().dim_in_pixel();
        let px = (
            pw as f64 / (win.x.1 - win.x.0),
            ph as f64 / (win.y.1 - win.y.0),
        );
        Self {
            ctx,
            win,
            px,
            look,
            occupied: Vec::new(),
            legend: Vec::new(),
        }
    }

    fn area(&self) -> &DrawingArea<BitMapBackend<'b>, Cartesian2d<AxisCoord, AxisCoord>> {
        self.ctx.plotting_area()
    }

    fn occupy(&mut self, p: P) {
        self.occupied.push((
            (p.0 - self.win.x.0) / (self.win.x.1 - self.win.x.0),
            (p.1 - self.win.y.0) / (self.win.y.1 - self.win.y.0),
        ));
    }

    /// Records points along a visible polyline, about one per 20 pixels.
    fn occupy_path(&mut self, pts: &[P]) {
        for w in pts.windows(2) {
            let len = ((w[1].0 - w[0].0) * self.px.0).hypot((w[1].1 - w[0].1) * self.px.1);
            let n = (len / 20.0).ceil().max(1.0) as usize;
            for i in 0..=n {
                let t = i as f64 / n as f64;
                self.occupy((
                    w[0].0 + t * (w[1].0 - w[0].0),
                    w[0].1 + t * (w[1].1 - w[0].1),
                ));
            }
        }
    }

    fn path(&mut self, pts: Vec<P>, style: ShapeStyle) -> Result<(), PlotError> {
        self.occupy_path(&pts);
        self.area()
            .draw(&PathElement::new(pts, style))
            .map_err(render_err)
    }

    fn dashed(&mut self, pts: &[P], style: ShapeStyle, on: f64, off: f64) -> Result<(), PlotError> {
        for run in self.win.clip_polyline(pts) {
            self.occupy_path(&run);
            for d in dash(&run, self.px, on * self.look.s, off * self.look.s) {
                // A dash is a few pixels long: drawn as one straight stroke it has clean ends,
                // where plotters' thick polyline would show a joint at every sample.
                let ends = vec![d[0], d[d.len() - 1]];
                self.area()
                    .draw(&PathElement::new(ends, style))
                    .map_err(render_err)?;
            }
        }
        Ok(())
    }

    pub fn hline(&mut self, line: &RefLine, ys: Scale) -> Result<(), PlotError> {
        let Some(y) = to_axis(ys, line.y) else {
            return Ok(());
        };
        let color = line.color.map_or(REF_GREY, rgb);
        let style = color.stroke_width(self.look.px(2.0) as u32);
        let (on, off) = (12.0, 6.0);
        self.dashed(&[(self.win.x.0, y), (self.win.x.1, y)], style, on, off)?;
        if !line.label.is_empty() {
            self.legend
                .push((Glyph::Dashed { color, on, off }, line.label.clone()));
        }
        Ok(())
    }

    /// Samples `y = C·x^b` evenly in axis space; on log-log axes that is a straight line, on
    /// linear axes a curve, and either way the dashes keep their on-screen length.
    pub fn function(&mut self, f: &FunctionLine, xs: Scale, ys: Scale) -> Result<(), PlotError> {
        const N: usize = 400;
        let color = f.color.map_or(BLACK, rgb);
        let style = color.stroke_width(self.look.px(2.0) as u32);
        let (on, off) = (7.0, 5.0);
        let mut pieces: Vec<Vec<P>> = vec![Vec::new()];
        for i in 0..=N {
            let xt = self.win.x.0 + (self.win.x.1 - self.win.x.0) * i as f64 / N as f64;
            let x = from_axis(xs, xt);
            match to_axis(ys, f.prefactor * x.powf(f.exponent)) {
                Some(yt) => pieces.last_mut().expect("never empty").push((xt, yt)),
                None => pieces.push(Vec::new()),
            }
        }
        for p in pieces.iter().filter(|p| p.len() >= 2) {
            self.dashed(p, style, on, off)?;
        }
        if !f.label.is_empty() {
            self.legend
                .push((Glyph::Dashed { color, on, off }, f.label.clone()));
        }
        Ok(())
    }

    pub fn series(&mut self, s: &PSeries) -> Result<(), PlotError> {
        let color = rgb(s.color);
        let shape = marker_shape_index(s.color);
        let line_w = self.look.px(2.0) as u32;
        let bar_w = self.look.px(1.5) as u32;
        let cap = self.look.px(4.0);
        let r = self.look.px(4.5);
        let has_line = matches!(s.style, SeriesStyle::Line | SeriesStyle::LineAndMarkers);
        let has_marker = matches!(s.style, SeriesStyle::Markers | SeriesStyle::LineAndMarkers);
        let win = self.win;

        for run in &s.runs {
            // Error bars first so lines and markers stay on top of them.
            for p in run {
                let bar_style = color.mix(p.alpha).stroke_width(bar_w);
                if let Some((lo, hi)) = p.ybar
                    && p.x >= win.x.0
                    && p.x <= win.x.1
                {
                    self.error_bar((p.x, lo), (p.x, hi), win.y, true, bar_style, cap)?;
                }
                if let Some((lo, hi)) = p.xbar
                    && p.y >= win.y.0
                    && p.y <= win.y.1
                {
                    self.error_bar((lo, p.y), (hi, p.y), win.x, false, bar_style, cap)?;
                }
            }
            if has_line && run.len() >= 2 {
                let uniform = run.iter().all(|p| p.alpha == run[0].alpha);
                if uniform {
                    let pts: Vec<P> = run.iter().map(|p| (p.x, p.y)).collect();
                    let style = color.mix(run[0].alpha).stroke_width(line_w);
                    for piece in win.clip_polyline(&pts) {
                        self.path(piece, style)?;
                    }
                } else {
                    // Each segment takes the mean opacity of its ends, so a fading series fades
                    // along its line too.
                    for w in run.windows(2) {
                        let style = color
                            .mix((w[0].alpha + w[1].alpha) / 2.0)
                            .stroke_width(line_w);
                        if let Some((a, b)) = win.clip_segment((w[0].x, w[0].y), (w[1].x, w[1].y)) {
                            self.path(vec![a, b], style)?;
                        }
                    }
                }
            }
            if has_marker {
                for p in run.iter().filter(|p| win.contains((p.x, p.y))) {
                    self.occupy((p.x, p.y));
                    marker(self.area(), (p.x, p.y), shape, r, color, p.alpha)?;
                }
            }
        }
        if !s.label.is_empty() {
            self.legend.push((
                Glyph::Series {
                    color: s.color,
                    line: has_line,
                    marker: has_marker,
                },
                s.label.clone(),
            ));
        }
        Ok(())
    }

    /// A bar from `a` to `b` along one axis, cut to `limits` on that axis; an end cut off (or at
    /// -inf, a non-positive end on a log axis) gets no cap, so the bar visibly continues.
    fn error_bar(
        &mut self,
        a: P,
        b: P,
        limits: (f64, f64),
        vertical: bool,
        style: ShapeStyle,
        cap: i32,
    ) -> Result<(), PlotError> {
        let along = |p: P| if vertical { p.1 } else { p.0 };
        let set = |p: P, v: f64| if vertical { (p.0, v) } else { (v, p.1) };
        let (lo, hi) = (along(a), along(b));
        if hi < limits.0 || lo > limits.1 || hi <= lo {
            return Ok(());
        }
        let (lo_c, hi_c) = (lo.max(limits.0), hi.min(limits.1));
        let (a, b) = (set(a, lo_c), set(b, hi_c));
        self.path(vec![a, b], style)?;
        let cap_line = if vertical {
            vec![(-cap, 0), (cap, 0)]
        } else {
            vec![(0, -cap), (0, cap)]
        };
        for (end, capped) in [(a, lo >= limits.0), (b, hi <= limits.1)] {
            if capped {
                self.area()
                    .draw(&(EmptyElement::at(end) + PathElement::new(cap_line.clone(), style)))
                    .map_err(render_err)?;
            }
        }
        Ok(())
    }

    /// Draws the legend and the notes inside the plot area, each where it hides the least data.
    pub fn boxes(
        &self,
        notes: &[String],
        notes_at: Placement,
        legend_at: Placement,
    ) -> Result<(), PlotError> {
        let plot = self.area().strip_coord_spec();
        let (pw, ph) = plot.dim_in_pixel();
        let note_rows: Vec<(Option<Glyph>, String)> =
            notes.iter().map(|n| (None, n.clone())).collect();
        let legend_rows: Vec<(Option<Glyph>, String)> = self
            .legend
            .iter()
            .map(|(g, l)| (Some(*g), l.clone()))
            .collect();

        let mut taken = None;
        if !note_rows.is_empty() {
            let size = box_size(&note_rows, self.look)?;
            let corner = resolve_corner(
                notes_at,
                &[
                    Placement::UpperLeft,
                    Placement::UpperRight,
                    Placement::LowerLeft,
                    Placement::LowerRight,
                ],
                &size,
                (pw, ph),
                &self.occupied,
                None,
                self.look,
            );
            draw_box(&plot, &note_rows, corner, size, self.look)?;
            taken = Some(corner);
        }
        if !legend_rows.is_empty() {
            let size = box_size(&legend_rows, self.look)?;
            let corner = resolve_corner(
                legend_at,
                &[
                    Placement::UpperRight,
                    Placement::LowerRight,
                    Placement::LowerLeft,
                    Placement::UpperLeft,
                ],
                &size,
                (pw, ph),
                &self.occupied,
                taken,
                self.look,
            );
            draw_box(&plot, &legend_rows, corner, size, self.look)?;
        }
        Ok(())
    }
}

/// A marker with a darker outline: the outline keeps light or translucent markers visible on
/// white and on heatmap cells alike.
pub(crate) fn marker<CT: CoordTranslate>(
    area: &DrawingArea<BitMapBackend<'_>, CT>,
    at: CT::From,
    shape: usize,
    r: i32,
    color: RGBColor,
    alpha: f64,
) -> Result<(), PlotError>
where
    CT::From: Clone,
{
    let fill = color.mix(alpha).filled();
    let edge = RGBColor(
        (color.0 as f64 * 0.55) as u8,
        (color.1 as f64 * 0.55) as u8,
        (color.2 as f64 * 0.55) as u8,
    )
    .mix(alpha)
    .stroke_width(1);
    if shape == 0 {
        area.draw(&(EmptyElement::at(at.clone()) + Circle::new((0, 0), r, fill)))
            .map_err(render_err)?;
        return area
            .draw(&(EmptyElement::at(at) + Circle::new((0, 0), r, edge)))
            .map_err(render_err);
    }
    let rf = r as f64;
    let pts: Vec<(i32, i32)> = match shape {
        1 => {
            let a = (rf * 0.85).round() as i32;
            vec![(-a, -a), (a, -a), (a, a), (-a, a)]
        }
        2 => {
            let (h, w) = ((rf * 1.15).round() as i32, (rf * 1.1).round() as i32);
            vec![(0, -h), (w, (rf * 0.75) as i32), (-w, (rf * 0.75) as i32)]
        }
        _ => {
            let a = (rf * 1.2).round() as i32;
            vec![(0, -a), (a, 0), (0, a), (-a, 0)]
        }
    };
    let mut closed = pts.clone();
    closed.push(pts[0]);
    area.draw(&(EmptyElement::at(at.clone()) + Polygon::new(pts, fill)))
        .map_err(render_err)?;
    area.draw(&(EmptyElement::at(at) + PathElement::new(closed, edge)))
        .map_err(render_err)
}

type Rows = [(Option<Glyph>, String)];

struct BoxMetrics {
    w: i32,
    h: i32,
    line_h: i32,
    pad: i32,
    glyph_w: i32,
}

fn box_size(rows: &Rows, look: &Look) -> Result<BoxMetrics, PlotError> {
    let line_h = (look.text.0 * 1.4).round() as i32;
    let pad = look.px(6.0);
    let glyph_w = if rows.iter().any(|r| r.0.is_some()) {
        look.px(40.0)
    } else {
        0
    };
    let text_w = max_width(rows.iter().map(|r| r.1.as_str()), look.text)?;
    Ok(BoxMetrics {
        w: 2 * pad + glyph_w + text_w,
        h: 2 * pad + line_h * (rows.len() as i32 - 1) + look.text.0 as i32,
        line_h,
        pad,
        glyph_w,
    })
}

fn inset(look: &Look) -> i32 {
    look.px(8.0)
}

fn box_origin(corner: Placement, m: &BoxMetrics, (pw, ph): (u32, u32), look: &Look) -> (i32, i32) {
    let i = inset(look);
    let (pw, ph) = (pw as i32, ph as i32);
    match corner {
        Placement::UpperRight => (pw - i - m.w, i),
        Placement::LowerLeft => (i, ph - i - m.h),
        Placement::LowerRight => (pw - i - m.w, ph - i - m.h),
        Placement::UpperLeft | Placement::Auto => (i, i),
    }
}

/// The corner whose box would cover the fewest drawn points; earlier entries of `order` win
/// ties, and `exclude` (the corner the notes took) is skipped.
fn resolve_corner(
    wanted: Placement,
    order: &[Placement],
    m: &BoxMetrics,
    dim: (u32, u32),
    occupied: &[(f64, f64)],
    exclude: Option<Placement>,
    look: &Look,
) -> Placement {
    if wanted != Placement::Auto {
        return wanted;
    }
    let (pw, ph) = (dim.0 as f64, dim.1 as f64);
    let slack = look.px(6.0);
    let cost = |corner: Placement| -> usize {
        let (x0, y0) = box_origin(corner, m, dim, look);
        let (x0, y0, x1, y1) = (x0 - slack, y0 - slack, x0 + m.w + slack, y0 + m.h + slack);
        occupied
            .iter()
            .filter(|(fx, fy)| {
                let (x, y) = (fx * pw, (1.0 - fy) * ph);
                x >= x0 as f64 && x <= x1 as f64 && y >= y0 as f64 && y <= y1 as f64
            })
            .count()
    };
    order
        .iter()
        .copied()
        .filter(|c| Some(*c) != exclude)
        .min_by_key(|c| cost(*c))
        .unwrap_or(order[0])
}

fn draw_box(
    plot: &Area<'_>,
    rows: &Rows,
    corner: Placement,
    m: BoxMetrics,
    look: &Look,
) -> Result<(), PlotError> {
    let (x0, y0) = box_origin(corner, &m, plot.dim_in_pixel(), look);
    plot.draw(&Rectangle::new(
        [(x0, y0), (x0 + m.w, y0 + m.h)],
        WHITE.mix(0.88).filled(),
    ))
    .map_err(render_err)?;
    plot.draw(&Rectangle::new(
        [(x0, y0), (x0 + m.w, y0 + m.h)],
        RGBColor(150, 150, 150),
    ))
    .map_err(render_err)?;
    let (bx, by) = plot.get_base_pixel();
    for (i, (glyph, label)) in rows.iter().enumerate() {
        let cy = y0 + m.pad + m.line_h * i as i32 + look.text.0 as i32 / 2;
        if let Some(g) = glyph {
            draw_glyph(plot, *g, (x0 + m.pad, cy), m.glyph_w - look.px(8.0), look)?;
        }
        let at = (bx + x0 + m.pad + m.glyph_w, by + cy);
        text::draw(
            plot,
            label,
            look.text,
            BLACK,
            at,
            anchor(HPos::Left, VPos::Center),
            true,
        )?;
    }
    Ok(())
}

fn draw_glyph(
    plot: &Area<'_>,
    g: Glyph,
    (x, y): (i32, i32),
    w: i32,
    look: &Look,
) -> Result<(), PlotError> {
    match g {
        Glyph::Series {
            color,
            line,
            marker: m,
        } => {
            let c = rgb(color);
            if line {
                plot.draw(&PathElement::new(
                    vec![(x, y), (x + w, y)],
                    c.stroke_width(look.px(2.0) as u32),
                ))
                .map_err(render_err)?;
            }
            if m {
                marker(
                    plot,
                    (x + w / 2, y),
                    marker_shape_index(color),
                    look.px(4.5),
                    c,
                    1.0,
                )?;
            }
        }
        Glyph::Dashed { color, on, off } => {
            let style = color.stroke_width(look.px(2.0) as u32);
            let (on, off) = ((on * look.s).round() as i32, (off * look.s).round() as i32);
            let mut cx = x;
            while cx < x + w {
                let end = (cx + on).min(x + w);
                plot.draw(&PathElement::new(vec![(cx, y), (end, y)], style))
                    .map_err(render_err)?;
                cx = end + off;
            }
        }
    }
    Ok(())
}

/// A whole chart in `area`.
pub(crate) fn draw_chart_in(area: &Area<'_>, p: &PChart<'_>) -> Result<(), PlotError> {
    let chart = p.chart;
    let look = Look::for_size(area.dim_in_pixel());
    area.fill(&WHITE).map_err(render_err)?;
    let body = title(area, &chart.title, &look)?;
    let frame = Frame::layout(&body, &look, &chart.x, &chart.y, p.window)?;
    let ctx = frame.build(&body, &look, &chart.x, &chart.y)?;
    let mut painter = Painter::new(&ctx, p.window, &look);
    for h in &chart.hlines {
        painter.hline(h, chart.y.scale)?;
    }
    for f in &chart.lines {
        painter.function(f, chart.x.scale, chart.y.scale)?;
    }
    for s in &p.series {
        painter.series(s)?;
    }
    // Reference lines are listed after the data in the legend: the data is what the figure is
    // about.
    let refs = chart.hlines.iter().filter(|h| !h.label.is_empty()).count()
        + chart.lines.iter().filter(|f| !f.label.is_empty()).count();
    painter.legend.rotate_left(refs);
    painter.boxes(&chart.notes, chart.notes_at, chart.legend_at)
}
