//! Pictures, written by hand: SVG plots for everything drawn with lines and points, PNG for
//! images. Book: `datasets.md` shows the figures; every chapter's `tour` section uses them.
//!
//! A [`Plot`] is one panel with axes: layers of points, lines, text, arrows, ellipses, line
//! segments, heatmap cells and error bars, in data coordinates. A [`Figure`] lays plots out
//! in a grid and renders one SVG document. [`image_grid`] tiles small images (digits) into
//! one [`Image`](crate::image::Image) that [`png::encode`] writes; [`class_map`] and
//! [`dendrogram`] are the charts several chapters draw.

mod charts;
mod figure;
mod images;
pub mod png;
mod ticks;

pub use charts::{class_map, dendrogram};
pub use figure::Figure;
pub use images::{captioned, glyph, image_grid, rows_as_images, to_bytes, upscale};
use ticks::tick_label;
pub use ticks::{fixed, integer_ticks, nice_ticks};

use crate::error::{Error, Result};
use std::fmt::Write as _;

/// Ten colours that stay distinguishable from each other (Tableau 10), for class labels.
pub const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// The palette colour of class `k` (cycling after ten).
pub fn class_color(k: usize) -> &'static str {
    PALETTE[k % PALETTE.len()]
}

/// A colour for a value in [0, 1] on a perceptually ordered ramp (viridis' end points and
/// three stops between), for continuous quantities such as a manifold coordinate.
pub fn ramp_color(v: f64) -> String {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    } * (STOPS.len() - 1) as f64;
    let i = (v.floor() as usize).min(STOPS.len() - 2);
    let f = v - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + f * (y - x)).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// How a layer of points is coloured.
#[derive(Clone, Debug)]
enum Colors {
    One(String),
    Classes(Vec<usize>),
    Values(Vec<f64>),
}

#[derive(Clone, Debug)]
enum Layer {
    Points {
        xs: Vec<f64>,
        ys: Vec<f64>,
        colors: Colors,
        radius: f64,
    },
    Line {
        xs: Vec<f64>,
        ys: Vec<f64>,
        color: String,
        dashed: bool,
    },
    Text {
        x: f64,
        y: f64,
        text: String,
        color: String,
    },
    Arrow {
        from: (f64, f64),
        to: (f64, f64),
        color: String,
    },
    Polygon {
        points: Vec<(f64, f64)>,
        color: String,
    },
    Segments {
        segments: Vec<[f64; 4]>,
        color: String,
    },
    Cells {
        values: Vec<f64>,
        rows: usize,
        cols: usize,
    },
    ErrorBars {
        xs: Vec<f64>,
        lo: Vec<f64>,
        hi: Vec<f64>,
        color: String,
    },
}

/// Where a panel's parts go in its cell: the data ranges, the data area's top-left offset
/// and size, the height the panel uses (less than the cell's when an equal aspect shrinks
/// it), and the width of the legend strip.
pub(super) struct Frame {
    ranges: ((f64, f64), (f64, f64)),
    origin: (f64, f64),
    size: (f64, f64),
    pub(super) height: f64,
    legend_width: f64,
}

/// One panel: a title, axis labels, a legend and layers drawn in data coordinates.
#[derive(Clone, Debug, Default)]
pub struct Plot {
    title: String,
    x_label: String,
    y_label: String,
    layers: Vec<Layer>,
    legend: Vec<(String, String)>,
    x_range: Option<(f64, f64)>,
    y_range: Option<(f64, f64)>,
    equal_aspect: bool,
    axes: bool,
    x_integer: bool,
    y_integer: bool,
}

fn check_same_len(what: &'static str, a: usize, b: usize) -> Result<()> {
    if a != b {
        return Err(Error::BadLength {
            what,
            expected: a,
            actual: b,
        });
    }
    Ok(())
}

