//! Where a chart's legend goes and how it is drawn: in a corner the data
//! leaves free, beside the shorter bars, or below the plot.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{LEGEND_PX, ReportError, Y_LABELS_PX, err, plot_px};

/// Where a line chart's legend goes.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Legend {
    /// In a corner of the plot that no data crosses.
    Inside(SeriesLabelPosition),
    /// Below the plot, outside it: so many entries a row, so many rows.
    Below {
        /// Entries a row.
        columns: usize,
        /// Rows.
        rows: usize,
    },
}

/// The chart's width left to a legend below it, pixels.
const BELOW_W: f64 = 928.0;

impl Legend {
    /// Below the plot, in as many columns (at most 3) as the longest label fits.
    pub(super) fn below(labels: &[&str]) -> Legend {
        let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let entry = chars as f64 * 8.5 + 44.0;
        let columns = ((BELOW_W / entry) as usize)
            .clamp(1, 3)
            .min(labels.len().max(1));
        Legend::Below {
            columns,
            rows: labels.len().div_ceil(columns),
        }
    }

    /// The height of the strip below the plot, pixels (0 inside it).
    pub(super) fn strip_px(&self) -> u32 {
        match self {
            Legend::Inside(_) => 0,
            Legend::Below { rows, .. } => *rows as u32 * 22 + 12,
        }
    }
}

/// Draws a legend below the plot into `area`: each entry a short line in
/// its colour and its label, row by row.
pub(super) fn draw_below<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
    columns: usize,
    name: &str,
) -> Result<(), ReportError> {
    let width = (BELOW_W / columns.max(1) as f64) as i32;
    for (k, (label, c)) in entries.iter().enumerate() {
        let (col, row) = ((k % columns.max(1)) as i32, (k / columns.max(1)) as i32);
        let (x, y) = (24 + col * width, 10 + row * 22);
        area.draw(&PathElement::new(
            vec![(x, y + 8), (x + 20, y + 8)],
            c.stroke_width(3),
        ))
        .map_err(err(name))?;
        area.draw(&Text::new(
            label.clone(),
            (x + 28, y),
            ("sans-serif", LEGEND_PX).into_font(),
        ))
        .map_err(err(name))?;
    }
    Ok(())
}

/// The series legend every chart draws: a framed, half-opaque box at `pos`.
pub(super) fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
    font_px: u32,
    name: &str,
) -> Result<(), ReportError>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", font_px))
        .position(pos)
        .draw()
        .map_err(err(name))
}

/// Where a line chart's legend goes: the corner whose box covers none of
/// the lines (sampled along each segment), markers and horizontal lines,
/// on a tie the first of lower right, upper left, upper right, lower left;
/// else below the plot, outside it (the axes keep the data's range: a
/// probability stays within [0, 1]). The chart spans `x0..x1` and
/// `0..y_top`. The box size is estimated from the labels (~8 px a
/// character, 20 px a line).
pub(super) fn legend_place(
    lines: &[&[(f64, f64)]],
    labels: &[&str],
    (x0, x1): (f64, f64),
    y_top: f64,
) -> Legend {
    let (plot_w, plot_h) = plot_px(Y_LABELS_PX);
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let w = ((chars as f64 * 8.0 + 60.0) / plot_w).min(1.0) * (x1 - x0);
    let h = ((labels.len() as f64 * 20.0 + 22.0) / plot_h).min(1.0) * y_top;
    let corners = [
        (SeriesLabelPosition::LowerRight, x1 - w, 0.0),
        (SeriesLabelPosition::UpperLeft, x0, y_top - h),
        (SeriesLabelPosition::UpperRight, x1 - w, y_top - h),
        (SeriesLabelPosition::LowerLeft, x0, 0.0),
    ];
    let mut hits = [0usize; 4];
    for line in lines {
        let samples = line.windows(2).flat_map(|s| {
            (0..16).map(move |k| {
                let t = k as f64 / 16.0;
                (
                    s[0].0 + t * (s[1].0 - s[0].0),
                    s[0].1 + t * (s[1].1 - s[0].1),
                )
            })
        });
        for (x, y) in samples.chain(line.last().copied()) {
            for (c, (_, cx, cy)) in corners.iter().enumerate() {
                if (*cx..=cx + w).contains(&x) && (*cy..=cy + h).contains(&y) {
                    hits[c] += 1;
                }
            }
        }
    }
    let best = (0..4).min_by_key(|&c| hits[c]).unwrap_or(0);
    if hits[best] == 0 {
        return Legend::Inside(corners[best].0.clone());
    }
    Legend::below(labels)
}

