//! Panels laid out in a grid: one SVG document per figure.

use super::{esc, Plot};
use std::fmt::Write as _;

/// Plots laid out in a grid, rendered as one SVG document.
#[derive(Clone, Debug)]
pub struct Figure {
    title: String,
    cols: usize,
    cell_width: f64,
    cell_height: f64,
    plots: Vec<Plot>,
}

impl Figure {
    /// A figure of `cols` columns of `cell_width x cell_height` panels, with a title.
    pub fn new(title: impl Into<String>, cols: usize, cell_width: f64, cell_height: f64) -> Figure {
        Figure {
            title: title.into(),
            cols: cols.max(1),
            cell_width,
            cell_height,
            plots: Vec::new(),
        }
    }
    /// Adds the next panel (row by row).
    pub fn with(mut self, plot: Plot) -> Figure {
        self.plots.push(plot);
        self
    }
    pub fn push(&mut self, plot: Plot) {
        self.plots.push(plot);
    }

    /// The SVG document. A row is as tall as its tallest panel needs: panels with an
    /// equal aspect that end up wide and low leave no blank band below them.
    pub fn to_svg(&self) -> String {
        let heights: Vec<f64> = if self.plots.is_empty() {
            vec![self.cell_height]
        } else {
            self.plots
                .chunks(self.cols)
                .map(|row| {
                    row.iter()
                        .map(|p| p.frame(self.cell_width, self.cell_height).height)
                        .fold(0.0, f64::max)
                })
                .collect()
        };
        let top = if self.title.is_empty() { 0.0 } else { 28.0 };
        let (w, h) = (
            self.cols as f64 * self.cell_width,
            heights.iter().sum::<f64>() + top,
        );
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        );
        if !self.title.is_empty() {
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="20" font-size="16" text-anchor="middle" font-weight="bold">{}</text>"#,
                w / 2.0,
                esc(&self.title)
            );
        }
        for (i, plot) in self.plots.iter().enumerate() {
            let (r, c) = (i / self.cols, i % self.cols);
            plot.render(
                &mut out,
                c as f64 * self.cell_width,
                top + heights[..r].iter().sum::<f64>(),
                self.cell_width,
                heights[r],
            );
        }
        out.push_str("</svg>\n");
        out
    }
}