impl Plot {
    /// An empty panel with a title.
    pub fn new(title: impl Into<String>) -> Plot {
        Plot {
            title: title.into(),
            axes: true,
            ..Plot::default()
        }
    }
    pub fn x_label(mut self, s: impl Into<String>) -> Plot {
        self.x_label = s.into();
        self
    }
    pub fn y_label(mut self, s: impl Into<String>) -> Plot {
        self.y_label = s.into();
        self
    }
    /// Fixes the x range instead of fitting the data.
    pub fn x_range(mut self, lo: f64, hi: f64) -> Plot {
        self.x_range = Some((lo, hi));
        self
    }
    pub fn y_range(mut self, lo: f64, hi: f64) -> Plot {
        self.y_range = Some((lo, hi));
        self
    }
    /// One data unit is as long on both axes (for embeddings and geometry).
    pub fn equal_aspect(mut self) -> Plot {
        self.equal_aspect = true;
        self
    }
    /// Whole-number ticks on the x axis (it counts epochs, components, ...).
    pub fn integer_x(mut self) -> Plot {
        self.x_integer = true;
        self
    }
    /// Whole-number ticks on the y axis.
    pub fn integer_y(mut self) -> Plot {
        self.y_integer = true;
        self
    }
    /// Hides the axes and ticks (for dendrogram-like or image-like panels).
    pub fn no_axes(mut self) -> Plot {
        self.axes = false;
        self
    }
    /// Adds a legend entry with a colour.
    pub fn legend(mut self, label: impl Into<String>, color: impl Into<String>) -> Plot {
        self.legend.push((label.into(), color.into()));
        self
    }

    /// Points in one colour.
    pub fn points(mut self, xs: &[f64], ys: &[f64], color: &str) -> Result<Plot> {
        check_same_len("Plot::points ys", xs.len(), ys.len())?;
        self.layers.push(Layer::Points {
            xs: xs.to_vec(),
            ys: ys.to_vec(),
            colors: Colors::One(color.into()),
            radius: 2.2,
        });
        Ok(self)
    }
    /// Larger points in one colour (centroids, marked sensors), of radius `radius` pixels.
    pub fn markers(mut self, xs: &[f64], ys: &[f64], color: &str, radius: f64) -> Result<Plot> {
        check_same_len("Plot::markers ys", xs.len(), ys.len())?;
        self.layers.push(Layer::Points {
            xs: xs.to_vec(),
            ys: ys.to_vec(),
            colors: Colors::One(color.into()),
            radius,
        });
        Ok(self)
    }
    /// Points coloured by class label, with a legend entry per class named in `names`
    /// (an empty `names` adds no legend).
    pub fn scatter_classes(
        mut self,
        xs: &[f64],
        ys: &[f64],
        labels: &[usize],
        names: &[String],
    ) -> Result<Plot> {
        check_same_len("Plot::scatter_classes ys", xs.len(), ys.len())?;
        check_same_len("Plot::scatter_classes labels", xs.len(), labels.len())?;
        self.layers.push(Layer::Points {
            xs: xs.to_vec(),
            ys: ys.to_vec(),
            colors: Colors::Classes(labels.to_vec()),
            radius: 2.2,
        });
        for (k, name) in names.iter().enumerate() {
            self.legend.push((name.clone(), class_color(k).into()));
        }
        Ok(self)
    }
    /// Points coloured by a continuous value (mapped from its range onto [`ramp_color`]).
    pub fn scatter_values(mut self, xs: &[f64], ys: &[f64], values: &[f64]) -> Result<Plot> {
        check_same_len("Plot::scatter_values ys", xs.len(), ys.len())?;
        check_same_len("Plot::scatter_values values", xs.len(), values.len())?;
        let (lo, hi) = extent(values.iter().copied());
        let span = if hi > lo { hi - lo } else { 1.0 };
        let scaled = values.iter().map(|v| (v - lo) / span).collect();
        self.layers.push(Layer::Points {
            xs: xs.to_vec(),
            ys: ys.to_vec(),
            colors: Colors::Values(scaled),
            radius: 2.2,
        });
        Ok(self)
    }
    /// A polyline (loss curves, objectives), with a legend entry when `label` is not empty.
    pub fn line(mut self, xs: &[f64], ys: &[f64], color: &str, label: &str) -> Result<Plot> {
        check_same_len("Plot::line ys", xs.len(), ys.len())?;
        self.layers.push(Layer::Line {
            xs: xs.to_vec(),
            ys: ys.to_vec(),
            color: color.into(),
            dashed: false,
        });
        if !label.is_empty() {
            self.legend.push((label.into(), color.into()));
        }
        Ok(self)
    }
    /// A dashed polyline (reference lines, thresholds).
    pub fn dashed_line(mut self, xs: &[f64], ys: &[f64], color: &str) -> Result<Plot> {
        check_same_len("Plot::dashed_line ys", xs.len(), ys.len())?;
        self.layers.push(Layer::Line {
            xs: xs.to_vec(),
            ys: ys.to_vec(),
            color: color.into(),
            dashed: true,
        });
        Ok(self)
    }
    /// Text anchored at a data point (state names in a biplot).
    pub fn text(mut self, x: f64, y: f64, text: impl Into<String>, color: &str) -> Plot {
        self.layers.push(Layer::Text {
            x,
            y,
            text: text.into(),
            color: color.into(),
        });
        self
    }
    /// An arrow from one data point to another (loading vectors in a biplot).
    pub fn arrow(mut self, from: (f64, f64), to: (f64, f64), color: &str) -> Plot {
        self.layers.push(Layer::Arrow {
            from,
            to,
            color: color.into(),
        });
        self
    }
    // ANCHOR: ellipse
    /// The ellipse `{x : (x - μ)ᵀ Σ⁻¹ (x - μ) = k²}` of a 2-D Gaussian (see
    /// [`ellipse_points`]).
    pub fn ellipse(
        mut self,
        mean: (f64, f64),
        cov: [[f64; 2]; 2],
        k: f64,
        color: &str,
    ) -> Result<Plot> {
        let points = ellipse_points(mean, cov, k)?;
        self.layers.push(Layer::Polygon {
            points,
            color: color.into(),
        });
        Ok(self)
    }
    // ANCHOR_END: ellipse
    /// Straight segments `[x0, y0, x1, y1]` (dendrogram branches, graph edges).
    pub fn segments(mut self, segments: &[[f64; 4]], color: &str) -> Plot {
        self.layers.push(Layer::Segments {
            segments: segments.to_vec(),
            color: color.into(),
        });
        self
    }
    /// A heatmap of a `rows x cols` row-major grid of values: cell (i, j) covers
    /// [j, j + 1] x [rows - i - 1, rows - i], so row 0 is at the top.
    pub fn heatmap(mut self, values: &[f64], rows: usize, cols: usize) -> Result<Plot> {
        check_same_len("Plot::heatmap values", rows * cols, values.len())?;
        self.layers.push(Layer::Cells {
            values: values.to_vec(),
            rows,
            cols,
        });
        Ok(self)
    }
    /// Vertical error bars from `lo[i]` to `hi[i]` at `xs[i]` (the gap statistic's ±1 s.e.).
    pub fn error_bars(mut self, xs: &[f64], lo: &[f64], hi: &[f64], color: &str) -> Result<Plot> {
        check_same_len("Plot::error_bars lo", xs.len(), lo.len())?;
        check_same_len("Plot::error_bars hi", xs.len(), hi.len())?;
        self.layers.push(Layer::ErrorBars {
            xs: xs.to_vec(),
            lo: lo.to_vec(),
            hi: hi.to_vec(),
            color: color.into(),
        });
        Ok(self)
    }