/// Where the legend of horizontal bars goes, and how far the x axis must
/// reach so that no bar runs under it: the right-hand corner (lower or
/// upper) beside the rows with the shorter bars, the axis stretched past
/// those bars by the legend's width (estimated from its longest label).
/// `total` holds the bars' lengths from the bottom row up.
pub(super) fn legend_room(
    total: &[f64],
    labels: &[&str],
    left_px: u32,
) -> (SeriesLabelPosition, f64) {
    let n = total.len().max(1);
    let longest = total.iter().cloned().fold(0.0, f64::max).max(1e-9);
    // Plot area and legend box, in pixels (LEGEND_PX labels, ~8.5 px a character).
    let (plot_w, plot_h) = plot_px(left_px);
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let legend_w = chars as f64 * 8.5 + 50.0;
    let legend_h = labels.len() as f64 * 21.0 + 12.0;
    let covered = ((legend_h / (plot_h / n as f64)).ceil() as usize).clamp(1, n);
    let corner = |rows: &[f64]| rows.iter().cloned().fold(0.0, f64::max);
    let (bottom, top) = (
        corner(&total[..covered.min(total.len())]),
        corner(&total[total.len().saturating_sub(covered)..]),
    );
    let (pos, beside) = if bottom <= top {
        (SeriesLabelPosition::LowerRight, bottom)
    } else {
        (SeriesLabelPosition::UpperRight, top)
    };
    let free = (1.0 - legend_w / plot_w).clamp(0.4, 1.0);
    (pos, (longest * 1.1).max(beside * 1.02 / free))
}

#[cfg(test)]
mod legend_tests {
    use super::*;
    use crate::report::charts::plot_px;

    #[test]
    fn the_legend_goes_beside_the_shorter_bars_and_clears_them() {
        let labels = ["ebs_volume", "instance", "snapshot_storage", "transfer"];
        // The longest bar at the bottom: the legend goes up, the axis is unchanged.
        let (pos, xmax) = legend_room(
            &[36.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0, 12.0],
            &labels,
            140,
        );
        assert!(matches!(pos, SeriesLabelPosition::UpperRight));
        assert!((xmax - 36.0 * 1.1).abs() < 1e-9);
        // At the top: it goes down.
        let (pos, _) = legend_room(&[1.0, 12.0, 12.0, 36.0], &labels, 140);
        assert!(matches!(pos, SeriesLabelPosition::LowerRight));
        // Every bar long: the axis reaches far enough that the bars beside
        // the legend end before its left edge.
        let (_, xmax) = legend_room(&[36.0; 8], &labels, 140);
        let plot_w = plot_px(140).0;
        let legend_w = 16.0 * 8.0 + 50.0;
        assert!(36.0 / xmax < 1.0 - legend_w / plot_w, "{xmax}");
    }
}

#[cfg(test)]
mod corner_tests {
    use super::*;

    #[test]
    fn a_line_legend_avoids_the_lines() {
        let labels = ["monthly cost"];
        // A CDF bunched at the right with a tail along the bottom: not lower
        // right, but upper left (empty for any CDF).
        let cdf = [
            (2.4, 0.02),
            (3.3, 0.04),
            (4.1, 0.07),
            (4.1, 0.12),
            (4.6, 0.14),
            (4.7, 1.0),
        ];
        assert!(matches!(
            legend_place(&[&cdf], &labels, (0.0, 4.75), 1.05),
            Legend::Inside(SeriesLabelPosition::UpperLeft)
        ));
        // A CDF that leaves the lower right empty keeps it.
        let cdf = [(35.0, 0.0), (60.0, 0.7), (100.0, 0.99), (125.0, 1.0)];
        assert!(matches!(
            legend_place(&[&cdf], &labels, (0.0, 125.0), 1.05),
            Legend::Inside(SeriesLabelPosition::LowerRight)
        ));
        // Data in every corner: the legend goes below the plot, in as many
        // columns as fit, and the y axis keeps the data's range.
        let zigzag: Vec<(f64, f64)> = (0..=40).map(|i| (i as f64, (i % 2) as f64)).collect();
        assert_eq!(
            legend_place(&[&zigzag], &labels, (0.0, 40.0), 1.05),
            Legend::Below {
                columns: 1,
                rows: 1
            }
        );
        let many = ["a pipeline with a long name: p50 1h 24m 04s"; 8];
        assert_eq!(
            Legend::below(&many),
            Legend::Below {
                columns: 2,
                rows: 4
            }
        );
    }
}
