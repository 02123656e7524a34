//! Geometry in axis space: clipping and dashing.
//!
//! plotters does not clip: a coordinate outside the plot area is clamped to its border, which
//! bends a line that leaves the plot into a false segment along the frame. Lines are therefore
//! clipped here before they reach plotters.

pub(crate) type P = (f64, f64);

/// The visible rectangle in axis space.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub x: (f64, f64),
    pub y: (f64, f64),
}

impl Window {
    pub fn contains(&self, p: P) -> bool {
        let ex = (self.x.1 - self.x.0) * 1e-9;
        let ey = (self.y.1 - self.y.0) * 1e-9;
        p.0 >= self.x.0 - ex && p.0 <= self.x.1 + ex && p.1 >= self.y.0 - ey && p.1 <= self.y.1 + ey
    }

    /// Liang–Barsky: the part of segment `a→b` inside the window, if any.
    pub fn clip_segment(&self, a: P, b: P) -> Option<(P, P)> {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let mut t0 = 0.0f64;
        let mut t1 = 1.0f64;
        for (p, q) in [
            (-dx, a.0 - self.x.0),
            (dx, self.x.1 - a.0),
            (-dy, a.1 - self.y.0),
            (dy, self.y.1 - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        (t0 <= t1).then_some((
            (a.0 + t0 * dx, a.1 + t0 * dy),
            (a.0 + t1 * dx, a.1 + t1 * dy),
        ))
    }

    /// Clips a polyline into the visible runs.
    pub fn clip_polyline(&self, pts: &[P]) -> Vec<Vec<P>> {
        let mut runs: Vec<Vec<P>> = Vec::new();
        let mut current: Vec<P> = Vec::new();
        for w in pts.windows(2) {
            match self.clip_segment(w[0], w[1]) {
                Some((a, b)) => {
                    let continues = current.last().is_some_and(|l| *l == a);
                    if !continues {
                        if current.len() >= 2 {
                            runs.push(std::mem::take(&mut current));
                        }
                        current.clear();
                        current.push(a);
                    }
                    current.push(b);
                    if b != w[1] {
                        // Left the window: end this run.
                        runs.push(std::mem::take(&mut current));
                    }
                }
                None => {
                    if current.len() >= 2 {
                        runs.push(std::mem::take(&mut current));
                    }
                    current.clear();
                }
            }
        }
        if current.len() >= 2 {
            runs.push(current);
        }
        runs
    }
}

/// Cuts a polyline into dashes of `on` pixels separated by `off` pixels. `px` converts axis-space
/// offsets to pixels (pixels per unit along x and y), so dashes have the same length on screen
/// whatever the axis scales. plotters' dashed series restarts its pattern at every vertex, which
/// turns a finely sampled curve into a solid line.
pub(crate) fn dash(pts: &[P], px: (f64, f64), on: f64, off: f64) -> Vec<Vec<P>> {
    let mut dashes = Vec::new();
    let mut current: Vec<P> = Vec::new();
    let mut drawing = true;
    let mut left = on;
    if let Some(first) = pts.first() {
        current.push(*first);
    }
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = ((b.0 - a.0) * px.0).hypot((b.1 - a.1) * px.1);
        let mut pos = 0.0;
        while len - pos > left {
            pos += left;
            let t = pos / len;
            let p = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
            if drawing {
                current.push(p);
                dashes.push(std::mem::take(&mut current));
                left = off;
            } else {
                current = vec![p];
                left = on;
            }
            drawing = !drawing;
        }
        left -= len - pos;
        if drawing {
            current.push(b);
        }
    }
    if drawing && current.len() >= 2 {
        dashes.push(current);
    }
    dashes
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: Window = Window {
        x: (0.0, 1.0),
        y: (0.0, 1.0),
    };

    #[test]
    fn segment_crossing_the_window_is_cut_at_the_border() {
        let (a, b) = W.clip_segment((-1.0, 0.5), (2.0, 0.5)).unwrap();
        assert_eq!(a, (0.0, 0.5));
        assert_eq!(b, (1.0, 0.5));
        assert!(W.clip_segment((-1.0, 2.0), (2.0, 2.0)).is_none());
    }

    #[test]
    fn polyline_leaving_and_reentering_gives_two_runs() {
        let runs = W.clip_polyline(&[(0.1, 0.5), (0.5, 1.5), (0.9, 0.5)]);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0][0], (0.1, 0.5));
        assert_eq!(runs[1].last(), Some(&(0.9, 0.5)));
    }

    #[test]
    fn dashes_alternate_at_pixel_lengths() {
        let d = dash(&[(0.0, 0.0), (1.0, 0.0)], (100.0, 100.0), 10.0, 5.0);
        assert_eq!(d.len(), 7);
        let len = (d[0][1].0 - d[0][0].0) * 100.0;
        assert!((len - 10.0).abs() < 1e-9);
        assert!((d[1][0].0 * 100.0 - 15.0).abs() < 1e-9);
    }
}