    /// The data extent of every layer.
    fn data_extent(&self) -> ((f64, f64), (f64, f64)) {
        let mut xs: Vec<f64> = Vec::new();
        let mut ys: Vec<f64> = Vec::new();
        for layer in &self.layers {
            match layer {
                Layer::Points { xs: x, ys: y, .. } | Layer::Line { xs: x, ys: y, .. } => {
                    xs.extend(x);
                    ys.extend(y);
                }
                Layer::Text { x, y, .. } => {
                    xs.push(*x);
                    ys.push(*y);
                }
                Layer::Arrow { from, to, .. } => {
                    xs.extend([from.0, to.0]);
                    ys.extend([from.1, to.1]);
                }
                Layer::Polygon { points, .. } => points.iter().for_each(|p| {
                    xs.push(p.0);
                    ys.push(p.1);
                }),
                Layer::Segments { segments, .. } => segments.iter().for_each(|s| {
                    xs.extend([s[0], s[2]]);
                    ys.extend([s[1], s[3]]);
                }),
                Layer::Cells { rows, cols, .. } => {
                    xs.extend([0.0, *cols as f64]);
                    ys.extend([0.0, *rows as f64]);
                }
                Layer::ErrorBars { xs: x, lo, hi, .. } => {
                    xs.extend(x);
                    ys.extend(lo);
                    ys.extend(hi);
                }
            }
        }
        (
            padded(extent(xs.into_iter())),
            padded(extent(ys.into_iter())),
        )
    }

    /// The legend's entries as (x offset, row) from the top left of its strip, which
    /// runs below the title and above the data, `width` pixels wide: legends never cover
    /// points.
    fn legend_layout(&self, width: f64) -> Vec<(f64, usize)> {
        let (mut x, mut row) = (0.0, 0);
        self.legend
            .iter()
            .map(|(label, _)| {
                let entry = 16.0 + 6.0 * label.chars().count() as f64;
                if x > 0.0 && x + entry > width {
                    (x, row) = (0.0, row + 1);
                }
                let at = (x, row);
                x += entry + 10.0;
                at
            })
            .collect()
    }

    /// Where the panel's parts go in a `w x h` cell.
    pub(super) fn frame(&self, w: f64, h: f64) -> Frame {
        let (mut xr, mut yr) = self.data_extent();
        if let Some(r) = self.x_range {
            xr = r;
        }
        if let Some(r) = self.y_range {
            yr = r;
        }
        let (left, right, mut top, bottom) = if self.axes {
            (52.0, 12.0, 26.0, 40.0)
        } else {
            (8.0, 8.0, 26.0, 8.0)
        };
        let legend_width = w - left - right;
        let legend_rows = self
            .legend_layout(legend_width)
            .last()
            .map_or(0, |&(_, row)| row + 1);
        top += 14.0 * legend_rows as f64;
        let (mut pw, mut ph) = (w - left - right, h - top - bottom);
        if self.equal_aspect {
            // Shrink one side so a data unit has the same length on both axes.
            let scale = (pw / (xr.1 - xr.0)).min(ph / (yr.1 - yr.0));
            (pw, ph) = (scale * (xr.1 - xr.0), scale * (yr.1 - yr.0));
        }
        Frame {
            ranges: (xr, yr),
            origin: (left, top),
            size: (pw, ph),
            height: top + ph + bottom,
            legend_width,
        }
    }

    // ANCHOR: render
    /// Draws the panel into the rectangle (x0, y0, w, h) of an SVG document.
    pub(super) fn render(&self, out: &mut String, x0: f64, y0: f64, w: f64, h: f64) {
        let frame = self.frame(w, h);
        let ((xr, yr), (left, top), (pw, ph)) = (frame.ranges, frame.origin, frame.size);
        let (px, py) = (x0 + left, y0 + top);
        let sx = |x: f64| px + (x - xr.0) / (xr.1 - xr.0) * pw;
        let sy = |y: f64| py + ph - (y - yr.0) / (yr.1 - yr.0) * ph;
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" font-size="13" text-anchor="middle" font-weight="bold">{}</text>"#,
            x0 + w / 2.0,
            y0 + 16.0,
            esc(&self.title)
        );
        if self.axes {
            let _ = writeln!(
                out,
                r##"<rect x="{px:.1}" y="{py:.1}" width="{pw:.1}" height="{ph:.1}" fill="none" stroke="#888"/>"##
            );
            let ticks = |integer: bool, (lo, hi): (f64, f64)| {
                if integer {
                    integer_ticks(lo, hi, 5)
                } else {
                    nice_ticks(lo, hi, 5)
                }
            };
            let xt = ticks(self.x_integer, xr);
            let xstep = xt.get(1).map_or(1.0, |b| b - xt[0]);
            for &t in &xt {
                let _ = writeln!(
                    out,
                    r##"<line x1="{0:.1}" y1="{1:.1}" x2="{0:.1}" y2="{2:.1}" stroke="#888"/><text x="{0:.1}" y="{3:.1}" font-size="10" text-anchor="middle">{4}</text>"##,
                    sx(t),
                    py + ph,
                    py + ph + 4.0,
                    py + ph + 15.0,
                    tick_label(t, xstep)
                );
            }
            let yt = ticks(self.y_integer, yr);
            let ystep = yt.get(1).map_or(1.0, |b| b - yt[0]);
            for &t in &yt {
                let _ = writeln!(
                    out,
                    r##"<line x1="{0:.1}" y1="{1:.1}" x2="{2:.1}" y2="{1:.1}" stroke="#888"/><text x="{3:.1}" y="{4:.1}" font-size="10" text-anchor="end">{5}</text>"##,
                    px - 4.0,
                    sy(t),
                    px,
                    px - 6.0,
                    sy(t) + 3.5,
                    tick_label(t, ystep)
                );
            }
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"#,
                px + pw / 2.0,
                py + ph + 32.0,
                esc(&self.x_label)
            );
            let _ = writeln!(
                out,
                r#"<text x="{0:.1}" y="{1:.1}" font-size="11" text-anchor="middle" transform="rotate(-90 {0:.1} {1:.1})">{2}</text>"#,
                x0 + 12.0,
                py + ph / 2.0,
                esc(&self.y_label)
            );
        }
        for layer in &self.layers {
            self.render_layer(out, layer, &sx, &sy);
        }
        self.render_labels(out, &sx, &sy);
        let strip = y0 + 26.0;
        for ((label, color), (dx, row)) in self
            .legend
            .iter()
            .zip(self.legend_layout(frame.legend_width))
        {
            let (lx, ly) = (px + dx, strip + 10.0 + 14.0 * row as f64);
            let _ = writeln!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{color}"/><text x="{:.1}" y="{:.1}" font-size="10">{}</text>"#,
                lx + 4.0,
                ly - 3.5,
                lx + 11.0,
                ly,
                esc(label)
            );
        }
    }
    // ANCHOR_END: render

    /// Text labels, placed so that none covers another: each takes the first free spot
    /// of four around its point (right or left, above or below); one with no free spot is
    /// left out. Later labels are placed first, so a plot's last-added labels (a biplot's
    /// loadings) always show.
    fn render_labels(&self, out: &mut String, sx: &dyn Fn(f64) -> f64, sy: &dyn Fn(f64) -> f64) {
        // 9 px sans-serif: about 5.2 px per character, 9 px tall.
        let mut placed: Vec<[f64; 4]> = Vec::new();
        let overlaps = |a: &[f64; 4], b: &[f64; 4]| {
            a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
        };
        for layer in self.layers.iter().rev() {
            let Layer::Text { x, y, text, color } = layer else {
                continue;
            };
            let (px, py) = (sx(*x), sy(*y));
            let width = 5.2 * text.chars().count() as f64;
            let spots = [
                (px + 2.0, py - 2.0),
                (px + 2.0, py + 9.0),
                (px - 2.0 - width, py - 2.0),
                (px - 2.0 - width, py + 9.0),
            ];
            let free = spots.into_iter().find(|&(lx, ly)| {
                let b = [lx, ly - 8.0, width, 9.0];
                !placed.iter().any(|p| overlaps(p, &b))
            });
            if let Some((lx, ly)) = free {
                placed.push([lx, ly - 8.0, width, 9.0]);
                let _ = writeln!(
                    out,
                    r#"<text x="{lx:.1}" y="{ly:.1}" font-size="9" fill="{color}">{}</text>"#,
                    esc(text)
                );
            }
        }
    }

    fn render_layer(
        &self,
        out: &mut String,
        layer: &Layer,
        sx: &dyn Fn(f64) -> f64,
        sy: &dyn Fn(f64) -> f64,
    ) {
        match layer {
            Layer::Points {
                xs,
                ys,
                colors,
                radius,
            } => {
                for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
                    let fill = match colors {
                        Colors::One(c) => c.clone(),
                        Colors::Classes(l) => class_color(l[i]).to_string(),
                        Colors::Values(v) => ramp_color(v[i]),
                    };
                    let _ = writeln!(
                        out,
                        r#"<circle cx="{:.1}" cy="{:.1}" r="{radius}" fill="{fill}" fill-opacity="0.8"/>"#,
                        sx(x),
                        sy(y)
                    );
                }
            }
            Layer::Line {
                xs,
                ys,
                color,
                dashed,
            } => {
                let pts: Vec<String> = xs
                    .iter()
                    .zip(ys)
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .map(|(&x, &y)| format!("{:.1},{:.1}", sx(x), sy(y)))
                    .collect();
                let dash = if *dashed {
                    r#" stroke-dasharray="5,4""#
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="1.6"{dash}/>"#,
                    pts.join(" ")
                );
            }
            // Labels are placed together, after everything else (`render_labels`).
            Layer::Text { .. } => {}
            Layer::Arrow { from, to, color } => {
                let (x1, y1, x2, y2) = (sx(from.0), sy(from.1), sx(to.0), sy(to.1));
                let (dx, dy) = (x2 - x1, y2 - y1);
                let len = dx.hypot(dy).max(1e-9);
                let (ux, uy) = (dx / len * 7.0, dy / len * 7.0);
                let _ = writeln!(
                    out,
                    r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{color}" stroke-width="1.5"/><polygon points="{x2:.1},{y2:.1} {:.1},{:.1} {:.1},{:.1}" fill="{color}"/>"#,
                    x2 - ux - uy * 0.5,
                    y2 - uy + ux * 0.5,
                    x2 - ux + uy * 0.5,
                    y2 - uy - ux * 0.5
                );
            }
            Layer::Polygon { points, color } => {
                let pts: Vec<String> = points
                    .iter()
                    .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
                    .collect();
                let _ = writeln!(
                    out,
                    r#"<polygon points="{}" fill="none" stroke="{color}" stroke-width="1.5"/>"#,
                    pts.join(" ")
                );
            }
            Layer::Segments { segments, color } => {
                for s in segments {
                    let _ = writeln!(
                        out,
                        r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{color}" stroke-width="1.2"/>"#,
                        sx(s[0]),
                        sy(s[1]),
                        sx(s[2]),
                        sy(s[3])
                    );
                }
            }
            Layer::Cells { values, rows, cols } => {
                let (lo, hi) = extent(values.iter().copied());
                let span = if hi > lo { hi - lo } else { 1.0 };
                for i in 0..*rows {
                    for j in 0..*cols {
                        let (x, y) = (sx(j as f64), sy((rows - i) as f64));
                        let (w, h) = (sx(j as f64 + 1.0) - x, sy((rows - i - 1) as f64) - y);
                        let _ = writeln!(
                            out,
                            r#"<rect x="{x:.1}" y="{y:.1}" width="{:.2}" height="{:.2}" fill="{}"/>"#,
                            w + 0.3,
                            h + 0.3,
                            ramp_color((values[i * cols + j] - lo) / span)
                        );
                    }
                }
            }
            Layer::ErrorBars { xs, lo, hi, color } => {
                for ((&x, &l), &h) in xs.iter().zip(lo).zip(hi) {
                    let x = sx(x);
                    let _ = writeln!(
                        out,
                        r#"<path d="M{:.1},{:.1}H{:.1}M{x:.1},{:.1}V{:.1}M{:.1},{:.1}H{:.1}" stroke="{color}" fill="none"/>"#,
                        x - 3.0,
                        sy(l),
                        x + 3.0,
                        sy(l),
                        sy(h),
                        x - 3.0,
                        sy(h),
                        x + 3.0
                    );
                }
            }
        }
    }

    /// The panel alone as an SVG document of `width x height` pixels.
    pub fn to_svg(&self, width: f64, height: f64) -> String {
        Figure::new("", 1, width, height)
            .with(self.clone())
            .to_svg()
    }
}

/// 73 points around the ellipse `{x : (x - μ)ᵀ Σ⁻¹ (x - μ) = k²}`: `k` standard deviations
/// along each principal axis of the covariance `[[a, b], [b, c]]`.
pub fn ellipse_points(mean: (f64, f64), cov: [[f64; 2]; 2], k: f64) -> Result<Vec<(f64, f64)>> {
    let [[a, b], [b2, c]] = cov;
    // Eigenvalues of a symmetric 2 x 2 matrix in closed form.
    let (half_trace, disc) = ((a + c) / 2.0, (((a - c) / 2.0).powi(2) + b * b).sqrt());
    let (l1, l2) = (half_trace + disc, half_trace - disc);
    if b != b2 || !(l2 >= 0.0 && l1.is_finite()) {
        return Err(Error::invalid(
            "cov",
            format!("{cov:?}"),
            "not a covariance: must be symmetric positive semi-definite",
        ));
    }
    // The major axis's angle: tan 2θ = 2b / (a - c).
    let angle = 0.5 * (2.0 * b).atan2(a - c);
    let (r1, r2) = (k * l1.sqrt(), k * l2.sqrt());
    Ok((0..=72)
        .map(|i| {
            let t = std::f64::consts::TAU * i as f64 / 72.0;
            let (u, v) = (r1 * t.cos(), r2 * t.sin());
            (
                mean.0 + u * angle.cos() - v * angle.sin(),
                mean.1 + u * angle.sin() + v * angle.cos(),
            )
        })
        .collect())
}

/// The smallest and largest finite values (0 and 1 when there are none).
fn extent(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        (0.0, 1.0)
    } else {
        (lo, hi)
    }
}

/// Widens a range by 5% on each side (or ±1 when it is a single value).
fn padded((lo, hi): (f64, f64)) -> (f64, f64) {
    if hi > lo {
        let pad = 0.05 * (hi - lo);
        (lo - pad, hi + pad)
    } else {
        (lo - 1.0, hi + 1.0)
    }
}
